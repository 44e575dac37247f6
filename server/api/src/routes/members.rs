//! Members and moderation: list, get, nickname, timeout, voice mute, deafen, move and
//! disconnect, kick, ban, unban, ban list.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, require};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::error::{AppError, AppResult};
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
use crate::extract::{AuthUser, Json, Path, PathParams, UserIdOrMe, nullable};
use crate::models::{ErrorBody, JsonBody, PublicUser, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(get_member, modify_member, kick_member))
        .routes(routes!(list_bans))
        .routes(routes!(get_ban, ban_member, unban_member))
}

/// Discord's longest timeout: 28 days.
pub const MAX_TIMEOUT_MS: i64 = 28 * 24 * 3600 * 1000;
/// Discord's longest look-back when deleting a banned user's messages: 7 days.
pub const MAX_DELETE_MESSAGE_SECONDS: i64 = 604_800;

fn unknown_ban() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownUser, "Unknown Ban")
}

/// A member's path: `user_id` (or `@me`) names a member of the guild.
#[derive(Debug, Deserialize)]
struct MemberPath {
    guild_id: Snowflake,
    user_id: UserIdOrMe,
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

/// One member (`@me` for yourself).
#[utoipa::path(get, path = "/guilds/{guild_id}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::UserIdOrMe, Path)),
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
    let member = state.store.member(access.guild.id, user_id.or_me(auth.user_id)).await?.ok_or_else(unknown_member)?;
    Ok(Json(member_object(&state, &member).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
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
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::UserIdOrMe, Path)), request_body = ModifyMemberRequest,
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
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let target_id = user_id.or_me(auth.user_id);
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
        let target_access = GuildAccess::for_member(&state, access.snapshot.clone(), target_id).await?;
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
        Some(to) => Some(voice::moderation::check_move(&state, &access, target_id, to.as_deref()).await?),
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
    let before = member_object(&state, &member).await?;
    let changes = audit::diff(
        &before,
        &member_object(&state, &expected).await?,
        &["nick", "communication_disabled_until", "mute", "deaf"],
    );
    let entry = (!changes.is_empty()).then(|| {
        audit::entry(
            &state,
            access.guild.id,
            auth.user_id,
            AuditAction::MemberUpdate,
            Some(target_id),
            changes,
            &reason,
        )
    });
    state.store.update_member(access.guild.id, target_id, &patch, entry.as_ref()).await?;
    let updated = state.store.member(access.guild.id, target_id).await?.ok_or_else(unknown_member)?;
    let object = member_object(&state, &updated).await?;
    state.publish(Event::new(
        EventName::GuildMemberUpdate,
        Audience::Guild { guild_id: access.guild.id, channel_id: None },
        Keys::guild(access.guild.id).user(object.user.id),
        &MemberUpdateDispatch { guild_id: access.guild.id, member: &object },
    ));
    if let Some(voice_move) = voice_move {
        voice_move.carry_out(&state, access.guild.id, auth.user_id, target_id, &reason).await?;
    }
    Ok(Json(object))
}

/// Tells the guild a member is gone, and the member that the guild is gone for them.
async fn publish_removal(state: &AppState, guild_id: Snowflake, user_id: Snowflake) -> AppResult<()> {
    let user = state.store.user_by_id(user_id).await?.ok_or_else(unknown_member)?;
    state.publish(Event::new(
        EventName::GuildMemberRemove,
        Audience::Guild { guild_id, channel_id: None },
        Keys::guild(guild_id).user(user.id),
        &serde_json::json!({ "guild_id": guild_id, "user": PublicUser::from(&user) }),
    ));
    state.publish(Event::new(
        EventName::GuildDelete,
        Audience::Users(vec![user_id]),
        Keys::guild(guild_id),
        &serde_json::json!({ "id": guild_id }),
    ));
    Ok(())
}

/// Remove a member (KICK_MEMBERS, within the role hierarchy). They may rejoin with an invite.
#[utoipa::path(delete, path = "/guilds/{guild_id}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::UserIdOrMe, Path)),
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
    let target_id = user_id.or_me(auth.user_id);
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
    publish_removal(&state, access.guild.id, target_id).await?;
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
    if !(0..=MAX_DELETE_MESSAGE_SECONDS).contains(&delete_seconds) {
        errors.add(
            "delete_message_seconds",
            "NUMBER_TYPE_MAX",
            format!("Must be between 0 and {MAX_DELETE_MESSAGE_SECONDS}."),
        );
    }
    if body.reason.as_ref().is_some_and(|r| r.chars().count() > 512) {
        errors.add("reason", "BASE_TYPE_MAX_LENGTH", "Must be 512 or fewer in length.");
    }
    if target_id == auth.user_id {
        errors.add("user_id", "BAN_SELF", "You cannot ban yourself.");
    }
    errors.into_result()?;
    let user = state.store.user_by_id(target_id).await?.ok_or_else(unknown_ban)?;
    let member = state.store.member(access.guild.id, target_id).await?;
    if let Some(member) = &member {
        access.require_member_below_me(member)?;
    }
    // Discord takes the reason from the header; Parley also accepts it in the body.
    let why = AuditReason(reason.0.clone().or_else(|| body.reason.clone()));
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::MemberBanAdd,
        Some(target_id),
        Vec::new(),
        &why,
    );
    let deleted = state
        .store
        .ban(access.guild.id, target_id, body.reason.as_deref(), delete_seconds * 1000, Timestamp::now(), Some(&entry))
        .await?;
    tracing::info!(guild_id = %access.guild.id, moderator = %auth.user_id, user = %target_id, deleted_messages = deleted.len(), "user banned");
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
        publish_removal(&state, access.guild.id, target_id).await?;
    }
    state.publish(Event::new(
        EventName::GuildBanAdd,
        Audience::Guild { guild_id: access.guild.id, channel_id: None },
        Keys::guild(access.guild.id).user(user.id),
        &serde_json::json!({ "guild_id": access.guild.id, "user": PublicUser::from(&user) }),
    ));
    Ok(StatusCode::NO_CONTENT)
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
