//! Gateway discovery: where the WebSocket is (`GET /gateway`), and for bots also how many
//! shards to use and how many sessions they may still start (`GET /gateway/bot`).

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use parley_app::AppState;
use parley_app::error::AppResult;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json};
use crate::models::{SignedIn, TooManyRequests};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(gateway)).routes(routes!(gateway_bot))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayResponse {
    /// Connect here with `?v=10&encoding=json` (and optionally `&compress=zlib-stream`).
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionStartLimit {
    pub total: u32,
    pub remaining: u32,
    /// Milliseconds until `remaining` resets.
    pub reset_after: u64,
    pub max_concurrency: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayBotResponse {
    pub url: String,
    /// Always 1: one Parley node serves every guild on a connection.
    pub shards: u32,
    pub session_start_limit: SessionStartLimit,
}

/// Where the gateway is. Needs no sign-in.
#[utoipa::path(get, path = "/gateway", tag = "gateway", responses(
        (status = 200, description = "OK", body = GatewayResponse),
        TooManyRequests,
    ))]
async fn gateway(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Json<GatewayResponse> {
    Json(GatewayResponse { url: state.config.gateway_url(&headers, uri.authority().map(|a| a.as_str())) })
}

/// Where the gateway is, with the shard count and session start limit bot libraries read.
#[utoipa::path(get, path = "/gateway/bot", tag = "gateway", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = GatewayBotResponse),
        SignedIn,
        TooManyRequests,
    ))]
async fn gateway_bot(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    uri: Uri,
) -> AppResult<Json<GatewayBotResponse>> {
    // What the gateway enforces (gateway_identifies_per_day and _per_5s), as it stands for
    // this account now.
    let starts = state.rest_limits.session_starts(auth.user_id).await;
    Ok(Json(GatewayBotResponse {
        url: state.config.gateway_url(&headers, uri.authority().map(|a| a.as_str())),
        shards: 1,
        session_start_limit: SessionStartLimit {
            total: starts.total,
            remaining: starts.remaining,
            reset_after: starts.reset_after.as_millis() as u64,
            max_concurrency: starts.max_concurrency,
        },
    }))
}
