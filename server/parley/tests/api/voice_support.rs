//! What the voice tests share: a guild's voice channel, op 4 payloads, members in a call
//! (their gateway session and a voice client on the same `webrtc` crate as the SFU), and
//! waiting for what arrives.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parley_voice::client::{ClientOptions, Join, VoiceClient};
use parley_voice::protocol::TrackKind;
use serde_json::{Value, json};

use crate::gateway_client::GatewayClient;
use crate::helpers::{Session, TestApp, metrics_text, sample, status_and_json};

/// The voice channel every new guild comes with.
pub async fn voice_channel(app: &TestApp, guild: &str, owner: &Session) -> String {
    let (_, channels) =
        status_and_json(app.get(&format!("/guilds/{guild}/channels"), Some(&owner.access_token)).await).await;
    channels.as_array().unwrap().iter().find(|c| c["type"] == 2).expect("a new guild has a voice channel")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Op 4 for a guild (`None`: a DM call) and channel (`None`: leave).
pub fn voice_state(guild: Option<&str>, channel: Option<&str>, self_mute: bool) -> Value {
    json!({ "op": 4, "d": { "guild_id": guild, "channel_id": channel, "self_mute": self_mute, "self_deaf": false } })
}

/// The next VOICE_STATE_UPDATE about `user` (everyone, the subject included, gets each one).
pub async fn state_of(client: &mut GatewayClient, user: &Session) -> Value {
    loop {
        let state = client.wait_for("VOICE_STATE_UPDATE").await;
        if state["user_id"] == user.user_id.as_str() {
            return state;
        }
    }
}

/// The next VOICE_STATE_UPDATE about `user` for which `wanted` holds (earlier ones, such as
/// their join, are passed over).
pub async fn state_where(client: &mut GatewayClient, user: &Session, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let state = state_of(client, user).await;
        if wanted(&state) {
            return state;
        }
    }
}

/// A member in a call: their gateway session and their voice client.
pub struct Caller {
    pub gateway: GatewayClient,
    pub voice: Arc<VoiceClient>,
    pub user_id: String,
}

/// What the voice client needs, from VOICE_SERVER_UPDATE (`server` is the guild, or the DM
/// channel for calls) and the session.
pub fn join_from(server_update: &Value, server_id: &str, who: &Session, session_id: &str) -> Join {
    Join {
        url: format!("ws://{}", server_update["endpoint"].as_str().unwrap()),
        server_id: server_id.to_owned(),
        user_id: who.user_id.clone(),
        session_id: session_id.to_owned(),
        token: server_update["token"].as_str().unwrap().to_owned(),
    }
}

/// Joins `channel` of `guild` (`None`: a DM call) on the gateway.
pub async fn join_on_gateway(
    app: &TestApp,
    who: &Session,
    guild: Option<&str>,
    channel: &str,
) -> (GatewayClient, Join) {
    let (mut gateway, ready) = GatewayClient::identified(app, who).await;
    gateway.send(voice_state(guild, Some(channel), false)).await;
    let server = gateway.wait_for("VOICE_SERVER_UPDATE").await;
    let join = join_from(&server, guild.unwrap_or(channel), who, ready["session_id"].as_str().unwrap());
    (gateway, join)
}

/// Joins and starts sending media (20 ms Opus packets, and VP8 with `options.video`).
pub async fn call(app: &TestApp, who: &Session, guild: Option<&str>, channel: &str, options: ClientOptions) -> Caller {
    let (gateway, join) = join_on_gateway(app, who, guild, channel).await;
    let voice = VoiceClient::connect(&join, options).await.expect("the voice client connects");
    voice.start_media();
    Caller { gateway, voice, user_id: who.user_id.clone() }
}

/// A voice client connected with `join` and sending audio.
pub async fn talking(join: &Join) -> Arc<VoiceClient> {
    let voice = VoiceClient::connect(join, ClientOptions::default()).await.expect("the voice client connects");
    voice.start_media();
    voice
}

/// Waits until `a` (user `a_id`) and `b` (user `b_id`) each hear the other.
pub async fn hear_each_other(a: &VoiceClient, a_id: &str, b: &VoiceClient, b_id: &str) {
    eventually("they hear each other", async || {
        a.received(b_id, TrackKind::Audio) >= 20 && b.received(a_id, TrackKind::Audio) >= 20
    })
    .await;
}

/// Waits until `check` holds, or fails with `what` after ten seconds.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Packets `listener` gets from `speaker`'s `kind` over `window`.
pub async fn rate(listener: &Caller, speaker: &Caller, kind: TrackKind, window: Duration) -> u64 {
    let before = listener.voice.received(&speaker.user_id, kind);
    tokio::time::sleep(window).await;
    listener.voice.received(&speaker.user_id, kind) - before
}

/// One series of the server's metrics (-1 when absent).
pub async fn gauge(app: &TestApp, series: &str) -> f64 {
    sample(&metrics_text(app).await, series).unwrap_or(-1.0)
}
