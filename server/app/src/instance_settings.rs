//! The instance settings an admin may change live from the admin console (who may register,
//! who may create guilds): stored in the database over the `registration` and
//! `guild_creation` settings, and read on every use, so a change holds on every node at once
//! (both are rare operations: one indexed read each).

use parley_store::administration::LiveSettings;

use crate::error::AppResult;
use crate::{AppState, GuildCreation, RegistrationMode};

/// The settings in force, and where each comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InForce {
    pub registration: RegistrationMode,
    pub guild_creation: GuildCreation,
    /// Whether an admin set them live (else the configuration's).
    pub registration_is_live: bool,
    pub guild_creation_is_live: bool,
}

/// The settings in force now: what an admin set live, else the configuration's. A stored
/// word this build does not know (written by a newer release) is ignored, with a warning.
pub async fn in_force(state: &AppState) -> AppResult<InForce> {
    let LiveSettings { registration, guild_creation } = state.store.live_settings().await?;
    let live_registration = registration.as_deref().and_then(|w| known(w.parse(), "registration", w));
    let live_creation = guild_creation.as_deref().and_then(|w| known(w.parse(), "guild_creation", w));
    Ok(InForce {
        registration: live_registration.unwrap_or(state.config.registration),
        guild_creation: live_creation.unwrap_or(state.config.guild_creation),
        registration_is_live: live_registration.is_some(),
        guild_creation_is_live: live_creation.is_some(),
    })
}

fn known<T>(parsed: Result<T, String>, setting: &str, word: &str) -> Option<T> {
    parsed
        .map_err(|reason| {
            tracing::warn!(setting, word, %reason, "a live instance setting this build does not know; following the configuration")
        })
        .ok()
}

/// Who may register now.
pub async fn registration(state: &AppState) -> AppResult<RegistrationMode> {
    Ok(in_force(state).await?.registration)
}

/// Who may create guilds now.
pub async fn guild_creation(state: &AppState) -> AppResult<GuildCreation> {
    Ok(in_force(state).await?.guild_creation)
}
