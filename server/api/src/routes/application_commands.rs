//! Application commands: an application's global commands and its commands in one guild,
//! listed, created (an upsert by name and type, as on Discord), read, edited, deleted, or
//! replaced as a whole list (bulk overwrite, what discord.py's `tree.sync()` and serenity's
//! `set_commands` call). The application's bot (by its token) or its owner (signed in) may
//! do it; guild commands need the bot in the guild. And the commands a person may use where
//! they are, for the web client's picker.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, missing_access};
use parley_app::applications::unknown_application;
use parley_app::channel_access::ChannelAccess;
use parley_app::commands::definition::{CHAT_INPUT, CommandRequest, check_command};
use parley_app::commands::object::{CommandObject, command_object, definition};
use parley_app::commands::permissions::{self, GuildPermissionsIndex};
use parley_app::error::{AppError, AppResult};
use parley_app::interactions::unknown_command;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake};
use parley_store::StoreError;
use parley_store::application_commands::{CommandRecord, CommandScope, NewCommand};
use parley_store::applications::ApplicationRecord;
use parley_store::error::Conflict;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, JsonArray, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_global, create_global, overwrite_global))
        .routes(routes!(get_global, edit_global, delete_global))
        .routes(routes!(list_guild, create_guild, overwrite_guild))
        .routes(routes!(get_guild, edit_guild, delete_guild))
        .routes(routes!(guild_command_index))
        .routes(routes!(channel_command_index))
}

/// Slash commands per application and scope (global, or one guild), as on Discord.
pub const MAX_CHAT_INPUT_COMMANDS: usize = 100;
/// User commands, and message commands, per application and scope.
pub const MAX_CONTEXT_MENU_COMMANDS: usize = 5;

/// The application, if the caller is its bot or its owner; 404 (10002) otherwise.
async fn managed(state: &AppState, auth: &AuthUser, id: Snowflake) -> AppResult<ApplicationRecord> {
    let app = state.store.application(id).await?.ok_or_else(unknown_application)?;
    let is_its_bot = auth.is_bot() && auth.user_id == app.id;
    let is_owner = !auth.is_bot() && auth.user_id == app.owner_id;
    if is_its_bot || is_owner { Ok(app) } else { Err(unknown_application()) }
}

/// A guild scope: the application's bot must be in the guild (403, 50001, as on Discord).
async fn guild_scope(state: &AppState, app: &ApplicationRecord, guild_id: Snowflake) -> AppResult<CommandScope> {
    if state.store.member(guild_id, app.id).await?.is_none() {
        return Err(missing_access());
    }
    Ok(CommandScope::Guild(guild_id))
}

fn objects(records: &[CommandRecord]) -> Vec<CommandObject> {
    records.iter().filter_map(command_object).collect()
}

fn object(record: &CommandRecord) -> AppResult<CommandObject> {
    command_object(record).ok_or_else(|| AppError::internal("a stored command does not read back"))
}

/// The checked definition of one request, as stored.
fn checked(request: CommandRequest, prefix: &[String]) -> Result<NewCommand, FieldErrors> {
    let definition = check_command(request, prefix)?;
    Ok(NewCommand {
        kind: definition.kind as i32,
        name: definition.name.clone(),
        definition: serde_json::to_string(&definition).unwrap_or_default(),
    })
}

/// 400 (30032) when `commands` hold more of a kind than Discord allows in one scope.
fn check_counts<'a>(commands: impl Iterator<Item = &'a NewCommand>) -> AppResult<()> {
    let mut counts = [0usize; 4];
    for command in commands {
        counts[command.kind.clamp(0, 3) as usize] += 1;
    }
    let too_many = counts[CHAT_INPUT as usize] > MAX_CHAT_INPUT_COMMANDS
        || counts[2] > MAX_CONTEXT_MENU_COMMANDS
        || counts[3] > MAX_CONTEXT_MENU_COMMANDS;
    if too_many { Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MaxApplicationCommands)) } else { Ok(()) }
}

fn name_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(Conflict::CommandName) => AppError::field(
            "name",
            "APPLICATION_COMMAND_ALREADY_EXISTS",
            "Another command of this type has this name here.",
        ),
        other => other.into(),
    }
}

async fn list(state: &AppState, app: &ApplicationRecord, scope: CommandScope) -> AppResult<Json<Vec<CommandObject>>> {
    Ok(Json(objects(&state.store.commands(app.id, scope).await?)))
}

async fn create(
    state: &AppState,
    app: &ApplicationRecord,
    scope: CommandScope,
    body: CommandRequest,
) -> AppResult<(StatusCode, Json<CommandObject>)> {
    let command = checked(body, &[])?;
    let existing = state.store.commands(app.id, scope).await?;
    let replaces = existing.iter().any(|c| c.kind == command.kind && c.name == command.name);
    if !replaces {
        let kept: Vec<NewCommand> = existing
            .iter()
            .map(|c| NewCommand { kind: c.kind, name: c.name.clone(), definition: String::new() })
            .collect();
        check_counts(kept.iter().chain(std::iter::once(&command)))?;
    }
    let id = state.ids.next();
    let (record, created) = state.store.upsert_command(app.id, scope, id, id.as_i64(), &command).await?;
    tracing::info!(application_id = %app.id, command = %record.name, created, "application command saved");
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(object(&record)?)))
}

async fn overwrite(
    state: &AppState,
    app: &ApplicationRecord,
    scope: CommandScope,
    body: Vec<CommandRequest>,
) -> AppResult<Json<Vec<CommandObject>>> {
    let mut errors = FieldErrors::new();
    let mut commands = Vec::with_capacity(body.len());
    for (i, request) in body.into_iter().enumerate() {
        match checked(request, &[i.to_string()]) {
            Ok(command) => commands.push(command),
            Err(e) => errors.extend(e),
        }
    }
    for (i, command) in commands.iter().enumerate() {
        if commands[..i].iter().any(|c| c.kind == command.kind && c.name == command.name) {
            errors.add_at(
                vec![i.to_string(), "name".into()],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique.",
            );
        }
    }
    errors.into_result()?;
    check_counts(commands.iter())?;
    let version = state.ids.next().as_i64();
    let with_ids: Vec<(Snowflake, NewCommand)> = commands.into_iter().map(|c| (state.ids.next(), c)).collect();
    let records = state.store.overwrite_commands(app.id, scope, &with_ids, version).await?;
    tracing::info!(application_id = %app.id, count = records.len(), ?scope, "application commands overwritten");
    Ok(Json(objects(&records)))
}

async fn one(
    state: &AppState,
    app: &ApplicationRecord,
    scope: CommandScope,
    id: Snowflake,
) -> AppResult<CommandRecord> {
    let record = state.store.command(app.id, id).await?.ok_or_else(unknown_command)?;
    let in_scope = match scope {
        CommandScope::Global => record.guild_id.is_none(),
        CommandScope::Guild(g) => record.guild_id == Some(g.as_i64()),
    };
    if in_scope { Ok(record) } else { Err(unknown_command()) }
}

async fn edit(
    state: &AppState,
    app: &ApplicationRecord,
    scope: CommandScope,
    id: Snowflake,
    body: serde_json::Value,
) -> AppResult<Json<CommandObject>> {
    let record = one(state, app, scope, id).await?;
    // A patch: the stored definition with the fields sent laid over it, checked whole.
    let stored = definition(&record).ok_or_else(unknown_command)?;
    let mut merged = serde_json::json!({
        "name": stored.name, "name_localizations": stored.name_localizations,
        "description": stored.description, "description_localizations": stored.description_localizations,
        "options": stored.options, "default_member_permissions": stored.default_member_permissions,
        "dm_permission": stored.dm_permission, "contexts": stored.contexts, "type": stored.kind, "nsfw": stored.nsfw,
    });
    let Some(patch) = body.as_object() else {
        return Err(AppError::field("body", "DICT_TYPE_CONVERT", "Must be an object."));
    };
    for (key, value) in patch {
        // The type of a command never changes; a null name or flag leaves it as it is (they
        // cannot be empty), while a null list or permission clears it.
        let keeps = key == "type" || (value.is_null() && ["name", "dm_permission", "nsfw"].contains(&key.as_str()));
        if !keeps && merged.get(key).is_some() {
            merged[key] = value.clone();
        }
    }
    let request: CommandRequest = serde_json::from_value(merged)
        .map_err(|e| AppError::field("body", "DICT_TYPE_CONVERT", format!("Not a command: {e}")))?;
    let command = checked(request, &[])?;
    let version = if command.definition == record.definition { record.version } else { state.ids.next().as_i64() };
    let updated = state
        .store
        .update_command(app.id, record.id, &command.name, &command.definition, version)
        .await
        .map_err(name_taken)?
        .ok_or_else(unknown_command)?;
    Ok(Json(object(&updated)?))
}

async fn delete(
    state: &AppState,
    app: &ApplicationRecord,
    scope: CommandScope,
    id: Snowflake,
) -> AppResult<StatusCode> {
    let record = one(state, app, scope, id).await?;
    state.store.delete_command(app.id, record.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

const NOT_MINE: &str = "Unknown application, or neither its bot nor its owner (10002); unknown command (10063)";

/// The application's global commands.
#[utoipa::path(get, path = "/applications/{application_id}/commands", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<CommandObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = NOT_MINE, body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_global(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Snowflake>,
) -> AppResult<Json<Vec<CommandObject>>> {
    let app = managed(&state, &auth, id).await?;
    list(&state, &app, CommandScope::Global).await
}

/// Create a global command; one of the same name and type is replaced (200) instead.
#[utoipa::path(post, path = "/applications/{application_id}/commands", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path)), request_body = CommandRequest,
    responses(
        (status = 200, description = "Replaced the command of that name and type", body = CommandObject),
        (status = 201, description = "Created", body = CommandObject),
        (status = 400, description = "Invalid fields (50035); 100 slash or 5 user or message commands already (30032); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = NOT_MINE, body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_global(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Snowflake>,
    Json(body): Json<CommandRequest>,
) -> AppResult<(StatusCode, Json<CommandObject>)> {
    let app = managed(&state, &auth, id).await?;
    create(&state, &app, CommandScope::Global, body).await
}

/// Replace every global command with this list (commands that stay keep their ids).
#[utoipa::path(put, path = "/applications/{application_id}/commands", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path)), request_body = Vec<CommandRequest>,
    responses(
        (status = 200, description = "The commands now", body = Vec<CommandObject>),
        (status = 400, description = "Invalid fields (50035), at each entry's index; too many of a kind (30032); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = NOT_MINE, body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn overwrite_global(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Snowflake>,
    JsonArray(body): JsonArray<CommandRequest>,
) -> AppResult<Json<Vec<CommandObject>>> {
    let app = managed(&state, &auth, id).await?;
    overwrite(&state, &app, CommandScope::Global, body).await
}

/// One global command.
#[utoipa::path(get, path = "/applications/{application_id}/commands/{command_id}", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("command_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = CommandObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = NOT_MINE, body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_global(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, command_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<Json<CommandObject>> {
    let app = managed(&state, &auth, id).await?;
    Ok(Json(object(&one(&state, &app, CommandScope::Global, command_id).await?)?))
}

/// Change a global command: the fields sent replace the stored ones (its type stays).
#[utoipa::path(patch, path = "/applications/{application_id}/commands/{command_id}", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("command_id" = schema::Snowflake, Path)), request_body = CommandPatch,
    responses(
        (status = 200, description = "OK", body = CommandObject),
        (status = 400, description = "Invalid fields, or a name another command of its type has (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = NOT_MINE, body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn edit_global(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, command_id)): Path<(Snowflake, Snowflake)>,
    Json(body): Json<serde_json::Value>,
) -> AppResult<Json<CommandObject>> {
    let app = managed(&state, &auth, id).await?;
    edit(&state, &app, CommandScope::Global, command_id, body).await
}

/// Delete a global command.
#[utoipa::path(delete, path = "/applications/{application_id}/commands/{command_id}", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("command_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = NOT_MINE, body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_global(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, command_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    let app = managed(&state, &auth, id).await?;
    delete(&state, &app, CommandScope::Global, command_id).await
}

/// A PATCH body: any of a command's fields; those left out (or a null `name`, `dm_permission`
/// or `nsfw`) stay.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CommandPatch {
    #[schema(min_length = 1, max_length = 32)]
    name: Option<String>,
    #[schema(max_length = 100)]
    description: Option<String>,
    #[schema(max_items = 25)]
    options: Option<Vec<parley_app::commands::definition::CommandOption>>,
    #[schema(value_type = Option<schema::PermissionsInput>)]
    default_member_permissions: Option<String>,
    dm_permission: Option<bool>,
    #[schema(value_type = Option<Vec<schema::InteractionContext>>)]
    contexts: Option<Vec<i64>>,
    nsfw: Option<bool>,
}

const GUILD_NOT_MINE: &str = "Unknown application, or neither its bot nor its owner (10002); unknown command (10063)";

/// The application's commands in one guild.
#[utoipa::path(get, path = "/applications/{application_id}/guilds/{guild_id}/commands", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<CommandObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "The bot is not in the guild (50001)", body = ErrorBody),
        (status = 404, description = GUILD_NOT_MINE, body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, guild_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<Json<Vec<CommandObject>>> {
    let app = managed(&state, &auth, id).await?;
    let scope = guild_scope(&state, &app, guild_id).await?;
    list(&state, &app, scope).await
}

/// Create a command in one guild; one of the same name and type is replaced (200) instead.
#[utoipa::path(post, path = "/applications/{application_id}/guilds/{guild_id}/commands", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path)), request_body = CommandRequest,
    responses(
        (status = 200, description = "Replaced the command of that name and type", body = CommandObject),
        (status = 201, description = "Created", body = CommandObject),
        (status = 400, description = "Invalid fields (50035); too many of a kind (30032); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "The bot is not in the guild (50001)", body = ErrorBody),
        (status = 404, description = GUILD_NOT_MINE, body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, guild_id)): Path<(Snowflake, Snowflake)>,
    Json(body): Json<CommandRequest>,
) -> AppResult<(StatusCode, Json<CommandObject>)> {
    let app = managed(&state, &auth, id).await?;
    let scope = guild_scope(&state, &app, guild_id).await?;
    create(&state, &app, scope, body).await
}

/// Replace every command of the application in one guild with this list.
#[utoipa::path(put, path = "/applications/{application_id}/guilds/{guild_id}/commands", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path)), request_body = Vec<CommandRequest>,
    responses(
        (status = 200, description = "The commands now", body = Vec<CommandObject>),
        (status = 400, description = "Invalid fields (50035); too many of a kind (30032); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "The bot is not in the guild (50001)", body = ErrorBody),
        (status = 404, description = GUILD_NOT_MINE, body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn overwrite_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, guild_id)): Path<(Snowflake, Snowflake)>,
    JsonArray(body): JsonArray<CommandRequest>,
) -> AppResult<Json<Vec<CommandObject>>> {
    let app = managed(&state, &auth, id).await?;
    let scope = guild_scope(&state, &app, guild_id).await?;
    overwrite(&state, &app, scope, body).await
}

/// One command of the application in a guild.
#[utoipa::path(get, path = "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path), ("command_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = CommandObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "The bot is not in the guild (50001)", body = ErrorBody),
        (status = 404, description = GUILD_NOT_MINE, body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, guild_id, command_id)): Path<(Snowflake, Snowflake, Snowflake)>,
) -> AppResult<Json<CommandObject>> {
    let app = managed(&state, &auth, id).await?;
    let scope = guild_scope(&state, &app, guild_id).await?;
    Ok(Json(object(&one(&state, &app, scope, command_id).await?)?))
}

/// Change a command of the application in a guild.
#[utoipa::path(patch, path = "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path), ("command_id" = schema::Snowflake, Path)), request_body = CommandPatch,
    responses(
        (status = 200, description = "OK", body = CommandObject),
        (status = 400, description = "Invalid fields, or a name another command of its type has (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "The bot is not in the guild (50001)", body = ErrorBody),
        (status = 404, description = GUILD_NOT_MINE, body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn edit_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, guild_id, command_id)): Path<(Snowflake, Snowflake, Snowflake)>,
    Json(body): Json<serde_json::Value>,
) -> AppResult<Json<CommandObject>> {
    let app = managed(&state, &auth, id).await?;
    let scope = guild_scope(&state, &app, guild_id).await?;
    edit(&state, &app, scope, command_id, body).await
}

/// Delete a command of the application in a guild.
#[utoipa::path(delete, path = "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", tag = "commands", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path), ("guild_id" = schema::Snowflake, Path), ("command_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "The bot is not in the guild (50001)", body = ErrorBody),
        (status = 404, description = GUILD_NOT_MINE, body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, guild_id, command_id)): Path<(Snowflake, Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    let app = managed(&state, &auth, id).await?;
    let scope = guild_scope(&state, &app, guild_id).await?;
    delete(&state, &app, scope, command_id).await
}

/// An application whose commands are in an index.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexedApplication {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    pub icon: Option<String>,
    pub description: String,
    #[schema(value_type = schema::Snowflake)]
    pub bot_id: Snowflake,
}

/// The commands a person may use in one place, with their applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandIndex {
    pub applications: Vec<IndexedApplication>,
    pub application_commands: Vec<CommandObject>,
}

/// Whether the member may use a command in the guild as a whole (`Some(&[])`: only "all
/// channels" overwrites apply) or in one channel (its ids):
/// its command permissions there, then its `default_member_permissions`.
fn may_see(
    command: &CommandObject,
    index: &GuildPermissionsIndex,
    access: &GuildAccess,
    here: Permissions,
    channels: Option<&[Snowflake]>,
) -> bool {
    let member = permissions::Member::of(access);
    let place = permissions::Place { guild: access.guild_permissions(), here, channels };
    let overwrites = index.for_command(command.application_id, command.id);
    permissions::may_use(overwrites, &member, &place, command.default_member_permissions.as_deref())
}

async fn index(
    state: &AppState,
    records: Vec<CommandRecord>,
    keep: impl Fn(&CommandObject) -> bool,
) -> AppResult<CommandIndex> {
    let mut application_commands: Vec<CommandObject> = objects(&records).into_iter().filter(|c| keep(c)).collect();
    // A guild's command shadows a global one of the same name and type.
    application_commands.sort_by(|a, b| {
        (a.application_id, a.kind, &a.name, a.guild_id.is_none()).cmp(&(
            b.application_id,
            b.kind,
            &b.name,
            b.guild_id.is_none(),
        ))
    });
    application_commands.dedup_by(|b, a| a.application_id == b.application_id && a.kind == b.kind && a.name == b.name);
    application_commands.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ids: Vec<Snowflake> = application_commands.iter().map(|c| c.application_id).collect();
    ids.sort();
    ids.dedup();
    let mut applications = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(app) = state.store.application(id).await? {
            applications.push(IndexedApplication {
                id,
                name: app.name,
                icon: None,
                description: app.description,
                bot_id: id,
            });
        }
    }
    Ok(CommandIndex { applications, application_commands })
}

/// *Parley* (Discord's client calls it): the commands I may use in a guild: those of the bots
/// in it, that the guild's command permissions and my permissions allow (the web client's `/`
/// picker).
#[utoipa::path(get, path = "/guilds/{guild_id}/application-command-index", tag = "commands", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = CommandIndex),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn guild_command_index(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<CommandIndex>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let here = access.guild_permissions();
    let records = state.store.guild_command_index(guild_id).await?;
    let overwrites = GuildPermissionsIndex::load(&state, guild_id).await?;
    let guild_context = |c: &CommandObject| c.contexts.as_ref().is_none_or(|x| x.contains(&0));
    Ok(Json(index(&state, records, |c| guild_context(c) && may_see(c, &overwrites, &access, here, Some(&[]))).await?))
}

/// *Parley*: the commands I may use in a private channel: a DM with a bot offers its global
/// commands that may be used in DMs; other channels offer none.
#[utoipa::path(get, path = "/channels/{channel_id}/application-command-index", tag = "commands", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = CommandIndex),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not in the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn channel_command_index(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<Json<CommandIndex>> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    if let ChannelAccess::Guild { access, channel: record, permissions: here } = &channel {
        if !here.contains(Permissions::USE_APPLICATION_COMMANDS) {
            return Ok(Json(CommandIndex { applications: Vec::new(), application_commands: Vec::new() }));
        }
        let records = state.store.guild_command_index(access.guild.id).await?;
        let overwrites = GuildPermissionsIndex::load(&state, access.guild.id).await?;
        let channels = permissions::channel_ids(record);
        let guild_context = |c: &CommandObject| c.contexts.as_ref().is_none_or(|x| x.contains(&0));
        let keep = |c: &CommandObject| guild_context(c) && may_see(c, &overwrites, access, *here, Some(&channels));
        return Ok(Json(index(&state, records, keep).await?));
    }
    let records = match channel.dm_partner() {
        Some(partner) if state.store.application(partner).await?.is_some() => {
            state.store.commands(partner, CommandScope::Global).await?
        }
        _ => Vec::new(),
    };
    let dm_context = |c: &CommandObject| match &c.contexts {
        Some(contexts) => contexts.contains(&1),
        None => c.dm_permission,
    };
    Ok(Json(index(&state, records, dm_context).await?))
}
