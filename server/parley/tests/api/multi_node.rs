//! Two real nodes on one PostgreSQL and one Redis: an event raised on one reaches gateway
//! sessions on the other, permission changes made on one apply on the other, and a client
//! whose node goes away resumes on the other without losing or repeating an event.
//! PostgreSQL only: SQLite is the single-node, embedded configuration.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::gateway_client::GatewayClient;
use crate::helpers::{Backend, Session, TestApp, redis_url, spawn_app_with, status_and_json};

/// Two nodes sharing a fresh Redis key prefix.
async fn two_nodes() -> (TestApp, TestApp) {
    let prefix = format!("parley-test-{}", uuid::Uuid::new_v4().simple());
    let redis = redis_url();
    let extra = [("PARLEY_REDIS_URL", redis.as_str()), ("PARLEY_REDIS_KEY_PREFIX", prefix.as_str())];
    let a = spawn_app_with(Backend::Postgres, &extra).await;
    let b = a.spawn_peer(&extra).await;
    (a, b)
}

async fn say(node: &TestApp, who: &Session, channel: &str, text: &str) -> Value {
    let (status, message) = status_and_json(
        node.post_json(&format!("/channels/{channel}/messages"), &json!({"content": text}), Some(&who.access_token))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{message}");
    message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_on_node_a_reaches_a_client_on_node_b() {
    let (a, b) = two_nodes().await;
    let (ann, bob) = (a.register("ann").await, a.register("bob").await);
    let guild = a.guild_with(&ann, "Cluster", &[&bob]).await;
    let (mut bob_on_b, _) = GatewayClient::identified(&b, &bob).await;
    bob_on_b.wait_for("GUILD_CREATE").await;

    let sent = say(&a, &ann, &guild.general, "hello from node A").await;
    let received = bob_on_b.wait_for("MESSAGE_CREATE").await;
    assert_eq!(
        (received["id"].as_str(), received["content"].as_str()),
        (sent["id"].as_str(), Some("hello from node A"))
    );

    // A permission change made on node A takes effect on node B at once.
    let hidden = a
        .client
        .put(a.api(&format!("/channels/{}/permissions/{}", guild.general, bob.user_id)))
        .json(&json!({"type": 1, "allow": "0", "deny": "1024"}))
        .bearer_auth(&ann.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    // Node B hears of the change through Redis, within moments (events cross in order, so
    // nothing B sends after the change can miss it).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let response = b.get(&format!("/channels/{}/messages", guild.general), Some(&bob.access_token)).await;
        if response.status() == StatusCode::FORBIDDEN {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "node B never forgot what node A changed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    say(&a, &ann, &guild.general, "not for bob").await;
    bob_on_b.assert_no("MESSAGE_CREATE", Duration::from_millis(500)).await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_node_goes_away_resumes_on_another_without_losing_or_repeating() {
    let (a, b) = two_nodes().await;
    let (ann, bob) = (a.register("ann").await, a.register("bob").await);
    let guild = a.guild_with(&ann, "Cluster", &[&bob]).await;
    let (mut bob_on_a, ready) = GatewayClient::identified(&a, &bob).await;
    let session_id = ready["session_id"].as_str().unwrap().to_owned();
    let mut seen = Vec::new();
    for n in 0..3 {
        say(&b, &ann, &guild.general, &format!("before {n}")).await;
        seen.push(bob_on_a.wait_for("MESSAGE_CREATE").await["id"].clone());
    }
    let seq = bob_on_a.seq.unwrap();

    // Node A drains: bob is told to reconnect, and goes to node B.
    let stopping = tokio::spawn(a.stop_node());
    let reconnect = loop {
        let payload = bob_on_a.next().await;
        if payload["op"] != 0 {
            break payload;
        }
    };
    assert_eq!(reconnect["op"], 7);
    let _database = stopping.await.unwrap();
    let mut missed = Vec::new();
    for n in 0..4 {
        missed.push(say(&b, &ann, &guild.general, &format!("while away {n}")).await["id"].clone());
    }

    let mut bob_on_b = GatewayClient::connect(&b).await;
    bob_on_b.send(json!({"op": 6, "d": {"token": bob.access_token, "session_id": session_id, "seq": seq}})).await;
    let mut replayed = Vec::new();
    let mut last = seq;
    loop {
        let payload = bob_on_b.next().await;
        let s = payload["s"].as_u64().expect("dispatches carry a sequence number");
        assert!(s > last, "sequence numbers only grow: {s} after {last}");
        last = s;
        match payload["t"].as_str() {
            Some("MESSAGE_CREATE") => replayed.push(payload["d"]["id"].clone()),
            Some("RESUMED") => break,
            other => panic!("unexpected {other:?} while resuming"),
        }
    }
    // An event still on its way through Redis when bob resumed follows RESUMED, live.
    while replayed.len() < missed.len() {
        let payload = bob_on_b.wait_for_payload("MESSAGE_CREATE").await;
        let s = payload["s"].as_u64().expect("a sequence number");
        assert!(s > last, "sequence numbers only grow: {s} after {last}");
        last = s;
        replayed.push(payload["d"]["id"].clone());
    }
    assert_eq!(replayed, missed, "exactly what bob missed, in order, nothing he had already seen");
    let live = say(&b, &ann, &guild.general, "after").await;
    assert_eq!(bob_on_b.wait_for("MESSAGE_CREATE").await["id"], live["id"]);

    // The session lives on node B now: resuming there again works locally.
    let seq = bob_on_b.seq.unwrap();
    bob_on_b.drop_connection();
    let mut again = GatewayClient::connect(&b).await;
    again.send(json!({"op": 6, "d": {"token": bob.access_token, "session_id": session_id, "seq": seq}})).await;
    assert_eq!(again.wait_for("RESUMED").await, Value::Null);
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_with_worker_id_auto_lease_different_ids_and_stamp_them_into_snowflakes() {
    let prefix = format!("parley-test-{}", uuid::Uuid::new_v4().simple());
    let redis = redis_url();
    let extra = [
        ("PARLEY_REDIS_URL", redis.as_str()),
        ("PARLEY_REDIS_KEY_PREFIX", prefix.as_str()),
        ("PARLEY_WORKER_ID", "auto"),
    ];
    let a = spawn_app_with(Backend::Postgres, &extra).await;
    let b = a.spawn_peer(&extra).await;
    let worker_of = |id: &str| parley_core::Snowflake::new(id.parse().unwrap()).worker();
    let (ann, bob) = (a.register("ann").await, b.register("bob").await);
    let (on_a, on_b) = (worker_of(&ann.user_id), worker_of(&bob.user_id));
    assert_ne!(on_a, on_b, "each node stamps its own leased worker id");
    assert!(on_a < 1023 && on_b < 1023, "1023 is kept for command-line tools");
    b.stop().await;
    // A stopped node gives its id back: a new node takes the lowest free one.
    let c = a.spawn_peer(&extra).await;
    let carol = c.register("carol").await;
    assert_eq!(worker_of(&carol.user_id), on_b, "the freed id is leased again");
    c.stop().await;
    a.stop().await;
}
