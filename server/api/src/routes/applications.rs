//! Applications and bots: a user creates an application (which makes its bot user and
//! token), lists and edits theirs (privileged intents are application flags), resets the
//! token, and a member with MANAGE_GUILD adds a bot to a guild through Discord's OAuth2
//! authorize call. Bots read their application at `/oauth2/applications/@me`, as Discord's
//! libraries expect.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, parse_id};
use parley_app::applications::{new_application, unknown_application};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::auth::bot_token;
use parley_app::error::{AppError, AppResult};
use parley_app::joins::announce_join;
use parley_app::objects::application::{
    ApplicationObject, GATEWAY_GUILD_MEMBERS, GATEWAY_MESSAGE_CONTENT, GATEWAY_PRESENCE, application_object,
};
use parley_app::objects::guild::role_event;
use parley_core::account::DisplayName;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::EventName;
use parley_store::applications::{ApplicationPatch, ApplicationRecord};
use parley_store::roles::NewRole;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::Query;
use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_application, my_applications))
        .routes(routes!(get_application, modify_application))
        .routes(routes!(reset_bot_token))
        .routes(routes!(current_application))
        .routes(routes!(current_application_v2, modify_current_application))
        .routes(routes!(authorize_bot))
}

/// How many applications one user may own.
pub const MAX_APPLICATIONS: usize = 25;

const SETTABLE_FLAGS: i64 = GATEWAY_PRESENCE | GATEWAY_GUILD_MEMBERS | GATEWAY_MESSAGE_CONTENT;

/// The caller's own application `id`; 404 for anyone else's.
async fn my_application(state: &AppState, auth: &AuthUser, id: Snowflake) -> AppResult<ApplicationRecord> {
    let app = state.store.application(id).await?.ok_or_else(unknown_application)?;
    if app.owner_id != auth.user_id {
        return Err(unknown_application());
    }
    Ok(app)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateApplicationRequest {
    /// 2-32 characters; also the bot's display name.
    #[schema(value_type = schema::ApplicationName)]
    pub name: String,
    /// Up to 400 characters.
    #[schema(max_length = 400)]
    pub description: Option<String>,
}

fn check_description(errors: &mut FieldErrors, description: Option<&str>) {
    if description.is_some_and(|d| d.chars().count() > 400) {
        errors.add("description", "BASE_TYPE_MAX_LENGTH", "Must be 400 or fewer in length.");
    }
}

fn check_name(errors: &mut FieldErrors, name: &str) -> Option<String> {
    match DisplayName::parse(name) {
        Ok(n) if n.as_str().chars().count() >= 2 => Some(n.as_str().to_owned()),
        _ => {
            errors.add(
                "name",
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 2 and 32 in length, without control characters.",
            );
            None
        }
    }
}

/// *Parley*: create an application and its bot. The answer carries the bot token, once.
#[utoipa::path(post, path = "/applications", tag = "applications", security(("bearer" = [])),
    request_body = CreateApplicationRequest,
    responses(
        (status = 201, description = "Created", body = ApplicationObject),
        (status = 400, description = "Invalid fields (50035), or 25 already (90010); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Bots cannot make bots (20001)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_application(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateApplicationRequest>,
) -> AppResult<(StatusCode, Json<ApplicationObject>)> {
    auth.session()?;
    let mut errors = FieldErrors::new();
    let name = check_name(&mut errors, &body.name);
    check_description(&mut errors, body.description.as_deref());
    errors.into_result()?;
    let name = name.ok_or_else(|| AppError::internal("validated name missing"))?;
    if state.store.applications_of(auth.user_id).await?.len() >= MAX_APPLICATIONS {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MaxApplications));
    }
    let (record, token) = new_application(
        &state.store,
        state.ids.next(),
        auth.user_id,
        &name,
        body.description.as_deref().unwrap_or_default(),
    )
    .await?;
    tracing::info!(application_id = %record.id, owner = %auth.user_id, "application created");
    Ok((StatusCode::CREATED, Json(application_object(&state, &record, Some(token)).await?)))
}

/// *Parley*: the applications I own.
#[utoipa::path(get, path = "/applications", tag = "applications", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<ApplicationObject>),
        SignedIn,
        TooManyRequests,
    ))]
async fn my_applications(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<Vec<ApplicationObject>>> {
    let mut objects = Vec::new();
    for app in state.store.applications_of(auth.user_id).await? {
        objects.push(application_object(&state, &app, None).await?);
    }
    Ok(Json(objects))
}

/// One of my applications.
#[utoipa::path(get, path = "/applications/{application_id}", tag = "applications", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = ApplicationObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = "Not mine or unknown (10002)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_application(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Snowflake>,
) -> AppResult<Json<ApplicationObject>> {
    let app = my_application(&state, &auth, id).await?;
    Ok(Json(application_object(&state, &app, None).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyApplicationRequest {
    #[schema(value_type = Option<schema::ApplicationName>)]
    pub name: Option<String>,
    #[schema(max_length = 400)]
    pub description: Option<String>,
    /// Whether anyone with MANAGE_GUILD may add the bot (otherwise only its owner).
    pub bot_public: Option<bool>,
    /// Only the privileged-intent flags may be set (1<<12, 1<<13, 1<<14, 1<<15, 1<<18, 1<<19).
    #[schema(value_type = Option<schema::ApplicationFlags>)]
    pub flags: Option<i64>,
    /// Take interactions over HTTP at this http(s) URL (checked first: it must answer a signed
    /// PING with `{"type": 1}` and refuse a wrongly signed one with 401); `null` or `""`: over the
    /// bot's gateway connection again.
    #[serde(default, deserialize_with = "parley_app::patch::nullable")]
    #[schema(value_type = Option<String>, max_length = 2048)]
    pub interactions_endpoint_url: Option<Option<String>>,
}

/// Change my application: name, description, `bot_public`, privileged-intent flags.
#[utoipa::path(patch, path = "/applications/{application_id}", tag = "applications", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path)), request_body = ModifyApplicationRequest,
    responses(
        (status = 200, description = "OK", body = ApplicationObject),
        (status = 400, description = "Invalid fields, or an interactions endpoint that is not allowed or does not answer as it must (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = "Not mine or unknown (10002)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_application(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Snowflake>,
    Json(body): Json<ModifyApplicationRequest>,
) -> AppResult<Json<ApplicationObject>> {
    let app = my_application(&state, &auth, id).await?;
    update_application(&state, app, body).await
}

/// Change the calling bot's application (bot tokens only): the same fields and checks as
/// `PATCH /applications/{application_id}`.
#[utoipa::path(patch, path = "/applications/@me", tag = "applications", security(("bearer" = [])),
    request_body = ModifyApplicationRequest,
    responses(
        (status = 200, description = "OK", body = ApplicationObject),
        (status = 400, description = "Invalid fields, or an interactions endpoint that is not allowed or does not answer as it must (50035); malformed JSON (50109); NUL (%00) in the query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a bot (20002)", body = ErrorBody),
        (status = 404, description = "Unknown application (10002)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_current_application(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<ModifyApplicationRequest>,
) -> AppResult<Json<ApplicationObject>> {
    let app = bots_application(&state, &auth).await?;
    update_application(&state, app, body).await
}

/// Checks and applies `body` to `app`, whoever may change it.
async fn update_application(
    state: &AppState,
    app: ApplicationRecord,
    body: ModifyApplicationRequest,
) -> AppResult<Json<ApplicationObject>> {
    let mut errors = FieldErrors::new();
    let name = body.name.as_deref().and_then(|n| check_name(&mut errors, n));
    check_description(&mut errors, body.description.as_deref());
    if body.flags.is_some_and(|f| f & !SETTABLE_FLAGS != 0) {
        errors.add("flags", "APPLICATION_FLAGS_INVALID", "Only the privileged-intent flags can be set.");
    }
    errors.into_result()?;
    if let Some(url) = &body.interactions_endpoint_url {
        let url = url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        if let Some(url) = url {
            parley_app::interactions::endpoint::verify_endpoint(state, app.id, url).await?;
        }
        state.store.set_interactions_endpoint(app.id, url).await?;
        // Without its query, which may hold a secret of the bot author's.
        let shown = url.map(|u| u.split(['?', '#']).next().unwrap_or_default()).unwrap_or("(gateway)");
        tracing::info!(application_id = %app.id, endpoint = shown, "interactions endpoint set");
    }
    let patch =
        ApplicationPatch { name, description: body.description, bot_public: body.bot_public, flags: body.flags };
    let updated = state.store.update_application(app.id, &patch).await?.ok_or_else(unknown_application)?;
    Ok(Json(application_object(state, &updated, None).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenReset {
    /// The new bot token; the old one no longer works.
    pub token: String,
}

/// Reset my bot's token: the old one stops working at once.
#[utoipa::path(post, path = "/applications/{application_id}/bot/reset", tag = "applications", security(("bearer" = [])),
    params(("application_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = TokenReset),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = "Not mine or unknown (10002)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn reset_bot_token(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Snowflake>,
) -> AppResult<Json<TokenReset>> {
    let app = my_application(&state, &auth, id).await?;
    let (token, hash) = bot_token::generate(app.id);
    state.store.set_application_token(app.id, &hash).await?;
    // The bot's open gateway and voice connections were opened with the old token.
    parley_app::auth::revocation::every_connection_ended(&state, app.id);
    tracing::info!(application_id = %app.id, "bot token reset");
    Ok(Json(TokenReset { token }))
}

/// The calling bot's application (bot tokens only, as on Discord).
#[utoipa::path(get, path = "/oauth2/applications/@me", tag = "applications", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = ApplicationObject),
        SignedIn,
        (status = 403, description = "Not a bot (20002)", body = ErrorBody),
        (status = 404, description = "Unknown application (10002)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn current_application(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<ApplicationObject>> {
    the_bots_application(&state, &auth).await
}

/// The calling bot's application, at Discord's current path (discord.js, serenity and twilight
/// read it here).
#[utoipa::path(get, path = "/applications/@me", tag = "applications", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = ApplicationObject),
        SignedIn,
        (status = 403, description = "Not a bot (20002)", body = ErrorBody),
        (status = 404, description = "Unknown application (10002)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn current_application_v2(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<ApplicationObject>> {
    the_bots_application(&state, &auth).await
}

async fn the_bots_application(state: &AppState, auth: &AuthUser) -> AppResult<Json<ApplicationObject>> {
    let app = bots_application(state, auth).await?;
    Ok(Json(application_object(state, &app, None).await?))
}

/// The calling bot's own application; 403 (20002) for anyone but a bot.
async fn bots_application(state: &AppState, auth: &AuthUser) -> AppResult<ApplicationRecord> {
    if !auth.is_bot() {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::OnlyBots));
    }
    state.store.application(auth.user_id).await?.ok_or_else(unknown_application)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuthorizeQuery {
    /// The application's id.
    #[param(value_type = schema::Snowflake)]
    pub client_id: String,
    /// Must include `bot`.
    #[param(value_type = schema::BotScope)]
    pub scope: String,
    /// Permissions to give the bot (a decimal bit string), through a role named after it.
    #[param(value_type = Option<schema::Permissions>)]
    pub permissions: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AuthorizeRequest {
    #[schema(value_type = schema::Snowflake)]
    pub guild_id: Snowflake,
    /// Overrides the query's `permissions`.
    #[schema(value_type = Option<schema::Permissions>)]
    pub permissions: Option<String>,
    /// Must be true.
    #[schema(value_type = schema::True)]
    pub authorize: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizeResponse {
    /// Where a browser would go next: the guild in the web client.
    pub location: String,
}

/// Add a bot to a guild (MANAGE_GUILD there), as Discord's authorize screen does. Permissions
/// asked for are given through a new role named after the bot; you must hold them yourself.
#[utoipa::path(post, path = "/oauth2/authorize", tag = "applications", security(("bearer" = [])),
    params(AuthorizeQuery), request_body = AuthorizeRequest,
    responses(
        (status = 200, description = "OK", body = AuthorizeResponse),
        (status = 400, description = "Invalid fields or query (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD or the permissions asked for (50013), a private bot (50013), a banned bot (40007), a bot asking (20001), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown application (10002) or guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn authorize_bot(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Query(query): Query<AuthorizeQuery>,
    Json(body): Json<AuthorizeRequest>,
) -> AppResult<Json<AuthorizeResponse>> {
    auth.session()?;
    let mut errors = FieldErrors::new();
    if !query.scope.split([' ', '+']).any(|s| s == "bot") {
        errors.add("scope", "SCOPE_INVALID", "The scope must include bot.");
    }
    if !body.authorize {
        errors.add("authorize", "BASE_TYPE_REQUIRED", "Must be true.");
    }
    let raw_permissions = body.permissions.as_deref().or(query.permissions.as_deref()).unwrap_or("0");
    let permissions = match raw_permissions.parse::<u64>() {
        Ok(bits) => Permissions::from_bits_truncate(bits),
        Err(_) => {
            errors.add("permissions", "NUMBER_TYPE_COERCE", "Must be a decimal permission bit string.");
            Permissions::from_bits_truncate(0)
        }
    };
    errors.into_result()?;
    let app = state
        .store
        .application(parse_id(&query.client_id, unknown_application)?)
        .await?
        .ok_or_else(unknown_application)?;
    if !app.bot_public && app.owner_id != auth.user_id {
        return Err(AppError::with_message(
            StatusCode::FORBIDDEN,
            ErrorCode::MissingPermissions,
            "This bot is private: only its owner may add it",
        ));
    }
    let access = GuildAccess::load(&state, body.guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_GUILD)?;
    // Nobody hands out permissions they do not hold.
    access.require(permissions)?;
    if state.store.ban_of(access.guild.id, app.id).await?.is_some() {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::UserBanned));
    }
    let guild_id = access.guild.id;
    let now = Timestamp::now();
    let changes = vec![audit::change("permissions", None, Some(serde_json::json!(permissions)))];
    let entry = audit::entry(&state, guild_id, auth.user_id, AuditAction::BotAdd, Some(app.id), changes, &reason);
    if state.store.add_member(guild_id, app.id, now, Some(&entry)).await? {
        if !permissions.is_empty() {
            let role = state
                .store
                .create_role(
                    &NewRole {
                        id: state.ids.next(),
                        guild_id,
                        name: app.name.clone(),
                        color: 0,
                        hoist: false,
                        mentionable: false,
                        permissions,
                        now,
                    },
                    None,
                )
                .await?;
            state.store.add_member_role(guild_id, app.id, role.id, None).await?;
            state.publish(role_event(EventName::GuildRoleCreate, guild_id, &role));
        }
        tracing::info!(%guild_id, bot = %app.id, by = %auth.user_id, "bot added to a guild");
        announce_join(&state, guild_id, app.id).await?;
    }
    Ok(Json(AuthorizeResponse { location: format!("/channels/{guild_id}") }))
}
