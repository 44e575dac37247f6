//! Upgrading from the previous landed release (`.ci/previous-release`, built once by
//! `scripts/previous-release` and named by `PARLEY_TEST_PREVIOUS_RELEASE`) to this build, as
//! a rolling update does it. On PostgreSQL with Redis, two old nodes serve three load clients
//! at once; this release's migrations run while they do (and an old node started meanwhile
//! starts on the newer schema); then node by node a new one joins and an old one leaves the
//! load balancer, pauses as preStop does, and gets SIGTERM with a request still arriving. No
//! request fails, every message reaches every gateway client exactly once (one of them on a
//! new node while old ones publish), each session survives every drain with a RESUME, and
//! the history is whole. On SQLite, the one node restarts on the new binary and finds
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
use crate::helpers::{Backend, KillOnDrop, Session, TestDatabase, parley_command_of, password_of, redis_url};

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
        let mut command = parley_command_of(binary, &self.db, args);
        command
            .env("PARLEY_REGISTRATION", "open")
            .env("PARLEY_REST_GLOBAL_PER_SECOND", "0")
            .env("PARLEY_REST_MESSAGES_PER_5S", "0")
            .env("PARLEY_REST_ROUTE_PER_10S", "0")
            .env("PARLEY_GATEWAY_IDENTIFIES_PER_5S", "0")
            .env("PARLEY_SHUTDOWN_GRACE_SECS", "10")
            .env("PARLEY_LOG_FORMAT", "json");
        if !self.redis_prefix.is_empty() {
            command.env("PARLEY_REDIS_URL", redis_url()).env("PARLEY_REDIS_KEY_PREFIX", &self.redis_prefix);
        }
        command
    }

    /// Runs `parley migrate` of `binary`, which must succeed; returns the schema version it
    /// leaves (its report ends "(schema version N).").
    fn migrate(&self, binary: &Path) -> i64 {
        let out = self.command(binary, &["migrate"]).output().expect("parley migrate runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "parley migrate ({}) failed: {text}", binary.display());
        let version = text
            .rsplit("schema version ")
            .next()
            .map(|v| v.chars().take_while(char::is_ascii_digit).collect::<String>());
        version.and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no schema version in: {text}"))
    }

    /// Starts `parley serve` of `binary` as worker `worker` ("auto" leases one through Redis,
    /// as the chart's pods do) and waits until it is ready.
    async fn start(&self, name: &'static str, binary: &Path, worker: &str) -> Node {
        let log = self.db.data_dir().join(format!("{}.log", name.replace(' ', "-")));
        let child = self
            .command(binary, &["serve"])
            .env("PARLEY_WORKER_ID", worker)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", binary.display()));
        let mut process = KillOnDrop(child);
        let stdout = process.0.stdout.take().expect("piped");
        // Log lines (on stdout too) may come before the line with its URL.
        let log_file = log.clone();
        let first_line = tokio::task::spawn_blocking(move || {
            let mut stdout = BufReader::new(stdout);
            let mut file = std::fs::OpenOptions::new().append(true).open(&log_file).expect("the log file");
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 || line.contains("http://127.0.0.1:") {
                    return (stdout, line);
                }
                let _ = std::io::Write::write_all(&mut file, line.as_bytes());
            }
        });
        let (stdout, line) = tokio::time::timeout(Duration::from_secs(30), first_line)
            .await
            .unwrap_or_else(|_| panic!("{name} printed nothing within 30 s; log: {}", read(&log)))
            .unwrap();
        // The rest of its output (its log lines) goes to the log file, read to the end so a
        // later line never meets a closed pipe.
        let mut file = std::fs::OpenOptions::new().append(true).open(&log).expect("the log file");
        std::thread::spawn(move || std::io::copy(&mut stdout.into_inner(), &mut file));
        let address = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("{name} printed no URL: {line:?}; log: {}", read(&log)))
            .to_owned();
        let node = Node { name, process, address, log };
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
        // It exits 0 also when it gave up on the drain: a clean stop logged no error, and
        // finished its requests within the grace period.
        let log = read(&self.log);
        let troubles: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.contains(r#""level":"ERROR""#) || l.contains("did not finish within the shutdown grace period")
            })
            .collect();
        assert!(troubles.is_empty(), "{} logged trouble: {troubles:#?}", self.name);
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

/// What the load saw: every message acknowledged (with the node that did), and every request
/// that failed.
#[derive(Default)]
struct Load {
    acknowledged: Mutex<Vec<(String, String)>>,
    requests: AtomicUsize,
    failures: Mutex<Vec<String>>,
}

impl Load {
    fn acknowledged(&self) -> Vec<String> {
        self.acknowledged.lock().unwrap().iter().map(|(id, _)| id.clone()).collect()
    }
    fn count(&self) -> usize {
        self.acknowledged.lock().unwrap().len()
    }
}

/// One of the load's clients: sends messages and reads history through whichever nodes are
/// live, until `stop`. Several run at once, so requests are in flight whenever a node drains.
async fn run_load(
    sender: usize,
    endpoints: Endpoints,
    who: Session,
    channel: String,
    load: Arc<Load>,
    stop: Arc<AtomicBool>,
) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let node = endpoints.pick(n + sender);
        let write = n % 3 != 2;
        let path = format!("{node}/api/v10/channels/{channel}/messages{}", if write { "" } else { "?limit=5" });
        let request = if write {
            let nonce = format!("load-{sender}-{n}");
            client.post(&path).json(&json!({"content": format!("load {sender} {n}"), "nonce": nonce}))
        } else {
            client.get(&path)
        };
        load.requests.fetch_add(1, Ordering::Relaxed);
        match request.bearer_auth(&who.access_token).send().await {
            Ok(response) if response.status() == StatusCode::OK => {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if write {
                    let id = body["id"].as_str().unwrap_or_default().to_owned();
                    load.acknowledged.lock().unwrap().push((id, node));
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
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A message sent to `address` whose body arrives in two parts, the second when `finish`
/// fires: a request still in flight when its node is told to stop. Returns the HTTP status
/// line and the body.
async fn send_slowly(
    address: &str,
    who: &Session,
    channel: &str,
    finish: tokio::sync::oneshot::Receiver<()>,
) -> (String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("the node accepts");
    let body = json!({"content": "sent while its node stopped"}).to_string();
    let (first, second) = body.split_at(body.len() / 2);
    let head = format!(
        "POST /api/v10/channels/{channel}/messages HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        who.access_token,
        body.len()
    );
    stream.write_all(format!("{head}{first}").as_bytes()).await.unwrap();
    finish.await.unwrap();
    stream.write_all(second.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, serde_json::from_str(body.trim()).unwrap_or(Value::Null))
}

/// What one gateway client saw.
#[derive(Default)]
struct Seen {
    messages: Vec<String>,
    /// Where it resumed, after what (a RECONNECT from its draining node, or a cut).
    resumes: Vec<(String, &'static str)>,
    /// How many RESUMED it got back.
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
            None => None,
            Some(Received::Closed(_)) => Some("a cut"),
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
                    None
                }
                Some(7) => Some("RECONNECT"),
                Some(9) => {
                    seen.lock().unwrap().problems.push(format!("INVALID_SESSION: the session was lost ({p})"));
                    return;
                }
                _ => None,
            },
        };
        if let Some(cause) = cut {
            // To a live node, and RESUME there from the last sequence number.
            let seq = client.seq;
            let node = endpoints.pick(reconnects);
            reconnects += 1;
            client = GatewayClient::connect_raw_at(&node, "v=10&encoding=json").await;
            let hello = client.next().await;
            assert_eq!(hello["op"], 10, "HELLO first: {hello}");
            client.seq = seq;
            client.send(json!({"op": 6, "d": {"token": who.access_token, "session_id": session_id, "seq": seq}})).await;
            seen.lock().unwrap().resumes.push((node, cause));
        }
    }
}

/// Identifies `who` on `node` and keeps the session through the upgrade (`stay_connected`).
async fn watch(
    who: &Session,
    node: &Node,
    endpoints: &Endpoints,
    stop: &Arc<AtomicBool>,
) -> (Arc<Mutex<Seen>>, tokio::task::JoinHandle<()>) {
    let (mut client, _) = GatewayClient::identified_at(&node.address, who, ALL_INTENTS).await;
    client.wait_for("GUILD_CREATE").await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let task = tokio::spawn(stay_connected(client, who.clone(), endpoints.clone(), seen.clone(), stop.clone()));
    (seen, task)
}

/// Counts of each id in `ids`.
fn tally(ids: &[String]) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for id in ids {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    counts
}

/// How many load clients run at once.
const SENDERS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_node_deployment_upgrades_node_by_node_under_load_without_a_failed_request_or_a_lost_session() {
    let (old, new) = (previous_release(), this_release());
    assert_ne!(
        std::fs::read(&old).unwrap(),
        std::fs::read(&new).unwrap(),
        "the previous release ({}) is another build than this one",
        old.display()
    );
    let deployment = Deployment {
        db: TestDatabase::new(Backend::Postgres).await,
        redis_prefix: format!("parley-test-{}", uuid::Uuid::new_v4().simple()),
    };
    // The previous release as it ran in production: its schema, two nodes on one bus, each
    // leasing its worker id as the chart's pods do.
    let old_schema = deployment.migrate(&old);
    let old_a = deployment.start("old node A", &old, "auto").await;
    let old_b = deployment.start("old node B", &old, "auto").await;
    let endpoints = Endpoints::default();
    endpoints.add(&old_a);
    endpoints.add(&old_b);

    let api = Api { client: reqwest::Client::new() };
    let ann = api.register(&old_a.address, "ann").await;
    let bob = api.register(&old_a.address, "bob").await;
    let cat = api.register(&old_b.address, "cat").await;
    let dan = api.register(&old_b.address, "dan").await;
    let general = api.guild_with(&old_a.address, &ann, &[&bob, &cat, &dan]).await;

    // Bob's client on node A, cat's on node B; both stay connected through the upgrade.
    let stop_clients = Arc::new(AtomicBool::new(false));
    let mut watchers = vec![
        ("bob", watch(&bob, &old_a, &endpoints, &stop_clients).await),
        ("cat", watch(&cat, &old_b, &endpoints, &stop_clients).await),
    ];

    let load = Arc::new(Load::default());
    let stop_load = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let (endpoints, ann, general, load, stop) =
                (endpoints.clone(), ann.clone(), general.clone(), load.clone(), stop_load.clone());
            tokio::spawn(run_load(sender, endpoints, ann, general, load, stop))
        })
        .collect();
    let client = reqwest::Client::new();
    // Each step runs while the load does: wait until it has made progress through this phase.
    let progress = async |phase: &str| {
        let from = load.count();
        within(&format!("messages are sent {phase}"), Duration::from_secs(30), async || load.count() >= from + 20)
            .await;
    };
    progress("before the upgrade").await;

    // 1. This release's migrations, while the old nodes serve: they stay ready on the newer
    //    schema, and an old node that restarts meanwhile (rescheduled, crashed) starts on it.
    let new_schema = deployment.migrate(&new);
    assert!(new_schema >= old_schema, "this release's schema {new_schema} is not older than {old_schema}");
    let expected = if new_schema > old_schema { "compatible: " } else { "current" };
    let restarted = deployment.start("old node C", &old, "auto").await;
    for node in [&old_a, &old_b, &restarted] {
        let (status, ready) = node.ready(&client).await;
        assert_eq!(status, StatusCode::OK, "{} after the migration: {ready}", node.name);
        assert!(
            ready["schema"].as_str().is_some_and(|s| s.starts_with(expected)),
            "{} runs on schema {new_schema} (its own is {old_schema}) and says so: {ready}",
            node.name
        );
    }
    restarted.stop().await;
    progress("after the migration, to the old nodes").await;

    // 2. Node by node, as a rolling update with a surge of one: the new node joins once
    //    ready; the old one is told to stop (preStop): the load balancer still sends to it
    //    for a moment, then no longer; at the end of the pause, SIGTERM, with a request still
    //    in flight, and it drains its gateway sessions to the others.
    let new_a = deployment.start("new node A", &new, "auto").await;
    let (_, ready) = new_a.ready(&client).await;
    assert_eq!(ready["schema"], "current", "{ready}");
    endpoints.add(&new_a);
    // Dan's client on a new node while old nodes still take messages: what old nodes publish
    // reaches the new one. Counted once dan's session is live (READY and its guild): counted
    // before, the messages acknowledged while it identified (many, on a loaded machine) were
    // expected of a session that did not exist yet.
    watchers.push(("dan", watch(&dan, &new_a, &endpoints, &stop_clients).await));
    let dan_from = load.count();
    progress("to old and new nodes together").await;
    let old_b_address = old_b.address.clone();
    let drained_a = take_out_of_service(old_a, &endpoints, &ann, &general).await;
    progress("after node A was replaced").await;

    let new_b = deployment.start("new node B", &new, "auto").await;
    endpoints.add(&new_b);
    progress("to three nodes").await;
    let drained_b = take_out_of_service(old_b, &endpoints, &ann, &general).await;
    progress("after node B was replaced").await;

    stop_load.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.await.unwrap();
    }
    let failures = load.failures.lock().unwrap().clone();
    let requests = load.requests.load(Ordering::Relaxed);
    assert!(failures.is_empty(), "{} of {requests} requests failed: {failures:#?}", failures.len());
    let by_old_nodes = load.acknowledged.lock().unwrap()[dan_from..]
        .iter()
        .filter(|(_, node)| *node != new_a.address && *node != new_b.address)
        .count();
    assert!(by_old_nodes > 0, "old nodes took messages while dan was on a new node");
    // Dan was live after the load's first `dan_from` messages; a few more were in flight then
    // (one per sender), sent before or after.
    let since_dan = load.acknowledged()[dan_from + SENDERS..].to_vec();
    let mut acknowledged = load.acknowledged();
    acknowledged.extend([drained_a, drained_b]);

    // Every acknowledged message reached every client exactly once, across the resumes.
    for (name, (seen, _)) in &watchers {
        let wanted = if *name == "dan" { &since_dan } else { &acknowledged };
        within(&format!("{name} has every message"), Duration::from_secs(20), async || {
            let seen = seen.lock().unwrap();
            let counts = tally(&seen.messages);
            !seen.problems.is_empty() || wanted.iter().all(|id| counts.contains_key(id.as_str()))
        })
        .await;
    }
    stop_clients.store(true, Ordering::Relaxed);
    for (name, (seen, task)) in watchers {
        task.await.unwrap();
        let seen = seen.lock().unwrap();
        assert!(
            seen.problems.is_empty(),
            "{name}: {:#?}\nnew node A's log:\n{}\nnew node B's log:\n{}",
            seen.problems,
            read(&new_a.log),
            read(&new_b.log)
        );
        let counts = tally(&seen.messages);
        let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(repeated.is_empty(), "{name} got messages twice: {repeated:?}");
        if name != "dan" {
            assert_eq!(seen.messages.len(), acknowledged.len(), "{name} got only the acknowledged messages");
        }
        // Every drain a client met told it to RECONNECT, and it resumed (never identified
        // again): bob from A to B (still live then), then from B to the new B; cat from B to
        // the new A; dan, on a new node throughout, never.
        let path: Vec<(&str, &str)> = seen.resumes.iter().map(|(node, cause)| (node.as_str(), *cause)).collect();
        let wanted = match name {
            "bob" => vec![(old_b_address.as_str(), "RECONNECT"), (new_b.address.as_str(), "RECONNECT")],
            "cat" => vec![(new_a.address.as_str(), "RECONNECT")],
            _ => vec![],
        };
        assert_eq!(path, wanted, "{name}'s resumes");
        assert_eq!(seen.resumed, seen.resumes.len(), "{name}: each RESUME answered with RESUMED");
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
    eprintln!("upgraded under {requests} requests ({} messages), none failed", acknowledged.len());
    new_a.stop().await;
    new_b.stop().await;
}

/// Takes `node` out of service as Kubernetes does in a rolling update: its preStop pause
/// begins while the load balancer still sends to it, and a message is on its way in (its
/// body half sent); the load balancer stops sending to it; at the pause's end, SIGTERM; the
/// message's body arrives after that. The node must still answer it, and exit cleanly once
/// drained. Returns the message's id.
async fn take_out_of_service(node: Node, endpoints: &Endpoints, who: &Session, channel: &str) -> String {
    let (finish, finished) = tokio::sync::oneshot::channel();
    let (address, who_, channel_) = (node.address.clone(), who.clone(), channel.to_owned());
    let slow = tokio::spawn(async move { send_slowly(&address, &who_, &channel_, finished).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    endpoints.remove(&node);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let name = node.name;
    let stopping = tokio::spawn(node.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    finish.send(()).unwrap();
    let (status, message) = slow.await.unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "a request in flight when {name} got SIGTERM: {status} {message}");
    stopping.await.unwrap();
    message["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_deployment_restarted_on_this_release_keeps_its_data_and_its_sign_ins() {
    let (old, new) = (previous_release(), this_release());
    assert_ne!(std::fs::read(&old).unwrap(), std::fs::read(&new).unwrap(), "the previous release is another build");
    let deployment = Deployment { db: TestDatabase::new(Backend::Sqlite).await, redis_prefix: String::new() };
    let node = deployment.start("old node", &old, "1").await;
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
    let node = deployment.start("new node", &new, "1").await;
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
