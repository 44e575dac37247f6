//! Backup and restore: a backup taken while messages keep arriving restores into a fresh
//! deployment that answers exactly as the original did at one instant (accounts, guilds,
//! roles and overwrites, messages, DMs, read states, and the same tokens still valid); and
//! every archive that should not be restored is refused with nothing changed.

use std::path::Path;
use std::sync::{Arc, Mutex};

use parley::backup;
use parley_objects::{LocalStore, ObjectKey, ObjectStore};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::helpers::{
    Backend, Session, TestApp, TestDatabase, assert_error, on_both_backends, say, spawn_app_on, spawn_app_with,
    status_and_json,
};

const KEY: (&str, &str) = ("PARLEY_BACKUP_KEY", "a passphrase for the backup tests");

async fn json_at(app: &TestApp, path: &str, who: &Session) -> Value {
    let (status, body) = status_and_json(app.get(path, Some(&who.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "GET {path} as {}: {body}", who.username);
    body
}

/// Messages in `channel`, oldest first, as ids.
/// Puts a few files into `app`'s files_dir, one larger than any buffer, and a crash's
/// leftover in `.incoming`; returns each object's key and bytes.
async fn uploaded_files(app: &TestApp) -> Vec<(ObjectKey, Vec<u8>)> {
    let dir = match &app.settings.files {
        parley::settings::FileStorage::Local { dir } => dir.clone(),
        other => panic!("the test deployment keeps files locally, not {other:?}"),
    };
    let store = LocalStore::open(&dir).await.unwrap();
    let files: Vec<(ObjectKey, Vec<u8>)> = [
        ("attachments/1/2/photo.png", (0..3_000_000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>()),
        ("avatars/3/abc.png", b"a small avatar".to_vec()),
        ("emojis/4.png", Vec::new()),
    ]
    .into_iter()
    .map(|(k, v)| (ObjectKey::parse(k).unwrap(), v))
    .collect();
    for (key, bytes) in &files {
        let body: parley_objects::ByteStream =
            Box::pin(futures::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(bytes.clone()))]));
        store.put(key, body, u64::MAX).await.unwrap();
    }
    std::fs::write(dir.join(".incoming/crashed"), b"half an upload").unwrap();
    files
}

/// An object's bytes.
async fn read_object(store: &dyn ObjectStore, key: &ObjectKey) -> Vec<u8> {
    use futures::StreamExt;
    let mut body = store.get(key, None).await.unwrap_or_else(|e| panic!("{key}: {e}")).body;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

async fn message_ids(app: &TestApp, who: &Session, channel: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = match &before {
            Some(id) => json_at(app, &format!("/channels/{channel}/messages?limit=100&before={id}"), who).await,
            None => json_at(app, &format!("/channels/{channel}/messages?limit=100"), who).await,
        };
        let page: Vec<String> = page.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
        if page.is_empty() {
            break;
        }
        before = page.last().cloned();
        ids.extend(page);
    }
    ids.reverse();
    ids
}

/// Posts messages one after another until stopped, keeping the id of each the server
/// acknowledged, in order.
fn write_load(
    app: &TestApp,
    who: &Session,
    channel: &str,
    stop: CancellationToken,
) -> (Arc<Mutex<Vec<String>>>, tokio::task::JoinHandle<()>) {
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let (client, url, token) =
        (app.client.clone(), app.api(&format!("/channels/{channel}/messages")), who.access_token.clone());
    let kept = acknowledged.clone();
    let task = tokio::spawn(async move {
        let mut n = 0;
        while !stop.is_cancelled() {
            n += 1;
            let response = client
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({ "content": format!("load {n}") }))
                .send()
                .await
                .expect("the server answers under load");
            assert_eq!(response.status(), StatusCode::OK, "a write failed during the backup");
            let message: Value = response.json().await.unwrap();
            kept.lock().unwrap().push(message["id"].as_str().unwrap().to_owned());
        }
    });
    (acknowledged, task)
}

/// `value` without what the write load changes: entries for its channel are left out (the
/// copy's messages there are checked on their own, against the instant of the backup).
fn apart_from(value: Value, load_channel: &str) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|item| item["id"] != load_channel && item["channel_id"] != load_channel)
                .map(|item| apart_from(item, load_channel))
                .collect(),
        ),
        other => other,
    }
}

async fn a_backup_taken_under_write_load_restores_into_a_fresh_deployment_that_answers_the_same(backend: Backend) {
    let app = spawn_app_with(backend, &[KEY]).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let guild = app.guild_with(&alice, "Kept", &[&bob, &carol]).await;
    let g = &guild.id;

    // A role that may see a private channel, held by bob only.
    let (status, role) = status_and_json(
        app.post_json(
            &format!("/guilds/{g}/roles"),
            &json!({"name": "crew", "permissions": "1024"}),
            Some(&alice.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{role}");
    let role = role["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.put(&format!("/guilds/{g}/members/{}/roles/{role}", bob.user_id), &alice.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, private) = status_and_json(
        app.post_json(&format!("/guilds/{g}/channels"), &json!({"name": "crew-only"}), Some(&alice.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{private}");
    let private = private["id"].as_str().unwrap().to_owned();
    for (id, overwrite) in
        [(g.as_str(), json!({"type": 0, "deny": "1024"})), (role.as_str(), json!({"type": 0, "allow": "1024"}))]
    {
        let set = app.put_json(&format!("/channels/{private}/permissions/{id}"), &overwrite, &alice.access_token).await;
        assert_eq!(set.status(), StatusCode::NO_CONTENT);
    }
    say(&app, &bob, &private, "only the crew reads this").await;
    assert_error(
        app.get(&format!("/channels/{private}/messages"), Some(&carol.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;

    for i in 0..30 {
        say(&app, if i % 2 == 0 { &alice } else { &bob }, &guild.general, &format!("before {i}")).await;
    }
    let read_up_to = say(&app, &alice, &guild.general, "read up to here").await;
    let acked = app
        .post_json(
            &format!("/channels/{}/messages/{read_up_to}/ack", guild.general),
            &json!({}),
            Some(&bob.access_token),
        )
        .await;
    assert_eq!(acked.status(), StatusCode::OK);
    let (status, dm) = status_and_json(
        app.post_json("/users/@me/channels", &json!({"recipient_id": carol.user_id}), Some(&bob.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dm}");
    say(&app, &bob, dm["id"].as_str().unwrap(), "just between us").await;

    // The backup runs while carol keeps writing in a channel of her own.
    let (status, firehose) = status_and_json(
        app.post_json(&format!("/guilds/{g}/channels"), &json!({"name": "firehose"}), Some(&alice.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{firehose}");
    let firehose = firehose["id"].as_str().unwrap().to_owned();
    let stop = CancellationToken::new();
    let (acknowledged, load) = write_load(&app, &carol, &firehose, stop.clone());
    while acknowledged.lock().unwrap().len() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Uploaded files in files_dir (as the server's LocalStore keeps them), and an upload a
    // crash left half-written, which is no object.
    let files = uploaded_files(&app).await;
    let folder = tempfile::tempdir().unwrap();
    let archive = folder.path().join("kept.backup");
    let before_backup = acknowledged.lock().unwrap().clone();
    let written = backup::write(&app.settings, &archive).await.expect("the backup is written");
    let during_backup = acknowledged.lock().unwrap().len() - before_backup.len();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.cancel();
    load.await.unwrap();
    assert!(during_backup > 0, "writes went on while the backup ran");
    assert_eq!(
        written.manifest.database.backend.to_string(),
        match backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    );

    let fresh = TestDatabase::new(backend).await;
    let restored = backup::restore(&fresh.settings(&[KEY]), &archive).await.expect("the backup restores");
    assert!(restored.migrated.is_empty(), "same build, same schema: {:?}", restored.migrated);
    let restored_files = LocalStore::open(&fresh.data_dir().join("files")).await.unwrap();
    for (key, bytes) in &files {
        assert_eq!(&read_object(&restored_files, key).await, bytes, "the file {key} is back, byte for byte");
    }
    assert!(!fresh.data_dir().join("files/.incoming/crashed").exists(), "a half-written upload is not restored");
    assert_eq!(written.files_in_bucket, None);
    let copy = spawn_app_on(fresh, &[KEY]).await;

    // The same tokens work, and every reader sees what they saw.
    for who in [&alice, &bob, &carol] {
        let paths = [
            "/users/@me".to_owned(),
            "/users/@me/guilds".to_owned(),
            "/users/@me/channels".to_owned(),
            "/users/@me/read-states".to_owned(),
            format!("/guilds/{g}"),
            format!("/guilds/{g}/channels"),
            format!("/guilds/{g}/roles"),
            format!("/guilds/{g}/members/{}", bob.user_id),
            format!("/channels/{}/messages?limit=100", guild.general),
        ];
        for path in &paths {
            let (copied, original) = (json_at(&copy, path, who).await, json_at(&app, path, who).await);
            assert_eq!(apart_from(copied, &firehose), apart_from(original, &firehose), "{path} as {}", who.username);
        }
    }
    assert_eq!(
        json_at(&copy, &format!("/channels/{private}/messages"), &bob).await,
        json_at(&app, &format!("/channels/{private}/messages"), &bob).await
    );
    assert_error(
        copy.get(&format!("/channels/{private}/messages"), Some(&carol.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    let refreshed = copy.post_json("/auth/refresh", &json!({"refresh_token": bob.refresh_token}), None).await;
    assert_eq!(refreshed.status(), StatusCode::OK, "a refresh token from before the backup still works");

    // The messages are those of one instant: everything acknowledged before the backup began,
    // then an unbroken run of the load, in order, and nothing the original does not have.
    let original = message_ids(&app, &alice, &firehose).await;
    let copied = message_ids(&copy, &alice, &firehose).await;
    assert_eq!(
        copied[..],
        original[..copied.len()],
        "the copy is a prefix of the original: no holes, nothing invented"
    );
    let all_load = acknowledged.lock().unwrap().clone();
    let copied_load: Vec<&String> = copied.iter().filter(|id| all_load.contains(id)).collect();
    assert!(copied_load.len() >= before_backup.len(), "every write acknowledged before the backup began is in it");
    assert!(
        copied_load.iter().zip(&all_load).all(|(a, b)| *a == b),
        "the load's messages in the copy are its first ones, in order"
    );
    assert!(copied.len() < original.len(), "writes after the snapshot are not in it");

    // The restored deployment takes new writes.
    say(&copy, &carol, &firehose, "after the restore").await;
    copy.stop().await;
    app.stop().await;
}

async fn archives_that_should_not_be_restored_are_refused_and_nothing_changes(backend: Backend) {
    let app = spawn_app_with(backend, &[KEY]).await;
    let ann = app.register("ann").await;
    let folder = tempfile::tempdir().unwrap();
    let archive = folder.path().join("one.backup");
    backup::write(&app.settings, &archive).await.unwrap();
    let refused = |e: anyhow::Error| format!("{e:#}");

    // No key set: the command says which setting.
    let unkeyed = TestDatabase::new(backend).await;
    let error = refused(backup::write(&unkeyed.settings(&[]), &folder.path().join("x.backup")).await.unwrap_err());
    assert!(error.contains("PARLEY_BACKUP_KEY"), "{error}");
    assert!(!folder.path().join("x.backup").exists());
    let error = refused(backup::write(&app.settings, &archive).await.unwrap_err());
    assert!(error.contains("already exists"), "never overwrites: {error}");

    // Into a deployment someone uses: refused before the archive is even opened.
    let error = refused(backup::restore(&app.settings, &archive).await.unwrap_err());
    assert!(error.contains("already holds 1 account"), "{error}");

    let fresh = TestDatabase::new(backend).await;
    let wrong = refused(
        backup::restore(&fresh.settings(&[("PARLEY_BACKUP_KEY", "not the passphrase it was made with")]), &archive)
            .await
            .unwrap_err(),
    );
    assert!(wrong.contains("made with another key"), "{wrong}");

    let bytes = std::fs::read(&archive).unwrap();
    let mut damaged = bytes.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x40;
    let damaged_path = folder.path().join("damaged.backup");
    std::fs::write(&damaged_path, &damaged).unwrap();
    let error = refused(backup::restore(&fresh.settings(&[KEY]), &damaged_path).await.unwrap_err());
    assert!(error.contains("damaged"), "{error}");
    let cut_path = folder.path().join("cut.backup");
    std::fs::write(&cut_path, &bytes[..bytes.len() - 100]).unwrap();
    let error = refused(backup::restore(&fresh.settings(&[KEY]), &cut_path).await.unwrap_err());
    assert!(error.contains("damaged") || error.contains("cut short"), "{error}");

    let other = match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let elsewhere = TestDatabase::new(other).await;
    let error = refused(backup::restore(&elsewhere.settings(&[KEY]), &archive).await.unwrap_err());
    assert!(error.contains("same backend"), "{error}");

    // After all that, the fresh deployment is still blank and takes the good archive, and the
    // original still serves ann.
    assert!(no_schema(&fresh).await, "a refused restore left nothing behind");
    backup::restore(&fresh.settings(&[KEY]), &archive).await.expect("the undamaged archive restores");
    assert_eq!(app.me(&ann.access_token).await.status(), StatusCode::OK);
    app.stop().await;
}

/// A restore that fails while loading leaves the deployment as it found it: no signing key
/// put in place, no database made; and a database that is not Parley's is never overwritten.
async fn a_restore_that_fails_late_changes_nothing_and_a_foreign_database_is_left_alone(backend: Backend) {
    let fresh = TestDatabase::new(backend).await;
    let settings = fresh.settings(&[KEY]);
    let folder = tempfile::tempdir().unwrap();
    // An archive that opens and matches its manifest, but whose database copy is not one.
    let archive = folder.path().join("hollow.backup");
    let file = std::fs::File::create(&archive).unwrap();
    let mut writer = backup::archive::ArchiveWriter::create(file, settings.backup_key.as_ref().unwrap()).unwrap();
    let junk = folder.path().join("junk");
    std::fs::write(&junk, vec![7u8; 8192]).unwrap();
    let info = match backend {
        Backend::Sqlite => {
            writer.add_file("database/parley.sqlite", &junk).unwrap();
            parley_store::snapshot::SnapshotInfo {
                backend: parley_store::Backend::Sqlite,
                schema_version: 1,
                files: vec!["parley.sqlite".into()],
                tables: Vec::new(),
            }
        }
        Backend::Postgres => {
            writer.add_file("database/table-users.copy", &junk).unwrap();
            parley_store::snapshot::SnapshotInfo {
                backend: parley_store::Backend::Postgres,
                schema_version: 1,
                files: vec!["table-users.copy".into()],
                tables: vec![parley_store::snapshot::TableCopy {
                    name: "users".into(),
                    columns: vec!["id".into()],
                    rows: 1,
                    file: "table-users.copy".into(),
                }],
            }
        }
    };
    writer.add_bytes("secrets/signing-key", format!("{}\n", "ab".repeat(32)).as_bytes()).unwrap();
    writer.finish(info, "2026-12-07T00:00:00Z".into()).unwrap();
    let error = format!("{:#}", backup::restore(&settings, &archive).await.unwrap_err());
    assert!(error.contains("cannot load the backup"), "{error}");
    assert!(!settings.signing_key_file.exists(), "the backup's key was not put in place");
    assert!(!settings.signing_key_file.with_extension("restoring").exists(), "nor left beside it");

    // A database with tables but no Parley schema.
    match backend {
        Backend::Sqlite => {
            use sqlx::ConnectOptions;
            let options: sqlx::sqlite::SqliteConnectOptions = fresh.url.parse().unwrap();
            let mut conn = options.create_if_missing(true).connect().await.unwrap();
            sqlx::query("CREATE TABLE ledger (n int)").execute(&mut conn).await.unwrap();
        }
        Backend::Postgres => {
            let (client, connection) = tokio_postgres::connect(&fresh.url, tokio_postgres::NoTls).await.unwrap();
            let driver = tokio::spawn(connection);
            client.batch_execute("DROP TABLE IF EXISTS users CASCADE; DROP TABLE IF EXISTS refinery_schema_history; CREATE TABLE ledger (n int)").await.unwrap();
            drop(client);
            let _ = driver.await;
        }
    }
    let good = folder.path().join("good.backup");
    let source = spawn_app_with(backend, &[KEY]).await;
    backup::write(&source.settings, &good).await.unwrap();
    source.stop().await;
    let error = format!("{:#}", backup::restore(&settings, &good).await.unwrap_err());
    assert!(error.contains("no Parley schema"), "{error}");
}

/// Whether `db` has no tables yet.
async fn no_schema(db: &TestDatabase) -> bool {
    let url = parley_store::DatabaseUrl::parse(&db.url).unwrap();
    matches!(parley_store::snapshot::occupancy(&url).await.unwrap(), parley_store::snapshot::Occupancy::Blank)
}

/// `parley backup --dir` keeps the newest few; `restore --check` reads one without changing
/// anything; `restore` puts it back, from the command line as operators run it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_and_restore_commands_keep_the_newest_archives_and_restore_one() {
    let app = spawn_app_with(Backend::Sqlite, &[KEY]).await;
    let dee = app.register("dee").await;
    let source = TestDatabase {
        url: app.settings.database_url.as_str().to_owned(),
        dir: tempfile::tempdir().unwrap(),
        _pg: None,
    };
    let folder = tempfile::tempdir().unwrap();
    let run = |db: &TestDatabase, args: &[&str]| {
        let mut command = crate::helpers::parley_command(db, args);
        command.env(KEY.0, KEY.1).env("PARLEY_SIGNING_KEY_FILE", app.settings.signing_key_file.as_os_str());
        command.output().unwrap()
    };
    let dir = folder.path().to_str().unwrap();
    for _ in 0..3 {
        let output = run(&source, &["backup", "--dir", dir, "--keep", "2"]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    let kept = backup::retention::backups_in(folder.path()).unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    let newest = kept[1].to_str().unwrap();

    let fresh = TestDatabase::new(Backend::Sqlite).await;
    let key_copy = folder.path().join("signing-key");
    let check = run(&fresh, &["restore", "--check", newest, "--signing-key-to", key_copy.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && said.contains("SQLite database at schema version"), "{said}");
    assert_eq!(
        std::fs::read_to_string(&key_copy).unwrap().trim(),
        std::fs::read_to_string(&app.settings.signing_key_file).unwrap().trim(),
        "--signing-key-to writes out the key the tokens were signed with"
    );
    assert!(!Path::new(&fresh.data_dir().join("parley.db")).exists(), "--check changes nothing");

    let mut restore = crate::helpers::parley_command(&fresh, &["restore", newest]);
    restore.env(KEY.0, KEY.1);
    // Not under a running server (`parley serve` holds the data directory's lock).
    let serving = parley::data_lock::serving(&fresh.data_dir()).expect("the lock is taken");
    let refused = restore.output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("a Parley server is running"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    drop(serving);
    let output = restore.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let again = run(&fresh, &["restore", newest]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds 1 account"));
    let copy = spawn_app_on(fresh, &[KEY]).await;
    assert_eq!(copy.me(&dee.access_token).await.status(), StatusCode::OK, "dee's token works on the restored copy");
    copy.stop().await;
    app.stop().await;
}

on_both_backends!(
    a_backup_taken_under_write_load_restores_into_a_fresh_deployment_that_answers_the_same,
    archives_that_should_not_be_restored_are_refused_and_nothing_changes,
    a_restore_that_fails_late_changes_nothing_and_a_foreign_database_is_left_alone,
);
