//! Voice state, gateway op 4: joining, moving between and leaving voice channels (and calls
//! in DMs and group DMs), muted, deafened, with camera or screen on. Changes are announced
//! as VOICE_STATE_UPDATE (to the guild, intent GUILD_VOICE_STATES; to a private channel's
//! recipients); the joiner also gets VOICE_SERVER_UPDATE with the endpoint and a token for
//! the voice connection. A private call's start rings its other recipients (CALL_CREATE) and
//! its end is announced (CALL_DELETE).
//!
//! Joining a guild voice channel needs VIEW_CHANNEL and CONNECT and room under its
//! `user_limit` (MOVE_MEMBERS ignores the limit); a private call needs only being a
//! recipient. A request that may not be granted is ignored, as Discord ignores it.
//!
//! The token is a voice grant (`parley_app::voice::grants`): SPEAK, STREAM and
//! PRIORITY_SPEAKER and the mute and deafen flags (the member's own, and a moderator's)
//! become its media policy, which the voice server enforces on the media itself. Leaving,
//! being moved or disconnected, losing the channel, or losing the session revokes it, which
//! hangs up the call.
//!
//! Every node knows every voice state (`parley_app::voice::states`); the node whose session
//! holds one is the only one that changes it, so moderation and permission changes, which
//! arrive on the bus at every node, are carried out exactly once ([`observe`]). Every node
//! holds every grant too, so one node (`voice_endpoint`) can carry the calls of all.
//!
//! - [`calls`]: private calls ringing (CALL_CREATE, CALL_DELETE) and the calls going on.
//! - [`follow`]: moderators' moves and disconnects, permission changes, other nodes' states.

mod calls;
mod follow;

pub use calls::private_calls;
pub use follow::observe;

use std::sync::Arc;

use parley_app::channel_access::ChannelAccess;
use parley_app::voice::grants::{GrantChange, GrantTicket, MediaPolicy, VoiceGrant};
use parley_app::voice::states::{PRIVATE, VoiceState};
use parley_core::Snowflake;
use parley_core::permissions::Permissions;
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::channels::ChannelKind;
use parley_store::relationships::DmReach;
use serde::Deserialize;
use serde_json::Value;

use crate::Gateway;
use crate::protocol::CloseCode;
use crate::session::Session;

/// Op 4's payload.
#[derive(Debug, Deserialize)]
pub struct VoiceStateCommand {
    /// `null` for a call in a DM or group DM.
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    #[serde(default)]
    pub self_mute: bool,
    #[serde(default)]
    pub self_deaf: bool,
    /// Camera on (Discord clients send it too); shown to others so they know to show it.
    #[serde(default)]
    pub self_video: bool,
    /// Screen shared (a Parley addition to op 4; Discord has `self_stream` in the state).
    #[serde(default)]
    pub self_stream: bool,
}

/// Where a member may be in voice, and what they may do there.
#[derive(Clone, Debug)]
struct Place {
    guild_id: Option<Snowflake>,
    channel_id: Snowflake,
    can_speak: bool,
    can_video: bool,
    priority: bool,
    /// A moderator's mute and deafen, kept on the member.
    server_mute: bool,
    server_deaf: bool,
    /// The channel's user limit, where it applies to this member (0: none).
    limit: usize,
    /// Who hears about voice states here.
    audience: Audience,
}

impl Place {
    fn scope(&self) -> Snowflake {
        self.guild_id.unwrap_or(PRIVATE)
    }

    fn policy(&self, state: &VoiceState) -> MediaPolicy {
        MediaPolicy {
            can_speak: self.can_speak,
            can_video: self.can_video,
            priority: self.priority,
            muted: state.mute || state.self_mute,
            deafened: state.deaf || state.self_deaf,
        }
    }

    /// The grant's server id: the guild, or the DM channel for calls.
    fn server_id(&self) -> Snowflake {
        self.guild_id.unwrap_or(self.channel_id)
    }
}

/// Where `user_id` may be in voice in `raw_channel`, or `None` if they may not connect.
async fn place(
    gateway: &Gateway,
    guild_id: Option<Snowflake>,
    channel_id: Snowflake,
    user_id: Snowflake,
) -> Option<Place> {
    let access = ChannelAccess::open(&gateway.state, channel_id, user_id).await.ok()?;
    // The DM rule holds for calls as for messages: with no guild in common any more (one
    // banned the other, say), a block either way, or DMs refused from the guilds they share,
    // no call, and the other is never rung. Group DMs are their own space, kept by their
    // owner (docs/api.md), as their messages are.
    if let Some(partner) = access.dm_partner()
        && gateway.state.store.dm_reach(user_id, partner).await.ok() != Some(DmReach::Open)
    {
        return None;
    }
    match access {
        ChannelAccess::Guild { access, channel, permissions } => {
            let allowed = Some(channel.guild_id) == guild_id
                && channel.kind == ChannelKind::Voice
                && permissions.contains(Permissions::VIEW_CHANNEL | Permissions::CONNECT);
            if !allowed {
                return None;
            }
            let limit = if permissions.contains(Permissions::MOVE_MEMBERS) {
                0
            } else {
                usize::try_from(channel.user_limit.unwrap_or(0)).unwrap_or(0)
            };
            Some(Place {
                guild_id,
                channel_id: channel.id,
                can_speak: permissions.contains(Permissions::SPEAK),
                can_video: permissions.contains(Permissions::STREAM),
                priority: permissions.contains(Permissions::PRIORITY_SPEAKER),
                server_mute: access.member.mute,
                server_deaf: access.member.deaf,
                limit,
                // Only those who can see the voice channel see who is in it.
                audience: Audience::Guild { guild_id: channel.guild_id, channel_id: Some(channel.id) },
            })
        }
        ChannelAccess::Private { channel, .. } => guild_id.is_none().then(|| Place {
            guild_id: None,
            channel_id: channel.id,
            can_speak: true,
            can_video: true,
            priority: false,
            server_mute: false,
            server_deaf: false,
            limit: 0,
            audience: Audience::Users(channel.recipients.clone()),
        }),
    }
}

/// Handles op 4 for `session`. Only a malformed payload is an error (4002).
/// `gateway_url` is where this session's client reached the gateway; the voice endpoint is
/// beside it.
pub async fn update(gateway: &Gateway, session: &Arc<Session>, raw: Value, gateway_url: &str) -> Result<(), CloseCode> {
    let command: VoiceStateCommand = serde_json::from_value(raw).map_err(|_| CloseCode::DecodeError)?;
    let guild_id = match &command.guild_id {
        Some(raw) => Some(raw.parse::<Snowflake>().map_err(|_| CloseCode::DecodeError)?),
        None => None,
    };
    if let Some(guild_id) = guild_id
        && !session.in_guild(guild_id)
    {
        return Ok(());
    }
    let scope = guild_id.unwrap_or(PRIVATE);
    let Some(raw_channel) = &command.channel_id else {
        if let Some(state) = gateway.state.voice_states.take(scope, session.user_id, &session.id) {
            ended(gateway, state).await;
        }
        return Ok(());
    };
    let channel_id: Snowflake = raw_channel.parse().map_err(|_| CloseCode::DecodeError)?;
    let Some(place) = place(gateway, guild_id, channel_id, session.user_id).await else {
        tracing::debug!(user_id = %session.user_id, %channel_id, "voice join refused: not a voice channel they may connect to");
        return Ok(());
    };
    let endpoint = gateway.config.voice_endpoint.clone().unwrap_or_else(|| voice_endpoint(gateway_url));
    join(gateway, session, &place, &command, &endpoint).await;
    Ok(())
}

/// Puts `session`'s member into `place` (or changes their flags there); a new grant names
/// `endpoint` for the voice connection.
async fn join(gateway: &Gateway, session: &Arc<Session>, place: &Place, command: &VoiceStateCommand, endpoint: &str) {
    let scope = place.scope();
    let user_id = session.user_id;
    let (state, previous, first) = {
        // The limit is checked under the same lock as the join, so two joining at once
        // cannot both take the last place.
        let mut states = gateway.state.voice_states.lock();
        let occupants =
            states.values().filter(|s| s.channel_id == Some(place.channel_id) && s.user_id != user_id).count();
        if place.limit > 0 && occupants >= place.limit {
            tracing::debug!(%user_id, channel_id = %place.channel_id, limit = place.limit, "voice join refused: the channel is full");
            return;
        }
        let state = VoiceState {
            guild_id: place.guild_id,
            channel_id: Some(place.channel_id),
            user_id,
            session_id: session.id.clone(),
            deaf: place.server_deaf,
            mute: place.server_mute,
            self_deaf: command.self_deaf,
            self_mute: command.self_mute,
            self_video: command.self_video,
            self_stream: command.self_stream,
            suppress: false,
            request_to_speak_timestamp: None,
        };
        let previous = states.insert((scope, user_id), state.clone());
        (state, previous, occupants == 0)
    };
    // The same channel from the same session is a change of flags: the voice connection
    // stays, with its new policy.
    let stayed = previous.as_ref().is_some_and(|p| p.channel_id == state.channel_id && p.session_id == session.id);
    if let Some(previous) = previous.filter(|p| p.channel_id.is_some() && p.channel_id != state.channel_id) {
        // A move: those who could see the channel left hear the leave (they may not see the
        // new one); from one private call to another, the first call's people do.
        announce_left(gateway, previous).await;
    }
    if place.guild_id.is_none() && first && !stayed {
        // Discord's order: the call, then who is in it.
        calls::ring(gateway, place, &state);
    }
    announce(gateway, &state, place.audience.clone());
    let policy = place.policy(&state);
    if stayed && gateway.state.voice_grants.of_member(scope, user_id).is_some() {
        set_policy(gateway, scope, user_id, policy);
        return;
    }
    let grant = issue(gateway, place, &state, endpoint, policy);
    send_server_update(session, &state, &grant);
}

fn issue(gateway: &Gateway, place: &Place, state: &VoiceState, endpoint: &str, policy: MediaPolicy) -> Arc<VoiceGrant> {
    let ticket = GrantTicket {
        server_id: place.server_id(),
        channel_id: place.channel_id,
        user_id: state.user_id,
        session_id: &state.session_id,
        endpoint,
    };
    let grant = gateway.state.voice_grants.issue(place.scope(), ticket, policy);
    share(gateway, GrantChange::issued(place.scope(), &grant));
    grant
}

/// Tells the other nodes of a change to the grants (the node carrying the calls redeems and
/// follows them).
fn share(gateway: &Gateway, change: GrantChange) {
    gateway.state.publish(Event::new(EventName::VoiceGrant, Audience::Users(Vec::new()), Keys::none(), &change));
}

fn set_policy(gateway: &Gateway, scope: Snowflake, user_id: Snowflake, policy: MediaPolicy) {
    gateway.state.voice_grants.update_policy(scope, user_id, policy);
    share(gateway, GrantChange::Policy { scope, user_id, policy });
}

fn send_server_update(session: &Session, state: &VoiceState, grant: &VoiceGrant) {
    let server = serde_json::json!({
        "guild_id": state.guild_id,
        "channel_id": state.channel_id,
        "token": grant.token,
        "endpoint": grant.endpoint,
    });
    session.deliver("VOICE_SERVER_UPDATE", &Arc::from(server.to_string()), None);
}

/// Announces that `state` ended (its channel is gone from it) and hangs up its call.
async fn ended(gateway: &Gateway, state: VoiceState) {
    gateway.state.voice_grants.revoke(state.scope(), state.user_id);
    share(gateway, GrantChange::Revoke { scope: state.scope(), user_id: state.user_id });
    announce_left(gateway, state).await;
}

/// Tells those who saw `state` that it ended; a private call that is now empty ends too.
async fn announce_left(gateway: &Gateway, mut state: VoiceState) {
    let Some(channel_id) = state.channel_id.take() else { return };
    match state.guild_id {
        // Those who could see the channel it was in.
        Some(guild_id) => announce(gateway, &state, Audience::Guild { guild_id, channel_id: Some(channel_id) }),
        None => {
            let Ok(Some(channel)) = gateway.state.store.private_channel(channel_id).await else { return };
            let audience = Audience::Users(channel.recipients.clone());
            announce(gateway, &state, audience.clone());
            if gateway.state.voice_states.in_channel(channel_id).is_empty() {
                gateway.state.publish(Event::new(
                    EventName::CallDelete,
                    audience,
                    Keys::channel(None, channel_id),
                    &serde_json::json!({ "channel_id": channel_id }),
                ));
            }
        }
    }
}

/// Ends the voice states of a session that ended, telling those who saw them.
pub async fn session_ended(gateway: &Gateway, session_id: &str) {
    for state in gateway.state.voice_states.take_session(session_id) {
        ended(gateway, state).await;
    }
}

fn announce(gateway: &Gateway, state: &VoiceState, audience: Audience) {
    gateway.state.publish(Event::new(EventName::VoiceStateUpdate, audience, state.keys(), state));
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
        assert_eq!(voice_endpoint("ws://127.0.0.1:8080"), "127.0.0.1:8080/voice");
    }
}
