//! Voice outside the gateway: `GET /voice/ice-servers`, the STUN and TURN servers for the
//! signed-in user with a fresh short-lived TURN credential (a Parley extension: Discord's
//! clients are told their media server instead; the web client asks before joining a voice
//! channel); the voice regions (this instance is one); and members' voice states.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use parley_app::AppState;
use parley_app::access::GuildAccess;
use parley_app::error::{AppError, AppResult};
use parley_app::voice::states::VoiceState;
use parley_core::{ErrorCode, Permissions, Snowflake, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::path::Unknown;
use crate::extract::{AuthUser, Json, Path, PathParams};
use crate::models::{ErrorBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ice_servers))
        .routes(routes!(voice_regions))
        .routes(routes!(guild_voice_regions))
        .routes(routes!(my_voice_state))
        .routes(routes!(voice_state))
}

/// One entry of `RTCConfiguration.iceServers`, as the browser takes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IceServers {
    pub ice_servers: Vec<IceServer>,
    /// Seconds the TURN credential stays valid; ask again before then.
    pub ttl: u64,
}

/// The ICE servers to use for voice, with a TURN credential for the current user. Empty when
/// the instance has no TURN server configured (media then needs direct connectivity).
#[utoipa::path(get, path = "/voice/ice-servers", tag = "voice", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = IceServers),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        TooManyRequests,
    ))]
async fn ice_servers(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<IceServers>> {
    let Some(turn) = &state.config.turn else {
        return Ok(Json(IceServers { ice_servers: Vec::new(), ttl: 0 }));
    };
    let now = u64::try_from(Timestamp::now().unix_millis() / 1000).unwrap_or_default();
    let credential = turn.credential(auth.user_id, now);
    let mut ice_servers = Vec::new();
    if !turn.stun_urls.is_empty() {
        ice_servers.push(IceServer { urls: turn.stun_urls.clone(), username: None, credential: None });
    }
    if !turn.turn_urls.is_empty() {
        ice_servers.push(IceServer {
            urls: turn.turn_urls.clone(),
            username: Some(credential.username),
            credential: Some(credential.password),
        });
    }
    Ok(Json(IceServers { ice_servers, ttl: turn.ttl().as_secs() }))
}

/// A voice region, as Discord's voice region object.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoiceRegion {
    /// Always `parley`.
    pub id: &'static str,
    /// The host this instance was reached at.
    pub name: String,
    /// Always true: the one region is the closest.
    pub optimal: bool,
    pub deprecated: bool,
    pub custom: bool,
}

/// The instance as a voice region: its media is served where its API is.
fn this_instance(headers: &HeaderMap, uri: &Uri) -> Vec<VoiceRegion> {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).or(uri.authority().map(|a| a.as_str()));
    // Without the port (an IPv6 literal keeps its brackets).
    let name = host
        .map_or("Parley", |h| if h.ends_with(']') { h } else { h.rsplit_once(':').map_or(h, |(name, _)| name) })
        .to_owned();
    vec![VoiceRegion { id: "parley", name, optimal: true, deprecated: false, custom: false }]
}

/// The voice regions: one, this instance.
#[utoipa::path(get, path = "/voice/regions", tag = "voice", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<VoiceRegion>),
        (status = 400, description = "NUL (%00) in the query (50035)", body = ErrorBody),
        SignedIn,
        TooManyRequests,
    ))]
async fn voice_regions(_auth: AuthUser, headers: HeaderMap, uri: Uri) -> Json<Vec<VoiceRegion>> {
    Json(this_instance(&headers, &uri))
}

/// The guild's voice regions (members only): this instance.
#[utoipa::path(get, path = "/guilds/{guild_id}/regions", tag = "voice", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<VoiceRegion>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn guild_voice_regions(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    uri: Uri,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<Vec<VoiceRegion>>> {
    GuildAccess::load(&state, guild_id, auth.user_id).await?;
    Ok(Json(this_instance(&headers, &uri)))
}

pub fn unknown_voice_state() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownVoiceState)
}

/// `user_id`'s voice state in the guild, if they are in a voice channel the caller can see
/// (VOICE_STATE_UPDATE reaches only those who can see the channel, and so does this).
async fn voice_state_of(
    state: &AppState,
    auth: &AuthUser,
    guild_id: Snowflake,
    user_id: Snowflake,
) -> AppResult<Json<VoiceState>> {
    let access = GuildAccess::load(state, guild_id, auth.user_id).await?;
    let voice = state.voice_states.of_member(access.guild.id, user_id).ok_or_else(unknown_voice_state)?;
    let channel = voice.channel_id.and_then(|id| access.channels.iter().find(|c| c.id == id));
    match channel {
        Some(channel) if access.channel_permissions(channel).contains(Permissions::VIEW_CHANNEL) => Ok(Json(voice)),
        _ => Err(unknown_voice_state()),
    }
}

/// My voice state in the guild.
#[utoipa::path(get, path = "/guilds/{guild_id}/voice-states/@me", tag = "voice", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = VoiceState),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004), or not in voice there (10065)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn my_voice_state(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<VoiceState>> {
    voice_state_of(&state, &auth, guild_id, auth.user_id).await
}

/// A member's voice state: a `user_id` that is no id is in no voice channel (10065).
#[derive(Debug, Deserialize)]
struct VoiceStatePath {
    guild_id: Snowflake,
    user_id: Snowflake,
}

impl PathParams for VoiceStatePath {
    const UNKNOWN: &'static [Unknown] = &[("user_id", unknown_voice_state)];
}

/// A member's voice state in the guild.
#[utoipa::path(get, path = "/guilds/{guild_id}/voice-states/{user_id}", tag = "voice", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = VoiceState),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004), or they are not in voice there, or in a channel you cannot see (10065)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn voice_state(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(VoiceStatePath { guild_id, user_id }): Path<VoiceStatePath>,
) -> AppResult<Json<VoiceState>> {
    voice_state_of(&state, &auth, guild_id, user_id).await
}
