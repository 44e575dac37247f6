//! A moderator moving a member to another voice channel, or disconnecting them from voice
//! (`channel_id` in PATCH `/guilds/{guild_id}/members/{user_id}`).
//!
//! The route checks here, against the voice states every node knows; the move itself is
//! carried out by the node whose gateway session holds the member's voice state, which
//! hears of it through the internal PARLEY_VOICE_MOVE event on the bus.

use axum::http::StatusCode;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::channels::ChannelKind;

use crate::AppState;
use crate::access::{GuildAccess, parse_id, unknown_channel};
use crate::audit::{self, AuditAction, AuditReason};
use crate::error::{AppError, AppResult};

/// A move (or disconnect) that passed its checks.
#[derive(Debug)]
pub struct VoiceMove {
    /// Where to; `None` disconnects.
    to: Option<Snowflake>,
    from: Snowflake,
}

/// Checks that the caller may move `target` to `to` (`None`: disconnect them): MOVE_MEMBERS
/// where they are, `target` in voice in this guild (40032), `to` a voice channel of the
/// guild that both the caller and `target` may connect to.
pub async fn check_move(
    state: &AppState,
    access: &GuildAccess,
    target: Snowflake,
    to: Option<&str>,
) -> AppResult<VoiceMove> {
    let current =
        state.voice_states.of_member(access.guild.id, target).and_then(|s| s.channel_id).ok_or_else(|| {
            AppError::with_message(
                StatusCode::BAD_REQUEST,
                ErrorCode::TargetNotInVoice,
                "They are not in a voice channel",
            )
        })?;
    let channel_of = |id: Snowflake| access.snapshot.channels.iter().find(|c| c.id == id);
    let from = channel_of(current).ok_or_else(unknown_channel)?;
    if !access.channel_permissions(from).contains(Permissions::MOVE_MEMBERS) {
        return Err(missing("You need the Move Members permission in their voice channel"));
    }
    let Some(raw) = to else { return Ok(VoiceMove { to: None, from: current }) };
    let id = parse_id(raw, unknown_channel)?;
    let destination = channel_of(id).filter(|c| c.kind == ChannelKind::Voice).ok_or_else(|| {
        AppError::Invalid(FieldErrors::single(
            "channel_id",
            "CHANNEL_TYPE_INVALID",
            "Must be a voice channel of this guild.",
        ))
    })?;
    let reach = Permissions::VIEW_CHANNEL | Permissions::CONNECT;
    if !access.channel_permissions(destination).contains(reach) {
        return Err(missing("You may not connect to that channel yourself"));
    }
    let theirs = GuildAccess::for_member(state, access.snapshot.clone(), target).await?;
    if !theirs.channel_permissions(destination).contains(reach) {
        return Err(missing("They may not connect to that channel"));
    }
    Ok(VoiceMove { to: Some(id), from: current })
}

fn missing(message: &str) -> AppError {
    AppError::with_message(StatusCode::FORBIDDEN, ErrorCode::MissingPermissions, message)
}

impl VoiceMove {
    /// Asks the node holding the member's voice state to move them, and logs it.
    pub async fn carry_out(
        self,
        state: &AppState,
        guild_id: Snowflake,
        actor: Snowflake,
        target: Snowflake,
        reason: &AuditReason,
    ) -> AppResult<()> {
        let (action, changes) = match self.to {
            Some(to) => (
                AuditAction::MemberMove,
                vec![serde_json::json!({ "key": "channel_id", "old_value": self.from, "new_value": to })],
            ),
            None => (
                AuditAction::MemberDisconnect,
                vec![serde_json::json!({ "key": "channel_id", "old_value": self.from, "new_value": null })],
            ),
        };
        // Recorded first: a move that could not be recorded is not made.
        audit::record(state, guild_id, actor, action, Some(target), changes, reason).await?;
        state.publish(Event::new(
            EventName::VoiceMove,
            // Nobody is told of this event itself; what it causes is announced.
            Audience::Users(Vec::new()),
            Keys { channel_id: self.to, ..Keys::guild(guild_id) }.user(target),
            &serde_json::json!({ "guild_id": guild_id, "user_id": target, "channel_id": self.to }),
        ));
        Ok(())
    }
}
