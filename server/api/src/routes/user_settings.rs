//! My settings that decide what others may do to me: whose guild members may start a DM with
//! me (`GET` and `PATCH /users/@me/settings`, the fields of Discord's user settings that
//! Parley keeps). People only: bots get 20001.

use axum::extract::State;
use parley_app::AppState;
use parley_app::error::{AppError, AppResult};
use parley_app::relationships::UserSettingsObject;
use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName, Keys};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, modify_settings))
}

/// A change to my settings; fields Discord's clients send that Parley does not keep are
/// accepted and ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserSettingsPatch {
    /// Guilds whose members may not start a DM with me (replaces the list; each must be a
    /// guild I am in).
    #[schema(value_type = Option<Vec<schema::Snowflake>>)]
    pub restricted_guilds: Option<Vec<Snowflake>>,
    /// Add each guild I join to `restricted_guilds`.
    pub default_guilds_restricted: Option<bool>,
}

/// My settings.
#[utoipa::path(get, path = "/users/@me/settings", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = UserSettingsObject),
        SignedIn,
        (status = 403, description = "Bots have no settings (20001)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_settings(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<UserSettingsObject>> {
    auth.session()?;
    Ok(Json(state.store.dm_privacy(auth.user_id).await?.into()))
}

/// Change whose guild members may start a DM with me: none of a guild's (`restricted_guilds`),
/// and whether guilds I join are added (`default_guilds_restricted`); both together make
/// "nobody". People I already share a DM with are held to it too. My sessions get
/// USER_SETTINGS_UPDATE.
#[utoipa::path(patch, path = "/users/@me/settings", tag = "users", security(("bearer" = [])),
    request_body = UserSettingsPatch,
    responses(
        (status = 200, description = "OK: the settings as now stored", body = UserSettingsObject),
        (status = 400, description = "A guild I am not in, or more guilds than I am in (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Bots have no settings (20001)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_settings(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<UserSettingsPatch>,
) -> AppResult<Json<UserSettingsObject>> {
    auth.session()?;
    if let Some(guilds) = &body.restricted_guilds {
        let mine: Vec<Snowflake> = state.store.guilds_of_member(auth.user_id).await?.iter().map(|g| g.id).collect();
        if let Some(stranger) = guilds.iter().find(|g| !mine.contains(g)) {
            return Err(AppError::field(
                "restricted_guilds",
                "RESTRICTED_GUILD_UNKNOWN",
                format!("{stranger} is not a guild you are a member of."),
            ));
        }
    }
    let mut restricted = body.restricted_guilds.clone();
    if let Some(list) = restricted.as_mut() {
        list.sort();
        list.dedup();
    }
    state.store.set_dm_privacy(auth.user_id, body.default_guilds_restricted, restricted.as_deref()).await?;
    let settings: UserSettingsObject = state.store.dm_privacy(auth.user_id).await?.into();
    state.publish(Event::new(
        EventName::UserSettingsUpdate,
        Audience::Users(vec![auth.user_id]),
        Keys::none(),
        &settings,
    ));
    Ok(Json(settings))
}
