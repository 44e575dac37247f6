//! Public threads: start one from a message or in a channel (its starter joins it), and list
//! a guild's active threads. Thread permissions are the parent's, with sending governed by
//! SEND_MESSAGES_IN_THREADS (see `docs/permissions.md`).

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, require, unknown_channel};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::channel_access::load_channel;
use parley_app::channels::thread_members;
use parley_app::channels::threads::ARCHIVE_DURATIONS;
use parley_app::error::{AppError, AppResult};
use parley_app::objects::guild::ChannelObject;
use parley_app::objects::message::find_message;
use parley_app::objects::thread_member::ThreadMemberObject;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::EventName;
use parley_store::StoreError;
use parley_store::channels::{ChannelKind, ChannelRecord, NewThread};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(thread_from_message))
        .routes(routes!(thread_in_channel))
        .routes(routes!(active_threads))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StartThreadRequest {
    /// 1-100 characters.
    #[schema(value_type = schema::Name)]
    pub name: String,
    /// 60, 1440, 4320 (default) or 10080 minutes.
    #[schema(value_type = Option<schema::AutoArchiveDuration>)]
    pub auto_archive_duration: Option<i64>,
    /// Slowmode in the thread, 0-21600 seconds.
    #[schema(minimum = 0, maximum = 21600)]
    pub rate_limit_per_user: Option<i64>,
    /// Only 11 (public thread) is supported.
    #[serde(rename = "type")]
    #[schema(value_type = Option<schema::ThreadType>)]
    pub kind: Option<i64>,
}

fn check_request(body: &StartThreadRequest) -> AppResult<String> {
    let mut errors = FieldErrors::new();
    let name = body.name.trim().to_owned();
    if !(1..=100).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
    }
    if body.auto_archive_duration.is_some_and(|d| !ARCHIVE_DURATIONS.contains(&d)) {
        errors.add("auto_archive_duration", "BASE_TYPE_CHOICES", "Must be 60, 1440, 4320 or 10080.");
    }
    if body.rate_limit_per_user.is_some_and(|r| !(0..=21_600).contains(&r)) {
        errors.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "Must be between 0 and 21600 seconds.");
    }
    if body.kind.is_some_and(|k| k != 11) {
        errors.add("type", "BASE_TYPE_CHOICES", "Only public threads (11) are supported.");
    }
    errors.into_result()?;
    Ok(name)
}

/// Starts a thread under `parent` with `id` (a message's, or a new one).
async fn start(
    state: &AppState,
    auth: &AuthUser,
    reason: &AuditReason,
    access: &GuildAccess,
    parent: &ChannelRecord,
    id: Snowflake,
    body: &StartThreadRequest,
) -> AppResult<ChannelObject> {
    let name = check_request(body)?;
    let thread = NewThread {
        id,
        guild_id: access.guild.id,
        parent_id: parent.id,
        owner_id: auth.user_id,
        name,
        auto_archive_duration: body.auto_archive_duration.unwrap_or(4320),
        rate_limit_per_user: body.rate_limit_per_user.unwrap_or(0),
        now: Timestamp::now(),
    };
    let entry = audit::entry(
        state,
        access.guild.id,
        auth.user_id,
        AuditAction::ThreadCreate,
        Some(thread.id),
        audit::created(&ChannelObject::new(&thread.record(), &[]), &["name", "type", "parent_id"]),
        reason,
    );
    let record = state.store.create_thread(&thread, Some(&entry)).await.map_err(|e| match e {
        // The thread's id is the message's: a second thread on one message collides.
        StoreError::Database(ref db) if db.as_database_error().is_some_and(|d| d.is_unique_violation()) => {
            AppError::new(StatusCode::BAD_REQUEST, ErrorCode::ThreadAlreadyCreated)
        }
        other => other.into(),
    })?;
    // Its starter joined it with it (the store keeps both in one transaction).
    let starter = state.store.thread_member(record.id, auth.user_id).await?.ok_or_else(unknown_channel)?;
    let created = || ChannelObject { member_count: Some(1), ..ChannelObject::new(&record, &[]) };
    state.publish(ChannelObject { newly_created: Some(true), ..created() }.event(EventName::ThreadCreate));
    thread_members::announce_added(state, access.guild.id, &starter).await?;
    Ok(ChannelObject { member: Some(Box::new(ThreadMemberObject::from(&starter))), ..created() })
}

/// Checks that threads may be started under `parent` by someone with `permissions` there.
fn check_parent(parent: &ChannelRecord, permissions: Permissions) -> AppResult<()> {
    if parent.kind != ChannelKind::Text {
        return Err(AppError::field("channel_id", "THREAD_PARENT_INVALID", "Threads start in text channels."));
    }
    require(permissions, Permissions::CREATE_PUBLIC_THREADS)
}

/// Start a public thread from a message (CREATE_PUBLIC_THREADS); the thread takes the
/// message's id. One thread per message (400, 160004).
#[utoipa::path(post, path = "/channels/{channel_id}/messages/{message_id}/threads", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)), request_body = StartThreadRequest,
    responses(
        (status = 201, description = "Created", body = ChannelObject),
        (status = 400, description = "Invalid fields or a parent that is not a text channel (50035); a thread already made from that message (160004); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing CREATE_PUBLIC_THREADS (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn thread_from_message(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((channel_id, message_id)): Path<(Snowflake, Snowflake)>,
    Json(body): Json<StartThreadRequest>,
) -> AppResult<(StatusCode, Json<ChannelObject>)> {
    let (access, parent, permissions) = load_channel(&state, channel_id, auth.user_id).await?;
    check_parent(&parent, permissions)?;
    let message = find_message(&state, parent.id, message_id).await?;
    Ok((StatusCode::CREATED, Json(start(&state, &auth, &reason, &access, &parent, message.id, &body).await?)))
}

/// Start a public thread in a channel, without a message (CREATE_PUBLIC_THREADS).
#[utoipa::path(post, path = "/channels/{channel_id}/threads", tag = "threads", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)), request_body = StartThreadRequest,
    responses(
        (status = 201, description = "Created", body = ChannelObject),
        (status = 400, description = "Invalid fields or a parent that is not a text channel (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing CREATE_PUBLIC_THREADS (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn thread_in_channel(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(channel_id): Path<Snowflake>,
    Json(body): Json<StartThreadRequest>,
) -> AppResult<(StatusCode, Json<ChannelObject>)> {
    let (access, parent, permissions) = load_channel(&state, channel_id, auth.user_id).await?;
    check_parent(&parent, permissions)?;
    Ok((StatusCode::CREATED, Json(start(&state, &auth, &reason, &access, &parent, state.ids.next(), &body).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveThreads {
    pub threads: Vec<ChannelObject>,
    /// My thread member object for each of `threads` I have joined.
    pub members: Vec<ThreadMemberObject>,
    /// Discord's description of this answer has it; every active thread comes in one answer,
    /// so always false.
    pub has_more: bool,
}

/// The guild's unarchived threads that I can see, newest first (Discord's order).
#[utoipa::path(get, path = "/guilds/{guild_id}/threads/active", tag = "threads", security(("bearer" = [])), params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = ActiveThreads),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn active_threads(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<ActiveThreads>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let activity = state.store.guild_channel_activity(access.guild.id).await?;
    let mut active: Vec<&ChannelRecord> = access
        .channels
        .iter()
        .filter(|c| c.kind == ChannelKind::PublicThread && !c.archived)
        .filter(|c| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL))
        .collect();
    active.sort_by_key(|c| std::cmp::Reverse(c.id));
    let threads = ChannelObject::list(active, &[], &activity);
    let members = state
        .store
        .thread_memberships(access.guild.id, auth.user_id)
        .await?
        .iter()
        .filter(|m| threads.iter().any(|t| t.id == m.thread_id))
        .map(ThreadMemberObject::from)
        .collect();
    Ok(Json(ActiveThreads { threads, members, has_more: false }))
}
