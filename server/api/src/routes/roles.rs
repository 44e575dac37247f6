//! Roles: list, get, count their members, create, modify, delete, reorder, and give or take
//! them from members, within the role hierarchy (MANAGE_ROLES; nobody touches a role at or
//! above their highest).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, require, unknown_role};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::error::{AppError, AppResult};
use parley_app::objects::guild::MAX_POSITION;
use parley_app::objects::guild::{RoleObject, role_event};
use parley_app::objects::member::{MemberUpdateDispatch, member_object, unknown_member};
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::roles::{NewRole, RolePatch, RoleRecord};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::path::Unknown;
use crate::extract::{AuthUser, Json, JsonArray, Path, PathParams};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role, reorder_roles))
        .routes(routes!(get_role, modify_role, delete_role))
        .routes(routes!(role_member_counts))
        .routes(routes!(add_member_role, remove_member_role))
}

/// Discord's limit on roles per guild.
pub const MAX_ROLES_PER_GUILD: usize = 250;

fn find_role(access: &GuildAccess, id: Snowflake) -> AppResult<&RoleRecord> {
    access.roles.iter().find(|r| r.id == id).ok_or_else(unknown_role)
}

/// A member's role: `user_id` names a member of the guild.
#[derive(Debug, Deserialize)]
struct MemberRolePath {
    guild_id: Snowflake,
    user_id: Snowflake,
    role_id: Snowflake,
}

impl PathParams for MemberRolePath {
    const UNKNOWN: &'static [Unknown] = &[("user_id", unknown_member)];
}

/// The guild's roles, @everyone first.
#[utoipa::path(get, path = "/guilds/{guild_id}/roles", tag = "roles", security(("bearer" = [])), params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<RoleObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_roles(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<Vec<RoleObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    Ok(Json(access.roles.iter().map(RoleObject::from).collect()))
}

/// One role of the guild.
#[utoipa::path(get, path = "/guilds/{guild_id}/roles/{role_id}", tag = "roles", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("role_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = RoleObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or role (10011)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_role(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((guild_id, role_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<Json<RoleObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    Ok(Json(RoleObject::from(find_role(&access, role_id)?)))
}

/// How many members hold each role, by role id: every role but @everyone, as Discord answers.
#[utoipa::path(get, path = "/guilds/{guild_id}/roles/member-counts", tag = "roles", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "Role id to member count", body = BTreeMap<String, i64>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn role_member_counts(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<BTreeMap<String, i64>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let counts = state.store.role_member_counts(access.guild.id).await?;
    Ok(Json(
        access
            .roles
            .iter()
            .filter(|role| role.id != access.guild.id)
            .map(|role| {
                let count = counts.iter().find(|(id, _)| *id == role.id).map_or(0, |(_, n)| *n);
                (role.id.to_string(), count)
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RoleRequest {
    /// 1-100 characters. Default "new role".
    #[schema(value_type = Option<schema::Name>)]
    pub name: Option<String>,
    /// Permission bits as a decimal string; only ones you hold yourself.
    #[schema(value_type = Option<schema::PermissionsInput>)]
    pub permissions: Option<Permissions>,
    /// RGB as an integer, 0-16777215.
    #[schema(minimum = 0, maximum = 16777215)]
    pub color: Option<i64>,
    /// Shown separately in the member list.
    pub hoist: Option<bool>,
    pub mentionable: Option<bool>,
}

/// Checks a role request and that the caller may grant what it asks.
/// `current`: the permissions of the role being changed (none for a new role).
fn check_role_request(
    body: &RoleRequest,
    access: &GuildAccess,
    current: Option<Permissions>,
) -> AppResult<Option<String>> {
    let mut errors = FieldErrors::new();
    let name = body.name.as_deref().map(str::trim).map(str::to_owned);
    if name.as_deref().is_some_and(|n| !(1..=100).contains(&n.chars().count()) || n.chars().any(char::is_control)) {
        errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
    }
    if body.color.is_some_and(|c| !(0..=0xFF_FFFF).contains(&c)) {
        errors.add("color", "NUMBER_TYPE_MAX", "Must be between 0 and 16777215.");
    }
    errors.into_result()?;
    if let Some(permissions) = body.permissions {
        // Nobody grants or takes away a permission they do not hold themselves: only the bits
        // that change must be theirs.
        let changed = Permissions::from_bits_truncate(permissions.bits() ^ current.unwrap_or(Permissions::NONE).bits());
        require(access.guild_permissions(), changed)?;
    }
    Ok(name)
}

/// Create a role (MANAGE_ROLES). It starts at the bottom, just above @everyone.
#[utoipa::path(post, path = "/guilds/{guild_id}/roles", tag = "roles", security(("bearer" = [])), params(("guild_id" = schema::Snowflake, Path)),
    request_body = RoleRequest,
    responses(
        (status = 200, description = "OK", body = RoleObject),
        (status = 400, description = "Invalid fields or 250 roles already (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_ROLES or the permissions given (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_role(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<RoleRequest>,
) -> AppResult<Json<RoleObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_ROLES)?;
    let name = check_role_request(&body, &access, None)?;
    if access.roles.len() >= MAX_ROLES_PER_GUILD {
        return Err(AppError::field(
            "_guild",
            "MAX_ROLES",
            format!("A guild can have at most {MAX_ROLES_PER_GUILD} roles."),
        ));
    }
    let new = NewRole {
        id: state.ids.next(),
        guild_id: access.guild.id,
        name: name.unwrap_or_else(|| "new role".to_owned()),
        color: body.color.unwrap_or(0),
        hoist: body.hoist.unwrap_or(false),
        mentionable: body.mentionable.unwrap_or(false),
        permissions: body.permissions.unwrap_or(Permissions::NONE),
        now: Timestamp::now(),
    };
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::RoleCreate,
        Some(new.id),
        audit::created(&RoleObject::from(&new.record()), &["name", "permissions", "color", "hoist", "mentionable"]),
        &reason,
    );
    let role = state.store.create_role(&new, Some(&entry)).await?;
    state.publish(role_event(EventName::GuildRoleCreate, access.guild.id, &role));
    Ok(Json(RoleObject::from(&role)))
}

/// Change a role (MANAGE_ROLES, and the role must be below your highest). @everyone's name
/// cannot change.
#[utoipa::path(patch, path = "/guilds/{guild_id}/roles/{role_id}", tag = "roles", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("role_id" = schema::Snowflake, Path)), request_body = RoleRequest,
    responses(
        (status = 200, description = "OK", body = RoleObject),
        (status = 400, description = "Invalid fields, or renaming @everyone (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_ROLES or the permissions changed, a role at or above yours (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or role (10011)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_role(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((guild_id, role_id)): Path<(Snowflake, Snowflake)>,
    Json(body): Json<RoleRequest>,
) -> AppResult<Json<RoleObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_ROLES)?;
    let role = find_role(&access, role_id)?;
    access.require_below_me(role)?;
    let name = check_role_request(&body, &access, Some(role.permissions.0))?;
    if name.is_some() && role.id == access.guild.id {
        return Err(AppError::field("name", "EVERYONE_NAME_FIXED", "@everyone cannot be renamed."));
    }
    let patch = RolePatch {
        name,
        color: body.color,
        hoist: body.hoist,
        mentionable: body.mentionable,
        permissions: body.permissions,
    };
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::RoleUpdate,
        Some(role.id),
        audit::diff(
            &RoleObject::from(role),
            &RoleObject::from(&patch.applied_to(role)),
            &["name", "permissions", "color", "hoist", "mentionable"],
        ),
        &reason,
    );
    let updated =
        state.store.update_role(access.guild.id, role.id, &patch, Some(&entry)).await?.ok_or_else(unknown_role)?;
    state.publish(role_event(EventName::GuildRoleUpdate, access.guild.id, &updated));
    Ok(Json(RoleObject::from(&updated)))
}

/// Delete a role (MANAGE_ROLES, below your highest). @everyone cannot be deleted.
#[utoipa::path(delete, path = "/guilds/{guild_id}/roles/{role_id}", tag = "roles", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("role_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "@everyone cannot be deleted (50035); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_ROLES or a role at or above yours (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or role (10011)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_role(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((guild_id, role_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_ROLES)?;
    let role = find_role(&access, role_id)?;
    if role.id == access.guild.id {
        return Err(AppError::field("role_id", "EVERYONE_PERMANENT", "@everyone cannot be deleted."));
    }
    access.require_below_me(role)?;
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::RoleDelete,
        Some(role.id),
        audit::deleted(&RoleObject::from(role), &["name", "permissions"]),
        &reason,
    );
    state.store.delete_role(access.guild.id, role.id, Some(&entry)).await?;
    state.publish(Event::new(
        EventName::GuildRoleDelete,
        Audience::Guild { guild_id: access.guild.id, channel_id: None },
        Keys::guild(access.guild.id),
        &serde_json::json!({ "guild_id": access.guild.id, "role_id": role.id }),
    ));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RolePosition {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// 1 or more (0 is @everyone's).
    #[schema(minimum = 1, maximum = 2147483647)]
    pub position: i64,
}

/// Reorder roles (MANAGE_ROLES): only roles below your highest, only to places below it.
#[utoipa::path(patch, path = "/guilds/{guild_id}/roles", tag = "roles", security(("bearer" = [])), params(("guild_id" = schema::Snowflake, Path)),
    request_body = Vec<RolePosition>,
    responses(
        (status = 200, description = "Every role of the guild", body = Vec<RoleObject>),
        (status = 400, description = "Unknown roles, @everyone, positions below 1, more than 1000 entries (50035); malformed JSON or not an array (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_ROLES, or a role or place at or above yours (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn reorder_roles(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
    JsonArray(body): JsonArray<RolePosition>,
) -> AppResult<Json<Vec<RoleObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_ROLES)?;
    let mut errors = FieldErrors::new();
    for (i, entry) in body.iter().enumerate() {
        match access.roles.iter().find(|r| r.id == entry.id) {
            None => errors.add_at(vec![i.to_string(), "id".into()], "ROLE_UNKNOWN", "Not a role of this guild."),
            Some(r) if r.id == access.guild.id => {
                errors.add_at(vec![i.to_string(), "id".into()], "EVERYONE_PERMANENT", "@everyone stays at the bottom.")
            }
            Some(r) => {
                access.require_below_me(r)?;
                if entry.position < 1 {
                    errors.add_at(vec![i.to_string(), "position".into()], "NUMBER_TYPE_MIN", "Must be 1 or more.");
                } else if entry.position > MAX_POSITION {
                    let message = format!("Must be {MAX_POSITION} or less.");
                    errors.add_at(vec![i.to_string(), "position".into()], "NUMBER_TYPE_MAX", message);
                } else if !access.is_owner() && entry.position >= access.highest_position() {
                    return Err(AppError::with_message(
                        StatusCode::FORBIDDEN,
                        ErrorCode::MissingPermissions,
                        "Roles can only be moved below your highest role",
                    ));
                }
            }
        }
    }
    errors.into_result()?;
    let positions: Vec<_> = body.iter().map(|e| (e.id, e.position)).collect();
    state.store.set_role_positions(access.guild.id, &positions).await?;
    let roles = state.store.roles(access.guild.id).await?;
    for role in roles.iter().filter(|r| positions.iter().any(|p| p.0 == r.id)) {
        state.publish(role_event(EventName::GuildRoleUpdate, access.guild.id, role));
    }
    Ok(Json(roles.iter().map(RoleObject::from).collect()))
}

/// Checks and loads what both member-role routes need.
async fn member_role_access(
    state: &AppState,
    auth: &AuthUser,
    MemberRolePath { guild_id, user_id, role_id }: MemberRolePath,
) -> AppResult<(GuildAccess, Snowflake, Snowflake)> {
    let access = GuildAccess::load(state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_ROLES)?;
    let target = state.store.member(access.guild.id, user_id).await?.ok_or_else(unknown_member)?;
    let role = find_role(&access, role_id)?;
    if role.id == access.guild.id {
        return Err(AppError::field("role_id", "EVERYONE_PERMANENT", "Everyone has @everyone."));
    }
    access.require_below_me(role)?;
    access.require_member_below_me(&target)?;
    let role_id = role.id;
    Ok((access, target.user_id, role_id))
}

async fn publish_member_update(state: &AppState, guild_id: Snowflake, user_id: Snowflake) -> AppResult<()> {
    let member = state.store.member(guild_id, user_id).await?.ok_or_else(unknown_member)?;
    let object = member_object(state, &member).await?;
    state.publish(Event::new(
        EventName::GuildMemberUpdate,
        Audience::Guild { guild_id, channel_id: None },
        Keys::guild(guild_id).user(user_id),
        &MemberUpdateDispatch { guild_id, member: &object },
    ));
    Ok(())
}

/// Gives (`give`) or takes a member's role; audited and announced only if it changed.
async fn change_member_role(
    state: &AppState,
    auth: &AuthUser,
    reason: &AuditReason,
    ids: MemberRolePath,
    give: bool,
) -> AppResult<StatusCode> {
    let (access, user_id, role_id) = member_role_access(state, auth, ids).await?;
    let key = if give { "$add" } else { "$remove" };
    let changes = vec![audit::change(key, None, Some(serde_json::json!([{ "id": role_id }])))];
    let entry = audit::entry(
        state,
        access.guild.id,
        auth.user_id,
        AuditAction::MemberRoleUpdate,
        Some(user_id),
        changes,
        reason,
    );
    let changed = if give {
        state.store.add_member_role(access.guild.id, user_id, role_id, Some(&entry)).await?
    } else {
        state.store.remove_member_role(access.guild.id, user_id, role_id, Some(&entry)).await?
    };
    if changed {
        publish_member_update(state, access.guild.id, user_id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Give a member a role (MANAGE_ROLES; the role and the member below your highest role).
#[utoipa::path(put, path = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", tag = "roles", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path), ("role_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Given (or already held)"),
        (status = 400, description = "@everyone (50035); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_ROLES, or a role or member at or above yours (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004), member (10007) or role (10011)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn add_member_role(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(ids): Path<MemberRolePath>,
) -> AppResult<StatusCode> {
    change_member_role(&state, &auth, &reason, ids, true).await
}

/// Take a role from a member (same rules as giving one).
#[utoipa::path(delete, path = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", tag = "roles", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path), ("role_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Taken (or not held)"),
        (status = 400, description = "@everyone (50035); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_ROLES, or a role or member at or above yours (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004), member (10007) or role (10011)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn remove_member_role(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(ids): Path<MemberRolePath>,
) -> AppResult<StatusCode> {
    change_member_role(&state, &auth, &reason, ids, false).await
}
