//! The instance settings an admin changes live from the admin console: who may register and
//! who may create guilds (admins only). Stored in the database over the `registration` and
//! `guild_creation` settings; every node follows a change at once.

use axum::extract::State;
use parley_app::error::AppResult;
use parley_app::instance_settings::in_force;
use parley_app::patch::nullable;
use parley_app::{AppState, GuildCreation, RegistrationMode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AdminUser, Json};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, modify_settings))
}

/// The live settings, and what the configuration says beneath them.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceSettings {
    /// Who may register now.
    pub registration: RegistrationMode,
    /// Who may create guilds now.
    pub guild_creation: GuildCreation,
    /// The `registration` setting, in force when no admin set one live.
    pub registration_setting: RegistrationMode,
    /// The `guild_creation` setting, likewise.
    pub guild_creation_setting: GuildCreation,
    /// Whether `registration` was set here (else it is the setting's).
    pub registration_is_live: bool,
    pub guild_creation_is_live: bool,
}

async fn settings(state: &AppState) -> AppResult<InstanceSettings> {
    let now = in_force(state).await?;
    Ok(InstanceSettings {
        registration: now.registration,
        guild_creation: now.guild_creation,
        registration_setting: state.config.registration,
        guild_creation_setting: state.config.guild_creation,
        registration_is_live: now.registration_is_live,
        guild_creation_is_live: now.guild_creation_is_live,
    })
}

/// The instance's live settings (admins only).
#[utoipa::path(get, path = "/admin/settings", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = InstanceSettings),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_settings(State(state): State<AppState>, _admin: AdminUser) -> AppResult<Json<InstanceSettings>> {
    Ok(Json(settings(&state).await?))
}

/// A change to the live settings; `null` returns one to the configuration's.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyInstanceSettings {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<RegistrationMode>)]
    pub registration: Option<Option<RegistrationMode>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<GuildCreation>)]
    pub guild_creation: Option<Option<GuildCreation>>,
}

/// Change who may register (`open`, `invite_only`, `closed`) or who may create guilds
/// (`anyone`, `admins`) now, on every node (admins only); `null` follows the configuration
/// again.
#[utoipa::path(patch, path = "/admin/settings", tag = "admin", security(("bearer" = [])),
    request_body = ModifyInstanceSettings,
    responses(
        (status = 200, description = "OK: the settings now", body = InstanceSettings),
        (status = 400, description = "An unknown mode or rule (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_settings(
    State(state): State<AppState>,
    admin: AdminUser,
    Json(body): Json<ModifyInstanceSettings>,
) -> AppResult<Json<InstanceSettings>> {
    let registration = body.registration.map(|r| r.map(RegistrationMode::as_str));
    let guild_creation = body.guild_creation.map(|g| g.map(GuildCreation::as_str));
    state.store.set_live_settings(registration, guild_creation).await?;
    tracing::warn!(admin = %admin.user.id, ?registration, ?guild_creation, "instance admin changed live instance settings");
    Ok(Json(settings(&state).await?))
}
