//! Reactions (a moderator may clear them), pins, the typing indicator and bulk deletion.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::require;
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::channel_access::ChannelAccess;
use parley_app::channel_access::load_channel;
use parley_app::error::{AppError, AppResult};
use parley_app::objects::emoji::{ReactionKey, reaction_emojis};
use parley_app::objects::member::{MemberObject, member_object};
use parley_app::objects::message::MessageDeleteBulk;
use parley_app::objects::message::{MessageObject, find_message, message_objects, unknown_message};
use parley_app::relationships::require_dm_reach;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::path::Unknown;
use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path, PathParams};
use crate::models::{ErrorBody, JsonBody, PublicUser, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_my_reaction, remove_my_reaction))
        .routes(routes!(remove_reaction))
        .routes(routes!(list_reactors, clear_emoji_reactions))
        .routes(routes!(clear_reactions))
        .routes(routes!(list_pins))
        .routes(routes!(pin_message, unpin_message))
        .routes(routes!(list_pinned_messages))
        .routes(routes!(pin_message_v2, unpin_message_v2))
        .routes(routes!(typing))
        .routes(routes!(bulk_delete))
}

/// How many messages a channel may have pinned.
pub const MAX_PINS: i64 = 250;
/// Discord's bulk-delete limits: 2-100 messages, none older than 14 days.
pub const BULK_DELETE_MAX_AGE_MS: u64 = 14 * 24 * 3600 * 1000;

/// A reaction's emoji from its path: a unicode emoji, or a custom one as `name:id`; its
/// stored form (see `ReactionKey`).
fn parse_emoji(raw: &str) -> AppResult<String> {
    ReactionKey::parse(raw)
        .map(|key| key.stored())
        .ok_or_else(|| AppError::new(StatusCode::BAD_REQUEST, ErrorCode::UnknownEmoji))
}

/// A custom emoji may be reacted with by the members of its guild: in its own guild's
/// channels, in DMs, and in another guild's channels where they hold USE_EXTERNAL_EMOJIS (as
/// on Discord). One that does not exist, or belongs to a guild the person is not in, is
/// Unknown Emoji.
async fn require_usable(state: &AppState, channel: &ChannelAccess, stored: &str, user_id: Snowflake) -> AppResult<()> {
    let ReactionKey::Custom(id) = ReactionKey::from_stored(stored) else { return Ok(()) };
    let emoji = match state.store.emoji(id).await? {
        Some(emoji) if state.cache.member(&state.store, emoji.guild_id, user_id).await?.is_some() => emoji,
        _ => {
            return Err(AppError::with_message(
                StatusCode::BAD_REQUEST,
                ErrorCode::UnknownEmoji,
                "Unknown Emoji: no custom emoji with that id in a guild you are in",
            ));
        }
    };
    match channel.guild() {
        Some(access) if access.guild.id != emoji.guild_id => channel.require(Permissions::USE_EXTERNAL_EMOJIS),
        _ => Ok(()),
    }
}

/// The partial emoji object a dispatch carries for a stored reaction emoji.
async fn emoji_object(state: &AppState, stored: &str) -> AppResult<serde_json::Value> {
    let emoji = reaction_emojis(state, [stored]).await?.remove(stored);
    serde_json::to_value(emoji).map_err(AppError::internal)
}

/// MESSAGE_REACTION_ADD or _REMOVE with every field Discord always sends (`burst` and `type`
/// too: discord.py reads them unconditionally). `added`: for an addition, the reacting member
/// (in a guild) and the message's author, which Discord adds to MESSAGE_REACTION_ADD only.
fn reaction_event(
    name: EventName,
    channel: &ChannelAccess,
    message_id: Snowflake,
    user_id: Snowflake,
    emoji: serde_json::Value,
    added: Option<(Option<MemberObject>, Snowflake)>,
) -> Event {
    let mut data = serde_json::json!({ "user_id": user_id, "channel_id": channel.id(), "message_id": message_id,
                                       "emoji": emoji, "burst": false, "type": 0 });
    if let Some((member, author)) = added {
        data["burst_colors"] = serde_json::json!([]);
        data["message_author_id"] = serde_json::json!(author);
        if let Some(member) = member {
            data["member"] = serde_json::json!(member);
        }
    }
    channel.event(name, channel.keys().user(user_id), data)
}

/// React to a message (ADD_REACTIONS and READ_MESSAGE_HISTORY).
#[utoipa::path(put, path = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path), ("emoji" = schema::Emoji, Path, description = "A unicode emoji, URL-encoded")),
    responses(
        (status = 204, description = "Reacted (or already had)"),
        (status = 400, description = "Not a unicode emoji or `name:id` (10014); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing ADD_REACTIONS or READ_MESSAGE_HISTORY, or USE_EXTERNAL_EMOJIS for another guild's emoji (50013), cannot see the channel (50001), or a DM whose other person may not be reached (50007)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn add_my_reaction(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(Snowflake, Snowflake, String)>,
) -> AppResult<StatusCode> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::ADD_REACTIONS | Permissions::READ_MESSAGE_HISTORY)?;
    // In a DM, the DM rule (a block either way, DM privacy) holds for reactions as for messages.
    if let Some(partner) = channel.dm_partner() {
        require_dm_reach(&state, auth.user_id, partner).await?;
    }
    let emoji = parse_emoji(&emoji)?;
    require_usable(&state, &channel, &emoji, auth.user_id).await?;
    let message = find_message(&state, channel.id(), message_id).await?;
    if state.store.add_reaction(message.id, auth.user_id, &emoji, Timestamp::now()).await? {
        let member = match channel.guild() {
            Some(access) => Some(member_object(&state, &access.member).await?),
            None => None,
        };
        let added = Some((member, message.author_id));
        let emoji = emoji_object(&state, &emoji).await?;
        state.publish(reaction_event(EventName::MessageReactionAdd, &channel, message.id, auth.user_id, emoji, added));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Take back my reaction.
#[utoipa::path(delete, path = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path), ("emoji" = schema::Emoji, Path)),
    responses(
        (status = 204, description = "Removed (or had none)"),
        (status = 400, description = "Not a unicode emoji or `name:id` (10014); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn remove_my_reaction(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(Snowflake, Snowflake, String)>,
) -> AppResult<StatusCode> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    let emoji = parse_emoji(&emoji)?;
    let message = find_message(&state, channel.id(), message_id).await?;
    if state.store.remove_reaction(message.id, auth.user_id, &emoji).await? {
        let emoji = emoji_object(&state, &emoji).await?;
        state.publish(reaction_event(
            EventName::MessageReactionRemove,
            &channel,
            message.id,
            auth.user_id,
            emoji,
            None,
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Someone's reaction: a `user_id` that is no id is no reaction on the message (10008).
#[derive(Debug, Deserialize)]
struct ReactionPath {
    channel_id: Snowflake,
    message_id: Snowflake,
    emoji: String,
    user_id: Snowflake,
}

impl PathParams for ReactionPath {
    const UNKNOWN: &'static [Unknown] = &[("user_id", unknown_message)];
}

/// Remove someone's reaction (MANAGE_MESSAGES).
#[utoipa::path(delete, path = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path), ("emoji" = schema::Emoji, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Removed (or there was none)"),
        (status = 400, description = "Not a unicode emoji or `name:id` (10014); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_MESSAGES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn remove_reaction(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(ReactionPath { channel_id, message_id, emoji, user_id }): Path<ReactionPath>,
) -> AppResult<StatusCode> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::MANAGE_MESSAGES)?;
    let emoji = parse_emoji(&emoji)?;
    let message = find_message(&state, channel.id(), message_id).await?;
    if state.store.remove_reaction(message.id, user_id, &emoji).await? {
        let emoji = emoji_object(&state, &emoji).await?;
        state.publish(reaction_event(EventName::MessageReactionRemove, &channel, message.id, user_id, emoji, None));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Remove every reaction on a message (MANAGE_MESSAGES).
#[utoipa::path(delete, path = "/channels/{channel_id}/messages/{message_id}/reactions", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Removed (or there were none)"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_MESSAGES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn clear_reactions(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, message_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::MANAGE_MESSAGES)?;
    let message = find_message(&state, channel.id(), message_id).await?;
    if state.store.clear_reactions(message.id, None).await? > 0 {
        let data = serde_json::json!({ "channel_id": channel.id(), "message_id": message.id });
        state.publish(channel.event(EventName::MessageReactionRemoveAll, channel.keys(), data));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Remove every reaction of one emoji on a message (MANAGE_MESSAGES).
#[utoipa::path(delete, path = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path), ("emoji" = schema::Emoji, Path)),
    responses(
        (status = 204, description = "Removed (or there were none)"),
        (status = 400, description = "Not a unicode emoji or `name:id` (10014); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_MESSAGES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn clear_emoji_reactions(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(Snowflake, Snowflake, String)>,
) -> AppResult<StatusCode> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::MANAGE_MESSAGES)?;
    let emoji = parse_emoji(&emoji)?;
    let message = find_message(&state, channel.id(), message_id).await?;
    if state.store.clear_reactions(message.id, Some(&emoji)).await? > 0 {
        let data = serde_json::json!({ "channel_id": channel.id(), "message_id": message.id,
                                       "emoji": emoji_object(&state, &emoji).await? });
        state.publish(channel.event(EventName::MessageReactionRemoveEmoji, channel.keys(), data));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReactorsQuery {
    /// 1-100, default 25.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// Only users whose id is greater than this.
    #[param(value_type = Option<schema::Snowflake>)]
    pub after: Option<String>,
}

/// Who reacted with this emoji, by user id.
#[utoipa::path(get, path = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path), ("emoji" = schema::Emoji, Path), ReactorsQuery),
    responses(
        (status = 200, description = "OK", body = Vec<PublicUser>),
        (status = 400, description = "Not a unicode emoji or `name:id` (10014); a bad limit or after (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing READ_MESSAGE_HISTORY (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_reactors(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(Snowflake, Snowflake, String)>,
    Query(params): Query<ReactorsQuery>,
) -> AppResult<Json<Vec<PublicUser>>> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::READ_MESSAGE_HISTORY)?;
    let emoji = parse_emoji(&emoji)?;
    let message = find_message(&state, channel.id(), message_id).await?;
    let mut errors = FieldErrors::new();
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), 25, 1..=100);
    let after = query::id(&mut errors, "after", params.after.as_deref()).unwrap_or_default();
    errors.into_result()?;
    let ids = state.store.reactors(message.id, &emoji, after, limit).await?;
    let mut users = state.store.users_by_ids(&ids).await?;
    users.sort_by_key(|u| u.id);
    Ok(Json(users.iter().map(PublicUser::from).collect()))
}

/// The channel's pinned messages, most recently pinned first.
#[utoipa::path(get, path = "/channels/{channel_id}/pins", tag = "messages", security(("bearer" = [])), params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<MessageObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing READ_MESSAGE_HISTORY (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_pins(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<Json<Vec<MessageObject>>> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::READ_MESSAGE_HISTORY)?;
    let pinned = state.store.pinned_messages(channel.id()).await?;
    Ok(Json(message_objects(&state, &pinned, Some(auth.user_id)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PinsQuery {
    /// Pins made before this moment (ISO 8601): the next page is the last item's `pinned_at`.
    #[param(value_type = Option<String>, format = DateTime)]
    pub before: Option<String>,
    /// 1-50, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50)]
    pub limit: Option<String>,
}

/// A pinned message and when it was pinned.
#[derive(Debug, Serialize, ToSchema)]
pub struct PinnedMessage {
    #[schema(value_type = String, format = DateTime)]
    pub pinned_at: Timestamp,
    pub message: MessageObject,
}

/// A page of a channel's pins, Discord's current form.
#[derive(Debug, Serialize, ToSchema)]
pub struct PinsPage {
    pub items: Vec<PinnedMessage>,
    /// Whether older pins remain.
    pub has_more: bool,
}

/// The channel's pins, most recently pinned first, a page at a time (Discord's current form
/// of `GET /channels/{id}/pins`).
#[utoipa::path(get, path = "/channels/{channel_id}/messages/pins", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), PinsQuery),
    responses(
        (status = 200, description = "OK", body = PinsPage),
        (status = 400, description = "A bad `before` or `limit` (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing READ_MESSAGE_HISTORY (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_pinned_messages(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
    Query(params): Query<PinsQuery>,
) -> AppResult<Json<PinsPage>> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::READ_MESSAGE_HISTORY)?;
    let mut errors = FieldErrors::new();
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), 50, 1..=50);
    let before = query::timestamp(&mut errors, "before", params.before.as_deref());
    errors.into_result()?;
    let mut pinned = state.store.pinned_page(channel.id(), before.map(Timestamp::unix_millis), limit + 1).await?;
    let has_more = pinned.len() as i64 > limit;
    pinned.truncate(limit as usize);
    let messages = message_objects(&state, &pinned, Some(auth.user_id)).await?;
    let items = pinned
        .iter()
        .zip(messages)
        .map(|(record, message)| PinnedMessage {
            pinned_at: Timestamp::from_unix_millis(record.pinned_at.unwrap_or_default()),
            message,
        })
        .collect();
    Ok(Json(PinsPage { items, has_more }))
}

/// Pin a message (PIN_MESSAGES or MANAGE_MESSAGES), Discord's current path. At most 250 per
/// channel.
#[utoipa::path(put, path = "/channels/{channel_id}/messages/pins/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Pinned (or already was)"),
        (status = 400, description = "250 pins already (30003); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing PIN_MESSAGES and MANAGE_MESSAGES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn pin_message_v2(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(ids): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    set_pin(&state, &auth, &reason, ids, true).await
}

/// Unpin a message (PIN_MESSAGES or MANAGE_MESSAGES), Discord's current path.
#[utoipa::path(delete, path = "/channels/{channel_id}/messages/pins/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Unpinned (or was not pinned)"),
        (status = 400, description = "a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing PIN_MESSAGES and MANAGE_MESSAGES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn unpin_message_v2(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(ids): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    set_pin(&state, &auth, &reason, ids, false).await
}

/// Pins (`pin`) or unpins a message; audited and announced only if it changed.
async fn set_pin(
    state: &AppState,
    auth: &AuthUser,
    reason: &AuditReason,
    ids: (Snowflake, Snowflake),
    pin: bool,
) -> AppResult<StatusCode> {
    let (channel_id, message_id) = ids;
    let channel = ChannelAccess::open(state, channel_id, auth.user_id).await?;
    if !channel.permissions().contains(Permissions::PIN_MESSAGES) {
        channel.require(Permissions::MANAGE_MESSAGES)?;
    }
    let message = find_message(state, channel.id(), message_id).await?;
    if message.pinned == pin {
        return Ok(StatusCode::NO_CONTENT);
    }
    if pin && state.store.pin_count(channel.id()).await? >= MAX_PINS {
        return Err(AppError::with_message(
            StatusCode::BAD_REQUEST,
            ErrorCode::MaxPins,
            format!("Maximum number of pins reached ({MAX_PINS})"),
        ));
    }
    let now = Timestamp::now();
    // Pins in private channels have no audit log to go to.
    let entry = channel.guild_id().map(|guild_id| {
        let action = if pin { AuditAction::MessagePin } else { AuditAction::MessageUnpin };
        let changes = vec![audit::change("message_id", None, Some(serde_json::json!(message.id)))];
        audit::entry(state, guild_id, auth.user_id, action, Some(message.author_id), changes, reason)
    });
    if state.store.set_pinned(channel.id(), message.id, pin, now, entry.as_ref()).await? {
        state.publish(channel.event(
            EventName::ChannelPinsUpdate,
            channel.keys(),
            serde_json::json!({ "channel_id": channel.id(), "last_pin_timestamp": now }),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Pin a message (MANAGE_MESSAGES or PIN_MESSAGES). At most 250 per channel.
#[utoipa::path(put, path = "/channels/{channel_id}/pins/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Pinned (or already was)"),
        (status = 400, description = "250 pins already (30003); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing PIN_MESSAGES and MANAGE_MESSAGES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn pin_message(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(ids): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    set_pin(&state, &auth, &reason, ids, true).await
}

/// Unpin a message (MANAGE_MESSAGES or PIN_MESSAGES).
#[utoipa::path(delete, path = "/channels/{channel_id}/pins/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Unpinned (or was not pinned)"),
        (status = 400, description = "a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing PIN_MESSAGES and MANAGE_MESSAGES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn unpin_message(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(ids): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    set_pin(&state, &auth, &reason, ids, false).await
}

/// Show that I am typing (SEND_MESSAGES): TYPING_START to those who can see the channel.
#[utoipa::path(post, path = "/channels/{channel_id}/typing", tag = "messages", security(("bearer" = [])), params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Announced"),
        (status = 400, description = "Not a text channel (50008); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing SEND_MESSAGES (50013), cannot see the channel (50001), or a DM whose other person may not be reached (50007)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn typing(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<StatusCode> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require_text()?;
    channel.require(Permissions::SEND_MESSAGES)?;
    if let Some(partner) = channel.dm_partner() {
        require_dm_reach(&state, auth.user_id, partner).await?;
    }
    state.publish(channel.event(
        EventName::TypingStart,
        channel.keys().user(auth.user_id),
        serde_json::json!({ "channel_id": channel.id(), "user_id": auth.user_id,
                            "timestamp": Timestamp::now().unix_millis() / 1000 }),
    ));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkDeleteRequest {
    /// 2-100 distinct message ids, none older than 14 days.
    #[schema(value_type = Vec<schema::Snowflake>, min_items = 2, max_items = 100)]
    pub messages: Vec<Snowflake>,
}

/// Delete 2-100 recent messages at once (MANAGE_MESSAGES).
#[utoipa::path(post, path = "/channels/{channel_id}/messages/bulk-delete", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)), request_body = BulkDeleteRequest,
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not 2-100 distinct ids (50035); a message older than 14 days (50034); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_MESSAGES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn bulk_delete(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(channel_id): Path<Snowflake>,
    Json(body): Json<BulkDeleteRequest>,
) -> AppResult<StatusCode> {
    let (access, channel, permissions) = load_channel(&state, channel_id, auth.user_id).await?;
    require(permissions, Permissions::MANAGE_MESSAGES)?;
    let mut ids = body.messages.clone();
    ids.sort();
    ids.dedup();
    let mut errors = FieldErrors::new();
    if !(2..=100).contains(&body.messages.len()) {
        errors.add("messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.");
    } else if ids.len() != body.messages.len() {
        errors.add("messages", "DUPLICATE_IDS", "Each message may be listed once.");
    }
    errors.into_result()?;
    let now_ms = Timestamp::now().unix_millis() as u64;
    if ids.iter().any(|id| now_ms.saturating_sub(id.unix_millis()) > BULK_DELETE_MAX_AGE_MS) {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::BulkDeleteTooOld));
    }
    let entry = |count: usize| {
        let changes = vec![audit::change("count", None, Some(serde_json::json!(count)))];
        Some(audit::entry(
            &state,
            access.guild.id,
            auth.user_id,
            AuditAction::MessageBulkDelete,
            Some(channel.id),
            changes,
            &reason,
        ))
    };
    let deleted = state.store.delete_messages(channel.id, &ids, entry).await?;
    if !deleted.is_empty() {
        state.publish(Event::new(
            EventName::MessageDeleteBulk,
            Audience::Guild { guild_id: access.guild.id, channel_id: Some(channel.id) },
            Keys::channel(Some(access.guild.id), channel.id),
            &MessageDeleteBulk { ids: deleted, channel_id: channel.id, guild_id: Some(access.guild.id) },
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
