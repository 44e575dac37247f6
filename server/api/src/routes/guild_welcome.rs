//! A guild's welcome screen (a description and up to five channels to start in, shown to
//! newcomers) and its widget settings, in Discord's shapes. Members read the welcome screen
//! while it is enabled; MANAGE_GUILD reads it always and changes both (GUILD_UPDATE follows,
//! audited as a guild update).

use axum::extract::State;
use parley_app::AppState;
use parley_app::access::{GuildAccess, unknown_guild};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::error::{AppError, AppResult};
use parley_app::objects::guild::{GuildObject, guild_update_event};
use parley_app::patch::nullable;
use parley_core::{ChannelKind, FieldErrors, Permissions, Snowflake};
use parley_store::guilds::GuildRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_welcome_screen, modify_welcome_screen))
        .routes(routes!(get_widget_settings, modify_widget_settings))
}

/// At most this many channels on a welcome screen (Discord's limit).
pub const MAX_WELCOME_CHANNELS: usize = 5;

/// One channel a newcomer is pointed to.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct WelcomeChannel {
    #[schema(value_type = schema::Snowflake)]
    pub channel_id: Snowflake,
    /// 1-50 characters.
    #[schema(min_length = 1, max_length = 50)]
    pub description: String,
    #[serde(default)]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub emoji_id: Option<Snowflake>,
    /// A unicode emoji, up to 32 characters.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub emoji_name: Option<String>,
}

/// The welcome screen as kept (with whether it is shown).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct StoredWelcome {
    enabled: bool,
    description: Option<String>,
    welcome_channels: Vec<WelcomeChannel>,
}

/// A welcome screen, as Discord's API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WelcomeScreen {
    pub description: Option<String>,
    pub welcome_channels: Vec<WelcomeChannel>,
}

fn stored(guild: &GuildRecord) -> StoredWelcome {
    guild.welcome_screen.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
}

/// The welcome screen (members, while it is enabled; MANAGE_GUILD always).
#[utoipa::path(get, path = "/guilds/{guild_id}/welcome-screen", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = WelcomeScreen),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001), or disabled and no MANAGE_GUILD (50013)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_welcome_screen(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<WelcomeScreen>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let welcome = stored(&access.guild);
    if !welcome.enabled {
        access.require(Permissions::MANAGE_GUILD)?;
    }
    Ok(Json(WelcomeScreen { description: welcome.description, welcome_channels: welcome.welcome_channels }))
}

/// Changes to a welcome screen: what is left out stays.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WelcomeScreenPatch {
    pub enabled: Option<bool>,
    /// Up to 140 characters; null or empty clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 140)]
    pub description: Option<Option<String>>,
    /// Up to 5 text channels of the guild, each once.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<WelcomeChannel>>, max_items = 5)]
    pub welcome_channels: Option<Option<Vec<WelcomeChannel>>>,
}

/// GUILD_UPDATE with the guild as it now is, to its members.
async fn announce(state: &AppState, access: &GuildAccess, updated: &GuildRecord) -> AppResult<()> {
    let emojis = state.store.guild_emojis(updated.id).await?;
    let guild = GuildObject::new(updated, &access.roles).with_emojis(&emojis);
    state.publish(guild_update_event(&guild));
    Ok(())
}

/// Change the welcome screen (MANAGE_GUILD).
#[utoipa::path(patch, path = "/guilds/{guild_id}/welcome-screen", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = WelcomeScreenPatch,
    responses(
        (status = 200, description = "OK", body = WelcomeScreen),
        (status = 400, description = "Invalid fields, a channel not a text channel of the guild or named twice (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_welcome_screen(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<WelcomeScreenPatch>,
) -> AppResult<Json<WelcomeScreen>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_GUILD)?;
    let mut welcome = stored(&access.guild);
    let mut errors = FieldErrors::new();
    if let Some(enabled) = body.enabled {
        welcome.enabled = enabled;
    }
    if let Some(description) = body.description {
        let description = description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        if description.as_ref().is_some_and(|d| d.chars().count() > 140) {
            errors.add("description", "BASE_TYPE_MAX_LENGTH", "Must be 140 or fewer in length.");
        }
        welcome.description = description;
    }
    if let Some(channels) = body.welcome_channels {
        let channels = channels.unwrap_or_default();
        if channels.len() > MAX_WELCOME_CHANNELS {
            errors.add("welcome_channels", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.");
        }
        for (i, c) in channels.iter().enumerate().take(MAX_WELCOME_CHANNELS) {
            let at = |field: &str| vec!["welcome_channels".to_owned(), i.to_string(), field.to_owned()];
            let text = access.channels.iter().any(|g| g.id == c.channel_id && g.kind == ChannelKind::Text);
            if !text || channels[..i].iter().any(|p| p.channel_id == c.channel_id) {
                errors.add_at(at("channel_id"), "CHANNEL_UNKNOWN", "Must be a text channel of this guild, named once.");
            }
            if !(1..=50).contains(&c.description.chars().count()) {
                errors.add_at(at("description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 50 in length.");
            }
            if c.emoji_name.as_ref().is_some_and(|e| e.chars().count() > 32) {
                errors.add_at(at("emoji_name"), "BASE_TYPE_MAX_LENGTH", "Must be 32 or fewer in length.");
            }
        }
        welcome.welcome_channels = channels;
    }
    errors.into_result()?;
    let json = serde_json::to_string(&welcome).map_err(|e| AppError::internal(format!("welcome screen: {e}")))?;
    let before = access.guild.welcome_screen.clone().map(serde_json::Value::String);
    let entry = audit::entry(
        &state,
        guild_id,
        auth.user_id,
        AuditAction::GuildUpdate,
        Some(guild_id),
        vec![audit::change("welcome_screen", before, Some(serde_json::Value::String(json.clone())))],
        &reason,
    );
    let updated = state.store.set_welcome_screen(guild_id, &json, Some(&entry)).await?.ok_or_else(unknown_guild)?;
    announce(&state, &access, &updated).await?;
    Ok(Json(WelcomeScreen { description: welcome.description, welcome_channels: welcome.welcome_channels }))
}

/// A guild's widget settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetSettings {
    pub enabled: bool,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub channel_id: Option<Snowflake>,
}

fn widget(guild: &GuildRecord) -> WidgetSettings {
    WidgetSettings { enabled: guild.widget_enabled, channel_id: guild.widget_channel_id.map(Snowflake::from_i64) }
}

/// The widget settings (MANAGE_GUILD).
#[utoipa::path(get, path = "/guilds/{guild_id}/widget", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = WidgetSettings),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_widget_settings(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<WidgetSettings>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_GUILD)?;
    Ok(Json(widget(&access.guild)))
}

/// Changes to the widget settings: what is left out stays; `channel_id: null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WidgetSettingsPatch {
    pub enabled: Option<bool>,
    /// The channel its invite leads to: a text channel of the guild.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub channel_id: Option<Option<Snowflake>>,
}

/// Change the widget settings (MANAGE_GUILD).
#[utoipa::path(patch, path = "/guilds/{guild_id}/widget", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = WidgetSettingsPatch,
    responses(
        (status = 200, description = "OK", body = WidgetSettings),
        (status = 400, description = "A channel not a text channel of the guild (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD (50013), or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_widget_settings(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<WidgetSettingsPatch>,
) -> AppResult<Json<WidgetSettings>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_GUILD)?;
    let before = widget(&access.guild);
    let enabled = body.enabled.unwrap_or(before.enabled);
    let channel_id = body.channel_id.unwrap_or(before.channel_id);
    if let Some(id) = channel_id
        && !access.channels.iter().any(|c| c.id == id && c.kind == ChannelKind::Text)
    {
        return Err(AppError::field("channel_id", "CHANNEL_UNKNOWN", "Must be a text channel of this guild."));
    }
    let entry = audit::entry(
        &state,
        guild_id,
        auth.user_id,
        AuditAction::GuildUpdate,
        Some(guild_id),
        vec![
            audit::change("widget_enabled", Some(before.enabled.into()), Some(enabled.into())),
            audit::change(
                "widget_channel_id",
                before.channel_id.map(|c| c.to_string().into()),
                channel_id.map(|c| c.to_string().into()),
            ),
        ],
        &reason,
    );
    let updated =
        state.store.set_widget(guild_id, enabled, channel_id, Some(&entry)).await?.ok_or_else(unknown_guild)?;
    announce(&state, &access, &updated).await?;
    Ok(Json(widget(&updated)))
}
