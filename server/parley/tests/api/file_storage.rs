//! Where uploaded files are kept (`files_storage`): a node opens its storage at start and
//! refuses to start on a bucket it cannot reach, naming the settings; `/ready` reports the
//! storage beside the database, and a bucket that goes away later is reported without taking
//! the node out of service. S3 here is s3s-fs, a real S3-compatible server that checks
//! signatures, started by the test.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{Backend, TestDatabase, parley_command, spawn_app_with, status_and_json};

const ACCESS_KEY: &str = "parley-test";
pub const SECRET_KEY: &str = "parley-test-secret";

/// s3s-fs with a `parley` bucket, on a free loopback port; stopped when dropped.
pub struct S3Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl S3Server {
    pub async fn start() -> Self {
        let binary = std::env::var("PARLEY_TEST_S3S_FS")
            .unwrap_or_else(|_| panic!("PARLEY_TEST_S3S_FS is not set: run ./scripts/test, which installs s3s-fs"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("parley")).unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", ACCESS_KEY])
            .args(["--secret-key", SECRET_KEY])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        let server = Self { child, port, dir };
        crate::fault_proxy::within("s3s-fs listens", Duration::from_secs(5), async || {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
        })
        .await;
        server
    }

    pub fn settings(&self, secret: &str) -> Vec<(&'static str, String)> {
        vec![
            ("PARLEY_FILES_STORAGE", "s3".into()),
            ("PARLEY_S3_ENDPOINT", format!("http://127.0.0.1:{}", self.port)),
            ("PARLEY_S3_BUCKET", "parley".into()),
            ("PARLEY_S3_PATH_STYLE", "true".into()),
            ("PARLEY_S3_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("PARLEY_S3_SECRET_ACCESS_KEY", secret.into()),
        ]
    }

    /// Objects in the bucket (s3s-fs keeps each as a file under the bucket's folder).
    pub fn object_count(&self) -> usize {
        self.objects_under("")
    }

    /// Objects in the bucket whose keys start with the folder `prefix`.
    pub fn objects_under(&self, prefix: &str) -> usize {
        fn count(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum()
            })
        }
        count(&self.dir.path().join("parley").join(prefix))
    }

    /// Where the server answers, as a URL's origin.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_reports_the_file_storage_and_a_bucket_gone_away_does_not_take_the_node_out_of_service() {
    let local = spawn_app_with(Backend::Sqlite, &[]).await;
    let (status, ready) =
        status_and_json(local.client.get(format!("{}/ready", local.address)).send().await.unwrap()).await;
    assert_eq!((status, ready["files"].as_str()), (StatusCode::OK, Some("ok")), "{ready}");
    local.stop().await;

    let mut s3 = S3Server::start().await;
    let settings = s3.settings(SECRET_KEY);
    let extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(Backend::Sqlite, &extra).await;
    let ready_url = format!("{}/ready", app.address);
    let (status, ready) = status_and_json(app.client.get(&ready_url).send().await.unwrap()).await;
    assert_eq!((status, ready["files"].as_str()), (StatusCode::OK, Some("ok")), "{ready}");

    s3.stop();
    let (status, ready) = status_and_json(app.client.get(&ready_url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "still in service: {ready}");
    assert!(ready["files"].as_str().is_some_and(|f| f.starts_with("unreachable")), "{ready}");
    let me = app.register("ann").await;
    assert_eq!(app.me(&me.access_token).await.status(), StatusCode::OK, "the rest serves");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_on_a_bucket_it_cannot_sign_in_to_and_names_the_settings() {
    let s3 = S3Server::start().await;
    let db = TestDatabase::new(Backend::Sqlite).await;
    let mut command = parley_command(&db, &["serve"]);
    for (key, value) in s3.settings("not-the-right-secret") {
        command.env(key, value);
    }
    let output = command.stdout(Stdio::null()).output().expect("parley runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "it must not start: {stderr}");
    assert!(
        stderr.contains("cannot reach the S3 bucket parley") && stderr.contains("s3_secret_access_key"),
        "says which settings to look at: {stderr}"
    );
    assert!(!stderr.contains("not-the-right-secret"), "and never the secret: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_local_files_restores_into_a_deployment_on_s3_and_an_s3_deployments_backup_names_its_bucket() {
    use futures::StreamExt;
    use parley_objects::{LocalStore, ObjectKey, ObjectStore};

    const BACKUP_KEY: (&str, &str) = ("PARLEY_BACKUP_KEY", "a-backup-passphrase-for-tests");
    let app = spawn_app_with(Backend::Sqlite, &[BACKUP_KEY]).await;
    let local = LocalStore::open(&app.settings.data_dir.join("files")).await.unwrap();
    let key = ObjectKey::parse("attachments/5/6/notes.txt").unwrap();
    let bytes = axum::body::Bytes::from_static(b"moved to S3 by a backup and a restore");
    local.put(&key, Box::pin(futures::stream::iter([Ok(bytes.clone())])), 1024).await.unwrap();
    let folder = tempfile::tempdir().unwrap();
    let archive = folder.path().join("local.backup");
    parley::backup::write(&app.settings, &archive).await.unwrap();
    app.stop().await;

    let s3 = S3Server::start().await;
    let settings = s3.settings(SECRET_KEY);
    let mut extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    extra.push(BACKUP_KEY);
    let fresh = TestDatabase::new(Backend::Sqlite).await;
    let on_s3 = fresh.settings(&extra);
    parley::backup::restore(&on_s3, &archive).await.expect("the backup restores onto S3");
    let parley::settings::FileStorage::S3(config) = &on_s3.files else { panic!("{:?}", on_s3.files) };
    let bucket = parley_objects::S3Store::connect(config).await.unwrap();
    let mut body = bucket.get(&key, None).await.expect("the file is in the bucket").body;
    let mut back = Vec::new();
    while let Some(chunk) = body.next().await {
        back.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(back, bytes.to_vec());

    let written = parley::backup::write(&on_s3, &folder.path().join("s3.backup")).await.unwrap();
    assert_eq!(
        written.files_in_bucket.as_deref(),
        Some("parley"),
        "the bucket keeps the files, and the backup says so"
    );
    assert!(!written.manifest.entries.iter().any(|e| e.path.starts_with("files/")), "{:?}", written.manifest.entries);
}
