//! The gateway end to end: discovery, IDENTIFY and READY, fan-out by permission and intent,
//! live permission and membership changes, RESUME, presence, member chunks, and every close
//! code a client can cause.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::gateway_client::{ALL_INTENTS, GatewayClient, Received};
use crate::helpers::{
    Backend, Session, TestApp, assert_error, on_both_backends, spawn_app, spawn_app_with, status_and_json,
};

const GUILDS: u64 = 1;
const GUILD_MEMBERS: u64 = 1 << 1;
const GUILD_PRESENCES: u64 = 1 << 8;
const GUILD_MESSAGES: u64 = 1 << 9;

/// Long enough for an event that is coming to arrive on loopback; used only to show that
/// something does NOT arrive.
const QUIET: Duration = Duration::from_millis(400);

async fn say(app: &TestApp, who: &Session, channel: &str, text: &str) -> Value {
    let (status, message) = status_and_json(
        app.post_json(&format!("/channels/{channel}/messages"), &json!({"content": text}), Some(&who.access_token))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{message}");
    message
}

async fn create_channel(app: &TestApp, owner: &Session, guild: &str, name: &str) -> String {
    let (status, channel) = status_and_json(
        app.post_json(&format!("/guilds/{guild}/channels"), &json!({"name": name}), Some(&owner.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    channel["id"].as_str().unwrap().to_owned()
}

/// Denies VIEW_CHANNEL on `channel` to the member `user_id`.
async fn hide_from(app: &TestApp, owner: &Session, channel: &str, user_id: &str) {
    let response = app
        .send(
            app.client
                .put(app.api(&format!("/channels/{channel}/permissions/{user_id}")))
                .json(&json!({"type": 1, "allow": "0", "deny": "1024"}))
                .bearer_auth(&owner.access_token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn discovery_points_clients_and_bots_at_the_websocket(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let expected = format!("{}/gateway", app.address.replacen("http://", "ws://", 1));
    let (status, gateway) = status_and_json(app.get("/gateway", None).await).await;
    assert_eq!((status, gateway["url"].as_str()), (StatusCode::OK, Some(expected.as_str())));
    assert_error(app.get("/gateway/bot", None).await, StatusCode::UNAUTHORIZED, 40001).await;
    let (status, bot) = status_and_json(app.get("/gateway/bot", Some(&ann.access_token)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((bot["url"].as_str(), bot["shards"].as_u64()), (Some(expected.as_str()), Some(1)));
    assert_eq!(bot["session_start_limit"]["max_concurrency"], 1);

    // Libraries connect wherever they were told, in their own way: twilight appends `/?v=10`
    // to the URL, and one given only the host connects at `/`, where Discord's gateway is.
    for url in
        [format!("{expected}/?v=10&encoding=json"), format!("{}/?v=10", app.address.replacen("http://", "ws://", 1))]
    {
        let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let hello = futures::StreamExt::next(&mut socket).await.expect("HELLO").unwrap();
        assert!(hello.to_text().unwrap().contains(r#""op":10"#), "{url}: {hello}");
    }
    // And `/` without an upgrade is still the web client's page.
    let page = app.send(app.client.get(&app.address)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

async fn identify_brings_ready_and_then_each_guild_as_the_user_may_see_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let secret = create_channel(&app, &ann, &guild.id, "secret").await;
    hide_from(&app, &ann, &secret, &bob.user_id).await;
    let dm = app.post_json("/users/@me/channels", &json!({"recipient_id": ann.user_id}), Some(&bob.access_token)).await;
    assert_eq!(dm.status(), StatusCode::OK);

    let (hello_client, hello) = GatewayClient::connect_with(&app, "v=10&encoding=json").await;
    assert_eq!(hello["op"], 10);
    assert!(hello["d"]["heartbeat_interval"].as_u64().is_some_and(|i| i > 0), "{hello}");
    hello_client.close().await;

    let (mut bob_gw, ready) = GatewayClient::identified(&app, &bob).await;
    assert_eq!(ready["v"], 10);
    assert_eq!(ready["user"]["id"], bob.user_id.as_str());
    assert_eq!(ready["guilds"], json!([{"id": guild.id, "unavailable": true}]));
    assert!(ready["session_id"].as_str().is_some_and(|s| s.len() >= 16));
    assert!(ready["resume_gateway_url"].as_str().is_some_and(|u| u.starts_with("ws://")));
    assert_eq!(ready["private_channels"][0]["recipients"][0]["id"], ann.user_id.as_str());
    assert!(ready["read_state"]["entries"].as_array().is_some_and(|e| !e.is_empty()), "{ready}");
    let ready_seq = bob_gw.seq.expect("READY carries a sequence number");

    let created = bob_gw.wait_for("GUILD_CREATE").await;
    assert!(bob_gw.seq > Some(ready_seq), "each dispatch numbers higher than the last");
    assert_eq!(created["id"], guild.id.as_str());
    let names: Vec<&str> =
        created["channels"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"general") && !names.contains(&"secret"), "bob sees no hidden channel: {names:?}");
    assert_eq!(created["member_count"], 2);
    assert_eq!(created["members"].as_array().unwrap().len(), 2, "a small guild comes with its members");
    assert_eq!(created["roles"][0]["id"], guild.id.as_str(), "@everyone");
    assert_eq!(created["large"], false);

    let (_, ann_ready) = GatewayClient::identified(&app, &ann).await;
    assert_ne!(ann_ready["session_id"], ready["session_id"]);
}

async fn messages_reach_exactly_those_who_may_see_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let secret = create_channel(&app, &ann, &guild.id, "secret").await;
    hide_from(&app, &ann, &secret, &bob.user_id).await;
    let (mut ann_gw, _) = GatewayClient::identified(&app, &ann).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    let (mut cat_gw, _) = GatewayClient::identified(&app, &cat).await;
    let (mut quiet_gw, _) = GatewayClient::identified_with(&app, &bob, GUILDS).await;

    say(&app, &ann, &secret, "for ann's eyes").await;
    let hello = say(&app, &ann, &guild.general, "hello all").await;
    let received = ann_gw.wait_for("MESSAGE_CREATE").await;
    assert_eq!(received["content"], "for ann's eyes");
    let received = bob_gw.wait_for("MESSAGE_CREATE").await;
    assert_eq!(received["id"], hello["id"], "bob's first message is the one he may see");
    assert_eq!(received["guild_id"], guild.id.as_str());
    cat_gw.assert_no("MESSAGE_CREATE", QUIET).await;
    quiet_gw.assert_no("MESSAGE_CREATE", QUIET).await;

    // A DM reaches its two people only.
    let (_, dm) = status_and_json(
        app.post_json("/users/@me/channels", &json!({"recipient_id": bob.user_id}), Some(&ann.access_token)).await,
    )
    .await;
    say(&app, &ann, dm["id"].as_str().unwrap(), "psst").await;
    let opened = bob_gw.wait_for("CHANNEL_CREATE").await;
    assert_eq!(opened["type"], 1);
    let private = bob_gw.wait_for("MESSAGE_CREATE").await;
    assert_eq!(private["content"], "psst");
    assert!(private.get("guild_id").is_none());
    cat_gw.assert_no("MESSAGE_CREATE", QUIET).await;
}

async fn a_channel_hidden_by_an_overwrite_stops_sending_its_events_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    say(&app, &ann, &guild.general, "before").await;
    assert_eq!(bob_gw.wait_for("MESSAGE_CREATE").await["content"], "before");
    hide_from(&app, &ann, &guild.general, &bob.user_id).await;
    let went = bob_gw.wait_for("CHANNEL_DELETE").await;
    assert_eq!(went["id"], guild.general.as_str(), "bob is told the channel went from his view");
    assert!(went.get("name").is_none(), "and nothing more about it: {went}");
    say(&app, &ann, &guild.general, "after").await;
    bob_gw.assert_no("MESSAGE_CREATE", QUIET).await;
    // And a channel bob never saw says nothing when it goes.
    let response = app.delete(&format!("/channels/{}", guild.general), &ann.access_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    bob_gw.assert_no("CHANNEL_DELETE", QUIET).await;
}

async fn a_kicked_member_gets_guild_delete_and_nothing_more(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    bob_gw.wait_for("GUILD_CREATE").await;
    let kicked = app.delete(&format!("/guilds/{}/members/{}", guild.id, bob.user_id), &ann.access_token).await;
    assert_eq!(kicked.status(), StatusCode::NO_CONTENT);
    assert_eq!(bob_gw.wait_for("GUILD_DELETE").await["id"], guild.id.as_str());
    say(&app, &ann, &guild.general, "bob is gone").await;
    bob_gw.assert_no("MESSAGE_CREATE", QUIET).await;

    // Joining again brings the guild back, live.
    let joined = app.post_json(&format!("/invites/{}", guild.invite), &json!({}), Some(&bob.access_token)).await;
    assert_eq!(joined.status(), StatusCode::OK);
    let back = bob_gw.wait_for("GUILD_CREATE").await;
    assert_eq!(back["id"], guild.id.as_str());
    assert!(back["channels"].as_array().is_some_and(|c| !c.is_empty()), "built for bob: {back}");
    say(&app, &ann, &guild.general, "welcome back").await;
    assert_eq!(bob_gw.wait_for("MESSAGE_CREATE").await["content"], "welcome back");
}

async fn resume_replays_what_was_missed_in_order_then_says_resumed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let (mut bob_gw, ready) = GatewayClient::identified(&app, &bob).await;
    say(&app, &ann, &guild.general, "seen").await;
    bob_gw.wait_for("MESSAGE_CREATE").await;
    let (session_id, seq) = (ready["session_id"].as_str().unwrap().to_owned(), bob_gw.seq.unwrap());
    bob_gw.drop_connection();

    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(say(&app, &ann, &guild.general, &format!("missed {n}")).await["id"].clone());
    }
    let mut resumed = GatewayClient::connect(&app).await;
    resumed.send(json!({"op": 6, "d": {"token": bob.access_token, "session_id": session_id, "seq": seq}})).await;
    let mut replayed = Vec::new();
    let mut seqs = Vec::new();
    loop {
        let payload = resumed.next().await;
        seqs.push(payload["s"].as_u64().unwrap());
        match payload["t"].as_str() {
            Some("MESSAGE_CREATE") => replayed.push(payload["d"]["id"].clone()),
            Some("RESUMED") => {
                // An object, as Discord's is: serenity refuses `null` and never sees it resume.
                assert!(payload["d"].is_object(), "{payload}");
                break;
            }
            other => panic!("unexpected {other:?} during replay"),
        }
    }
    // Fan-out is asynchronous: a message whose send had just returned may still be on its
    // way to the session when it resumes. It then follows RESUMED, live; it is never lost.
    while replayed.len() < sent.len() {
        let payload = resumed.wait_for_payload("MESSAGE_CREATE").await;
        seqs.push(payload["s"].as_u64().unwrap());
        replayed.push(payload["d"]["id"].clone());
    }
    assert_eq!(replayed, sent, "every missed message, once, in order");
    assert!(seqs[0] > seq, "the replay starts after the client's seq");
    assert!(seqs.windows(2).all(|w| w[1] > w[0]), "{seqs:?}");
    say(&app, &ann, &guild.general, "live again").await;
    let live = resumed.next().await;
    assert_eq!(live["t"], "MESSAGE_CREATE");
    assert!(live["s"].as_u64() > seqs.last().copied(), "{live}");

    // A session the server does not know: start over.
    let mut stranger = GatewayClient::connect(&app).await;
    stranger.send(json!({"op": 6, "d": {"token": bob.access_token, "session_id": "nope", "seq": 1}})).await;
    let invalid = stranger.next().await;
    assert_eq!((invalid["op"].as_u64(), invalid["d"].as_bool()), (Some(9), Some(false)));
    // Someone else's session: same answer, nothing leaks.
    let mut thief = GatewayClient::connect(&app).await;
    thief.send(json!({"op": 6, "d": {"token": ann.access_token, "session_id": session_id, "seq": 0}})).await;
    assert_eq!(thief.next().await["op"], 9);
    // A seq from the future.
    let mut liar = GatewayClient::connect(&app).await;
    liar.send(json!({"op": 6, "d": {"token": bob.access_token, "session_id": session_id, "seq": 1_000_000}})).await;
    assert_eq!(liar.closed_with().await, Some(4007));
}

async fn every_close_code_a_client_can_cause(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_GATEWAY_COMMANDS_PER_MINUTE", "10")]).await;
    let ann = app.register("ann").await;
    let identify = |token: &str, intents: Value, extra: Value| {
        let mut d = json!({"token": token, "intents": intents, "properties": {}});
        if let (Some(d), Some(extra)) = (d.as_object_mut(), extra.as_object()) {
            d.extend(extra.clone());
        }
        json!({"op": 2, "d": d})
    };
    let cases: Vec<(&str, String, u16)> = vec![
        ("not JSON", "{oops".into(), 4002),
        ("an opcode clients never send", json!({"op": 11}).to_string(), 4001),
        (
            "presence before identifying",
            json!({"op": 3, "d": {"status": "online", "since": null, "activities": [], "afk": false}}).to_string(),
            4003,
        ),
        ("a bad token", identify("not-a-token", json!(513), json!({})).to_string(), 4004),
        ("unknown intents", identify(&ann.access_token, json!(1u64 << 40), json!({})).to_string(), 4013),
        ("no intents", json!({"op": 2, "d": {"token": ann.access_token, "properties": {}}}).to_string(), 4013),
        (
            "a shard Parley does not have",
            identify(&ann.access_token, json!(513), json!({"shard": [1, 2]})).to_string(),
            4010,
        ),
        ("an oversized payload", format!("{{\"op\":1,\"d\":null,\"x\":\"{}\"}}", "x".repeat(5000)), 4002),
    ];
    for (what, frame, code) in cases {
        let mut client = GatewayClient::connect(&app).await;
        client.send_text(frame).await;
        assert_eq!(client.closed_with().await, Some(code), "{what}");
    }

    let (mut twice, _) = GatewayClient::identified(&app, &ann).await;
    twice.send(identify(&ann.access_token, json!(513), json!({}))).await;
    assert_eq!(twice.closed_with().await, Some(4005), "identifying twice");

    let (mut chatty, _) = GatewayClient::identified(&app, &ann).await;
    for _ in 0..10 {
        chatty.send(json!({"op": 1, "d": chatty.seq})).await;
    }
    assert_eq!(chatty.closed_with().await, Some(4008), "more than the allowed commands per minute");

    let mut old = GatewayClient::connect_raw(&app, "v=9&encoding=json").await;
    assert!(matches!(old.receive().await, Received::Closed(Some(4012))), "API version 9");
}

async fn the_server_asks_for_a_missed_heartbeat_then_closes_a_silent_connection(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_GATEWAY_HEARTBEAT_INTERVAL_MS", "1000")]).await;
    let ann = app.register("ann").await;
    let (mut client, _) = GatewayClient::identified(&app, &ann).await;
    client.send(json!({"op": 1, "d": client.seq})).await;
    let ack = client.next().await;
    assert_eq!(ack["op"], 11, "a heartbeat is acknowledged");
    let request = loop {
        let payload = client.next().await;
        if payload["op"] != 0 {
            break payload;
        }
    };
    assert_eq!(request["op"], 1, "after a silent interval the server asks for a heartbeat");
    assert_eq!(client.closed_with().await, Some(4009), "and closes a connection that stays silent");

    let mut never_identified = GatewayClient::connect(&app).await;
    assert_eq!(never_identified.closed_with().await, Some(4009));
}

async fn presence_reaches_those_who_share_a_guild(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    app.guild_with(&ann, "Lounge", &[&bob]).await;
    let (mut ann_gw, _) = GatewayClient::identified_with(&app, &ann, GUILDS | GUILD_PRESENCES).await;
    let (mut cat_gw, _) = GatewayClient::identified_with(&app, &cat, GUILDS | GUILD_PRESENCES).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    let online = ann_gw.wait_for("PRESENCE_UPDATE").await;
    assert_eq!(
        (online["user"]["id"].as_str(), online["status"].as_str()),
        (Some(bob.user_id.as_str()), Some("online"))
    );
    bob_gw
        .send(json!({"op": 3, "d": {"since": null, "activities": [{"name": "chess", "type": 0}], "status": "dnd", "afk": false}}))
        .await;
    let dnd = ann_gw.wait_for("PRESENCE_UPDATE").await;
    assert_eq!((dnd["status"].as_str(), dnd["activities"][0]["name"].as_str()), (Some("dnd"), Some("chess")));
    bob_gw.send(json!({"op": 3, "d": {"since": null, "activities": [], "status": "invisible", "afk": false}})).await;
    assert_eq!(ann_gw.wait_for("PRESENCE_UPDATE").await["status"], "offline", "invisible looks offline");
    bob_gw.send(json!({"op": 3, "d": {"since": null, "activities": [], "status": "sleeping", "afk": false}})).await;
    assert_eq!(bob_gw.closed_with().await, Some(4002), "an unknown status");
    cat_gw.assert_no("PRESENCE_UPDATE", QUIET).await;
}

async fn member_requests_are_answered_in_chunks(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob, bea) = (app.register("ann").await, app.register("bob").await, app.register("bea").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob, &bea]).await;
    let (mut gw, _) = GatewayClient::identified(&app, &ann).await;
    gw.send(json!({"op": 8, "d": {"guild_id": guild.id, "query": "b", "limit": 10, "nonce": "n1"}})).await;
    let chunk = gw.wait_for("GUILD_MEMBERS_CHUNK").await;
    let mut names: Vec<&str> =
        chunk["members"].as_array().unwrap().iter().map(|m| m["user"]["username"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, vec!["bea", "bob"]);
    assert_eq!(
        (chunk["chunk_index"].as_u64(), chunk["chunk_count"].as_u64(), chunk["nonce"].as_str()),
        (Some(0), Some(1), Some("n1"))
    );
    gw.send(json!({"op": 8, "d": {"guild_id": guild.id, "user_ids": [bob.user_id, "4242"], "limit": 0}})).await;
    let by_id = gw.wait_for("GUILD_MEMBERS_CHUNK").await;
    assert_eq!(by_id["members"][0]["user"]["id"], bob.user_id.as_str());
    assert_eq!(by_id["not_found"], json!(["4242"]));
    gw.send(json!({"op": 8, "d": {"guild_id": guild.id, "query": "", "limit": 0}})).await;
    assert_eq!(gw.wait_for("GUILD_MEMBERS_CHUNK").await["members"].as_array().unwrap().len(), 3);

    let (mut no_members_intent, _) = GatewayClient::identified_with(&app, &ann, GUILDS | GUILD_MESSAGES).await;
    no_members_intent.send(json!({"op": 8, "d": {"guild_id": guild.id, "query": "", "limit": 0}})).await;
    assert_eq!(no_members_intent.closed_with().await, Some(4013), "everyone needs the GUILD_MEMBERS intent");
    let _ = GUILD_MEMBERS;
}

async fn zlib_stream_carries_the_same_protocol(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Lounge", &[]).await;
    let (mut client, hello) = GatewayClient::connect_with(&app, "v=10&encoding=json&compress=zlib-stream").await;
    assert_eq!(hello["op"], 10);
    client.send(json!({"op": 2, "d": {"token": ann.access_token, "intents": ALL_INTENTS, "properties": {}}})).await;
    client.wait_for("READY").await;
    client.wait_for("GUILD_CREATE").await;
    say(&app, &ann, &guild.general, &"long ".repeat(500)).await;
    assert!(client.wait_for("MESSAGE_CREATE").await["content"].as_str().unwrap().len() > 2000);
}

async fn garbage_from_many_clients_never_hurts_the_node(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Lounge", &[]).await;
    let junk = [
        "".to_owned(),
        "null".into(),
        "[]".into(),
        "{\"op\":\"2\"}".into(),
        "{\"op\":2,\"d\":[]}".into(),
        "{\"op\":6,\"d\":{\"token\":1}}".into(),
        "{\"op\":8,\"d\":{\"guild_id\":{}}}".into(),
        "{\"op\":1,\"d\":-5}".into(),
        "\u{0}\u{1}\u{2}".into(),
        "{\"op\":99999999999999999999}".into(),
        "{".repeat(3000),
    ];
    for frame in junk.iter().cycle().take(40) {
        let mut client = GatewayClient::connect(&app).await;
        client.send_text(frame.clone()).await;
        assert!(matches!(client.closed_with().await, Some(4001..=4014)), "{frame:?}");
    }
    let (mut fine, _) = GatewayClient::identified(&app, &ann).await;
    say(&app, &ann, &guild.general, "still here").await;
    assert_eq!(fine.wait_for("MESSAGE_CREATE").await["content"], "still here");
}

async fn a_draining_node_tells_every_session_to_reconnect(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let (mut client, _) = GatewayClient::identified(&app, &ann).await;
    let stopping = tokio::spawn(app.stop());
    let reconnect = loop {
        let payload = client.next().await;
        if payload["op"] != 0 {
            break payload;
        }
    };
    assert_eq!(reconnect["op"], 7, "RECONNECT");
    assert!(matches!(client.receive().await, Received::Closed(_)));
    stopping.await.unwrap();
}

async fn a_reader_too_slow_is_closed_as_resumable_and_resumes_without_loss(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("PARLEY_GATEWAY_SESSION_QUEUE", "16"), ("PARLEY_GATEWAY_REPLAY_BUFFER", "5000")])
            .await;
    // About 6 MB: more than the kernel's socket buffers (up to 4 MiB here) and the queue hold.
    closed_for_reading_too_slowly_then_resumed(&app, 3900, 1600).await;
}

async fn a_client_that_stops_reading_is_dropped_within_the_write_timeout(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("PARLEY_GATEWAY_WRITE_TIMEOUT_SECS", "1"),
            ("PARLEY_GATEWAY_SESSION_QUEUE", "16"),
            ("PARLEY_GATEWAY_REPLAY_BUFFER", "64"),
        ],
    )
    .await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let mut stuck = GatewayClient::connect_slow_reader(&app).await;
    stuck
        .send(json!({"op": 2, "d": {"token": bob.access_token, "intents": GUILDS | GUILD_MESSAGES, "properties": {}}}))
        .await;
    stuck.wait_for("GUILD_CREATE").await;
    async fn open(app: &TestApp) -> Option<f64> {
        crate::helpers::sample(&crate::helpers::metrics_text(app).await, "parley_gateway_connections")
    }
    assert_eq!(open(&app).await, Some(1.0));
    // Bob's client reads nothing more: his socket buffers fill, then his queue; the server
    // lets go of the connection, and its close frame cannot be written either.
    let big = "x".repeat(3900);
    futures::stream::iter(0..1200)
        .for_each_concurrent(8, |n| {
            let (app, ann, general, big) = (&app, &ann, guild.general.clone(), big.clone());
            async move {
                say(app, ann, &general, &format!("{n} {big}")).await;
            }
        })
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while open(&app).await != Some(0.0) {
        assert!(tokio::time::Instant::now() < deadline, "the stuck connection is still counted as open");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stuck);
}

async fn with_the_default_settings_a_reader_closed_for_being_too_slow_resumes_without_loss(backend: Backend) {
    // The defaults are what the docs and runbook promise this for: no settings here.
    let app = spawn_app(backend).await;
    // What bob still reads after the close is what the server's socket buffer held (a few
    // MB on Linux): the rest must fit the 1024-event replay buffer. 2500 messages of ~1.2 KB
    // leave room both ways (more than the buffer and the 256-event queue hold, so the
    // connection is closed; few enough beyond them to be replayed), whatever a message object
    // gains in fields.
    closed_for_reading_too_slowly_then_resumed(&app, 600, 2500).await;
}

/// Bob stops reading while ann sends `count` messages of about `size` bytes; his connection
/// is closed as resumable, and a RESUME with his last sequence number brings the rest, every
/// message once.
async fn closed_for_reading_too_slowly_then_resumed(app: &TestApp, size: usize, count: usize) {
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let mut slow = GatewayClient::connect_slow_reader(app).await;
    slow.send(json!({"op": 2, "d": {"token": bob.access_token, "intents": GUILDS | GUILD_MESSAGES, "properties": {}}}))
        .await;
    let ready = slow.wait_for("READY").await;
    slow.wait_for("GUILD_CREATE").await;
    let (session_id, seq) = (ready["session_id"].as_str().unwrap().to_owned(), slow.seq.unwrap());

    // Bob stops reading while ann talks: his socket fills, then his queue, and the server
    // lets go of the connection instead of holding more for him.
    let big = "x".repeat(size);
    let mut sent: Vec<Value> = futures::stream::iter(0..count)
        .map(|n| {
            let (app, ann, general, big) = (app, &ann, guild.general.clone(), big.clone());
            async move { say(app, ann, &general, &format!("{n} {big}")).await["id"].clone() }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut seen = Vec::new();
    let code = loop {
        match slow.receive().await {
            Received::Payload(p) if p["t"] == "MESSAGE_CREATE" => seen.push(p["d"]["id"].clone()),
            Received::Payload(_) => {}
            Received::Closed(code) => break code,
        }
    };
    assert_eq!(code, Some(4000), "closed as resumable");
    assert!(seen.len() < sent.len(), "the connection was dropped before everything was written");

    let mut resumed = GatewayClient::connect(app).await;
    let last = slow.seq.unwrap_or(seq);
    resumed.send(json!({"op": 6, "d": {"token": bob.access_token, "session_id": session_id, "seq": last}})).await;
    loop {
        let payload = resumed.next().await;
        match payload["t"].as_str() {
            Some("MESSAGE_CREATE") => seen.push(payload["d"]["id"].clone()),
            Some("RESUMED") => break,
            _ => panic!("unexpected {payload} while resuming"),
        }
    }
    while seen.len() < sent.len() {
        seen.push(resumed.wait_for("MESSAGE_CREATE").await["id"].clone());
    }
    let received = seen.len();
    seen.sort_by_key(|id| id.as_str().unwrap().parse::<u64>().unwrap());
    seen.dedup();
    sent.sort_by_key(|id| id.as_str().unwrap().parse::<u64>().unwrap());
    assert_eq!(received, seen.len(), "nothing twice");
    assert_eq!(seen, sent, "every message, across the drop");
}

async fn channels_appear_and_disappear_as_overwrites_and_roles_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let secret = create_channel(&app, &ann, &guild.id, "secret").await;
    hide_from(&app, &ann, &secret, &bob.user_id).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    bob_gw.wait_for("GUILD_CREATE").await;

    // The overwrite goes: bob is shown the channel, whole.
    let removed = app.delete(&format!("/channels/{secret}/permissions/{}", bob.user_id), &ann.access_token).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let shown = bob_gw.wait_for("CHANNEL_CREATE").await;
    assert_eq!((shown["id"].as_str(), shown["name"].as_str()), (Some(secret.as_str()), Some("secret")));

    // A role whose overwrite hides it: giving bob the role takes the channel away again.
    let (_, role) = status_and_json(
        app.post_json(&format!("/guilds/{}/roles", guild.id), &json!({"name": "muted"}), Some(&ann.access_token)).await,
    )
    .await;
    let role_id = role["id"].as_str().unwrap();
    let denied = app
        .send(
            app.client
                .put(app.api(&format!("/channels/{secret}/permissions/{role_id}")))
                .json(&json!({"type": 0, "allow": "0", "deny": "1024"}))
                .bearer_auth(&ann.access_token),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::NO_CONTENT);
    bob_gw.assert_no("CHANNEL_DELETE", QUIET).await;
    let given =
        app.put(&format!("/guilds/{}/members/{}/roles/{role_id}", guild.id, bob.user_id), &ann.access_token).await;
    assert_eq!(given.status(), StatusCode::NO_CONTENT);
    assert_eq!(bob_gw.wait_for("CHANNEL_DELETE").await["id"], secret.as_str());
    let taken =
        app.delete(&format!("/guilds/{}/members/{}/roles/{role_id}", guild.id, bob.user_id), &ann.access_token).await;
    assert_eq!(taken.status(), StatusCode::NO_CONTENT);
    assert_eq!(bob_gw.wait_for("CHANNEL_CREATE").await["id"], secret.as_str());
}

on_both_backends!(
    channels_appear_and_disappear_as_overwrites_and_roles_change,
    a_reader_too_slow_is_closed_as_resumable_and_resumes_without_loss,
    with_the_default_settings_a_reader_closed_for_being_too_slow_resumes_without_loss,
    a_client_that_stops_reading_is_dropped_within_the_write_timeout,
    discovery_points_clients_and_bots_at_the_websocket,
    identify_brings_ready_and_then_each_guild_as_the_user_may_see_it,
    messages_reach_exactly_those_who_may_see_them,
    a_channel_hidden_by_an_overwrite_stops_sending_its_events_at_once,
    a_kicked_member_gets_guild_delete_and_nothing_more,
    resume_replays_what_was_missed_in_order_then_says_resumed,
    every_close_code_a_client_can_cause,
    the_server_asks_for_a_missed_heartbeat_then_closes_a_silent_connection,
    presence_reaches_those_who_share_a_guild,
    member_requests_are_answered_in_chunks,
    zlib_stream_carries_the_same_protocol,
    garbage_from_many_clients_never_hurts_the_node,
    a_draining_node_tells_every_session_to_reconnect,
);
