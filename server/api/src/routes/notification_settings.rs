//! Notification settings per guild and channel, in Discord's shape (user guild settings):
//! `PATCH /users/@me/guilds/{guild_id}/settings` (`@me` for DMs), and Parley's `GET` of the
//! same. People only: bots get 20001.

use axum::extract::State;
use parley_app::AppState;
use parley_app::access::unknown_guild;
use parley_app::error::AppResult;
use parley_app::notifications::{self, UserGuildSettings, UserGuildSettingsPatch};
use parley_store::notification_settings::DMS;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path, UserIdOrMe};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, modify_settings))
}

/// `@me` names the person's DMs (kept under guild 0); guild id 0 itself names no guild.
fn scope(guild: UserIdOrMe) -> AppResult<parley_core::Snowflake> {
    match guild {
        UserIdOrMe::Id(id) if id == DMS => Err(unknown_guild()),
        other => Ok(other.or_me(DMS)),
    }
}

/// My notification settings for a guild I am in, or for my DMs (`@me`) (Parley; Discord's
/// clients read them from READY's `user_guild_settings`).
#[utoipa::path(get, path = "/users/@me/guilds/{guild_id}/settings", tag = "notifications", security(("bearer" = [])),
    params(("guild_id" = schema::GuildIdOrMe, Path)),
    responses(
        (status = 200, description = "OK (the defaults if never changed)", body = UserGuildSettings),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Bots have no notification settings (20001)", body = ErrorBody),
        (status = 404, description = "Not a guild I am a member of (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_settings(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild): Path<UserIdOrMe>,
) -> AppResult<Json<UserGuildSettings>> {
    auth.session()?;
    Ok(Json(notifications::settings_of(&state, auth.user_id, scope(guild)?).await?))
}

/// Change my notification settings for a guild I am in, or for my DMs (`@me`): every message,
/// mentions only or nothing; mute (with an end time); suppress @everyone and role mentions;
/// per channel overrides (`channel_overrides`: channel id to its changes). My sessions get
/// USER_GUILD_SETTINGS_UPDATE.
#[utoipa::path(patch, path = "/users/@me/guilds/{guild_id}/settings", tag = "notifications", security(("bearer" = [])),
    params(("guild_id" = schema::GuildIdOrMe, Path)),
    request_body = UserGuildSettingsPatch,
    responses(
        (status = 200, description = "OK: the settings as now stored", body = UserGuildSettings),
        (status = 400, description = "A level out of range, a bad mute time or length, a channel that is not one of the guild's I can see (or of my DMs), more than 500 channels at once (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Bots have no notification settings (20001)", body = ErrorBody),
        (status = 404, description = "Not a guild I am a member of (10004)", body = ErrorBody),
        JsonBody,
        (status = 503, description = "Other changes to these settings kept winning (90008); try again", body = ErrorBody),
        TooManyRequests,
    ))]
async fn modify_settings(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild): Path<UserIdOrMe>,
    Json(body): Json<UserGuildSettingsPatch>,
) -> AppResult<Json<UserGuildSettings>> {
    auth.session()?;
    Ok(Json(notifications::update(&state, auth.user_id, scope(guild)?, &body).await?))
}
