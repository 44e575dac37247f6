//! Members and moderation: list, get (anyone, or yourself), nickname, timeout, voice mute,
//! deafen, move and disconnect, kick, ban (one or many), unban, ban list.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, require, unknown_guild};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::error::{AppError, AppResult};
use parley_app::joins::announce_removal;
use parley_app::objects::member::{MemberObject, MemberUpdateDispatch, member_object, member_objects, unknown_member};
use parley_app::voice;
use parley_core::account::DisplayName;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::moderation::{BanRecord, MemberPatch};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::path::Unknown;
use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path, PathParams, nullable};
use crate::models::{ErrorBody, JsonBody, PublicUser, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(get_member, modify_member, kick_member))
        .routes(routes!(get_current_member, modify_current_member))
        .routes(routes!(my_member))
        .routes(routes!(list_bans))
        .routes(routes!(get_ban, ban_member, unban_member))
        .routes(routes!(bulk_ban))
}

/// Discord's longest timeout: 28 days.
pub const MAX_TIMEOUT_MS: i64 = 28 * 24 * 3600 * 1000;
/// Discord's longest look-back when deleting a banned user's messages: 7 days.
pub const MAX_DELETE_MESSAGE_SECONDS: i64 = 604_800;

fn unknown_ban() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownUser, "Unknown Ban")
}

/// A member's path: `user_id` names a member of the guild (`@me` has its own routes).
#[derive(Debug, Deserialize)]
struct MemberPath {
    guild_id: Snowflake,
    user_id: Snowflake,
}

impl PathParams for MemberPath {
    const UNKNOWN: &'static [Unknown] = &[("user_id", unknown_member)];
}

/// A ban's path: `user_id` names a banned user.
#[derive(Debug, Deserialize)]
struct BanPath {
    guild_id: Snowflake,
    user_id: Snowflake,
}

impl PathParams for BanPath {
    const UNKNOWN: &'static [Unknown] = &[("user_id", unknown_ban)];
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MembersQuery {
    /// 1-1000, default 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// Only members whose user id is greater than this.
    #[param(value_type = Option<schema::Snowflake>)]
    pub after: Option<String>,
}

/// A page of members ordered by user id (Discord's paging: `after` the last id seen).
#[utoipa::path(get, path = "/guilds/{guild_id}/members", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), MembersQuery),
    responses(
        (status = 200, description = "OK", body = Vec<MemberObject>),
        (status = 400, description = "A bad limit or after (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_members(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
    Query(params): Query<MembersQuery>,
) -> AppResult<Json<Vec<MemberObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let mut errors = FieldErrors::new();
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), 1, 1..=1000);
    let after = query::id(&mut errors, "after", params.after.as_deref()).unwrap_or_default();
    errors.into_result()?;
    let members = state.store.members(access.guild.id, after, limit).await?;
    Ok(Json(member_objects(&state, &members).await?))
}

/// One member.
#[utoipa::path(get, path = "/guilds/{guild_id}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = MemberObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or member (10007)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(MemberPath { guild_id, user_id }): Path<MemberPath>,
) -> AppResult<Json<MemberObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let member = state.store.member(access.guild.id, user_id).await?.ok_or_else(unknown_member)?;
    Ok(Json(member_object(&state, &member).await?))
}

/// *Parley*: my own member object in the guild (as `/users/@me/guilds/{guild_id}/member`, but
/// 403 (50001) in a guild I am not in, like every other guild route).
#[utoipa::path(get, path = "/guilds/{guild_id}/members/@me", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = MemberObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_current_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<MemberObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    Ok(Json(member_object(&state, &access.member).await?))
}

/// My member object in a guild; a guild I am not in is unknown (10004), as on Discord.
#[utoipa::path(get, path = "/users/@me/guilds/{guild_id}/member", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = MemberObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = "Unknown guild, or not a member of it (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn my_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<MemberObject>> {
    let member = state.store.member(guild_id, auth.user_id).await?.ok_or_else(unknown_guild)?;
    Ok(Json(member_object(&state, &member).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ModifyMemberRequest {
    /// 1-32 characters; `null` clears it. Yourself: CHANGE_NICKNAME; others: MANAGE_NICKNAMES.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::DisplayName>)]
    pub nick: Option<Option<String>>,
    /// ISO 8601 time up to 28 days ahead until which the member may only read; `null` lifts
    /// it. Needs MODERATE_MEMBERS.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub communication_disabled_until: Option<Option<String>>,
    /// Mute in voice (MUTE_MEMBERS). Kept on the member: it holds in any voice channel of
    /// the guild, now and whenever they join, until lifted.
    pub mute: Option<bool>,
    /// Deafen in voice (DEAFEN_MEMBERS); kept like `mute`.
    pub deaf: Option<bool>,
    /// Move them to this voice channel, or with `null` disconnect them (MOVE_MEMBERS; they
    /// must be in voice, 40032 otherwise, and both of you must be able to connect there).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub channel_id: Option<Option<String>>,
}

/// Change a member's nickname or timeout (within the role hierarchy), mute or deafen them in
/// voice, or move them to another voice channel or disconnect them.
#[utoipa::path(patch, path = "/guilds/{guild_id}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)), request_body = ModifyMemberRequest,
    responses(
        (status = 200, description = "OK", body = MemberObject),
        (status = 400, description = "Invalid fields, timing yourself out, a voice move that cannot be made (50035), the member is not in voice (40032); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing the permission a change needs, or a member at or above you (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004), member (10007) or channel (10003)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_member(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(MemberPath { guild_id, user_id }): Path<MemberPath>,
    Json(body): Json<ModifyMemberRequest>,
) -> AppResult<Json<MemberObject>> {
    change_member(&state, &auth, &reason, guild_id, user_id, body).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyCurrentMemberRequest {
    /// 1-32 characters; `null` clears it. Needs CHANGE_NICKNAME (or MANAGE_NICKNAMES).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::DisplayName>)]
    pub nick: Option<Option<String>>,
}

/// Change my own nickname in the guild (CHANGE_NICKNAME): audited and announced as any
/// member update is.
#[utoipa::path(patch, path = "/guilds/{guild_id}/members/@me", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = ModifyCurrentMemberRequest,
    responses(
        (status = 200, description = "OK", body = MemberObject),
        (status = 400, description = "Invalid fields (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing CHANGE_NICKNAME (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_current_member(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<ModifyCurrentMemberRequest>,
) -> AppResult<Json<MemberObject>> {
    let change = ModifyMemberRequest { nick: body.nick, ..ModifyMemberRequest::default() };
    change_member(&state, &auth, &reason, guild_id, auth.user_id, change).await
}

/// Checks, audits, stores and announces a change to member `target_id` (the caller or not).
async fn change_member(
    state: &AppState,
    auth: &AuthUser,
    reason: &AuditReason,
    guild_id: Snowflake,
    target_id: Snowflake,
    body: ModifyMemberRequest,
) -> AppResult<Json<MemberObject>> {
    let access = GuildAccess::load(state, guild_id, auth.user_id).await?;
    let member = state.store.member(access.guild.id, target_id).await?.ok_or_else(unknown_member)?;
    let mine = target_id == auth.user_id;
    let granted = access.guild_permissions();
    let now = Timestamp::now();
    let mut errors = FieldErrors::new();
    let nick = body.nick.as_ref().map(|nick| {
        nick.as_deref().and_then(|n| errors.check("nick", DisplayName::parse(n)).map(DisplayName::into_inner))
    });
    let until = body.communication_disabled_until.as_ref().map(|until| {
        until.as_deref().and_then(|raw| match OffsetDateTime::parse(raw, &Rfc3339) {
            Ok(t) => {
                let ms = (t.unix_timestamp_nanos() / 1_000_000) as i64;
                if ms <= now.unix_millis() || ms > now.unix_millis() + MAX_TIMEOUT_MS {
                    errors.add(
                        "communication_disabled_until",
                        "TIMEOUT_RANGE",
                        "Must be in the future and at most 28 days ahead.",
                    );
                    None
                } else {
                    Some(Timestamp::from_unix_millis(ms))
                }
            }
            Err(_) => {
                errors.add("communication_disabled_until", "DATE_TYPE_INVALID", "Must be an ISO 8601 time.");
                None
            }
        })
    });
    errors.into_result()?;
    if nick.is_some() {
        if mine && !granted.contains(Permissions::MANAGE_NICKNAMES) {
            require(granted, Permissions::CHANGE_NICKNAME)?;
        } else if !mine {
            require(granted, Permissions::MANAGE_NICKNAMES)?;
            access.require_member_below_me(&member)?;
        }
    }
    if until.is_some() {
        require(granted, Permissions::MODERATE_MEMBERS)?;
        if mine {
            return Err(AppError::field(
                "communication_disabled_until",
                "TIMEOUT_SELF",
                "You cannot time yourself out.",
            ));
        }
        access.require_member_below_me(&member)?;
        let target_access = GuildAccess::for_member(state, access.snapshot.clone(), target_id).await?;
        if target_access.guild_permissions().contains(Permissions::ADMINISTRATOR) {
            return Err(AppError::with_message(
                StatusCode::FORBIDDEN,
                ErrorCode::MissingPermissions,
                "Owners and administrators cannot be timed out",
            ));
        }
    }
    if body.mute.is_some() {
        require(granted, Permissions::MUTE_MEMBERS)?;
    }
    if body.deaf.is_some() {
        require(granted, Permissions::DEAFEN_MEMBERS)?;
    }
    if !mine && (body.mute.is_some() || body.deaf.is_some() || body.channel_id.is_some()) {
        // Voice moderation stays within the role hierarchy, like every other action on a member.
        access.require_member_below_me(&member)?;
    }
    let voice_move = match &body.channel_id {
        Some(to) => Some(voice::moderation::check_move(state, &access, target_id, to.as_deref()).await?),
        None => None,
    };
    let patch = MemberPatch { nick, communication_disabled_until: until, mute: body.mute, deaf: body.deaf };
    // The entry describes the member as the patch leaves them, and is stored with the change.
    let mut expected = member.clone();
    if let Some(nick) = &patch.nick {
        expected.nick = nick.clone();
    }
    if let Some(until) = patch.communication_disabled_until {
        expected.communication_disabled_until = until.map(Timestamp::unix_millis);
    }
    expected.mute = patch.mute.unwrap_or(expected.mute);
    expected.deaf = patch.deaf.unwrap_or(expected.deaf);
    let before = member_object(state, &member).await?;
    let changes = audit::diff(
        &before,
        &member_object(state, &expected).await?,
        &["nick", "communication_disabled_until", "mute", "deaf"],
    );
    let entry = (!changes.is_empty()).then(|| {
        audit::entry(state, access.guild.id, auth.user_id, AuditAction::MemberUpdate, Some(target_id), changes, reason)
    });
    state.store.update_member(access.guild.id, target_id, &patch, entry.as_ref()).await?;
    let updated = state.store.member(access.guild.id, target_id).await?.ok_or_else(unknown_member)?;
    let object = member_object(state, &updated).await?;
    state.publish(Event::new(
        EventName::GuildMemberUpdate,
        Audience::Guild { guild_id: access.guild.id, channel_id: None },
        Keys::guild(access.guild.id).user(object.user.id),
        &MemberUpdateDispatch { guild_id: access.guild.id, member: &object },
    ));
    if let Some(voice_move) = voice_move {
        voice_move.carry_out(state, access.guild.id, auth.user_id, target_id, reason).await?;
    }
    Ok(Json(object))
}

/// Remove a member (KICK_MEMBERS, within the role hierarchy). They may rejoin with an invite.
#[utoipa::path(delete, path = "/guilds/{guild_id}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Kicking yourself (50035); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing KICK_MEMBERS or a member at or above you (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or member (10007)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn kick_member(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(MemberPath { guild_id, user_id }): Path<MemberPath>,
) -> AppResult<StatusCode> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::KICK_MEMBERS)?;
    let target_id = user_id;
    if target_id == auth.user_id {
        return Err(AppError::field(
            "user_id",
            "KICK_SELF",
            "To leave a guild, use DELETE /users/@me/guilds/{guild_id}.",
        ));
    }
    let member = state.store.member(access.guild.id, target_id).await?.ok_or_else(unknown_member)?;
    access.require_member_below_me(&member)?;
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::MemberKick,
        Some(target_id),
        Vec::new(),
        &reason,
    );
    state.store.remove_member(access.guild.id, target_id, Some(&entry)).await?;
    tracing::info!(guild_id = %access.guild.id, moderator = %auth.user_id, member = %target_id, "member kicked");
    announce_removal(&state, access.guild.id, target_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BanObject {
    pub reason: Option<String>,
    pub user: PublicUser,
}

async fn ban_objects(state: &AppState, bans: &[BanRecord]) -> AppResult<Vec<BanObject>> {
    let ids: Vec<Snowflake> = bans.iter().map(|b| b.user_id).collect();
    let users = state.store.users_by_ids(&ids).await?;
    Ok(bans
        .iter()
        .filter_map(|b| {
            users
                .iter()
                .find(|u| u.id == b.user_id)
                .map(|u| BanObject { reason: b.reason.clone(), user: PublicUser::from(u) })
        })
        .collect())
}

/// The guild's bans (BAN_MEMBERS).
#[utoipa::path(get, path = "/guilds/{guild_id}/bans", tag = "members", security(("bearer" = [])), params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<BanObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing BAN_MEMBERS (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_bans(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<Vec<BanObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::BAN_MEMBERS)?;
    let bans = state.store.bans(access.guild.id).await?;
    Ok(Json(ban_objects(&state, &bans).await?))
}

/// One ban (BAN_MEMBERS).
#[utoipa::path(get, path = "/guilds/{guild_id}/bans/{user_id}", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = BanObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing BAN_MEMBERS (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or ban (10013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_ban(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(BanPath { guild_id, user_id }): Path<BanPath>,
) -> AppResult<Json<BanObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::BAN_MEMBERS)?;
    let ban = state.store.ban_of(access.guild.id, user_id).await?.ok_or_else(unknown_ban)?;
    ban_objects(&state, &[ban]).await?.pop().map(Json).ok_or_else(unknown_ban)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BanRequest {
    /// Delete the user's messages in this guild from the last this many seconds (0-604800).
    #[schema(minimum = 0, maximum = 604800)]
    pub delete_message_seconds: Option<i64>,
    /// Why, kept with the ban. At most 512 characters.
    #[schema(max_length = 512)]
    pub reason: Option<String>,
}

/// Ban a user (BAN_MEMBERS, within the role hierarchy if they are a member): they leave and
/// cannot rejoin until unbanned.
#[utoipa::path(put, path = "/guilds/{guild_id}/bans/{user_id}", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)), request_body = BanRequest,
    responses(
        (status = 204, description = "Banned"),
        (status = 400, description = "Invalid fields or banning yourself (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing BAN_MEMBERS or a member at or above you (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or user (10013)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn ban_member(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(BanPath { guild_id, user_id: target_id }): Path<BanPath>,
    Json(body): Json<BanRequest>,
) -> AppResult<StatusCode> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::BAN_MEMBERS)?;
    let mut errors = FieldErrors::new();
    let delete_seconds = body.delete_message_seconds.unwrap_or(0);
    check_delete_message_seconds(&mut errors, delete_seconds);
    if body.reason.as_ref().is_some_and(|r| r.chars().count() > 512) {
        errors.add("reason", "BASE_TYPE_MAX_LENGTH", "Must be 512 or fewer in length.");
    }
    if target_id == auth.user_id {
        errors.add("user_id", "BAN_SELF", "You cannot ban yourself.");
    }
    errors.into_result()?;
    // Discord takes the reason from the header; Parley also accepts it in the body.
    let why = AuditReason(reason.0.clone().or_else(|| body.reason.clone()));
    ban_user(&state, &access, target_id, body.reason.as_deref(), &why, delete_seconds).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn check_delete_message_seconds(errors: &mut FieldErrors, seconds: i64) {
    if !(0..=MAX_DELETE_MESSAGE_SECONDS).contains(&seconds) {
        errors.add(
            "delete_message_seconds",
            "NUMBER_TYPE_MAX",
            format!("Must be between 0 and {MAX_DELETE_MESSAGE_SECONDS}."),
        );
    }
}

/// Bans `target_id` on behalf of the caller `access` (within the role hierarchy if they are a
/// member; 404 (10013) for no such user), audited with `why` and keeping `reason` with the
/// ban; then tells the guild, and each channel that lost their messages.
async fn ban_user(
    state: &AppState,
    access: &GuildAccess,
    target_id: Snowflake,
    reason: Option<&str>,
    why: &AuditReason,
    delete_seconds: i64,
) -> AppResult<()> {
    let moderator = access.member.user_id;
    let user = state.store.user_by_id(target_id).await?.ok_or_else(unknown_ban)?;
    let member = state.store.member(access.guild.id, target_id).await?;
    if let Some(member) = &member {
        access.require_member_below_me(member)?;
    }
    let entry =
        audit::entry(state, access.guild.id, moderator, AuditAction::MemberBanAdd, Some(target_id), Vec::new(), why);
    let deleted = state
        .store
        .ban(access.guild.id, target_id, reason, delete_seconds * 1000, Timestamp::now(), Some(&entry))
        .await?;
    tracing::info!(guild_id = %access.guild.id, %moderator, user = %target_id, deleted_messages = deleted.len(), "user banned");
    // Each channel that lost messages hears of them, as a bulk delete.
    let mut channels: Vec<Snowflake> = deleted.iter().map(|(c, _)| *c).collect();
    channels.sort();
    channels.dedup();
    for channel_id in channels {
        let ids: Vec<Snowflake> = deleted.iter().filter(|(c, _)| *c == channel_id).map(|(_, m)| *m).collect();
        state.publish(Event::new(
            EventName::MessageDeleteBulk,
            Audience::Guild { guild_id: access.guild.id, channel_id: Some(channel_id) },
            Keys::channel(Some(access.guild.id), channel_id),
            &serde_json::json!({ "ids": ids, "channel_id": channel_id, "guild_id": access.guild.id }),
        ));
    }
    if member.is_some() {
        announce_removal(state, access.guild.id, target_id).await?;
    }
    state.publish(Event::new(
        EventName::GuildBanAdd,
        Audience::Guild { guild_id: access.guild.id, channel_id: None },
        Keys::guild(access.guild.id).user(user.id),
        &serde_json::json!({ "guild_id": access.guild.id, "user": PublicUser::from(&user) }),
    ));
    Ok(())
}

/// Discord's most users in one bulk ban.
pub const MAX_BULK_BAN: usize = 200;

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkBanRequest {
    /// 1-200 users to ban (a user named twice counts once).
    #[schema(value_type = Vec<schema::Snowflake>, min_items = 1, max_items = 200)]
    pub user_ids: Vec<Snowflake>,
    /// Delete each user's messages in this guild from the last this many seconds (0-604800).
    #[schema(minimum = 0, maximum = 604800)]
    pub delete_message_seconds: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkBanResponse {
    /// Banned now.
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub banned_users: Vec<Snowflake>,
    /// Not banned: yourself, no such user, already banned, or a member at or above you.
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub failed_users: Vec<Snowflake>,
}

/// Ban up to 200 users at once (BAN_MEMBERS and MANAGE_GUILD, as on Discord), each as the
/// single ban would: within the role hierarchy, audited one by one with the request's
/// X-Audit-Log-Reason (which the ban keeps as its reason).
#[utoipa::path(post, path = "/guilds/{guild_id}/bulk-ban", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = BulkBanRequest,
    responses(
        (status = 200, description = "Who was banned and who was not", body = BulkBanResponse),
        (status = 400, description = "Invalid fields (50035); nobody could be banned (500000); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing BAN_MEMBERS or MANAGE_GUILD (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn bulk_ban(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<BulkBanRequest>,
) -> AppResult<Json<BulkBanResponse>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::BAN_MEMBERS | Permissions::MANAGE_GUILD)?;
    let mut errors = FieldErrors::new();
    if !(1..=MAX_BULK_BAN).contains(&body.user_ids.len()) {
        errors.add("user_ids", "BASE_TYPE_BAD_LENGTH", format!("Must be between 1 and {MAX_BULK_BAN} in length."));
    }
    let delete_seconds = body.delete_message_seconds.unwrap_or(0);
    check_delete_message_seconds(&mut errors, delete_seconds);
    errors.into_result()?;
    let mut users = body.user_ids;
    let mut seen = std::collections::HashSet::new();
    users.retain(|id| seen.insert(*id));
    let (mut banned_users, mut failed_users) = (Vec::new(), Vec::new());
    for target_id in users {
        if target_id == auth.user_id || state.store.ban_of(access.guild.id, target_id).await?.is_some() {
            failed_users.push(target_id);
            continue;
        }
        match ban_user(&state, &access, target_id, reason.0.as_deref(), &reason, delete_seconds).await {
            Ok(()) => banned_users.push(target_id),
            // Unknown, or at or above the caller: this one fails, the others go on.
            Err(e) if e.status().is_client_error() => failed_users.push(target_id),
            Err(e) => return Err(e),
        }
    }
    if banned_users.is_empty() {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::BulkBanFailed));
    }
    Ok(Json(BulkBanResponse { banned_users, failed_users }))
}

/// Lift a ban (BAN_MEMBERS).
#[utoipa::path(delete, path = "/guilds/{guild_id}/bans/{user_id}", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Unbanned"),
        (status = 400, description = "a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing BAN_MEMBERS (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or ban (10013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn unban_member(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(BanPath { guild_id, user_id: target_id }): Path<BanPath>,
) -> AppResult<StatusCode> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::BAN_MEMBERS)?;
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::MemberBanRemove,
        Some(target_id),
        Vec::new(),
        &reason,
    );
    if !state.store.unban(access.guild.id, target_id, Some(&entry)).await? {
        return Err(unknown_ban());
    }
    if let Some(user) = state.store.user_by_id(target_id).await? {
        state.publish(Event::new(
            EventName::GuildBanRemove,
            Audience::Guild { guild_id: access.guild.id, channel_id: None },
            Keys::guild(access.guild.id).user(user.id),
            &serde_json::json!({ "guild_id": access.guild.id, "user": PublicUser::from(&user) }),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
