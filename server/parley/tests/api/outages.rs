//! What happens when the links to Redis and PostgreSQL fail, with a fault-injecting proxy
//! between Parley and the real servers: a stalled Redis link never makes an event arrive
//! twice; a node cut off from Redis keeps serving its own clients and its backlog reaches
//! the other nodes once; a message acknowledged just before its node is killed (`kill -9`)
//! still reaches the gateway clients of the other node; a database outage is reported by
//! `/ready` within a second. PostgreSQL and Redis only: this is the multi-node configuration.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fault_proxy::{FaultProxy, Link, within};
use crate::gateway_client::{GatewayClient, Received};
use crate::helpers::{
    Backend, KillOnDrop, TestApp, metrics_text, redis_url, sample, say, spawn_app_with, status_and_json,
};

/// Redis's `host:port`, as the test's Redis URL names it.
fn redis_address() -> String {
    let url = redis_url();
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    rest.rsplit('@').next().unwrap_or(rest).split('/').next().unwrap_or(rest).to_owned()
}

/// Node A reaches Redis through `proxy`, node B directly; both on one PostgreSQL.
async fn two_nodes_one_behind(proxy: &FaultProxy) -> (TestApp, TestApp) {
    let prefix = format!("parley-test-{}", uuid::Uuid::new_v4().simple());
    let direct = redis_url();
    let proxied = proxy.url_for(&direct, &redis_address());
    let b = spawn_app_with(
        Backend::Postgres,
        &[("PARLEY_REDIS_URL", direct.as_str()), ("PARLEY_REDIS_KEY_PREFIX", prefix.as_str())],
    )
    .await;
    let a = b
        .spawn_peer(&[
            ("PARLEY_REDIS_URL", proxied.as_str()),
            ("PARLEY_REDIS_KEY_PREFIX", prefix.as_str()),
            ("PARLEY_WORKER_ID", "1"),
        ])
        .await;
    (a, b)
}

/// Every MESSAGE_CREATE `client` receives within `wait`, by id, with how often it came.
async fn messages_within(client: &mut GatewayClient, wait: Duration) -> Vec<String> {
    let mut ids = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match client.receive_within(left).await {
            None => return ids,
            Some(Received::Payload(p)) if p["t"] == "MESSAGE_CREATE" => {
                ids.push(p["d"]["id"].as_str().unwrap().to_owned())
            }
            Some(Received::Payload(_)) => {}
            Some(Received::Closed(code)) => panic!("closed ({code:?})"),
        }
    }
}

/// Reads MESSAGE_CREATEs until every one of `expected` came (or `wait` passed), then a moment
/// more; returns each id with how many times it came.
async fn collect(client: &mut GatewayClient, expected: &[String], wait: Duration) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let deadline = tokio::time::Instant::now() + wait;
    while !expected.iter().all(|id| counts.contains_key(id)) && tokio::time::Instant::now() < deadline {
        for id in messages_within(client, Duration::from_millis(200)).await {
            *counts.entry(id).or_default() += 1;
        }
    }
    for id in messages_within(client, Duration::from_secs(1)).await {
        *counts.entry(id).or_default() += 1;
    }
    counts
}

fn exactly_once(counts: &HashMap<String, usize>, expected: &[String], who: &str) {
    for id in expected {
        assert_eq!(counts.get(id), Some(&1), "{who}: message {id} arrived {:?} times ({counts:?})", counts.get(id));
    }
    assert_eq!(counts.len(), expected.len(), "{who}: nothing else: {counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_redis_link_never_delivers_an_event_twice() {
    let proxy = FaultProxy::start(&redis_address()).await;
    let (a, b) = two_nodes_one_behind(&proxy).await;
    let (ann, bob) = (b.register("ann").await, b.register("bob").await);
    let guild = b.guild_with(&ann, "Stall", &[&bob]).await;
    let (mut ann_on_a, _) = GatewayClient::identified(&a, &ann).await;
    let (mut bob_on_b, _) = GatewayClient::identified(&b, &bob).await;
    ann_on_a.wait_for("GUILD_CREATE").await;
    bob_on_b.wait_for("GUILD_CREATE").await;

    // Redis stops answering node A for three seconds: its appends time out and are retried
    // (and the timed-out commands still run once the link moves again).
    let earlier = say(&b, &bob, &guild.general, "before the stall").await;
    messages_within(&mut ann_on_a, Duration::from_millis(300)).await;
    messages_within(&mut bob_on_b, Duration::from_millis(300)).await;
    proxy.set(Link::Stalled);
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(say(&a, &ann, &guild.general, &format!("during the stall {n}")).await);
    }
    // A reaction is announced without an outbox row: its own number keeps it single.
    let reacted = a
        .put(&format!("/channels/{}/messages/{earlier}/reactions/%F0%9F%91%8D/@me", guild.general), &ann.access_token)
        .await;
    assert_eq!(reacted.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.set(Link::Up);
    sent.push(say(&a, &ann, &guild.general, "after the stall").await);

    let mut reactions = 0;
    let mut counts: HashMap<String, usize> = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !(sent.iter().all(|id| counts.contains_key(id)) && reactions > 0) && tokio::time::Instant::now() < deadline {
        if let Some(Received::Payload(p)) = bob_on_b.receive_within(Duration::from_millis(200)).await {
            match p["t"].as_str() {
                Some("MESSAGE_CREATE") => *counts.entry(p["d"]["id"].as_str().unwrap().to_owned()).or_default() += 1,
                Some("MESSAGE_REACTION_ADD") => reactions += 1,
                _ => {}
            }
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Some(received) =
        bob_on_b.receive_within(deadline.saturating_duration_since(tokio::time::Instant::now())).await
    {
        if let Received::Payload(p) = received {
            match p["t"].as_str() {
                Some("MESSAGE_CREATE") => *counts.entry(p["d"]["id"].as_str().unwrap().to_owned()).or_default() += 1,
                Some("MESSAGE_REACTION_ADD") => reactions += 1,
                _ => {}
            }
        }
    }
    exactly_once(&counts, &sent, "bob on node B");
    assert_eq!(reactions, 1, "bob on node B: the reaction arrived once");
    exactly_once(&collect(&mut ann_on_a, &sent, Duration::from_secs(5)).await, &sent, "ann on node A");
    a.stop_node().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_cut_off_from_redis_serves_its_own_clients_and_its_backlog_reaches_the_others_once() {
    let proxy = FaultProxy::start(&redis_address()).await;
    let (a, b) = two_nodes_one_behind(&proxy).await;
    let (ann, bob, cy) = (b.register("ann").await, b.register("bob").await, b.register("cy").await);
    let guild = b.guild_with(&ann, "Outage", &[&bob, &cy]).await;
    let (mut cy_on_a, _) = GatewayClient::identified(&a, &cy).await;
    let (mut bob_on_b, _) = GatewayClient::identified(&b, &bob).await;
    cy_on_a.wait_for("GUILD_CREATE").await;
    bob_on_b.wait_for("GUILD_CREATE").await;

    proxy.set(Link::Cut);
    let mut during = Vec::new();
    for n in 0..4 {
        let id = say(&a, &ann, &guild.general, &format!("while Redis is away {n}")).await;
        // Node A's own client hears of it at once, in order.
        let seen = cy_on_a.wait_for("MESSAGE_CREATE").await;
        assert_eq!(seen["id"], id.as_str());
        during.push(id);
    }
    assert!(messages_within(&mut bob_on_b, Duration::from_millis(500)).await.is_empty(), "node B hears nothing yet");
    // Node A says so: in its metrics, and in /ready, which stays 200 (it serves its clients).
    let (status, ready) = status_and_json(a.client.get(format!("{}/ready", a.address)).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert!(ready["redis"].as_str().unwrap().starts_with("unreachable"), "{ready}");
    assert!(ready["bus_backlog"].as_i64().unwrap() >= 1, "the messages wait for Redis: {ready}");
    let metrics = metrics_text(&a).await;
    assert_eq!(sample(&metrics, "parley_bus_redis_up"), Some(0.0));
    assert!(sample(&metrics, "parley_bus_backlog").unwrap() >= 1.0, "{metrics}");

    proxy.set(Link::Up);
    let after = say(&a, &ann, &guild.general, "Redis is back").await;
    let mut everything = during.clone();
    everything.push(after.clone());
    let counts = collect(&mut bob_on_b, &everything, Duration::from_secs(15)).await;
    exactly_once(&counts, &everything, "bob on node B");
    // Cy got the backlog at once and must not get it again; the newer message arrives once.
    exactly_once(
        &collect(&mut cy_on_a, std::slice::from_ref(&after), Duration::from_secs(5)).await,
        &[after],
        "cy on node A",
    );
    let (_, ready) = status_and_json(a.client.get(format!("{}/ready", a.address)).send().await.unwrap()).await;
    assert_eq!((&ready["redis"], &ready["bus_backlog"]), (&json!("ok"), &json!(0)), "{ready}");
    let metrics = metrics_text(&a).await;
    assert_eq!(
        (sample(&metrics, "parley_bus_redis_up"), sample(&metrics, "parley_bus_dropped_total")),
        (Some(1.0), Some(0.0))
    );
    a.stop_node().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_acknowledged_just_before_their_node_is_killed_still_reach_the_other_nodes_clients() {
    let proxy = FaultProxy::start(&redis_address()).await;
    let prefix = format!("parley-test-{}", uuid::Uuid::new_v4().simple());
    let direct = redis_url();
    let b = spawn_app_with(
        Backend::Postgres,
        &[("PARLEY_REDIS_URL", direct.as_str()), ("PARLEY_REDIS_KEY_PREFIX", prefix.as_str())],
    )
    .await;
    // Node A is its own process, so it can be killed outright.
    let mut command = Command::new(env!("CARGO_BIN_EXE_parley"));
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("PARLEY_")) {
        command.env_remove(name);
    }
    let child = command
        .args(["serve"])
        .env("PARLEY_DATABASE_URL", b.settings.database_url.as_str())
        .env("PARLEY_DATA_DIR", &b.settings.data_dir)
        .env("PARLEY_REDIS_URL", proxy.url_for(&direct, &redis_address()))
        .env("PARLEY_REDIS_KEY_PREFIX", &prefix)
        .env("PARLEY_WORKER_ID", "2")
        .env("PARLEY_BIND", "127.0.0.1:0")
        .env("PARLEY_VOICE_UDP_BIND", "127.0.0.1:0")
        .env("PARLEY_PASSWORD_HASH_MEMORY_KIB", "1024")
        .env("PARLEY_PASSWORD_HASH_ITERATIONS", "1")
        .env("PARLEY_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node A starts");
    let mut a = KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(a.0.stdout.take().unwrap()).read_line(&mut line).expect("node A prints its URL");
    let a_url = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).expect("a URL").to_owned();

    let (ann, bob) = (b.register("ann").await, b.register("bob").await);
    let guild = b.guild_with(&ann, "Crash", &[&bob]).await;
    let (mut bob_on_b, _) = GatewayClient::identified(&b, &bob).await;
    bob_on_b.wait_for("GUILD_CREATE").await;

    // Node A acknowledges messages it cannot get to Redis yet (the link is stalled), then dies.
    proxy.set(Link::Stalled);
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    for n in 0..5 {
        let body = json!({"content": format!("acknowledged {n}"), "nonce": format!("nonce-{n}")});
        let response = client
            .post(format!("{a_url}/api/v10/channels/{}/messages", guild.general))
            .bearer_auth(&ann.access_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        acknowledged.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    Command::new("kill").args(["-KILL", &a.0.id().to_string()]).status().unwrap();
    let _ = a.0.wait();
    proxy.set(Link::Up);

    // The client retries its last send on node B, with its nonce: the same message, announced
    // now if it never was.
    let retried = b
        .post_json(
            &format!("/channels/{}/messages", guild.general),
            &json!({"content": "acknowledged 4", "nonce": "nonce-4"}),
            Some(&ann.access_token),
        )
        .await;
    let (status, retried) = status_and_json(retried).await;
    assert_eq!((status, retried["id"].as_str()), (StatusCode::OK, Some(acknowledged[4].as_str())));

    let counts = collect(&mut bob_on_b, &acknowledged, Duration::from_secs(20)).await;
    exactly_once(&counts, &acknowledged, "bob on node B");
    within("the outbox empties", Duration::from_secs(10), async || b.store.outbox_len().await.unwrap() == 0).await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_a_database_outage_ready_says_why_within_a_second_and_recovers() {
    let db = crate::helpers::TestDatabase::new(Backend::Postgres).await;
    let upstream = "127.0.0.1:5432";
    let proxy = FaultProxy::start(upstream).await;
    let proxied = proxy.url_for(&db.url, upstream);
    let settings = db.settings(&[("PARLEY_DATABASE_URL", proxied.as_str())]);
    let app = parley::startup::Application::build(&settings, true).await.expect("the application builds");
    let address = format!("http://{}", app.address());
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(stop.clone()));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    assert_eq!(client.get(format!("{address}/ready")).send().await.unwrap().status(), StatusCode::OK);

    proxy.set(Link::Cut);
    let started = std::time::Instant::now();
    let response = client.get(format!("{address}/ready")).send().await.unwrap();
    let took = started.elapsed();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body["database"].as_str().is_some_and(|d| d.starts_with("unreachable")), "{body}");
    assert!(!body.to_string().contains("127.0.0.1"), "anyone may ask: no addresses in the answer: {body}");
    assert!(took < Duration::from_millis(1500), "the probe answered in {took:?}");
    // Prometheus sees the same answer (the readiness alert's series), as quickly.
    let scrape = |client: reqwest::Client, address: String| async move {
        let text = client.get(format!("{address}/metrics")).send().await.unwrap().text().await.unwrap();
        sample(&text, "parley_ready")
    };
    assert_eq!(scrape(client.clone(), address.clone()).await, Some(0.0));
    // Stalled rather than refused: the answer comes as quickly.
    proxy.set(Link::Stalled);
    let started = std::time::Instant::now();
    let (status, _) = status_and_json(client.get(format!("{address}/ready")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_millis(1500), "the probe answered in {:?}", started.elapsed());

    proxy.set(Link::Up);
    within("ready again", Duration::from_secs(10), async || {
        client.get(format!("{address}/ready")).send().await.is_ok_and(|r| r.status() == StatusCode::OK)
    })
    .await;
    assert_eq!(scrape(client.clone(), address.clone()).await, Some(1.0));
    stop.cancel();
    let _ = server.await;
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_node_keeps_its_redis_connections() {
    let proxy = FaultProxy::start(&redis_address()).await;
    let (a, b) = two_nodes_one_behind(&proxy).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = proxy.connections();
    // Quiet for several of the reader's blocking reads: nothing reconnects.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(proxy.connections(), before, "node A opened new Redis connections while idle");
    a.stop_node().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_heard_events_outside_the_shared_order_starts_over_on_another_node_rather_than_hear_them_twice()
{
    let proxy = FaultProxy::start(&redis_address()).await;
    let (a, b) = two_nodes_one_behind(&proxy).await;
    let (ann, cy) = (b.register("ann").await, b.register("cy").await);
    let guild = b.guild_with(&ann, "Failover", &[&cy]).await;
    let (mut cy_on_a, ready) = GatewayClient::identified(&a, &cy).await;
    cy_on_a.wait_for("GUILD_CREATE").await;

    proxy.set(Link::Cut);
    say(&a, &ann, &guild.general, "while Redis is away").await;
    cy_on_a.wait_for("MESSAGE_CREATE").await;
    proxy.set(Link::Up);
    say(&a, &ann, &guild.general, "Redis is back").await;
    cy_on_a.wait_for("MESSAGE_CREATE").await;
    let seq = cy_on_a.seq.unwrap();
    // Node A tells the registry once Redis answers: her session may resume only there.
    let key = format!("{}:session:{}", a.settings.redis_key_prefix, ready["session_id"].as_str().unwrap());
    let mut redis =
        redis::Client::open(redis_url().as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    within("the registry marks the session", Duration::from_secs(10), async || {
        let here: Option<String> = redis::cmd("HGET").arg(&key).arg("here").query_async(&mut redis).await.unwrap();
        here.as_deref() == Some("1")
    })
    .await;
    cy_on_a.drop_connection();
    a.stop_node().await;

    // Replaying the log from her sequence number would send the first message again.
    let mut on_b = GatewayClient::connect(&b).await;
    on_b.send(json!({"op": 6, "d": {"token": cy.access_token, "session_id": ready["session_id"], "seq": seq}})).await;
    let answer = on_b.next().await;
    assert_eq!(answer["op"], 9, "INVALID_SESSION, not a replay: {answer}");
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_made_while_redis_was_away_is_recorded_when_it_returns_and_resumes_on_another_node() {
    let proxy = FaultProxy::start(&redis_address()).await;
    let (a, b) = two_nodes_one_behind(&proxy).await;
    let (ann, bob) = (b.register("ann").await, b.register("bob").await);
    let guild = b.guild_with(&ann, "Failover", &[&bob]).await;

    proxy.set(Link::Cut);
    let (mut bob_on_a, ready) = GatewayClient::identified(&a, &bob).await;
    bob_on_a.wait_for("GUILD_CREATE").await;
    proxy.set(Link::Up);
    let first = say(&b, &ann, &guild.general, "Redis is back").await;
    assert_eq!(bob_on_a.wait_for("MESSAGE_CREATE").await["id"], first.as_str());
    let seq = bob_on_a.seq.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    bob_on_a.drop_connection();
    a.stop_node().await;

    let missed = say(&b, &ann, &guild.general, "while bob moves").await;
    let mut bob_on_b = GatewayClient::connect(&b).await;
    bob_on_b
        .send(json!({"op": 6, "d": {"token": bob.access_token, "session_id": ready["session_id"], "seq": seq}}))
        .await;
    let mut replayed = Vec::new();
    loop {
        let payload = bob_on_b.next().await;
        match payload["t"].as_str() {
            Some("MESSAGE_CREATE") => replayed.push(payload["d"]["id"].as_str().unwrap().to_owned()),
            Some("RESUMED") => break,
            _ => panic!("unexpected {payload} while resuming"),
        }
    }
    if replayed.is_empty() {
        replayed.push(bob_on_b.wait_for("MESSAGE_CREATE").await["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(replayed, vec![missed], "the session was found on node B and missed nothing");
    b.stop().await;
}
