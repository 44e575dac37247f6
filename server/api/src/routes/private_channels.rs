//! Direct messages and group DMs: open a DM, start a group DM (up to ten people), list mine,
//! add and remove people, rename, close or leave. Messages, reactions, pins and read states
//! in them go through the ordinary channel routes (see `channel_access`).
//!
//! Who may message whom: see `parley_app::relationships` (a shared guild whose members the
//! other takes DMs from, and no block either way).

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{missing_access, unknown_channel};
use parley_app::error::{AppError, AppResult};
use parley_app::objects::private::PrivateChannelObject;
use parley_app::private_channels::{announce, depart, not_a_group, recipient_event, unknown_user, views};
use parley_app::relationships::require_dm_reach;
use parley_core::{ErrorCode, FieldErrors, Snowflake, Timestamp};
use parley_events::EventName;
use parley_store::private_channels::{MAX_GROUP_DM_RECIPIENTS, NewGroupDm, PrivateChannelRecord, PrivateKind};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path, UserIdOrMe};
use crate::models::{ErrorBody, JsonBody, PublicUser, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_private_channels, open_private_channel))
        .routes(routes!(add_recipient, remove_recipient))
}

fn cannot_message(message: &str) -> AppError {
    AppError::with_message(StatusCode::FORBIDDEN, ErrorCode::CannotMessageUser, message)
}

fn too_many_recipients() -> AppError {
    AppError::with_message(
        StatusCode::BAD_REQUEST,
        ErrorCode::MaxRecipients,
        format!("Maximum number of recipients reached ({MAX_GROUP_DM_RECIPIENTS})"),
    )
}

/// 403 (50007) unless `user_id` exists, is not the caller, and the caller may message them
/// (a shared guild whose members they take DMs from; neither blocks the other).
async fn require_reachable(state: &AppState, me: Snowflake, user_id: Snowflake) -> AppResult<()> {
    if user_id == me {
        return Err(cannot_message("You cannot open a DM with yourself"));
    }
    if state.store.users_by_ids(&[user_id]).await?.is_empty() {
        return Err(unknown_user());
    }
    require_dm_reach(state, me, user_id).await
}

/// My open DMs and group DMs, most recently active first.
#[utoipa::path(get, path = "/users/@me/channels", tag = "private channels", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<PrivateChannelObject>),
        SignedIn,
        TooManyRequests,
    ))]
async fn my_private_channels(
    State(state): State<AppState>,
    auth: AuthUser,
) -> AppResult<Json<Vec<PrivateChannelObject>>> {
    let channels = state.store.private_channels_of(auth.user_id).await?;
    let mut everyone: Vec<Snowflake> = channels.iter().flat_map(|c| c.recipients.iter().copied()).collect();
    everyone.sort();
    everyone.dedup();
    let users = state.store.users_by_ids(&everyone).await?;
    Ok(Json(channels.iter().map(|c| PrivateChannelObject::for_viewer(c, &users, auth.user_id)).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenPrivateChannelRequest {
    /// Open (or reopen) the DM with this user.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub recipient_id: Option<Snowflake>,
    /// Parley: start a group DM with these users (1-9 others; you are added). Discord takes
    /// OAuth2 access tokens here instead.
    #[schema(value_type = Option<Vec<schema::Snowflake>>, min_items = 1)]
    pub recipients: Option<Vec<Snowflake>>,
    /// Group DMs: an optional name, up to 100 characters.
    #[schema(value_type = Option<schema::GroupDmName>)]
    pub name: Option<String>,
}

/// Open a DM (`recipient_id`; the same channel every time, for both people) or start a group
/// DM (`recipients`). Everyone must share a guild with you.
#[utoipa::path(post, path = "/users/@me/channels", tag = "private channels", security(("bearer" = [])),
    request_body = OpenPrivateChannelRequest,
    responses(
        (status = 200, description = "OK", body = PrivateChannelObject),
        (status = 400, description = "Invalid fields (50035); more than 10 people (30004); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "No shared guild, or yourself (50007)", body = ErrorBody),
        (status = 404, description = "Unknown user (10013)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn open_private_channel(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<OpenPrivateChannelRequest>,
) -> AppResult<Json<PrivateChannelObject>> {
    let me = auth.user_id;
    let now = Timestamp::now();
    let mut errors = FieldErrors::new();
    let name = body.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if name.as_ref().is_some_and(|n| n.chars().count() > 100 || n.chars().any(char::is_control)) {
        errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
    }
    match (&body.recipient_id, &body.recipients) {
        (Some(_), Some(_)) | (None, None) => {
            errors.add("recipient_id", "BASE_TYPE_REQUIRED", "Give recipient_id for a DM or recipients for a group DM.")
        }
        (None, Some(list)) if list.is_empty() => {
            errors.add("recipients", "BASE_TYPE_BAD_LENGTH", "Name at least one other person.")
        }
        _ => {}
    }
    errors.into_result()?;
    if let Some(other) = body.recipient_id {
        require_reachable(&state, me, other).await?;
        let (channel, _) = state.store.open_dm(state.ids.next(), me, other, now).await?;
        announce(&state, EventName::ChannelCreate, &channel, &[me]).await?;
        let (_, object) = views(&state, &channel, &[me]).await?.pop().ok_or_else(unknown_channel)?;
        return Ok(Json(object));
    }
    let mut others: Vec<Snowflake> = body.recipients.unwrap_or_default().into_iter().filter(|r| *r != me).collect();
    others.sort();
    others.dedup();
    if others.is_empty() {
        return Err(cannot_message("A group DM needs someone besides you"));
    }
    if others.len() + 1 > MAX_GROUP_DM_RECIPIENTS {
        return Err(too_many_recipients());
    }
    for other in &others {
        require_reachable(&state, me, *other).await?;
    }
    let channel =
        state.store.create_group_dm(&NewGroupDm { id: state.ids.next(), owner_id: me, others, name, now }).await?;
    announce(&state, EventName::ChannelCreate, &channel, &channel.recipients).await?;
    let (_, object) = views(&state, &channel, &[me]).await?.pop().ok_or_else(unknown_channel)?;
    Ok(Json(object))
}

/// The group DM `id` with the caller in it.
async fn my_group(state: &AppState, id: Snowflake, me: Snowflake) -> AppResult<PrivateChannelRecord> {
    let channel = state.store.private_channel(id).await?.ok_or_else(unknown_channel)?;
    if !channel.has_recipient(me) {
        return Err(missing_access());
    }
    if channel.kind != PrivateKind::GroupDm {
        return Err(not_a_group());
    }
    Ok(channel)
}

/// Add someone to a group DM I am in (they must share a guild with me). At most 10 people.
#[utoipa::path(put, path = "/channels/{channel_id}/recipients/{user_id}", tag = "private channels", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Added (or already in it)"),
        (status = 400, description = "Full (30004), or a DM (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not in it (50001), or no shared guild (50007)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or user (10013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn add_recipient(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, user_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    let channel = my_group(&state, channel_id, auth.user_id).await?;
    if channel.has_recipient(user_id) {
        return Ok(StatusCode::NO_CONTENT);
    }
    require_reachable(&state, auth.user_id, user_id).await?;
    match state.store.add_recipient(channel.id, user_id, Timestamp::now()).await? {
        None => return Err(too_many_recipients()),
        Some(false) => return Ok(StatusCode::NO_CONTENT),
        Some(true) => {}
    }
    let channel = state.store.private_channel(channel.id).await?.ok_or_else(unknown_channel)?;
    let user = state.store.users_by_ids(&[user_id]).await?.first().map(PublicUser::from).ok_or_else(unknown_user)?;
    let others: Vec<Snowflake> = channel.recipients.iter().copied().filter(|r| *r != user_id).collect();
    state.publish(recipient_event(EventName::ChannelRecipientAdd, &channel, user, others));
    announce(&state, EventName::ChannelCreate, &channel, &[user_id]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove someone from a group DM (its owner), or leave it (`user_id` is me). The owner
/// leaving passes ownership on; the last one leaving deletes it.
#[utoipa::path(delete, path = "/channels/{channel_id}/recipients/{user_id}", tag = "private channels", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("user_id" = schema::UserIdOrMe, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A DM (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not in it (50001), or not its owner (50013)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003), or the user is not in it (10013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn remove_recipient(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, user_id)): Path<(Snowflake, UserIdOrMe)>,
) -> AppResult<StatusCode> {
    let channel = my_group(&state, channel_id, auth.user_id).await?;
    let user_id = user_id.or_me(auth.user_id);
    if user_id != auth.user_id && channel.owner_id != Some(auth.user_id) {
        return Err(AppError::with_message(
            StatusCode::FORBIDDEN,
            ErrorCode::MissingPermissions,
            "Only the group DM's owner removes others",
        ));
    }
    depart(&state, &channel, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
