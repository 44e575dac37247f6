//! Voice state, gateway op 4: who is in which voice channel of a guild, muted or deafened by
//! themselves. Joining, moving and leaving are announced to the guild as VOICE_STATE_UPDATE
//! (intent GUILD_VOICE_STATES); the joiner also gets VOICE_SERVER_UPDATE with the endpoint
//! and a token for the voice connection. Joining needs VIEW_CHANNEL and CONNECT, and room
//! under the channel's `user_limit` (MOVE_MEMBERS ignores the limit, as in Discord). A request
//! that may not be granted is ignored, as Discord ignores it. A session's voice state goes
//! when the session ends.
//!
//! The token is a voice grant (`parley_api::voice::grants`): SPEAK and STREAM and the mute
//! and deafen flags become its media policy, which the voice server enforces on the media
//! itself; leaving, moving or losing the session revokes it, which hangs up the call.
//!
//! Kept per node for now, like presence: with several nodes, each knows the voice states of
//! its own sessions (the events reach every node).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use parley_api::channel_access::ChannelAccess;
use parley_api::voice::grants::MediaPolicy;
use parley_core::Snowflake;
use parley_core::permissions::Permissions;
use parley_events::{Audience, Event, EventName};
use parley_store::channels::ChannelKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Gateway;
use crate::protocol::CloseCode;
use crate::session::Session;

/// One member's voice state in one guild, as Discord's voice state object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VoiceState {
    pub guild_id: Snowflake,
    pub channel_id: Option<Snowflake>,
    pub user_id: Snowflake,
    pub session_id: String,
    pub deaf: bool,
    pub mute: bool,
    pub self_deaf: bool,
    pub self_mute: bool,
    pub self_video: bool,
    pub suppress: bool,
    pub request_to_speak_timestamp: Option<String>,
}

/// Op 4's payload.
#[derive(Debug, Deserialize)]
pub struct VoiceStateCommand {
    pub guild_id: String,
    pub channel_id: Option<String>,
    #[serde(default)]
    pub self_mute: bool,
    #[serde(default)]
    pub self_deaf: bool,
}

/// Every voice state this node's sessions hold, by guild and user.
#[derive(Debug, Default)]
pub struct VoiceStates {
    states: Mutex<HashMap<(Snowflake, Snowflake), VoiceState>>,
}

impl VoiceStates {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Snowflake, Snowflake), VoiceState>> {
        self.states.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The voice states of a guild, for GUILD_CREATE.
    pub fn in_guild(&self, guild_id: Snowflake) -> Vec<VoiceState> {
        self.lock().values().filter(|s| s.guild_id == guild_id).cloned().collect()
    }

    /// Takes out every state the session holds (it ended), as they were.
    fn take_session(&self, session_id: &str) -> Vec<VoiceState> {
        let mut states = self.lock();
        let keys: Vec<_> = states.iter().filter(|(_, s)| s.session_id == session_id).map(|(k, _)| *k).collect();
        keys.into_iter().filter_map(|k| states.remove(&k)).collect()
    }
}

/// Handles op 4 for `session`. Only a malformed payload is an error (4002).
/// `gateway_url` is where this session's client reached the gateway; the voice endpoint is
/// beside it.
pub async fn update(gateway: &Gateway, session: &Arc<Session>, raw: Value, gateway_url: &str) -> Result<(), CloseCode> {
    let command: VoiceStateCommand = serde_json::from_value(raw).map_err(|_| CloseCode::DecodeError)?;
    let guild_id: Snowflake = command.guild_id.parse().map_err(|_| CloseCode::DecodeError)?;
    if !session.in_guild(guild_id) {
        return Ok(());
    }
    let user_id = session.user_id;
    let Some(raw_channel) = command.channel_id else {
        let left = gateway.voice.lock().remove(&(guild_id, user_id));
        gateway.state.voice_grants.revoke(guild_id, user_id);
        if let Some(mut state) = left {
            state.channel_id = None;
            announce(gateway, &state);
        }
        return Ok(());
    };
    let Ok(ChannelAccess::Guild { channel, permissions, .. }) =
        ChannelAccess::open(&gateway.state, &raw_channel, user_id).await
    else {
        return Ok(());
    };
    let allowed = channel.guild_id == guild_id
        && channel.kind() == ChannelKind::Voice
        && permissions.contains(Permissions::VIEW_CHANNEL | Permissions::CONNECT);
    if !allowed {
        tracing::debug!(%user_id, channel_id = %channel.id, "voice join refused: not a voice channel they may connect to");
        return Ok(());
    }
    let (state, stayed) = {
        // The limit is checked under the same lock as the join, so two joining at once
        // cannot both take the last place.
        let mut states = gateway.voice.lock();
        let limit = usize::try_from(channel.user_limit.unwrap_or(0)).unwrap_or(0);
        let occupants = states.values().filter(|s| s.channel_id == Some(channel.id) && s.user_id != user_id).count();
        if limit > 0 && occupants >= limit && !permissions.contains(Permissions::MOVE_MEMBERS) {
            tracing::debug!(%user_id, channel_id = %channel.id, limit, "voice join refused: the channel is full");
            return Ok(());
        }
        let previous = states.get(&(guild_id, user_id));
        // The same channel from the same session is a mute or deafen change: the voice
        // connection stays, with its new policy.
        let stayed = previous.is_some_and(|p| p.channel_id == Some(channel.id) && p.session_id == session.id);
        let state = VoiceState {
            guild_id,
            channel_id: Some(channel.id),
            user_id,
            session_id: session.id.clone(),
            // Server mute and deafen stay with the member as they move.
            deaf: previous.is_some_and(|p| p.deaf),
            mute: previous.is_some_and(|p| p.mute),
            self_deaf: command.self_deaf,
            self_mute: command.self_mute,
            self_video: false,
            suppress: false,
            request_to_speak_timestamp: None,
        };
        states.insert((guild_id, user_id), state.clone());
        (state, stayed)
    };
    let policy = MediaPolicy {
        can_speak: permissions.contains(Permissions::SPEAK),
        can_video: permissions.contains(Permissions::STREAM),
        muted: state.mute || state.self_mute,
        deafened: state.deaf || state.self_deaf,
    };
    announce(gateway, &state);
    if stayed && gateway.state.voice_grants.of_member(guild_id, user_id).is_some() {
        gateway.state.voice_grants.update_policy(guild_id, user_id, |p| *p = policy);
        return Ok(());
    }
    let grant = gateway.state.voice_grants.issue(guild_id, channel.id, user_id, &session.id, policy);
    let server = serde_json::json!({
        "guild_id": guild_id,
        "token": grant.token,
        "endpoint": voice_endpoint(gateway_url),
    });
    session.deliver("VOICE_SERVER_UPDATE", &Arc::from(server.to_string()), None);
    Ok(())
}

/// Ends the voice states of a session that ended, telling the guilds.
pub fn session_ended(gateway: &Gateway, session_id: &str) {
    for mut state in gateway.voice.take_session(session_id) {
        gateway.state.voice_grants.revoke(state.guild_id, state.user_id);
        state.channel_id = None;
        announce(gateway, &state);
    }
}

fn announce(gateway: &Gateway, state: &VoiceState) {
    gateway.state.publish(Event::new(
        EventName::VoiceStateUpdate,
        Audience::Guild { guild_id: state.guild_id, channel_id: None },
        state,
    ));
}

/// Where the voice WebSocket is, as Discord gives it: host and path, no scheme.
fn voice_endpoint(gateway_url: &str) -> String {
    let rest = gateway_url.split_once("://").map_or(gateway_url, |(_, rest)| rest);
    format!("{}/voice", rest.split('/').next().unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::voice_endpoint;

    #[test]
    fn the_voice_endpoint_is_beside_the_gateway_without_a_scheme() {
        assert_eq!(voice_endpoint("wss://chat.example.com/gateway"), "chat.example.com/voice");
        assert_eq!(voice_endpoint("ws://127.0.0.1:8080/gateway"), "127.0.0.1:8080/voice");
    }
}
