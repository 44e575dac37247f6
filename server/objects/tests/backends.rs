//! Both object stores behave alike, proven against the local filesystem and a real
//! S3-compatible server that checks SigV4 signatures (s3s-fs, started here on loopback):
//! bytes come back identical, whole or by range; a body past its limit or one that fails
//! leaves nothing behind (no file, no open multipart upload) and the object it would have
//! replaced unchanged; large bodies go up in parts; wrong credentials are refused.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use parley_objects::s3::MIN_PART_SIZE;
use parley_objects::{ByteRange, ByteStream, LocalStore, ObjectError, ObjectKey, ObjectStore, S3Config, S3Store};

const ACCESS_KEY: &str = "parley-test";
const SECRET_KEY: &str = "parley-test-secret";
const BUCKET: &str = "parley";

/// s3s-fs serving a temporary directory on a free loopback port; stopped when dropped.
struct S3Server {
    child: Child,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3s_fs() -> String {
    std::env::var("PARLEY_TEST_S3S_FS")
        .unwrap_or_else(|_| panic!("PARLEY_TEST_S3S_FS is not set: run ./scripts/test, which installs s3s-fs"))
}

async fn start_s3() -> S3Server {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(BUCKET)).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(s3s_fs())
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--access-key",
            ACCESS_KEY,
            "--secret-key",
            SECRET_KEY,
        ])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("s3s-fs starts");
    let server = S3Server { child, endpoint: format!("http://127.0.0.1:{port}"), _dir: dir };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("s3s-fs did not listen on {port}");
}

fn config(server: &S3Server, secret: &str) -> S3Config {
    S3Config {
        endpoint: Some(server.endpoint.clone()),
        region: "us-east-1".into(),
        bucket: BUCKET.into(),
        prefix: "objects".into(),
        path_style: true,
        credentials: Some((ACCESS_KEY.into(), secret.into())),
        part_size: MIN_PART_SIZE,
        public_endpoint: None,
    }
}

/// One store of each kind, named, with what keeps it running.
struct Backends {
    local: (LocalStore, tempfile::TempDir),
    s3: (S3Store, S3Server),
}

async fn backends() -> Backends {
    let dir = tempfile::tempdir().unwrap();
    let local = LocalStore::open(&dir.path().join("files")).await.unwrap();
    let server = start_s3().await;
    let s3 = S3Store::connect(&config(&server, SECRET_KEY)).await.unwrap();
    Backends { local: (local, dir), s3: (s3, server) }
}

impl Backends {
    fn each(&self) -> [(&'static str, &dyn ObjectStore); 2] {
        [("local", &self.local.0), ("s3", &self.s3.0)]
    }

    /// Nothing half-written anywhere: no file in the local store's incoming directory, no
    /// multipart upload open in the bucket.
    async fn nothing_pending(&self) {
        let incoming: Vec<PathBuf> = std::fs::read_dir(self.local.1.path().join("files/.incoming"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(incoming.is_empty(), "local: uploads left behind: {incoming:?}");
        // s3s-fs keeps an open upload as `.upload-<id>.json` and its parts as
        // `.upload_id-<id>.part-<n>` in its root (it has no ListMultipartUploads).
        let open: Vec<PathBuf> = std::fs::read_dir(self.s3.1._dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(".upload"))
            .collect();
        assert!(open.is_empty(), "s3: multipart uploads left open: {open:?}");
    }
}

fn key(k: &str) -> ObjectKey {
    ObjectKey::parse(k).unwrap()
}

/// `data` as a body of `chunk`-byte chunks.
fn body(data: &[u8], chunk: usize) -> ByteStream {
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        data.chunks(chunk.max(1)).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    Box::pin(futures::stream::iter(chunks))
}

/// `data`'s first `good` bytes, then a failure (a client that went away).
fn failing_body(data: &[u8], good: usize) -> ByteStream {
    let first = Bytes::copy_from_slice(&data[..good]);
    Box::pin(futures::stream::iter(vec![Ok(first), Err(std::io::Error::other("the client went away"))]))
}

/// Deterministic bytes that are not all alike.
fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(31) ^ (i >> 8)) as u8).collect()
}

async fn read(store: &dyn ObjectStore, k: &ObjectKey, range: Option<ByteRange>) -> (u64, (u64, u64), Vec<u8>) {
    let object = store.get(k, range).await.unwrap();
    let mut out = Vec::new();
    let mut body = object.body;
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    (object.size, object.range, out)
}

#[tokio::test]
async fn what_goes_in_comes_out_identical_whole_or_by_range_and_is_gone_once_deleted() {
    let stores = backends().await;
    let data = bytes(100_000);
    for (name, store) in stores.each() {
        let k = key("attachments/1/2/photo.png");
        assert_eq!(store.size(&k).await.unwrap(), None, "{name}");
        assert_eq!(store.put(&k, body(&data, 4096), 1 << 20).await.unwrap(), data.len() as u64, "{name}");
        assert_eq!(store.size(&k).await.unwrap(), Some(data.len() as u64), "{name}");
        assert_eq!(read(store, &k, None).await, (100_000, (0, 99_999), data.clone()), "{name}: whole");
        let first = read(store, &k, Some(ByteRange { start: 0, end: Some(9) })).await;
        assert_eq!(first, (100_000, (0, 9), data[..10].to_vec()), "{name}: the first ten bytes");
        let tail = read(store, &k, Some(ByteRange { start: 99_990, end: None })).await;
        assert_eq!(tail.2, data[99_990..].to_vec(), "{name}: to the end");
        let past = read(store, &k, Some(ByteRange { start: 99_990, end: Some(200_000) })).await;
        assert_eq!(past.1, (99_990, 99_999), "{name}: a range past the end stops at it");
        let beyond = store.get(&k, Some(ByteRange { start: 100_000, end: None })).await;
        assert!(matches!(beyond, Err(ObjectError::Unsatisfiable { size: 100_000, .. })), "{name}: {beyond:?}");

        store.delete(&k).await.unwrap();
        assert_eq!(store.size(&k).await.unwrap(), None, "{name}");
        assert!(matches!(store.get(&k, None).await, Err(ObjectError::NotFound(_))), "{name}");
        store.delete(&k).await.expect("deleting what is gone is no error");

        let empty = key("empty");
        assert_eq!(store.put(&empty, body(&[], 1), 10).await.unwrap(), 0, "{name}");
        assert_eq!(read(store, &empty, None).await.2, Vec::<u8>::new(), "{name}: an empty object");
        store.check().await.unwrap();
    }
    stores.nothing_pending().await;
}

#[tokio::test]
async fn a_body_past_its_limit_or_one_that_fails_stores_nothing_and_leaves_the_old_object_whole() {
    let stores = backends().await;
    let old = bytes(1000);
    // Large enough that S3 has begun a multipart upload when each failure comes.
    let big = bytes(MIN_PART_SIZE * 2 + 1000);
    for (name, store) in stores.each() {
        let k = key("avatars/9/current.png");
        store.put(&k, body(&old, 100), 10_000).await.unwrap();

        let too_large = store.put(&k, body(&big, 64 * 1024), (MIN_PART_SIZE + 10) as u64).await;
        assert!(matches!(too_large, Err(ObjectError::TooLarge { .. })), "{name}: {too_large:?}");
        let small_too_large = store.put(&k, body(&old, 100), 999).await;
        assert!(matches!(small_too_large, Err(ObjectError::TooLarge { limit: 999 })), "{name}: {small_too_large:?}");
        let failed = store.put(&k, failing_body(&big, MIN_PART_SIZE + 10), u64::MAX).await;
        assert!(matches!(failed, Err(ObjectError::Body(_))), "{name}: {failed:?}");
        let failed_early = store.put(&key("never"), failing_body(&old, 10), u64::MAX).await;
        assert!(matches!(failed_early, Err(ObjectError::Body(_))), "{name}: {failed_early:?}");

        assert_eq!(read(store, &k, None).await.2, old, "{name}: the old object, whole");
        assert_eq!(store.size(&key("never")).await.unwrap(), None, "{name}: nothing under a failed key");
    }
    stores.nothing_pending().await;
}

#[tokio::test]
async fn a_body_larger_than_a_part_goes_up_in_parts_and_comes_back_identical() {
    let stores = backends().await;
    let data = bytes(MIN_PART_SIZE * 2 + 12_345);
    for (name, store) in stores.each() {
        let k = key("attachments/3/4/video.mp4");
        assert_eq!(store.put(&k, body(&data, 64 * 1024), u64::MAX).await.unwrap(), data.len() as u64, "{name}");
        let (size, _, back) = read(store, &k, None).await;
        assert_eq!(size, data.len() as u64, "{name}");
        assert!(back == data, "{name}: the same bytes");
        let middle = ByteRange { start: MIN_PART_SIZE as u64 - 5, end: Some(MIN_PART_SIZE as u64 + 5) };
        let across = read(store, &k, Some(middle)).await.2;
        assert_eq!(across, data[MIN_PART_SIZE - 5..=MIN_PART_SIZE + 5].to_vec(), "{name}: a range across parts");
    }
    stores.nothing_pending().await;
}

#[tokio::test]
async fn s3_refuses_a_wrong_secret_and_a_missing_bucket_with_the_cause_in_words() {
    let server = start_s3().await;
    let wrong = S3Store::connect(&config(&server, "not-the-secret")).await.unwrap();
    let refused = wrong.put(&key("x"), body(b"hello", 5), 10).await;
    let Err(ObjectError::Storage(why)) = refused else { panic!("a wrong secret is refused: {refused:?}") };
    assert!(why.contains("storing objects/x") && why.contains("Signature"), "{why}");
    assert!(wrong.check().await.is_err());

    let mut missing = config(&server, SECRET_KEY);
    missing.bucket = "no-such-bucket".into();
    let Err(ObjectError::Storage(why)) = S3Store::connect(&missing).await.unwrap().check().await else {
        panic!("a missing bucket fails the check")
    };
    assert!(why.contains("no-such-bucket"), "{why}");
    let mut small = config(&server, SECRET_KEY);
    small.part_size = MIN_PART_SIZE - 1;
    assert!(S3Store::connect(&small).await.is_err(), "parts smaller than S3 allows are refused");
}
