//! Archived threads of a channel: the public ones, the most recently archived first, and
//! Discord's two private lists, which are always empty here (Parley has no private threads).

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, require};
use parley_app::channel_access::load_channel;
use parley_app::error::{AppError, AppResult};
use parley_app::objects::guild::ChannelObject;
use parley_app::objects::thread_member::ThreadMemberObject;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake};
use parley_store::channels::{ChannelKind, ChannelRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(public_archived_threads))
        .routes(routes!(private_archived_threads))
        .routes(routes!(my_private_archived_threads))
}

/// A page's size when `limit` is not given (Discord leaves it unstated; 50, as in history).
const LIMIT_DEFAULT: i64 = 50;

#[derive(Debug, Serialize, ToSchema)]
pub struct ArchivedThreads {
    pub threads: Vec<ChannelObject>,
    /// My thread member object for each of `threads` I have joined.
    pub members: Vec<ThreadMemberObject>,
    /// Whether older archived threads remain (ask again with `before` the last one's
    /// `thread_metadata.archive_timestamp`).
    pub has_more: bool,
}

impl ArchivedThreads {
    fn none() -> Self {
        Self { threads: Vec::new(), members: Vec::new(), has_more: false }
    }
}

/// The text channel `id` with the caller's access, holding `needed` there; 400 (50024) for a
/// channel of another kind (threads start in text channels only).
async fn open_parent(
    state: &AppState,
    id: Snowflake,
    user_id: Snowflake,
    needed: Permissions,
) -> AppResult<(GuildAccess, ChannelRecord)> {
    let (access, channel, permissions) = load_channel(state, id, user_id).await?;
    if channel.kind != ChannelKind::Text {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidChannelType));
    }
    require(permissions, needed)?;
    Ok((access, channel))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ArchivedQuery {
    /// Only threads archived before this ISO 8601 time.
    #[param(value_type = Option<String>, format = DateTime)]
    pub before: Option<String>,
    /// 1-100, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// The channel's archived public threads, the most recently archived first
/// (READ_MESSAGE_HISTORY).
#[utoipa::path(get, path = "/channels/{channel_id}/threads/archived/public", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ArchivedQuery),
    responses(
        (status = 200, description = "OK", body = ArchivedThreads),
        (status = 400, description = "A bad before or limit (50035); not a text channel (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing READ_MESSAGE_HISTORY (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn public_archived_threads(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
    Query(params): Query<ArchivedQuery>,
) -> AppResult<Json<ArchivedThreads>> {
    let (access, parent) = open_parent(&state, channel_id, auth.user_id, Permissions::READ_MESSAGE_HISTORY).await?;
    let mut errors = FieldErrors::new();
    let before = query::timestamp(&mut errors, "before", params.before.as_deref());
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), LIMIT_DEFAULT, 1..=100);
    errors.into_result()?;
    // One more than asked tells whether there are more.
    let mut archived = state.store.archived_threads(parent.id, before, limit + 1).await?;
    let has_more = archived.len() as i64 > limit;
    archived.truncate(limit as usize);
    let activity = state.store.guild_channel_activity(access.guild.id).await?;
    let threads = ChannelObject::list(&archived, &[], &activity);
    let members = state
        .store
        .thread_memberships(access.guild.id, auth.user_id)
        .await?
        .iter()
        .filter(|m| archived.iter().any(|t| t.id == m.thread_id))
        .map(ThreadMemberObject::from)
        .collect();
    Ok(Json(ArchivedThreads { threads, members, has_more }))
}

/// Discord's archived private threads (READ_MESSAGE_HISTORY and MANAGE_THREADS): Parley has
/// no private threads, so the list is always empty.
#[utoipa::path(get, path = "/channels/{channel_id}/threads/archived/private", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ArchivedQuery),
    responses(
        (status = 200, description = "OK (always empty)", body = ArchivedThreads),
        (status = 400, description = "A bad before or limit (50035); not a text channel (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing READ_MESSAGE_HISTORY or MANAGE_THREADS (50013), or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn private_archived_threads(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
    Query(params): Query<ArchivedQuery>,
) -> AppResult<Json<ArchivedThreads>> {
    let needed = Permissions::READ_MESSAGE_HISTORY | Permissions::MANAGE_THREADS;
    open_parent(&state, channel_id, auth.user_id, needed).await?;
    let mut errors = FieldErrors::new();
    query::timestamp(&mut errors, "before", params.before.as_deref());
    query::number(&mut errors, "limit", params.limit.as_deref(), LIMIT_DEFAULT, 1..=100);
    errors.into_result()?;
    Ok(Json(ArchivedThreads::none()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct JoinedArchivedQuery {
    /// Only threads whose id is less than this.
    #[param(value_type = Option<schema::Snowflake>)]
    pub before: Option<String>,
    /// 1-100, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// Discord's archived private threads I joined (READ_MESSAGE_HISTORY): Parley has no private
/// threads, so the list is always empty.
#[utoipa::path(get, path = "/channels/{channel_id}/users/@me/threads/archived/private", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), JoinedArchivedQuery),
    responses(
        (status = 200, description = "OK (always empty)", body = ArchivedThreads),
        (status = 400, description = "A bad before or limit (50035); not a text channel (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing READ_MESSAGE_HISTORY (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn my_private_archived_threads(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
    Query(params): Query<JoinedArchivedQuery>,
) -> AppResult<Json<ArchivedThreads>> {
    open_parent(&state, channel_id, auth.user_id, Permissions::READ_MESSAGE_HISTORY).await?;
    let mut errors = FieldErrors::new();
    query::id(&mut errors, "before", params.before.as_deref());
    query::number(&mut errors, "limit", params.limit.as_deref(), LIMIT_DEFAULT, 1..=100);
    errors.into_result()?;
    Ok(Json(ArchivedThreads::none()))
}
