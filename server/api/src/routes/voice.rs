//! `GET /voice/ice-servers`: the STUN and TURN servers for the signed-in user, with a fresh
//! short-lived TURN credential. A Parley extension (Discord's clients are told their media
//! server instead); the web client asks before joining a voice channel.

use axum::extract::State;
use parley_app::AppState;
use parley_app::error::AppResult;
use parley_core::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json};
use crate::models::{ErrorBody, SignedIn, TooManyRequests};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ice_servers))
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
