//! The voice server end to end: members join a voice channel on the gateway, open the voice
//! WebSocket with the token they were given, and exchange media through the SFU over its
//! one UDP port, as clients built on the same `webrtc` crate. Mute, SPEAK, video pausing,
//! leaving, resuming the signalling socket, and bad signalling are all checked against the
//! packets that actually arrive and the server's own gauges.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use parley_core::permissions::Permissions;
use parley_voice::client::{ClientOptions, Join, answer_to};
use parley_voice::protocol::TrackKind;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Backend, TestApp, on_both_backends, spawn_app_with};
use crate::voice_support::{
    call, eventually, gauge, hear_each_other, join_on_gateway, rate, voice_channel, voice_state,
};

async fn three_members_hear_each_other_through_one_udp_port_and_mute_and_leave_are_enforced(backend: Backend) {
    // A one-second resume window, so a closed gateway session ends quickly.
    let app = spawn_app_with(backend, &[("PARLEY_GATEWAY_RESUME_WINDOW_SECS", "1")]).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob, &carol]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let ann_call = call(&app, &ann, Some(&guild.id), &channel, ClientOptions::default()).await;
    let mut bob_call = call(&app, &bob, Some(&guild.id), &channel, ClientOptions::default()).await;
    let mut carol_call = call(&app, &carol, Some(&guild.id), &channel, ClientOptions::default()).await;
    let callers = [&ann_call, &bob_call, &carol_call];

    eventually("everyone receives everyone else's audio", async || {
        callers.iter().all(|listener| {
            callers
                .iter()
                .filter(|s| s.user_id != listener.user_id)
                .all(|s| listener.voice.received(&s.user_id, TrackKind::Audio) >= 20)
        })
    })
    .await;
    assert_eq!(gauge(&app, "parley_voice_participants").await, 3.0);
    assert_eq!(gauge(&app, "parley_voice_rooms").await, 1.0);
    assert!(gauge(&app, "parley_voice_forwarded_packets_total{kind=\"audio\"}").await >= 120.0);

    // Bob mutes himself on the gateway: the SFU stops his audio; carol is still heard.
    bob_call.gateway.send(voice_state(Some(&guild.id), Some(&channel), true)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rate(&ann_call, &bob_call, TrackKind::Audio, Duration::from_millis(600)).await,
        0,
        "muted bob is not heard"
    );
    assert!(rate(&ann_call, &carol_call, TrackKind::Audio, Duration::from_millis(600)).await > 10, "carol still is");
    // Unmuted, he is heard again, with no gap the receiver would ask to fill.
    bob_call.gateway.send(voice_state(Some(&guild.id), Some(&channel), false)).await;
    eventually("bob is heard again", async || {
        rate(&ann_call, &bob_call, TrackKind::Audio, Duration::from_millis(200)).await > 3
    })
    .await;

    // Carol leaves: her voice socket is closed as disconnected, the others are told, and
    // the server forgets her.
    carol_call.gateway.send(voice_state(Some(&guild.id), None, false)).await;
    assert_eq!(carol_call.voice.close_code(Duration::from_secs(5)).await, Some(4014));
    let gone = ann_call.voice.next_event(13, Duration::from_secs(5)).await.expect("CLIENT_DISCONNECT");
    assert_eq!(gone["d"]["user_id"], json!(carol.user_id));
    eventually("the SFU holds two participants", async || gauge(&app, "parley_voice_participants").await == 2.0).await;
    assert!(
        rate(&ann_call, &bob_call, TrackKind::Audio, Duration::from_millis(400)).await > 5,
        "ann and bob still talk"
    );

    // Bob's gateway session ends: his call ends with it.
    bob_call.gateway.close().await;
    eventually("bob's call is gone", async || gauge(&app, "parley_voice_participants").await == 1.0).await;
    // The last one leaves: the room goes.
    let mut ann_call = ann_call;
    ann_call.gateway.send(voice_state(Some(&guild.id), None, false)).await;
    eventually("the room is gone", async || gauge(&app, "parley_voice_rooms").await == 0.0).await;
    assert_eq!(gauge(&app, "parley_voice_tracks").await, 0.0, "no pump is left reading");
    for caller in [&ann_call.voice, &bob_call.voice, &carol_call.voice] {
        caller.close().await;
    }
    app.stop().await;
}

async fn a_node_on_every_address_that_advertises_a_public_address_carries_voices(backend: Backend) {
    // As in the compose bundle: media bound to every address, advertised at the host's public
    // one (here loopback, which the test's clients reach). Every local address maps to that
    // one; gathering on more than one made the same candidate twice, and the ICE agent's
    // closing of the duplicate closed the shared port's connection, so no call connected.
    let app =
        spawn_app_with(backend, &[("PARLEY_VOICE_UDP_BIND", "0.0.0.0:0"), ("PARLEY_VOICE_PUBLIC_IP", "127.0.0.1")])
            .await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Public", &[&bob]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let ann_call = call(&app, &ann, Some(&guild.id), &channel, ClientOptions::default()).await;
    let bob_call = call(&app, &bob, Some(&guild.id), &channel, ClientOptions::default()).await;
    hear_each_other(&ann_call.voice, &ann.user_id, &bob_call.voice, &bob.user_id).await;
    ann_call.voice.close().await;
    bob_call.voice.close().await;
    app.stop().await;
}

async fn a_member_without_speak_is_not_heard_but_hears_others(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let deny = json!({ "type": 1, "deny": Permissions::SPEAK.bits().to_string() });
    let response =
        app.put_json(&format!("/channels/{channel}/permissions/{}", bob.user_id), &deny, &ann.access_token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let ann_call = call(&app, &ann, Some(&guild.id), &channel, ClientOptions::default()).await;
    let bob_call = call(&app, &bob, Some(&guild.id), &channel, ClientOptions::default()).await;
    eventually("bob hears ann", async || bob_call.voice.received(&ann.user_id, TrackKind::Audio) >= 20).await;
    assert_eq!(ann_call.voice.received(&bob.user_id, TrackKind::Audio), 0, "bob may not speak");
    // Speaking indicators follow: bob's is forced off.
    bob_call.voice.speaking(1).await;
    let speaking = ann_call.voice.next_event(5, Duration::from_secs(5)).await.expect("SPEAKING");
    assert_eq!((&speaking["d"]["user_id"], &speaking["d"]["speaking"]), (&json!(bob.user_id), &json!(0)));
    ann_call.voice.speaking(1).await;
    let speaking = bob_call.voice.next_event(5, Duration::from_secs(5)).await.expect("SPEAKING");
    assert_eq!((&speaking["d"]["user_id"], &speaking["d"]["speaking"]), (&json!(ann.user_id), &json!(1)));
    ann_call.voice.close().await;
    bob_call.voice.close().await;
    app.stop().await;
}

async fn camera_video_is_forwarded_and_a_subscriber_can_pause_it(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let ann_call =
        call(&app, &ann, Some(&guild.id), &channel, ClientOptions { video: true, ..Default::default() }).await;
    let bob_call = call(&app, &bob, Some(&guild.id), &channel, ClientOptions::default()).await;
    eventually("bob receives ann's camera", async || bob_call.voice.received(&ann.user_id, TrackKind::Camera) >= 20)
        .await;
    assert_eq!(bob_call.voice.received(&ann.user_id, TrackKind::Screen), 0, "ann shares no screen");

    bob_call.voice.video_subscription(&ann.user_id, TrackKind::Camera, true).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rate(&bob_call, &ann_call, TrackKind::Camera, Duration::from_millis(500)).await, 0, "paused");
    assert!(rate(&bob_call, &ann_call, TrackKind::Audio, Duration::from_millis(500)).await > 5, "audio goes on");
    bob_call.voice.video_subscription(&ann.user_id, TrackKind::Camera, false).await;
    eventually("the camera resumes", async || {
        rate(&bob_call, &ann_call, TrackKind::Camera, Duration::from_millis(200)).await > 3
    })
    .await;
    assert!(gauge(&app, "parley_voice_keyframe_requests_total").await >= 1.0, "resuming asks ann for a keyframe");
    ann_call.voice.close().await;
    bob_call.voice.close().await;
    app.stop().await;
}

async fn an_h264_camera_reaches_subscribers_in_h264_and_is_never_transcoded(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob, &carol]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    // Ann's connection negotiates H.264 only; bob's and carol's both codecs.
    let h264 = ClientOptions { video: true, h264: true, ..Default::default() };
    let ann_call = call(&app, &ann, Some(&guild.id), &channel, h264).await;
    let bob_call = call(&app, &bob, Some(&guild.id), &channel, ClientOptions::default()).await;
    let vp8 = ClientOptions { video: true, ..Default::default() };
    let carol_call = call(&app, &carol, Some(&guild.id), &channel, vp8).await;
    eventually("bob gets ann's and carol's cameras", async || {
        bob_call.voice.received(&ann.user_id, TrackKind::Camera) >= 20
            && bob_call.voice.received(&carol.user_id, TrackKind::Camera) >= 20
    })
    .await;
    // Each camera arrives in the codec its publisher sends.
    assert_eq!(bob_call.voice.codec_of(&ann.user_id, TrackKind::Camera).as_deref(), Some("video/H264"));
    assert_eq!(bob_call.voice.codec_of(&carol.user_id, TrackKind::Camera).as_deref(), Some("video/VP8"));
    // Ann cannot decode VP8: carol's camera is not sent to her, and her call carries on.
    assert!(rate(&ann_call, &carol_call, TrackKind::Audio, Duration::from_millis(500)).await > 5, "ann hears carol");
    assert_eq!(ann_call.voice.received(&carol.user_id, TrackKind::Camera), 0);
    assert_eq!(ann_call.voice.close_code(Duration::from_millis(100)).await, None, "ann's call is up");
    for caller in [&ann_call, &bob_call, &carol_call] {
        caller.voice.close().await;
    }
    app.stop().await;
}

async fn a_member_without_stream_is_heard_but_their_camera_is_not_forwarded(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let deny = json!({ "type": 1, "deny": Permissions::STREAM.bits().to_string() });
    app.put_json(&format!("/channels/{channel}/permissions/{}", bob.user_id), &deny, &ann.access_token).await;
    let ann_call = call(&app, &ann, Some(&guild.id), &channel, ClientOptions::default()).await;
    let video = ClientOptions { video: true, ..Default::default() };
    let bob_call = call(&app, &bob, Some(&guild.id), &channel, video).await;
    eventually("ann hears bob", async || ann_call.voice.received(&bob.user_id, TrackKind::Audio) >= 20).await;
    assert_eq!(
        rate(&ann_call, &bob_call, TrackKind::Camera, Duration::from_millis(600)).await,
        0,
        "no STREAM, no camera"
    );
    // Given STREAM back, his camera comes through without rejoining.
    app.delete(&format!("/channels/{channel}/permissions/{}", bob.user_id), &ann.access_token).await;
    eventually("bob's camera arrives", async || ann_call.voice.received(&bob.user_id, TrackKind::Camera) >= 20).await;
    ann_call.voice.close().await;
    bob_call.voice.close().await;
    app.stop().await;
}

async fn a_long_call_takes_over_the_transceivers_of_people_who_left(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let ann_call = call(&app, &ann, Some(&guild.id), &channel, ClientOptions::default()).await;
    let mut first_count = None;
    for round in 0..5 {
        let mut bob_call = call(&app, &bob, Some(&guild.id), &channel, ClientOptions::default()).await;
        let before = ann_call.voice.received(&bob.user_id, TrackKind::Audio);
        eventually("ann hears bob again", async || {
            ann_call.voice.received(&bob.user_id, TrackKind::Audio) >= before + 20
        })
        .await;
        let count = ann_call.voice.transceivers().await;
        assert_eq!(*first_count.get_or_insert(count), count, "round {round}: ann's connection did not grow");
        bob_call.gateway.send(voice_state(Some(&guild.id), None, false)).await;
        assert_eq!(bob_call.voice.close_code(Duration::from_secs(5)).await, Some(4014));
        bob_call.voice.close().await;
        bob_call.gateway.close().await;
        eventually("bob is gone", async || gauge(&app, "parley_voice_participants").await == 1.0).await;
    }
    ann_call.voice.close().await;
    app.stop().await;
}

/// A raw voice socket: send frames, read frames, see the close code.
struct RawVoice(tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>);

impl RawVoice {
    async fn connect(app: &TestApp) -> Self {
        let url = format!("{}/voice", app.address.replacen("http", "ws", 1));
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("voice socket");
        let mut raw = Self(socket);
        assert_eq!(raw.next().await["op"], 8, "HELLO first");
        raw
    }

    async fn send(&mut self, text: impl Into<String>) {
        self.0.send(Message::Text(text.into().into())).await.unwrap();
    }

    /// The next frame, or `{"closed": code}`.
    async fn next(&mut self) -> Value {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.0.next()).await.expect("a frame in time") {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
                Some(Ok(Message::Close(frame))) => return json!({ "closed": frame.map(|f| u16::from(f.code)) }),
                Some(Ok(_)) => continue,
                None | Some(Err(_)) => return json!({ "closed": null }),
            }
        }
    }

    async fn next_op(&mut self, op: u64) -> Value {
        loop {
            let frame = self.next().await;
            if frame["op"] == op || frame.get("closed").is_some() {
                return frame;
            }
        }
    }

    async fn closed_with(&mut self) -> Option<u64> {
        loop {
            let frame = self.next().await;
            if let Some(code) = frame.get("closed") {
                return code.as_u64();
            }
        }
    }
}

/// A seeded pseudo-random sequence (xorshift64), so every run sends the same frames.
fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

fn identify(join: &Join) -> String {
    json!({ "op": 0, "d": { "server_id": join.server_id, "user_id": join.user_id, "session_id": join.session_id, "token": join.token } })
        .to_string()
}

async fn bad_signalling_closes_with_discords_voice_codes_and_leaves_nothing_behind(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let (mut ann_gw, join) = join_on_gateway(&app, &ann, Some(&guild.id), &channel).await;

    let cases: Vec<(String, u64)> = vec![
        ("not json".into(), 4002),
        (json!({ "op": 99, "d": {} }).to_string(), 4001),
        (json!({ "op": 0, "d": { "token": 5 } }).to_string(), 4002),
        (json!({ "op": 1, "d": { "sdp": "v=0" } }).to_string(), 4003),
        (json!({ "op": 10, "d": { "candidate": "x" } }).to_string(), 4003),
        (identify(&Join { token: "0".repeat(32), ..join.clone() }), 4004),
        (identify(&Join { user_id: bob.user_id.clone(), ..join.clone() }), 4004),
        (identify(&Join { session_id: "someone-else".into(), ..join.clone() }), 4004),
    ];
    for (frame, code) in cases {
        let mut raw = RawVoice::connect(&app).await;
        raw.send(frame.clone()).await;
        assert_eq!(raw.closed_with().await, Some(code), "{frame}");
    }

    // Identified, then an answer that is not SDP, or one the peer connection refuses: the
    // participant is taken out, not left half-connected.
    for (answer, code) in [("garbage", 4002), ("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", 4015)] {
        let mut raw = RawVoice::connect(&app).await;
        raw.send(identify(&join)).await;
        assert_eq!(raw.next_op(2).await["op"], 2, "READY");
        assert_eq!(raw.next_op(4).await["d"]["type"], "offer");
        raw.send(json!({ "op": 1, "d": { "sdp": answer } }).to_string()).await;
        assert_eq!(raw.closed_with().await, Some(code), "{answer:?}");
    }
    // Identifying twice on one socket.
    let mut raw = RawVoice::connect(&app).await;
    raw.send(identify(&join)).await;
    raw.next_op(2).await;
    raw.send(identify(&join)).await;
    assert_eq!(raw.closed_with().await, Some(4005));

    // A flood of commands is cut off.
    let mut raw = RawVoice::connect(&app).await;
    for n in 0..700 {
        raw.send(json!({ "op": 3, "d": n }).to_string()).await;
    }
    assert_eq!(raw.closed_with().await, Some(4008));

    // Random frames: every one ends in a close or an answer, never a crash.
    let mut random = xorshift(0x9E37_79B9_7F4A_7C15);
    let values =
        [json!(null), json!(1), json!(-1), json!("x"), json!([]), json!({}), json!({ "sdp": 3 }), json!(u64::MAX)];
    for _ in 0..40 {
        let mut raw = RawVoice::connect(&app).await;
        let op = random() % 16;
        let d = values[(random() % values.len() as u64) as usize].clone();
        raw.send(json!({ "op": op, "d": d }).to_string()).await;
        raw.send(json!({ "op": 3, "d": 1 }).to_string()).await;
        let reply = raw.next().await;
        assert!(reply["op"] == 6 || reply.get("closed").is_some(), "op {op}: {reply}");
    }

    // A socket that went away without leaving keeps its call for the resume window (the
    // 4005 one above); leaving on the gateway ends it at once.
    ann_gw.send(voice_state(Some(&guild.id), None, false)).await;
    eventually("no participant, socket or peer connection is left", async || {
        gauge(&app, "parley_voice_participants").await == 0.0
            && gauge(&app, "parley_voice_connections").await == 0.0
            && gauge(&app, "parley_voice_peer_connections").await == 0.0
    })
    .await;
    assert_eq!(app.get("/users/@me", Some(&ann.access_token)).await.status(), StatusCode::OK, "the node still serves");
    app.stop().await;
}

/// `sdp` with one random change: a line dropped, doubled, swapped, garbled or cut short, or
/// a byte changed.
fn mutate(sdp: &str, random: &mut impl FnMut() -> u64) -> String {
    let mut lines: Vec<String> = sdp.split("\r\n").map(str::to_owned).collect();
    let pick = |random: &mut dyn FnMut() -> u64, n: usize| (random() % n.max(1) as u64) as usize;
    match random() % 6 {
        0 => {
            let at = pick(random, lines.len());
            lines.remove(at);
        }
        1 => {
            let at = pick(random, lines.len());
            lines.insert(at, lines[at].clone());
        }
        2 => {
            let (a, b) = (pick(random, lines.len()), pick(random, lines.len()));
            lines.swap(a, b);
        }
        3 => {
            let at = pick(random, lines.len());
            let junk: String = (0..pick(random, 40)).map(|_| (b' ' + (random() % 95) as u8) as char).collect();
            let key = lines[at].split('=').next().unwrap_or("").to_owned();
            lines[at] = format!("{key}={junk}");
        }
        4 => {
            let joined = lines.join("\r\n");
            let cut = pick(random, joined.len());
            return joined.chars().take(cut).collect();
        }
        _ => {
            let mut bytes = lines.join("\r\n").into_bytes();
            let at = pick(random, bytes.len());
            bytes[at] = b' ' + (random() % 95) as u8;
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    lines.join("\r\n")
}

async fn mangled_sdp_answers_never_crash_the_node_or_leak_peer_connections(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_VOICE_RESUME_WINDOW_SECS", "1")]).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Talk", &[]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let (mut ann_gw, join) = join_on_gateway(&app, &ann, Some(&guild.id), &channel).await;
    let mut random = xorshift(0xD1B5_4A32_D192_ED03);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..60 {
        let mut raw = RawVoice::connect(&app).await;
        raw.send(identify(&join)).await;
        let offer = raw.next_op(4).await;
        let sdp = offer["d"]["sdp"].as_str().expect("an offer").to_owned();
        let mangled = mutate(&answer_to(&sdp).await.unwrap(), &mut random);
        raw.send(json!({ "op": 1, "d": { "sdp": mangled } }).to_string()).await;
        raw.send(json!({ "op": 3, "d": 1 }).to_string()).await;
        // Either the answer is taken (the heartbeat is answered) or the call is refused with
        // a voice close code; never a dropped connection.
        match raw.next_op(6).await {
            reply if reply["op"] == 6 => accepted += 1,
            reply => {
                let code = reply["closed"].as_u64();
                assert!(matches!(code, Some(4002) | Some(4015)), "{reply}");
                refused += 1;
            }
        }
    }
    assert!(accepted > 0 && refused > 0, "the mutations both pass and fail: {accepted} accepted, {refused} refused");
    ann_gw.send(voice_state(Some(&guild.id), None, false)).await;
    eventually("every peer connection is closed", async || {
        gauge(&app, "parley_voice_peer_connections").await == 0.0
            && gauge(&app, "parley_voice_participants").await == 0.0
            && gauge(&app, "parley_voice_tracks").await == 0.0
    })
    .await;
    assert_eq!(app.get("/users/@me", Some(&ann.access_token)).await.status(), StatusCode::OK, "the node still serves");
    app.stop().await;
}

async fn a_dropped_voice_socket_resumes_and_gets_the_unanswered_offer_again(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Talk", &[]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let (_gw, join) = join_on_gateway(&app, &ann, Some(&guild.id), &channel).await;
    let mut raw = RawVoice::connect(&app).await;
    raw.send(identify(&join)).await;
    let ready = raw.next_op(2).await;
    assert_eq!((&ready["d"]["user_id"], &ready["d"]["channel_id"]), (&json!(ann.user_id), &json!(channel)));
    let offer = raw.next_op(4).await;
    let slots = offer["d"]["tracks"].as_array().unwrap();
    let kinds: Vec<_> = slots.iter().map(|s| (s["kind"].as_str().unwrap(), s["user_id"].is_null())).collect();
    assert_eq!(kinds, [("audio", true), ("camera", true), ("screen", true)], "three slots to publish on");
    drop(raw);

    let resume = |token: &str| {
        json!({ "op": 7, "d": { "server_id": join.server_id, "session_id": join.session_id, "token": token } })
            .to_string()
    };
    let mut raw = RawVoice::connect(&app).await;
    raw.send(resume(&join.token)).await;
    assert_eq!(raw.next().await["op"], 9, "RESUMED");
    let again = raw.next_op(4).await;
    assert_eq!(again["d"]["sdp"], offer["d"]["sdp"], "the same offer, still unanswered");
    assert_eq!(gauge(&app, "parley_voice_participants").await, 1.0);

    let mut stale = RawVoice::connect(&app).await;
    stale.send(resume(&"f".repeat(32))).await;
    assert_eq!(stale.closed_with().await, Some(4006));
    app.stop().await;
}

on_both_backends!(
    three_members_hear_each_other_through_one_udp_port_and_mute_and_leave_are_enforced,
    a_node_on_every_address_that_advertises_a_public_address_carries_voices,
    a_member_without_speak_is_not_heard_but_hears_others,
    camera_video_is_forwarded_and_a_subscriber_can_pause_it,
    a_member_without_stream_is_heard_but_their_camera_is_not_forwarded,
    an_h264_camera_reaches_subscribers_in_h264_and_is_never_transcoded,
    a_long_call_takes_over_the_transceivers_of_people_who_left,
    bad_signalling_closes_with_discords_voice_codes_and_leaves_nothing_behind,
    mangled_sdp_answers_never_crash_the_node_or_leak_peer_connections,
    a_dropped_voice_socket_resumes_and_gets_the_unanswered_offer_again,
);
