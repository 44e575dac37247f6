//! Following changes made elsewhere: another node's voice states and grants, a moderator's
//! move or disconnect (PARLEY_VOICE_MOVE), and the permission and membership changes that
//! silence or end a call. Each arrives at every node; only the node whose session holds the
//! voice state acts on it.

use parley_app::voice::grants::GrantChange;
use parley_app::voice::states::{PRIVATE, VoiceState};
use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName};

use super::{VoiceStateCommand, announce, ended, join, place, set_policy};
use crate::Gateway;

/// What a moderator asked for with PATCH `/guilds/{id}/members/{id}` `channel_id` (carried
/// by the internal PARLEY_VOICE_MOVE event's keys): move the member, or with no channel,
/// disconnect them.
#[derive(Debug)]
struct MoveRequest {
    guild_id: Snowflake,
    user_id: Snowflake,
    channel_id: Option<Snowflake>,
}

/// Follows an event from the bus (published here or on another node): other nodes' voice
/// states, and the moderation and permission changes that affect voice states this node's
/// sessions hold. Goes by the event's keys; only another node's voice state or grant is read
/// from its payload, being the thing itself.
pub async fn observe(gateway: &Gateway, event: &Event) {
    let keys = &event.keys;
    let user = keys.users.first().copied();
    match event.name {
        EventName::VoiceStateUpdate if event.origin != gateway.state.bus.node() => {
            if let Ok(state) = serde_json::from_str::<VoiceState>(&event.data) {
                gateway.state.voice_states.observe(state);
            }
        }
        EventName::VoiceGrant if event.origin != gateway.state.bus.node() => {
            if let Ok(change) = serde_json::from_str::<GrantChange>(&event.data) {
                gateway.state.voice_grants.apply(change);
            }
        }
        EventName::VoiceMove => {
            if let (Some(guild_id), Some(user_id)) = (keys.guild_id, user) {
                moved(gateway, MoveRequest { guild_id, user_id, channel_id: keys.channel_id }).await;
            }
        }
        EventName::GuildMemberUpdate => {
            if let (Some(guild_id), Some(user_id)) = (keys.guild_id, user) {
                recheck(gateway, guild_id, Some(user_id)).await;
            }
        }
        EventName::GuildMemberRemove => {
            if let (Some(guild_id), Some(user_id)) = (keys.guild_id, user) {
                disconnect(gateway, guild_id, user_id).await;
            }
        }
        EventName::GuildDelete => {
            // To users who left, were removed, or whose guild was deleted.
            if let (Some(guild_id), Audience::Users(users)) = (keys.guild_id, &event.audience) {
                for user in users {
                    disconnect(gateway, guild_id, *user).await;
                }
            }
        }
        EventName::ChannelUpdate
        | EventName::ChannelDelete
        | EventName::GuildRoleUpdate
        | EventName::GuildRoleDelete
        | EventName::GuildUpdate => {
            if let Some(guild_id) = keys.guild_id {
                recheck(gateway, guild_id, None).await;
            }
        }
        EventName::ChannelRecipientRemove => {
            if let (Some(channel_id), Some(user_id)) = (keys.channel_id, user) {
                let held = gateway.state.voice_states.of_member(PRIVATE, user_id);
                if let Some(state) = held.filter(|s| s.channel_id == Some(channel_id) && owned(gateway, s)) {
                    end_owned(gateway, state).await;
                }
            }
        }
        _ => {}
    }
}

/// Whether this node's sessions hold `state`.
fn owned(gateway: &Gateway, state: &VoiceState) -> bool {
    gateway.hub.get(&state.session_id).is_some()
}

async fn end_owned(gateway: &Gateway, state: VoiceState) {
    if let Some(state) = gateway.state.voice_states.take(state.scope(), state.user_id, &state.session_id) {
        ended(gateway, state).await;
    }
}

async fn disconnect(gateway: &Gateway, guild_id: Snowflake, user_id: Snowflake) {
    if let Some(state) = gateway.state.voice_states.of_member(guild_id, user_id).filter(|s| owned(gateway, s)) {
        end_owned(gateway, state).await;
    }
}

/// Re-reads what the members of `guild_id` in voice (or just `only`) may do, after their
/// roles, a channel's overwrites, or a moderator's mute or deafen changed: a member who can
/// no longer see or reach their channel is disconnected, the others' media policy follows.
async fn recheck(gateway: &Gateway, guild_id: Snowflake, only: Option<Snowflake>) {
    let states: Vec<VoiceState> = gateway
        .state
        .voice_states
        .in_guild(guild_id)
        .into_iter()
        .filter(|s| only.is_none_or(|u| u == s.user_id) && owned(gateway, s))
        .collect();
    for state in states {
        let Some(channel_id) = state.channel_id else { continue };
        let Some(place) = place(gateway, Some(guild_id), channel_id, state.user_id).await else {
            end_owned(gateway, state).await;
            continue;
        };
        let changed = {
            let mut states = gateway.state.voice_states.lock();
            match states.get_mut(&(guild_id, state.user_id)).filter(|s| s.session_id == state.session_id) {
                Some(current) if current.mute != place.server_mute || current.deaf != place.server_deaf => {
                    current.mute = place.server_mute;
                    current.deaf = place.server_deaf;
                    Some(current.clone())
                }
                Some(_) => None,
                None => continue,
            }
        };
        let current = changed.clone().unwrap_or(state);
        set_policy(gateway, guild_id, current.user_id, place.policy(&current));
        if let Some(changed) = changed {
            announce(gateway, &changed, place.audience.clone());
        }
    }
}

/// Carries out a moderator's move or disconnect, if this node holds the member's state.
async fn moved(gateway: &Gateway, request: MoveRequest) {
    let Some(state) =
        gateway.state.voice_states.of_member(request.guild_id, request.user_id).filter(|s| owned(gateway, s))
    else {
        return;
    };
    let Some(channel_id) = request.channel_id else {
        end_owned(gateway, state).await;
        return;
    };
    let Some(session) = gateway.hub.get(&state.session_id) else { return };
    // The route checked that they may connect there; checked again, as things may have
    // changed since. (The user limit does not apply to a moderator's move, as in Discord.)
    let Some(mut place) = place(gateway, Some(request.guild_id), channel_id, request.user_id).await else { return };
    place.limit = 0;
    // The member keeps the voice endpoint they were given (a move is no reason to change
    // nodes).
    let endpoint = gateway
        .state
        .voice_grants
        .of_member(request.guild_id, request.user_id)
        .map(|g| g.endpoint.clone())
        .unwrap_or_else(|| gateway.config.voice_endpoint.clone().unwrap_or_default());
    let command = VoiceStateCommand {
        guild_id: Some(request.guild_id.to_string()),
        channel_id: Some(channel_id.to_string()),
        self_mute: state.self_mute,
        self_deaf: state.self_deaf,
        self_video: state.self_video,
        self_stream: state.self_stream,
    };
    join(gateway, &session, &place, &command, &endpoint).await;
}
