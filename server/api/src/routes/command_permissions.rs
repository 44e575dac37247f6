//! Application command permissions in a guild (Discord's): which roles, members and channels
//! may or may not use a command, or (under the application's id) all the application's
//! commands. The application's bot or owner, and members with MANAGE_GUILD, read them; only a
//! person sets them (bots are refused, 20001, as on Discord), who holds MANAGE_GUILD and
//! MANAGE_ROLES, may use the command (for the application-wide entry: every command of it),
//! and manages what they add, change or remove: roles below their own, members below them,
//! channels they can see. Audited (121); the bot hears
//! APPLICATION_COMMAND_PERMISSIONS_UPDATE.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, missing_access};
use parley_app::applications::unknown_application;
use parley_app::audit::{self, AuditAction, AuditReason, change};
use parley_app::commands::object::definition;
use parley_app::commands::permissions::{
    self, CHANNEL, CommandPermission, GuildCommandPermissions, GuildPermissionsIndex, MAX_COMMAND_PERMISSIONS, ROLE,
    USER, all_channels,
};
use parley_app::error::{AppError, AppResult};
use parley_app::interactions::unknown_command;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::application_commands::{CommandRecord, CommandScope};
use parley_store::applications::ApplicationRecord;
use parley_store::command_permissions::CommandPermissionsRecord;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_permissions)).routes(routes!(get_permissions, set_permissions))
}

/// The application, if the caller may read its command permissions in the guild: its bot or
/// its owner, or a person holding MANAGE_GUILD there (not another application's bot); its bot
/// must be in the guild.
async fn readable(
    state: &AppState,
    auth: &AuthUser,
    application_id: Snowflake,
    guild_id: Snowflake,
) -> AppResult<ApplicationRecord> {
    let app = state.store.application(application_id).await?.ok_or_else(unknown_application)?;
    let is_its_bot = auth.is_bot() && auth.user_id == app.id;
    let is_owner = !auth.is_bot() && auth.user_id == app.owner_id;
    if auth.is_bot() && !is_its_bot {
        // Another application's bot reads only its own (as on Discord).
        return Err(unknown_application());
    }
    if !is_its_bot && !is_owner {
        GuildAccess::load(state, guild_id, auth.user_id).await?.require(Permissions::MANAGE_GUILD)?;
    }
    bot_in_guild(state, &app, guild_id).await?;
    Ok(app)
}

/// 403 (50001) unless the application's bot is in the guild (as for its guild commands).
async fn bot_in_guild(state: &AppState, app: &ApplicationRecord, guild_id: Snowflake) -> AppResult<()> {
    match state.store.member(guild_id, app.id).await? {
        Some(_) => Ok(()),
        None => Err(missing_access()),
    }
}

/// The command `command_id` names in the guild: one of the application's global commands or
/// its commands there (`Some`), or the application itself, for all its commands (`None`);
/// 404 (10063) otherwise.
async fn command_here(
    state: &AppState,
    app: &ApplicationRecord,
    guild_id: Snowflake,
    command_id: Snowflake,
) -> AppResult<Option<CommandRecord>> {
    if command_id == app.id {
        return Ok(None);
    }
    let record = state.store.command(app.id, command_id).await?.ok_or_else(unknown_command)?;
    match record.guild_id {
        Some(g) if g != guild_id.as_i64() => Err(unknown_command()),
        _ => Ok(Some(record)),
    }
}

/// The permissions of all the application's commands in a guild that have any (the
/// application's own entry, id = its id, holds those for all its commands).
#[utoipa::path(get, path = "/applications/{application_id}/guilds/{guild_id}/commands/permissions", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<GuildCommandPermissions>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "The bot is not in the guild, or the caller is not a member (50001); missing MANAGE_GUILD (50013)", body = ErrorBody),
        (status = 404, description = "Unknown application (10002) or guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_permissions(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((application_id, guild_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<Json<Vec<GuildCommandPermissions>>> {
    let app = readable(&state, &auth, application_id, guild_id).await?;
    let records = state.store.guild_command_permissions(guild_id, Some(app.id)).await?;
    Ok(Json(records.iter().filter_map(GuildCommandPermissions::from_record).collect()))
}

/// The permissions of one command in a guild (or, with the application's id as the command's,
/// of all its commands).
#[utoipa::path(get, path = "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path), ("command_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = GuildCommandPermissions),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "The bot is not in the guild, or the caller is not a member (50001); missing MANAGE_GUILD (50013)", body = ErrorBody),
        (status = 404, description = "Unknown application (10002), guild (10004) or command (10063); the command has no permissions set here (10066)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_permissions(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((application_id, guild_id, command_id)): Path<(Snowflake, Snowflake, Snowflake)>,
) -> AppResult<Json<GuildCommandPermissions>> {
    let app = readable(&state, &auth, application_id, guild_id).await?;
    command_here(&state, &app, guild_id, command_id).await?;
    let index = GuildPermissionsIndex::load_for(&state, guild_id, app.id).await?;
    let permissions = index
        .get(app.id, command_id)
        .ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownApplicationCommandPermissions))?;
    Ok(Json(GuildCommandPermissions {
        id: command_id,
        application_id: app.id,
        guild_id,
        permissions: permissions.to_vec(),
    }))
}

/// A command's new permissions: the whole list (empty removes them all). Required: a body
/// without it (a misspelt key) must not wipe what is set.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommandPermissionsRequest {
    #[schema(max_items = 100)]
    pub permissions: Vec<CommandPermission>,
}

/// The list checked against the guild and what the caller may manage.
async fn checked(
    state: &AppState,
    access: &GuildAccess,
    list: Vec<CommandPermission>,
) -> AppResult<Vec<CommandPermission>> {
    if list.len() > MAX_COMMAND_PERMISSIONS {
        return Err(AppError::field("permissions", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."));
    }
    let guild_id = access.guild.id;
    let mut errors = FieldErrors::new();
    let at = |i: usize, field: &str| vec!["permissions".to_owned(), i.to_string(), field.to_owned()];
    const UNKNOWN: &str = "APPLICATION_COMMAND_PERMISSIONS_UNKNOWN_TARGET";
    for (i, permission) in list.iter().enumerate() {
        if list[..i].iter().any(|p| p.id == permission.id && p.kind == permission.kind) {
            errors.add_at(
                at(i, "id"),
                "APPLICATION_COMMAND_PERMISSIONS_DUPLICATE",
                "Each role, member and channel may be named once.",
            );
            continue;
        }
        match permission.kind {
            ROLE if permission.id == guild_id => {}
            ROLE => {
                if !access.roles.iter().any(|r| r.id == permission.id) {
                    errors.add_at(at(i, "id"), UNKNOWN, "Not a role of this server.");
                }
            }
            USER => {
                if state.store.member(guild_id, permission.id).await?.is_none() {
                    errors.add_at(at(i, "id"), UNKNOWN, "Not a member of this server.");
                }
            }
            CHANNEL if permission.id == all_channels(guild_id) => {}
            CHANNEL => {
                // A channel the caller cannot see is named as one that is not there.
                let visible = access
                    .channels
                    .iter()
                    .find(|c| c.id == permission.id)
                    .is_some_and(|c| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL));
                if !visible {
                    errors.add_at(at(i, "id"), UNKNOWN, "Not a channel of this server.");
                }
            }
            _ => errors.add_at(at(i, "type"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3)."),
        }
    }
    errors.into_result()?;
    Ok(list)
}

/// The role hierarchy over overwrites: an overwrite the caller adds, changes or removes must
/// name a role below their highest, or a member below them (or themselves); @everyone and
/// channels anyone managing the guild may name. What a higher moderator set stays as it is.
async fn require_manages(
    state: &AppState,
    access: &GuildAccess,
    old: &[CommandPermission],
    new: &[CommandPermission],
) -> AppResult<()> {
    let touched = new.iter().filter(|p| !old.contains(p)).chain(old.iter().filter(|p| !new.contains(p)));
    for permission in touched {
        match permission.kind {
            ROLE if permission.id != access.guild.id => {
                if let Some(role) = access.roles.iter().find(|r| r.id == permission.id) {
                    access.require_below_me(role)?;
                }
            }
            USER => {
                if let Some(member) = state.store.member(access.guild.id, permission.id).await? {
                    access.require_member_below_me(&member)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Nobody sets the permissions of a command they could not use themselves (Discord's rule);
/// for all the application's commands, of every one of them there.
async fn require_may_use(
    state: &AppState,
    access: &GuildAccess,
    app: &ApplicationRecord,
    index: &GuildPermissionsIndex,
    command: Option<&CommandRecord>,
) -> AppResult<()> {
    let commands = match command {
        Some(record) => vec![record.clone()],
        None => {
            let mut all = state.store.commands(app.id, CommandScope::Global).await?;
            all.extend(state.store.commands(app.id, CommandScope::Guild(access.guild.id)).await?);
            all
        }
    };
    let member = permissions::Member::of(access);
    let guild = access.guild_permissions();
    let place = permissions::Place { guild, here: guild, channels: None };
    for record in &commands {
        let bits = definition(record).and_then(|d| d.default_member_permissions);
        if !permissions::may_use(index.for_command(app.id, record.id), &member, &place, bits.as_deref()) {
            let what = if command.is_some() { "this command" } else { "every command of this application" };
            return Err(AppError::with_message(
                StatusCode::FORBIDDEN,
                ErrorCode::MissingPermissions,
                format!("You may not use {what}, so you may not change who may"),
            ));
        }
    }
    Ok(())
}

/// The audit changes: one per role, member or channel whose overwrite changed, keyed by its id
/// (Discord's form for this action).
fn changes(old: &[CommandPermission], new: &[CommandPermission]) -> Vec<serde_json::Value> {
    let same = |a: &CommandPermission, b: &CommandPermission| a.id == b.id && a.kind == b.kind;
    let as_value = |p: &CommandPermission| serde_json::to_value(p).unwrap_or_default();
    let mut out = Vec::new();
    for before in old {
        match new.iter().find(|p| same(p, before)) {
            Some(after) if after == before => {}
            after => out.push(change(&before.id.to_string(), Some(as_value(before)), after.map(as_value))),
        }
    }
    for after in new.iter().filter(|p| !old.iter().any(|o| same(o, p))) {
        out.push(change(&after.id.to_string(), None, Some(as_value(after))));
    }
    out
}

/// Replace a command's permissions in a guild (or, with the application's id as the
/// command's, those of all its commands without their own).
#[utoipa::path(put, path = "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path), ("command_id" = schema::Snowflake, Path)),
    request_body = CommandPermissionsRequest,
    responses(
        (status = 200, description = "The permissions now", body = GuildCommandPermissions),
        (status = 400, description = "More than 100, an unknown role, member or channel, or one named twice (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "A bot (20001); missing MANAGE_GUILD or MANAGE_ROLES, a role at or above the caller's highest, or a command the caller may not use (50013); the bot is not in the guild, or the caller is not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown application (10002), guild (10004) or command (10063)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn set_permissions(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((application_id, guild_id, command_id)): Path<(Snowflake, Snowflake, Snowflake)>,
    Json(body): Json<CommandPermissionsRequest>,
) -> AppResult<Json<GuildCommandPermissions>> {
    if auth.is_bot() {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::BotsCannotUse));
    }
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_GUILD | Permissions::MANAGE_ROLES)?;
    let app = state.store.application(application_id).await?.ok_or_else(unknown_application)?;
    bot_in_guild(&state, &app, guild_id).await?;
    let command = command_here(&state, &app, guild_id, command_id).await?;
    let index = GuildPermissionsIndex::load_for(&state, guild_id, app.id).await?;
    require_may_use(&state, &access, &app, &index, command.as_ref()).await?;
    let list = checked(&state, &access, body.permissions).await?;
    let old = index.get(app.id, command_id).unwrap_or_default();
    require_manages(&state, &access, old, &list).await?;
    let entry = audit::entry(
        &state,
        guild_id,
        auth.user_id,
        AuditAction::ApplicationCommandPermissionUpdate,
        Some(command_id),
        changes(old, &list),
        &reason,
    );
    let record = CommandPermissionsRecord {
        application_id: app.id,
        guild_id,
        command_id,
        permissions: serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()),
    };
    state.store.set_command_permissions(&record, Some(&entry)).await?;
    let object = GuildCommandPermissions { id: command_id, application_id: app.id, guild_id, permissions: list };
    tracing::info!(application_id = %app.id, %guild_id, %command_id, count = object.permissions.len(), "command permissions set");
    state.publish(Event::new(
        EventName::ApplicationCommandPermissionsUpdate,
        Audience::Users(vec![app.id]),
        Keys::guild(guild_id),
        &object,
    ));
    Ok(Json(object))
}
