//! Thread members: join and leave a thread, add and remove others, list them and look one
//! up. Anyone who can see a thread may join it; adding someone takes the right to write in
//! it, removing someone MANAGE_THREADS; an archived thread's members do not change (50083).

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, missing_access, require};
use parley_app::channel_access::load_channel;
use parley_app::channels::thread_members;
use parley_app::error::{AppError, AppResult};
use parley_app::objects::member::{member_objects, unknown_member};
use parley_app::objects::thread_member::ThreadMemberObject;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake};
use parley_store::channels::{ChannelKind, ChannelRecord};
use parley_store::thread_members::ThreadMemberRecord;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::path::Unknown;
use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path, PathParams};
use crate::models::{ErrorBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(join_thread, leave_thread))
        .routes(routes!(get_thread_member, add_thread_member, remove_thread_member))
        .routes(routes!(list_thread_members))
}

/// A thread member's path: `user_id` names someone in the thread.
#[derive(Debug, Deserialize)]
struct ThreadMemberPath {
    channel_id: Snowflake,
    user_id: Snowflake,
}

impl PathParams for ThreadMemberPath {
    const UNKNOWN: &'static [Unknown] = &[("user_id", unknown_member)];
}

/// The thread `id` with the caller's access and permissions in it (VIEW_CHANNEL, or 50001);
/// 400 (50024) for a channel that is no thread.
async fn open_thread(
    state: &AppState,
    id: Snowflake,
    user_id: Snowflake,
) -> AppResult<(GuildAccess, ChannelRecord, Permissions)> {
    let (access, thread, permissions) = load_channel(state, id, user_id).await?;
    if thread.kind != ChannelKind::PublicThread {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidChannelType));
    }
    Ok((access, thread, permissions))
}

/// An archived thread's members stay as they are, as on Discord.
fn require_unarchived(thread: &ChannelRecord) -> AppResult<()> {
    if thread.archived { Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::ThreadArchived)) } else { Ok(()) }
}

/// Join a thread I can see (THREAD_MEMBERS_UPDATE, and THREAD_MEMBER_UPDATE to me).
#[utoipa::path(put, path = "/channels/{channel_id}/thread-members/@me", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Joined (or already in it)"),
        (status = 400, description = "The thread is archived (50083); not a thread (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Cannot see the thread (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn join_thread(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<StatusCode> {
    let (access, thread, _) = open_thread(&state, channel_id, auth.user_id).await?;
    require_unarchived(&thread)?;
    thread_members::add(&state, access.guild.id, thread.id, auth.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Leave a thread (THREAD_MEMBERS_UPDATE).
#[utoipa::path(delete, path = "/channels/{channel_id}/thread-members/@me", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Left (or was not in it)"),
        (status = 400, description = "The thread is archived (50083); not a thread (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Cannot see the thread (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn leave_thread(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<StatusCode> {
    let (access, thread, _) = open_thread(&state, channel_id, auth.user_id).await?;
    require_unarchived(&thread)?;
    thread_members::remove(&state, access.guild.id, thread.id, auth.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a member of the guild who can see the thread (SEND_MESSAGES_IN_THREADS).
#[utoipa::path(put, path = "/channels/{channel_id}/thread-members/{user_id}", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Added (or already in it)"),
        (status = 400, description = "The thread is archived (50083); not a thread (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing SEND_MESSAGES_IN_THREADS (50013); I, or they, cannot see the thread (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003); not a member of the guild (10007)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn add_thread_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(ThreadMemberPath { channel_id, user_id }): Path<ThreadMemberPath>,
) -> AppResult<StatusCode> {
    let (access, thread, permissions) = open_thread(&state, channel_id, auth.user_id).await?;
    require(permissions, Permissions::SEND_MESSAGES_IN_THREADS)?;
    require_unarchived(&thread)?;
    let target = state.cache.member(&state.store, access.guild.id, user_id).await?.ok_or_else(unknown_member)?;
    let theirs = GuildAccess::with_member(access.snapshot.clone(), target).channel_permissions(&thread);
    if !theirs.contains(Permissions::VIEW_CHANNEL) {
        return Err(missing_access());
    }
    thread_members::add(&state, access.guild.id, thread.id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove someone from a thread (MANAGE_THREADS; Discord lets a thread's starter do it only
/// in private threads, which Parley does not have).
#[utoipa::path(delete, path = "/channels/{channel_id}/thread-members/{user_id}", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Removed (or was not in it)"),
        (status = 400, description = "The thread is archived (50083); not a thread (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_THREADS (50013) or cannot see the thread (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn remove_thread_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(ThreadMemberPath { channel_id, user_id }): Path<ThreadMemberPath>,
) -> AppResult<StatusCode> {
    let (access, thread, permissions) = open_thread(&state, channel_id, auth.user_id).await?;
    require(permissions, Permissions::MANAGE_THREADS)?;
    require_unarchived(&thread)?;
    thread_members::remove(&state, access.guild.id, thread.id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ThreadMemberQuery {
    /// `true` adds each one's guild member object as `member`.
    #[param(value_type = Option<bool>)]
    pub with_member: Option<String>,
}

/// Thread member objects with `member` filled in when asked for.
async fn thread_member_objects(
    state: &AppState,
    guild_id: Snowflake,
    records: &[ThreadMemberRecord],
    with_member: bool,
) -> AppResult<Vec<ThreadMemberObject>> {
    let mut objects: Vec<ThreadMemberObject> = records.iter().map(ThreadMemberObject::from).collect();
    if with_member {
        let mut members = Vec::new();
        for record in records {
            members.extend(state.cache.member(&state.store, guild_id, record.user_id).await?.map(|m| (*m).clone()));
        }
        let mut guild_members = member_objects(state, &members).await?;
        for object in &mut objects {
            let found = guild_members.iter().position(|m| m.user.id == object.user_id);
            object.member = found.map(|i| guild_members.swap_remove(i));
        }
    }
    Ok(objects)
}

/// One member of a thread; someone not in it is 404 (10007).
#[utoipa::path(get, path = "/channels/{channel_id}/thread-members/{user_id}", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path), ThreadMemberQuery),
    responses(
        (status = 200, description = "OK", body = ThreadMemberObject),
        (status = 400, description = "A bad with_member (50035); not a thread (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Cannot see the thread (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003); not in the thread (10007)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_thread_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(ThreadMemberPath { channel_id, user_id }): Path<ThreadMemberPath>,
    Query(params): Query<ThreadMemberQuery>,
) -> AppResult<Json<ThreadMemberObject>> {
    let (access, thread, _) = open_thread(&state, channel_id, auth.user_id).await?;
    let mut errors = FieldErrors::new();
    let with_member = query::boolean(&mut errors, "with_member", params.with_member.as_deref());
    errors.into_result()?;
    let record = state.store.thread_member(thread.id, user_id).await?.ok_or_else(unknown_member)?;
    let object = thread_member_objects(&state, access.guild.id, &[record], with_member).await?.pop();
    Ok(Json(object.ok_or_else(unknown_member)?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ThreadMembersQuery {
    /// `true` adds each one's guild member object as `member`, and pages the list.
    #[param(value_type = Option<bool>)]
    pub with_member: Option<String>,
    /// With `with_member`: only members whose user id is greater than this.
    #[param(value_type = Option<schema::Snowflake>)]
    pub after: Option<String>,
    /// With `with_member`: 1-100, default 100.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// A thread's members by user id. As in Discord's v10, the list is paged (`after`, `limit`)
/// only with `with_member=true`; without it, every member comes at once.
#[utoipa::path(get, path = "/channels/{channel_id}/thread-members", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ThreadMembersQuery),
    responses(
        (status = 200, description = "OK", body = Vec<ThreadMemberObject>),
        (status = 400, description = "A bad with_member, after or limit (50035); not a thread (50024); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Cannot see the thread (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_thread_members(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
    Query(params): Query<ThreadMembersQuery>,
) -> AppResult<Json<Vec<ThreadMemberObject>>> {
    let (access, thread, _) = open_thread(&state, channel_id, auth.user_id).await?;
    let mut errors = FieldErrors::new();
    let with_member = query::boolean(&mut errors, "with_member", params.with_member.as_deref());
    let after = query::id(&mut errors, "after", params.after.as_deref()).unwrap_or_default();
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), 100, 1..=100);
    errors.into_result()?;
    let records = if with_member {
        state.store.thread_members(thread.id, after, limit).await?
    } else {
        // Every member: the table holds at most the guild's members.
        state.store.thread_members(thread.id, Snowflake::default(), i64::MAX).await?
    };
    Ok(Json(thread_member_objects(&state, access.guild.id, &records, with_member).await?))
}
