//! Calls in DMs and group DMs: the first to join rings the channel's other recipients
//! (CALL_CREATE, as Discord's), and people connecting learn of the calls going on in their
//! DMs (CALL_CREATE after READY).

use parley_app::voice::states::VoiceState;
use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName, Keys};
use serde_json::Value;

use super::Place;
use crate::Gateway;

/// A private call began: its other recipients are rung (CALL_CREATE, as Discord's).
pub(super) fn ring(gateway: &Gateway, place: &Place, state: &VoiceState) {
    let Audience::Users(recipients) = &place.audience else { return };
    let ringing: Vec<Snowflake> = recipients.iter().copied().filter(|u| *u != state.user_id).collect();
    gateway.state.publish(Event::new(
        EventName::CallCreate,
        place.audience.clone(),
        Keys::channel(None, place.channel_id),
        &serde_json::json!({
            "channel_id": place.channel_id,
            "message_id": null,
            "region": "parley",
            "ringing": ringing,
            "voice_states": [state],
        }),
    ));
}

/// The calls in `user_id`'s private channels that are going on now, as CALL_CREATE
/// payloads (sent after READY, as Discord does, so a client knows whom it can join).
pub async fn private_calls(gateway: &Gateway, user_id: Snowflake) -> Vec<Value> {
    let private: Vec<VoiceState> =
        gateway.state.voice_states.lock().values().filter(|s| s.guild_id.is_none()).cloned().collect();
    let mut channels: Vec<Snowflake> = private.iter().filter_map(|s| s.channel_id).collect();
    channels.sort_unstable();
    channels.dedup();
    let mut calls = Vec::new();
    for channel_id in channels {
        let Ok(Some(channel)) = gateway.state.store.private_channel(channel_id).await else { continue };
        if !channel.has_recipient(user_id) {
            continue;
        }
        let states: Vec<&VoiceState> = private.iter().filter(|s| s.channel_id == Some(channel_id)).collect();
        calls.push(serde_json::json!({
            "channel_id": channel_id, "message_id": null, "region": "parley", "ringing": [], "voice_states": states,
        }));
    }
    calls
}
