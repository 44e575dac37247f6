//! `spawn_app`: the real server, built exactly as `parley serve` builds it, on port 0 with
//! a fresh database (a SQLite file in a temporary directory, or a new PostgreSQL database
//! that is dropped afterwards), plus typed request helpers.

use std::path::PathBuf;
use std::time::Duration;

use parley::settings::Settings;
use parley::startup::Application;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Backend)` as two tests, `sqlite::NAME` and `postgres::NAME`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(crate::helpers::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(crate::helpers::Backend::Postgres).await } )*
        }
    };
}
pub(crate) use on_both_backends;

/// The PostgreSQL server the tests use (a superuser, to create and drop databases).
pub fn postgres_base_url() -> String {
    std::env::var("PARLEY_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A fresh, empty PostgreSQL database; dropped when this value is dropped.
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> Self {
        let name = format!("parley_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_client().await;
        admin.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create the test database");
        let url = format!("{}/{name}", postgres_base_url());
        Self { name, url }
    }
}

async fn admin_client() -> tokio_postgres::Client {
    let url = format!("{}/postgres", postgres_base_url());
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL must be running for the postgres tests ({url}): {e}"));
    tokio::spawn(connection);
    client
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop runs outside async context, so a short-lived runtime on its own thread does
        // the cleanup; FORCE ends any connection the server still holds.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let admin = admin_client().await;
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            });
        })
        .join();
    }
}

/// Where a test's database lives; owns what must be cleaned up.
pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
    pub _pg: Option<PgDatabase>,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => Self { url: format!("sqlite://{}/parley.db", dir.path().display()), dir, _pg: None },
            Backend::Postgres => {
                let pg = PgDatabase::create().await;
                Self { url: pg.url.clone(), dir, _pg: Some(pg) }
            }
        }
    }

    /// Settings for a test server on this database: port 0, cheap password hashing, rate
    /// limits high enough not to interfere (tests of the limits set their own), `extra` last.
    pub fn settings(&self, extra: &[(&str, &str)]) -> Settings {
        let mut env: Vec<(String, String)> = vec![
            ("PARLEY_BIND".into(), "127.0.0.1:0".into()),
            ("PARLEY_VOICE_UDP_BIND".into(), "127.0.0.1:0".into()),
            ("PARLEY_DATA_DIR".into(), self.dir.path().display().to_string()),
            ("PARLEY_DATABASE_URL".into(), self.url.clone()),
            ("PARLEY_DATABASE_MAX_CONNECTIONS".into(), "8".into()),
            ("PARLEY_PASSWORD_HASH_MEMORY_KIB".into(), "1024".into()),
            ("PARLEY_PASSWORD_HASH_ITERATIONS".into(), "1".into()),
            ("PARLEY_REGISTRATION".into(), "open".into()),
            ("PARLEY_AUTH_RATE_LIMIT_PER_MINUTE".into(), "10000".into()),
            ("PARLEY_LOGIN_RATE_LIMIT_PER_MINUTE".into(), "10000".into()),
            // Per-account limits off: a scenario does in a second what a person does in a day.
            // The tests of the limits set their own.
            ("PARLEY_REST_GLOBAL_PER_SECOND".into(), "0".into()),
            ("PARLEY_REST_MESSAGES_PER_5S".into(), "0".into()),
            ("PARLEY_REST_GUILD_CREATES_PER_HOUR".into(), "0".into()),
            ("PARLEY_REST_EXPORTS_PER_HOUR".into(), "0".into()),
            ("PARLEY_REST_ROUTE_PER_10S".into(), "0".into()),
            ("PARLEY_GATEWAY_IDENTIFIES_PER_5S".into(), "0".into()),
            ("PARLEY_GATEWAY_SESSIONS_PER_ACCOUNT".into(), "0".into()),
            ("PARLEY_SHUTDOWN_GRACE_SECS".into(), "5".into()),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Settings::load(None, env).expect("test settings are valid")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }
}

pub struct TestApp {
    pub address: String,
    /// `http://…` of the `/metrics`-only listener, when `metrics_bind` is set.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub store: parley_store::Store,
    pub bus: parley_events::EventBus,
    shutdown: CancellationToken,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    // Last: the database outlives the server that uses it (a peer node borrows its first
    // node's database and holds none).
    _db: Option<TestDatabase>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

pub async fn spawn_app_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    spawn_app_on(TestDatabase::new(backend).await, extra).await
}

/// A server whose `public_url` is its own address (a free port picked first), for clients
/// that follow the URLs it hands out (a bot downloading a file).
pub async fn spawn_app_at_its_public_url(backend: Backend) -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (bind, url) = (format!("127.0.0.1:{port}"), format!("http://127.0.0.1:{port}"));
    spawn_app_with(backend, &[("PARLEY_BIND", bind.as_str()), ("PARLEY_PUBLIC_URL", url.as_str())]).await
}

/// A server on `db` as it is (a restored database, say), with `extra` settings.
pub async fn spawn_app_on(db: TestDatabase, extra: &[(&str, &str)]) -> TestApp {
    let settings = db.settings(extra);
    let app = Application::build(&settings, true).await.expect("the application builds");
    let address = format!("http://{}", app.address());
    let metrics_address = app.metrics_address().map(|a| format!("http://{a}"));
    let store = app.store().clone();
    let bus = app.bus().clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
    TestApp { address, metrics_address, client, settings, store, bus, shutdown, server: Some(server), _db: Some(db) }
}

/// The Redis the multi-node tests share (each run under its own key prefix).
pub fn redis_url() -> String {
    std::env::var("PARLEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

impl TestApp {
    /// Another node on this node's database and signing key, with `extra` settings (both
    /// should name the same Redis and key prefix). Stop it before dropping this node.
    pub async fn spawn_peer(&self, extra: &[(&str, &str)]) -> TestApp {
        let mut env: Vec<(String, String)> = vec![
            ("PARLEY_BIND".into(), "127.0.0.1:0".into()),
            ("PARLEY_VOICE_UDP_BIND".into(), "127.0.0.1:0".into()),
            ("PARLEY_DATA_DIR".into(), self.settings.data_dir.display().to_string()),
            ("PARLEY_DATABASE_URL".into(), self.settings.database_url.as_str().to_owned()),
            ("PARLEY_DATABASE_MAX_CONNECTIONS".into(), "8".into()),
            ("PARLEY_PASSWORD_HASH_MEMORY_KIB".into(), "1024".into()),
            ("PARLEY_PASSWORD_HASH_ITERATIONS".into(), "1".into()),
            ("PARLEY_REGISTRATION".into(), "open".into()),
            ("PARLEY_AUTH_RATE_LIMIT_PER_MINUTE".into(), "10000".into()),
            ("PARLEY_LOGIN_RATE_LIMIT_PER_MINUTE".into(), "10000".into()),
            // Per-account limits off: a scenario does in a second what a person does in a day.
            // The tests of the limits set their own.
            ("PARLEY_REST_GLOBAL_PER_SECOND".into(), "0".into()),
            ("PARLEY_REST_MESSAGES_PER_5S".into(), "0".into()),
            ("PARLEY_REST_GUILD_CREATES_PER_HOUR".into(), "0".into()),
            ("PARLEY_REST_EXPORTS_PER_HOUR".into(), "0".into()),
            ("PARLEY_REST_ROUTE_PER_10S".into(), "0".into()),
            ("PARLEY_GATEWAY_IDENTIFIES_PER_5S".into(), "0".into()),
            ("PARLEY_GATEWAY_SESSIONS_PER_ACCOUNT".into(), "0".into()),
            ("PARLEY_SHUTDOWN_GRACE_SECS".into(), "5".into()),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let settings = Settings::load(None, env).expect("peer settings are valid");
        let app = Application::build(&settings, false).await.expect("the peer node builds");
        let address = format!("http://{}", app.address());
        let (store, bus) = (app.store().clone(), app.bus().clone());
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
        TestApp {
            address,
            metrics_address: None,
            client,
            settings,
            store,
            bus,
            shutdown,
            server: Some(server),
            _db: None,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A signed-in test user.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: String,
    pub username: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
    pub session_id: String,
    pub device_id: String,
}

impl Session {
    pub fn from_tokens(body: &Value, username: &str, password: &str) -> Self {
        let text = |k: &str| body[k].as_str().unwrap_or_else(|| panic!("token response lacks {k}: {body}")).to_owned();
        Self {
            user_id: text("user_id"),
            username: username.to_owned(),
            password: password.to_owned(),
            access_token: text("access_token"),
            refresh_token: text("refresh_token"),
            session_id: text("session_id"),
            device_id: text("device_id"),
        }
    }
}

impl TestApp {
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v10{path}", self.address)
    }

    /// Sends a request the test built (on `self.client` or another client) and, when payloads
    /// are being recorded (`recording`), notes a successful JSON answer on the way back.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Response {
        if !crate::recording::enabled() {
            return request.send().await.expect("request sent");
        }
        let (client, request) = request.build_split();
        let request = request.expect("a well-formed request");
        let method = request.method().to_string();
        let response = client.execute(request).await.expect("request sent");
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !response.status().is_success() || !is_json {
            return response;
        }
        // The body is read here to note it, so the test gets an equal response over the bytes.
        let (status, version, headers, url) =
            (response.status(), response.version(), response.headers().clone(), response.url().clone());
        let bytes = response.bytes().await.expect("the body is read");
        if let Some(path) = url.path().strip_prefix("/api/v10") {
            crate::recording::rest(&method, path, status.as_u16(), &bytes);
        }
        let mut rebuilt = axum::http::Response::builder().status(status).version(version);
        *rebuilt.headers_mut().expect("a fresh builder") = headers;
        Response::from(reqwest::ResponseBuilderExt::url(rebuilt, url).body(bytes).expect("the same response"))
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut request = self.client.post(self.api(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    pub async fn put_json(&self, path: &str, body: &Value, token: &str) -> Response {
        self.send(self.client.put(self.api(path)).json(body).bearer_auth(token)).await
    }

    pub async fn patch_json(&self, path: &str, body: &Value, token: &str) -> Response {
        self.send(self.client.patch(self.api(path)).json(body).bearer_auth(token)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.api(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    /// A body-less PUT (adding a reaction, a pin, a recipient).
    pub async fn put(&self, path: &str, token: &str) -> Response {
        self.send(self.client.put(self.api(path)).bearer_auth(token)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.send(self.client.delete(self.api(path)).bearer_auth(token)).await
    }

    /// Registers `username` with a fixed good password and returns the signed-in session.
    pub async fn register(&self, username: &str) -> Session {
        self.register_with(&json!({ "username": username, "password": password_of(username) })).await
    }

    pub async fn register_with(&self, body: &Value) -> Session {
        let response = self.post_json("/auth/register", body, None).await;
        let status = response.status();
        let json: Value = response.json().await.expect("JSON body");
        assert_eq!(status, StatusCode::CREATED, "registration failed: {json}");
        let username = body["username"].as_str().unwrap_or_default().to_lowercase();
        Session::from_tokens(&json, &username, body["password"].as_str().unwrap_or_default())
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post_json("/auth/login", &json!({ "login": login, "password": password }), None).await
    }

    pub async fn me(&self, token: &str) -> Response {
        self.get("/users/@me", Some(token)).await
    }

    /// Stops the server the way SIGTERM does and waits for it to finish.
    pub async fn stop(self) {
        self.stop_node().await;
    }

    /// Stops this node but hands back its database, for peers still using it.
    pub async fn stop_node(mut self) -> Option<TestDatabase> {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server stopped cleanly");
        }
        self._db.take()
    }
}

/// Posts `text` in `channel` as `who`, which must succeed; returns the message's id.
pub async fn say(app: &TestApp, who: &Session, channel: &str, text: &str) -> String {
    let (status, message) = status_and_json(
        app.post_json(&format!("/channels/{channel}/messages"), &json!({ "content": text }), Some(&who.access_token))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{message}");
    message["id"].as_str().unwrap().to_owned()
}

/// The next event on `events`, or a failure after five seconds (never hangs a test).
pub async fn next_event(
    events: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<parley_events::Event>>,
) -> std::sync::Arc<parley_events::Event> {
    tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event was published within five seconds")
        .expect("the bus is open and this subscriber kept up")
}

pub fn password_of(username: &str) -> String {
    format!("{username}-correct-horse")
}

/// Reads a response as `(status, JSON body)`.
pub async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("expected JSON, got {status}: {text:?}"));
    (status, json)
}

/// Asserts an error response has the given status and Parley error code.
pub async fn assert_error(response: Response, status: StatusCode, code: u64) -> Value {
    let (actual, body) = status_and_json(response).await;
    assert_eq!(actual, status, "unexpected status; body {body}");
    assert_eq!(body["code"].as_u64(), Some(code), "unexpected error code in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "error without a message: {body}");
    body
}

/// A guild made through the API, with ids as the API returns them.
pub struct TestGuild {
    pub id: String,
    /// The #general text channel.
    pub general: String,
    /// A never-expiring invite to #general.
    pub invite: String,
}

impl TestApp {
    /// A guild named `name` owned by `owner`, with each of `members` joined through an invite.
    pub async fn guild_with(&self, owner: &Session, name: &str, members: &[&Session]) -> TestGuild {
        let (status, guild) =
            status_and_json(self.post_json("/guilds", &json!({ "name": name }), Some(&owner.access_token)).await).await;
        assert_eq!(status, StatusCode::CREATED, "{guild}");
        let id = guild["id"].as_str().unwrap().to_owned();
        let (_, channels) =
            status_and_json(self.get(&format!("/guilds/{id}/channels"), Some(&owner.access_token)).await).await;
        let general = channels.as_array().unwrap().iter().find(|c| c["name"] == "general").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, invite) = status_and_json(
            self.post_json(
                &format!("/channels/{general}/invites"),
                &json!({ "max_age": 0 }),
                Some(&owner.access_token),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{invite}");
        let invite = invite["code"].as_str().unwrap().to_owned();
        for member in members {
            let joined = self.post_json(&format!("/invites/{invite}"), &json!({}), Some(&member.access_token)).await;
            assert_eq!(joined.status(), StatusCode::OK, "{} could not join", member.username);
        }
        TestGuild { id, general, invite }
    }
}

/// The `parley` binary with only the given settings (every other PARLEY_ variable removed):
/// `db`'s database and directory, any free port, cheap hashing, warnings only.
pub fn parley_command(db: &TestDatabase, args: &[&str]) -> std::process::Command {
    parley_command_of(std::path::Path::new(env!("CARGO_BIN_EXE_parley")), db, args)
}

/// [`parley_command`] with another build of `parley` (the previous release, say).
pub fn parley_command_of(binary: &std::path::Path, db: &TestDatabase, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("PARLEY_")) {
        command.env_remove(name);
    }
    command
        .args(args)
        .env("PARLEY_DATABASE_URL", &db.url)
        .env("PARLEY_DATA_DIR", db.data_dir())
        .env("PARLEY_BIND", "127.0.0.1:0")
        .env("PARLEY_VOICE_UDP_BIND", "127.0.0.1:0")
        .env("PARLEY_PASSWORD_HASH_MEMORY_KIB", "1024")
        .env("PARLEY_PASSWORD_HASH_ITERATIONS", "1")
        .env("PARLEY_LOG_LEVEL", "warn");
    command
}

/// A child process the test started, killed (by its PID) and reaped when dropped.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `curl` arguments for a gateway WebSocket handshake over HTTP/1.1 that reads what the
/// server sends for three seconds (HELLO comes first): put the URL after them.
pub const WEBSOCKET_HANDSHAKE: &[&str] = &[
    "--http1.1",
    "--max-time",
    "3",
    "-i",
    "-N",
    "-H",
    "Connection: Upgrade",
    "-H",
    "Upgrade: websocket",
    "-H",
    "Sec-WebSocket-Version: 13",
    "-H",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
];

/// A loopback port free at this moment, for a helper server the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The path of a program from a Debian package (`./scripts/test` installs them), or a
/// failure that says which package to install.
pub fn system_tool<'a>(path: &'a str, package: &str) -> &'a str {
    assert!(
        std::path::Path::new(path).exists(),
        "{path} is missing: apt-get install {package} (./scripts/test does this)"
    );
    path
}

/// The text of `/metrics` (which must answer 200 in Prometheus's text format).
pub async fn metrics_text(app: &TestApp) -> String {
    let response = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    response.text().await.unwrap()
}

/// The value of the sample whose name and labels are exactly `series` (as the text shows it).
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.parse().ok()))
}

/// Runs statements on the app's own database (SQLite or PostgreSQL), for what no API does:
/// time passing (backdated rows). The statements are the test's own text (ids and numbers it
/// made), never input from outside.
pub async fn run_sql(app: &TestApp, statements: &[String]) {
    use sqlx::Connection;
    let url = app.settings.database_url.as_str();
    match app.store.backend() {
        parley_store::Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            for sql in statements {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&mut conn).await.unwrap();
            }
        }
        parley_store::Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            for sql in statements {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&mut conn).await.unwrap();
            }
        }
    }
}
