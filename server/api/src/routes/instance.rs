//! Public facts about this instance that a client needs before anyone signs in.

use axum::extract::State;
use parley_app::error::AppResult;
use parley_app::{AppState, GuildCreation, RegistrationMode, instance_settings};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::Json;
use crate::models::{TooManyRequests, Unavailable};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_instance))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceInfo {
    /// The Parley version serving this request.
    pub version: &'static str,
    /// Who may register now (an admin may have changed it live).
    pub registration: RegistrationMode,
    /// Who may create guilds now.
    pub guild_creation: GuildCreation,
    /// True until the first admin exists on an instance only this machine reaches: the next
    /// account registered becomes the admin (and needs no invite).
    pub first_account_becomes_admin: bool,
    /// True until the first admin exists on an instance others can reach: the admin signs up
    /// with the bootstrap token (the setup link the server printed at start).
    pub admin_setup_pending: bool,
    /// What a message's files may be here, so a client can refuse a file before sending it.
    pub files: FileLimits,
}

/// The limits on files sent with messages (the `files_*` settings).
#[derive(Debug, Serialize, ToSchema)]
pub struct FileLimits {
    /// The largest file, in bytes (`files_max_upload_mib`).
    pub max_upload_bytes: u64,
    /// Files one message may carry (`files_per_message`).
    pub per_message: usize,
    /// What one person's files may take in all, in bytes; `null`: no limit.
    pub user_quota_bytes: Option<i64>,
}

/// How this instance lets people in (Parley addition).
#[utoipa::path(get, path = "/instance", tag = "instance", responses(
        (status = 200, description = "OK", body = InstanceInfo),
        Unavailable,
        TooManyRequests,
    ))]
async fn get_instance(State(state): State<AppState>) -> AppResult<Json<InstanceInfo>> {
    let in_force = instance_settings::in_force(&state).await?;
    let no_admin = in_force.registration != RegistrationMode::Closed && !state.store.admin_claimed().await?;
    Ok(Json(InstanceInfo {
        version: env!("CARGO_PKG_VERSION"),
        registration: in_force.registration,
        guild_creation: in_force.guild_creation,
        first_account_becomes_admin: no_admin && !state.config.admin_bootstrap,
        admin_setup_pending: no_admin && state.config.admin_bootstrap,
        files: FileLimits {
            max_upload_bytes: state.config.files.max_file_bytes,
            per_message: state.config.files.max_files_per_message,
            user_quota_bytes: state.config.files.user_quota_bytes,
        },
    }))
}
