//! Two real nodes on one PostgreSQL and one Redis: an event raised on one reaches gateway
//! sessions on the other, permission changes made on one apply on the other, a client
//! whose node goes away resumes on the other without losing or repeating an event, and one
//! node carries the calls of members connected to either.
//! PostgreSQL only: SQLite is the single-node, embedded configuration.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use parley_voice::protocol::TrackKind;

use crate::gateway_client::GatewayClient;
use crate::helpers::{Backend, Session, TestApp, redis_url, spawn_app_with, status_and_json};
use crate::voice_support::{eventually, hear_each_other, join_from, state_where, talking, voice_channel, voice_state};

/// Two nodes sharing a fresh Redis key prefix.
async fn two_nodes() -> (TestApp, TestApp) {
    two_nodes_with(false).await
}

/// Two nodes; with `voice_on_a`, node B sends voice clients to node A (`voice_endpoint`),
/// as a deployment with one voice node does.
async fn two_nodes_with(voice_on_a: bool) -> (TestApp, TestApp) {
    let prefix = format!("parley-test-{}", uuid::Uuid::new_v4().simple());
    let redis = redis_url();
    let extra = [("PARLEY_REDIS_URL", redis.as_str()), ("PARLEY_REDIS_KEY_PREFIX", prefix.as_str())];
    let a = spawn_app_with(Backend::Postgres, &extra).await;
    let endpoint = format!("{}/voice", a.address.trim_start_matches("http://"));
    let mut peer = extra.to_vec();
    if voice_on_a {
        peer.push(("PARLEY_VOICE_ENDPOINT", endpoint.as_str()));
    }
    let b = a.spawn_peer(&peer).await;
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
    assert_eq!(again.wait_for("RESUMED").await, serde_json::json!({}), "an object, as Discord's (serenity needs one)");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_carries_the_calls_of_members_connected_to_either_node() {
    let (a, b) = two_nodes_with(true).await;
    let (ann, bob, carol) = (a.register("ann").await, a.register("bob").await, a.register("carol").await);
    let guild = a.guild_with(&ann, "Cluster", &[&bob, &carol]).await;
    let channel = voice_channel(&a, &guild.id, &ann).await;
    let (mut ann_gw, ann_ready) = GatewayClient::identified(&a, &ann).await;
    let (mut bob_gw, bob_ready) = GatewayClient::identified(&b, &bob).await;

    // Bob's session is on node B, which names node A's voice endpoint.
    ann_gw.send(voice_state(Some(&guild.id), Some(&channel), false)).await;
    let ann_server = ann_gw.wait_for("VOICE_SERVER_UPDATE").await;
    bob_gw.send(voice_state(Some(&guild.id), Some(&channel), false)).await;
    let bob_server = bob_gw.wait_for("VOICE_SERVER_UPDATE").await;
    assert_eq!(bob_server["endpoint"], ann_server["endpoint"], "both are sent to node A");

    // Node A redeems the token node B issued: they hear each other through A's SFU.
    let join = |server: &Value, who: &Session, ready: &Value| {
        join_from(server, &guild.id, who, ready["session_id"].as_str().unwrap())
    };
    let ann_voice = talking(&join(&ann_server, &ann, &ann_ready)).await;
    let bob_voice = talking(&join(&bob_server, &bob, &bob_ready)).await;
    hear_each_other(&ann_voice, &ann.user_id, &bob_voice, &bob.user_id).await;

    // Carol, arriving on node B, sees ann (whose state node A holds) in GUILD_CREATE.
    let (mut carol_gw, _) = GatewayClient::identified(&b, &carol).await;
    let created = carol_gw.wait_for("GUILD_CREATE").await;
    let in_voice: Vec<&str> =
        created["voice_states"].as_array().unwrap().iter().filter_map(|s| s["user_id"].as_str()).collect();
    assert!(in_voice.contains(&ann.user_id.as_str()) && in_voice.contains(&bob.user_id.as_str()), "{created}");

    // Ann mutes bob through node A; node B, which holds bob's state, applies it, and node A's
    // SFU stops his audio.
    let muted = a
        .patch_json(
            &format!("/guilds/{}/members/{}", guild.id, bob.user_id),
            &json!({ "mute": true }),
            &ann.access_token,
        )
        .await;
    assert_eq!(muted.status(), StatusCode::OK);
    state_where(&mut ann_gw, &bob, |s| s["mute"] == true).await;
    eventually("bob is silenced on node A", async || {
        let before = ann_voice.received(&bob.user_id, TrackKind::Audio);
        tokio::time::sleep(Duration::from_millis(400)).await;
        ann_voice.received(&bob.user_id, TrackKind::Audio) == before
    })
    .await;

    // Bob leaves on node B: node A hangs up his call.
    bob_gw.send(voice_state(Some(&guild.id), None, false)).await;
    assert_eq!(bob_voice.close_code(Duration::from_secs(5)).await, Some(4014));
    ann_voice.close().await;
    bob_voice.close().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_on_node_a_closes_the_gateway_connection_on_node_b_and_it_cannot_resume_anywhere() {
    let (a, b) = two_nodes().await;
    let ann = a.register("ann").await;
    let (mut ann_on_b, ready) = GatewayClient::identified(&b, &ann).await;
    let session_id = ready["session_id"].as_str().unwrap().to_owned();
    let logout = a.post_json("/auth/logout", &json!({}), Some(&ann.access_token)).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(ann_on_b.closed_with().await, Some(4004), "node B closes it: the sign-in ended on node A");
    for node in [&a, &b] {
        let mut again = GatewayClient::connect(node).await;
        again.send(json!({"op": 6, "d": {"token": ann.access_token, "session_id": session_id, "seq": 1}})).await;
        assert_eq!(again.closed_with().await, Some(4004), "no node lets it resume");
    }
    b.stop_node().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_another_public_url_refuses_the_clusters_tokens() {
    let prefix = format!("parley-test-{}", uuid::Uuid::new_v4().simple());
    let redis = redis_url();
    let extra = [("PARLEY_REDIS_URL", redis.as_str()), ("PARLEY_REDIS_KEY_PREFIX", prefix.as_str())];
    let a = spawn_app_with(Backend::Postgres, &[extra[0], extra[1], ("PARLEY_PUBLIC_URL", "https://chat.example.com")])
        .await;
    let b = a.spawn_peer(&[extra[0], extra[1], ("PARLEY_PUBLIC_URL", "https://chat.example.org")]).await;
    let ann = a.register("ann").await;
    assert_eq!(a.me(&ann.access_token).await.status(), StatusCode::OK);
    // Signed with the shared key, but for another public_url: the settings differ, and the
    // token is refused (and the node says why in its log, naming public_url).
    assert_eq!(b.me(&ann.access_token).await.status(), StatusCode::UNAUTHORIZED);
    b.stop_node().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_rate_limit_is_one_budget_across_every_node() {
    let prefix = format!("parley-test-{}", uuid::Uuid::new_v4().simple());
    let redis = redis_url();
    let extra = [
        ("PARLEY_REDIS_URL", redis.as_str()),
        ("PARLEY_REDIS_KEY_PREFIX", prefix.as_str()),
        ("PARLEY_REST_MESSAGES_PER_5S", "4"),
    ];
    let a = spawn_app_with(Backend::Postgres, &extra).await;
    let b = a.spawn_peer(&[extra[0], extra[1], extra[2], ("PARLEY_WORKER_ID", "1")]).await;
    let ann = a.register("ann").await;
    let guild = a.guild_with(&ann, "Budget", &[]).await;
    for node in [&a, &b, &a, &b] {
        say(node, &ann, &guild.general, "within the budget").await;
    }
    for node in [&a, &b] {
        let refused = node
            .post_json(
                &format!("/channels/{}/messages", guild.general),
                &json!({"content": "one too many"}),
                Some(&ann.access_token),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "the fifth send, on either node");
        assert_eq!(refused.headers()["x-ratelimit-remaining"], "0");
    }
    b.stop_node().await;
    a.stop().await;
}
