//! Upgrading from the previous landed release (`.ci/previous-release`, built once by
//! `scripts/previous-release` and named by `PARLEY_TEST_PREVIOUS_RELEASE`) to this build, as
//! an operator does it: on PostgreSQL with Redis, a two-node deployment is upgraded node by
//! node under message load, this release's migrations applied while the old nodes serve. No
//! request fails, every message reaches every client exactly once, and each gateway session
//! survives every drain with a RESUME. On SQLite, the one node restarts on the new binary and finds
//! everything, its sign-ins included.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fault_proxy::within;
use crate::gateway_client::{ALL_INTENTS, GatewayClient, Received};
use crate::helpers::{Backend, KillOnDrop, Session, TestDatabase, password_of, redis_url};

/// The previous release's `parley`, which `scripts/test` builds.
fn previous_release() -> PathBuf {
    let path = std::env::var("PARLEY_TEST_PREVIOUS_RELEASE").unwrap_or_else(|_| {
        panic!(
            "PARLEY_TEST_PREVIOUS_RELEASE is not set: run ./scripts/test, or \
             PARLEY_TEST_PREVIOUS_RELEASE=$(scripts/previous-release) for this test alone"
        )
    });
    PathBuf::from(path)
}

fn this_release() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_parley"))
}

/// What every node of the deployment shares: its database, data directory (the signing key)
/// and, on PostgreSQL, its Redis.
struct Deployment {
    db: TestDatabase,
    redis_prefix: String,
}

impl Deployment {
    /// `parley` (`binary`) with this deployment's settings and only them.
    fn command(&self, binary: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(binary);
        for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("PARLEY_")) {
            command.env_remove(name);
        }
        command
            .args(args)
            .env("PARLEY_DATABASE_URL", &self.db.url)
            .env("PARLEY_DATA_DIR", self.db.data_dir())
            .env("PARLEY_BIND", "127.0.0.1:0")
            .env("PARLEY_VOICE_UDP_BIND", "127.0.0.1:0")
            .env("PARLEY_PASSWORD_HASH_MEMORY_KIB", "1024")
            .env("PARLEY_PASSWORD_HASH_ITERATIONS", "1")
            .env("PARLEY_REGISTRATION", "open")
            .env("PARLEY_REST_GLOBAL_PER_SECOND", "0")
            .env("PARLEY_REST_MESSAGES_PER_5S", "0")
            .env("PARLEY_REST_ROUTE_PER_10S", "0")
            .env("PARLEY_GATEWAY_IDENTIFIES_PER_5S", "0")
            .env("PARLEY_SHUTDOWN_GRACE_SECS", "10")
            .env("PARLEY_LOG_LEVEL", "warn");
        if !self.redis_prefix.is_empty() {
            command.env("PARLEY_REDIS_URL", redis_url()).env("PARLEY_REDIS_KEY_PREFIX", &self.redis_prefix);
        }
        command
    }

    /// Runs `parley migrate` of `binary`, which must succeed.
    fn migrate(&self, binary: &Path) -> String {
        let out = self.command(binary, &["migrate"]).output().expect("parley migrate runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "parley migrate ({}) failed: {text}", binary.display());
        text
    }

    /// Starts `parley serve` of `binary` as worker `worker` and waits until it is ready.
    async fn start(&self, name: &'static str, binary: &Path, worker: u16) -> Node {
        let log = self.db.data_dir().join(format!("{name}.log"));
        let mut child = self
            .command(binary, &["serve"])
            .env("PARLEY_WORKER_ID", worker.to_string())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", binary.display()));
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the node prints its URL");
        // The rest of its output is read to the end, so a later line never meets a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout.into_inner(), &mut std::io::sink()));
        let address = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("{name} printed no URL: {line:?}; log: {}", read(&log)))
            .to_owned();
        let node = Node { name, process: KillOnDrop(child), address, log };
        let client = reqwest::Client::new();
        within(&format!("{name} becomes ready"), Duration::from_secs(30), async || {
            node.ready(&client).await.0 == StatusCode::OK
        })
        .await;
        node
    }
}

fn read(path: &Path) -> String {
    let mut text = String::new();
    let _ = std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    text
}

/// One `parley serve` process.
struct Node {
    name: &'static str,
    process: KillOnDrop,
    address: String,
    log: PathBuf,
}

impl Node {
    async fn ready(&self, client: &reqwest::Client) -> (StatusCode, Value) {
        match client.get(format!("{}/ready", self.address)).send().await {
            Ok(response) => (response.status(), response.json().await.unwrap_or(Value::Null)),
            Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Value::Null),
        }
    }

    /// SIGTERM, as Kubernetes sends after the preStop pause; the node drains and exits 0.
    async fn stop(self) {
        tokio::task::spawn_blocking(move || self.wait_for_sigterm()).await.unwrap();
    }

    fn wait_for_sigterm(mut self) {
        Command::new("kill").args(["-TERM", &self.process.0.id().to_string()]).status().expect("kill runs");
        let status = self.process.0.wait().expect("the node exits");
        assert!(status.success(), "{} exited with {status} after SIGTERM; log: {}", self.name, read(&self.log));
    }
}

/// The addresses a load balancer sends to: nodes join once ready and leave before they stop.
#[derive(Clone, Default)]
struct Endpoints(Arc<Mutex<Vec<String>>>);

impl Endpoints {
    fn add(&self, node: &Node) {
        self.0.lock().unwrap().push(node.address.clone());
    }
    fn remove(&self, node: &Node) {
        self.0.lock().unwrap().retain(|a| *a != node.address);
    }
    /// The `n`th live address, round robin.
    fn pick(&self, n: usize) -> String {
        let live = self.0.lock().unwrap();
        live[n % live.len()].clone()
    }
}

/// A minimal REST client for nodes in their own processes.
struct Api {
    client: reqwest::Client,
}

impl Api {
    async fn call(
        &self,
        address: &str,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{address}/api/v10{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{path} on {address}: {e}"));
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn register(&self, address: &str, username: &str) -> Session {
        let password = password_of(username);
        let body = json!({ "username": username, "password": password });
        let (status, tokens) = self.call(address, reqwest::Method::POST, "/auth/register", None, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{tokens}");
        Session::from_tokens(&tokens, username, &password)
    }

    /// A guild of `owner` with `members` joined; returns its #general channel.
    async fn guild_with(&self, address: &str, owner: &Session, members: &[&Session]) -> String {
        use reqwest::Method;
        let token = Some(owner.access_token.as_str());
        let (status, guild) =
            self.call(address, Method::POST, "/guilds", token, Some(json!({"name": "Upgrade"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{guild}");
        let (_, channels) = self
            .call(address, Method::GET, &format!("/guilds/{}/channels", guild["id"].as_str().unwrap()), token, None)
            .await;
        let general = channels.as_array().unwrap().iter().find(|c| c["name"] == "general").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, invite) = self
            .call(address, Method::POST, &format!("/channels/{general}/invites"), token, Some(json!({"max_age": 0})))
            .await;
        for member in members {
            let path = format!("/invites/{}", invite["code"].as_str().unwrap());
            let (status, body) =
                self.call(address, Method::POST, &path, Some(&member.access_token), Some(json!({}))).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        general
    }
}

/// What the load saw: every message acknowledged, and every request that failed.
#[derive(Default)]
struct Load {
    acknowledged: Mutex<Vec<String>>,
    requests: AtomicUsize,
    failures: Mutex<Vec<String>>,
}

/// Sends messages and reads history through whichever nodes are live, until `stop`.
async fn run_load(endpoints: Endpoints, who: Session, channel: String, load: Arc<Load>, stop: Arc<AtomicBool>) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let node = endpoints.pick(n);
        let (write, path) = if n % 3 == 2 {
            (false, format!("{node}/api/v10/channels/{channel}/messages?limit=5"))
        } else {
            (true, format!("{node}/api/v10/channels/{channel}/messages"))
        };
        let request = if write {
            client.post(&path).json(&json!({"content": format!("load {n}"), "nonce": format!("load-{n}")}))
        } else {
            client.get(&path)
        };
        load.requests.fetch_add(1, Ordering::Relaxed);
        match request.bearer_auth(&who.access_token).send().await {
            Ok(response) if response.status() == StatusCode::OK => {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if write {
                    load.acknowledged.lock().unwrap().push(body["id"].as_str().unwrap_or_default().to_owned());
                }
            }
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                load.failures.lock().unwrap().push(format!("{path}: {status} {body}"));
            }
            Err(e) => load.failures.lock().unwrap().push(format!("{path}: {e}")),
        }
        n += 1;
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

/// What one gateway client saw.
#[derive(Default)]
struct Seen {
    messages: Vec<String>,
    /// Where it resumed, and how many RESUMED it got back.
    resumes: Vec<String>,
    resumed: usize,
    problems: Vec<String>,
}

/// A gateway client that stays connected across the upgrade: told to reconnect (or cut off),
/// it resumes its session on a live node, as Discord's libraries do.
async fn stay_connected(
    mut client: GatewayClient,
    who: Session,
    endpoints: Endpoints,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
) {
    let session_id = client.session_id.clone().expect("identified");
    let mut last_seq = client.seq.unwrap_or(0);
    let mut heartbeat = tokio::time::Instant::now();
    let mut reconnects = 0usize;
    while !stop.load(Ordering::Relaxed) {
        if heartbeat.elapsed() > Duration::from_secs(5) {
            client.send(json!({"op": 1, "d": client.seq})).await;
            heartbeat = tokio::time::Instant::now();
        }
        let cut = match client.receive_within(Duration::from_millis(200)).await {
            None => false,
            Some(Received::Closed(_)) => true,
            Some(Received::Payload(p)) => match p["op"].as_u64() {
                Some(0) => {
                    let mut seen = seen.lock().unwrap();
                    match p["s"].as_u64() {
                        Some(s) if s > last_seq => last_seq = s,
                        s => seen.problems.push(format!("sequence {s:?} after {last_seq} ({})", p["t"])),
                    }
                    match p["t"].as_str() {
                        Some("MESSAGE_CREATE") => {
                            seen.messages.push(p["d"]["id"].as_str().unwrap_or_default().to_owned())
                        }
                        Some("RESUMED") => seen.resumed += 1,
                        _ => {}
                    }
                    false
                }
                Some(7) => true,
                Some(9) => {
                    seen.lock().unwrap().problems.push(format!("INVALID_SESSION: the session was lost ({p})"));
                    return;
                }
                _ => false,
            },
        };
        if cut {
            // The node drains: to a live node, and RESUME there from the last sequence number.
            let seq = client.seq;
            let node = endpoints.pick(reconnects);
            reconnects += 1;
            client = GatewayClient::connect_raw_at(&node, "v=10&encoding=json").await;
            let hello = client.next().await;
            assert_eq!(hello["op"], 10, "HELLO first: {hello}");
            client.seq = seq;
            client.send(json!({"op": 6, "d": {"token": who.access_token, "session_id": session_id, "seq": seq}})).await;
            seen.lock().unwrap().resumes.push(node);
        }
    }
}

/// Counts of each id in `ids`.
fn tally(ids: &[String]) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for id in ids {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_node_deployment_upgrades_node_by_node_under_load_without_a_failed_request_or_a_lost_session() {
    let (old, new) = (previous_release(), this_release());
    let deployment = Deployment {
        db: TestDatabase::new(Backend::Postgres).await,
        redis_prefix: format!("parley-test-{}", uuid::Uuid::new_v4().simple()),
    };
    // The previous release as it ran in production: its schema, two nodes on one bus.
    deployment.migrate(&old);
    let old_a = deployment.start("old node A", &old, 1).await;
    let old_b = deployment.start("old node B", &old, 2).await;
    let endpoints = Endpoints::default();
    endpoints.add(&old_a);
    endpoints.add(&old_b);

    let api = Api { client: reqwest::Client::new() };
    let ann = api.register(&old_a.address, "ann").await;
    let bob = api.register(&old_a.address, "bob").await;
    let cat = api.register(&old_b.address, "cat").await;
    let general = api.guild_with(&old_a.address, &ann, &[&bob, &cat]).await;

    // Bob's client on node A, cat's on node B; both stay connected through the upgrade.
    let stop_clients = Arc::new(AtomicBool::new(false));
    let mut watchers = Vec::new();
    for (who, node) in [(&bob, &old_a), (&cat, &old_b)] {
        let mut client = GatewayClient::connect_raw_at(&node.address, "v=10&encoding=json").await;
        client.next().await;
        client
            .send(json!({"op": 2, "d": {"token": who.access_token, "intents": ALL_INTENTS,
                                          "properties": {"os": "linux", "browser": "test", "device": "test"}}}))
            .await;
        let ready = client.wait_for("READY").await;
        client.session_id = ready["session_id"].as_str().map(str::to_owned);
        client.wait_for("GUILD_CREATE").await;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let task =
            tokio::spawn(stay_connected(client, who.clone(), endpoints.clone(), seen.clone(), stop_clients.clone()));
        watchers.push((who.username.clone(), seen, task));
    }

    let load = Arc::new(Load::default());
    let stop_load = Arc::new(AtomicBool::new(false));
    let load_task =
        tokio::spawn(run_load(endpoints.clone(), ann.clone(), general.clone(), load.clone(), stop_load.clone()));
    let client = reqwest::Client::new();
    // Each step runs while the load does: wait until it has made progress through this phase.
    let progress = async |phase: &str| {
        let from = load.acknowledged.lock().unwrap().len();
        within(&format!("messages are sent {phase}"), Duration::from_secs(20), async || {
            load.acknowledged.lock().unwrap().len() >= from + 20
        })
        .await;
    };
    progress("before the upgrade").await;

    // 1. This release's migrations, while the old nodes serve: they stay ready on the schema.
    let migrated = deployment.migrate(&new);
    for node in [&old_a, &old_b] {
        let (status, ready) = node.ready(&client).await;
        assert_eq!(status, StatusCode::OK, "{} after the migration: {ready}", node.name);
        assert!(
            ready["schema"].as_str().is_some_and(|s| s.starts_with("compatible: ")),
            "{} runs on the newer schema, and says so: {ready}; migrate said: {migrated}",
            node.name
        );
    }
    progress("after the migration, to the old nodes").await;

    // 2. Node by node, as a rolling update with a surge of one: the new node joins once
    //    ready; the old one leaves the endpoints, keeps serving through the preStop pause,
    //    then gets SIGTERM and drains its gateway sessions to the others.
    let new_a = deployment.start("new node A", &new, 3).await;
    let (_, ready) = new_a.ready(&client).await;
    assert_eq!(ready["schema"], "current", "{ready}");
    endpoints.add(&new_a);
    progress("to old and new nodes together").await;
    endpoints.remove(&old_a);
    tokio::time::sleep(Duration::from_secs(1)).await;
    old_a.stop().await;
    progress("after node A was replaced").await;

    let new_b = deployment.start("new node B", &new, 4).await;
    endpoints.add(&new_b);
    progress("to three nodes").await;
    endpoints.remove(&old_b);
    tokio::time::sleep(Duration::from_secs(1)).await;
    old_b.stop().await;
    progress("after node B was replaced").await;

    stop_load.store(true, Ordering::Relaxed);
    load_task.await.unwrap();
    let failures = load.failures.lock().unwrap().clone();
    let acknowledged = load.acknowledged.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {failures:#?}",
        failures.len(),
        load.requests.load(Ordering::Relaxed)
    );

    // Every acknowledged message reached both clients exactly once, across the resume.
    for (name, seen, _) in &watchers {
        within(&format!("{name} has every message"), Duration::from_secs(20), async || {
            let seen = seen.lock().unwrap();
            let counts = tally(&seen.messages);
            !seen.problems.is_empty() || acknowledged.iter().all(|id| counts.contains_key(id.as_str()))
        })
        .await;
    }
    stop_clients.store(true, Ordering::Relaxed);
    for (name, seen, task) in watchers {
        task.await.unwrap();
        let seen = seen.lock().unwrap();
        assert!(seen.problems.is_empty(), "{name}: {:#?}", seen.problems);
        let counts = tally(&seen.messages);
        let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(repeated.is_empty(), "{name} got messages twice: {repeated:?}");
        assert_eq!(seen.messages.len(), acknowledged.len(), "{name} got only the acknowledged messages");
        // Each was on an old node: every drain it met, it resumed (never identified
        // again), once per old node it was on, and it ended on a new node. (Bob, on node A,
        // lands on B while B is still live, so he resumes twice; cat once.)
        assert!((1..=2).contains(&seen.resumes.len()), "{name} resumed on {:?}", seen.resumes);
        assert_eq!(seen.resumed, seen.resumes.len(), "{name}: each RESUME answered with RESUMED");
        let last = seen.resumes.last().unwrap();
        assert!([&new_a.address, &new_b.address].contains(&last), "{name} ended on a new node, not {last}");
    }

    // The history is whole on the new release: every acknowledged message, by id.
    let mut stored = Vec::new();
    let mut before = String::new();
    loop {
        let path = format!("/channels/{general}/messages?limit=100{before}");
        let (status, page) = api.call(&new_b.address, reqwest::Method::GET, &path, Some(&ann.access_token), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let page = page.as_array().unwrap().clone();
        let Some(oldest) = page.last() else { break };
        before = format!("&before={}", oldest["id"].as_str().unwrap());
        stored.extend(page.iter().map(|m| m["id"].as_str().unwrap().to_owned()));
    }
    let stored = tally(&stored);
    assert!(acknowledged.iter().all(|id| stored.contains_key(id.as_str())), "an acknowledged message is missing");
    new_a.stop().await;
    new_b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_deployment_restarted_on_this_release_keeps_its_data_and_its_sign_ins() {
    let (old, new) = (previous_release(), this_release());
    let deployment = Deployment { db: TestDatabase::new(Backend::Sqlite).await, redis_prefix: String::new() };
    let node = deployment.start("old node", &old, 1).await;
    let api = Api { client: reqwest::Client::new() };
    let ann = api.register(&node.address, "ann").await;
    let bob = api.register(&node.address, "bob").await;
    let general = api.guild_with(&node.address, &ann, &[&bob]).await;
    let (_, sent) = api
        .call(
            &node.address,
            reqwest::Method::POST,
            &format!("/channels/{general}/messages"),
            Some(&ann.access_token),
            Some(json!({"content": "before the upgrade"})),
        )
        .await;
    node.stop().await;

    // `serve` migrates SQLite on start (there is one node; it is down while it restarts).
    let node = deployment.start("new node", &new, 1).await;
    let (_, ready) = node.ready(&reqwest::Client::new()).await;
    assert_eq!(ready["schema"], "current", "{ready}");
    let (status, history) = api
        .call(
            &node.address,
            reqwest::Method::GET,
            &format!("/channels/{general}/messages"),
            Some(&bob.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "bob's token from before the upgrade still works: {history}");
    assert_eq!(history[0]["id"], sent["id"]);
    assert_eq!(history[0]["content"], "before the upgrade");
    node.stop().await;
}
