//! The signed-in user's device sessions: list them, end one, end all others.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::auth::unknown_session;
use parley_app::error::AppResult;
use parley_core::{Snowflake, Timestamp};
use parley_store::sessions::RevokeReason;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, SessionInfo, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
        .routes(routes!(revoke_other_sessions))
}

/// My live sessions, most recently used first; `current` marks the one asking.
#[utoipa::path(get, path = "/auth/sessions", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<SessionInfo>),
        (status = 403, description = "Bots have no sessions (20001)", body = ErrorBody),
        SignedIn,
        TooManyRequests,
    ))]
async fn list_sessions(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<Vec<SessionInfo>>> {
    let current = auth.session()?.id;
    let sessions = state.store.active_sessions(auth.user_id).await?;
    Ok(Json(
        sessions
            .into_iter()
            .map(|s| SessionInfo {
                current: s.id == current,
                id: s.id,
                device_id: s.device_id,
                device_name: s.device_name,
                user_agent: s.user_agent,
                ip: s.ip,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
            })
            .collect(),
    ))
}

/// End one of my sessions (the current one too, which is the same as logging out).
#[utoipa::path(delete, path = "/auth/sessions/{session_id}", tag = "sessions", security(("bearer" = [])),
    params(("session_id" = schema::Snowflake, Path, description = "The session's id")),
    responses(
        (status = 204, description = "Session ended"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = "No live session of mine has that id (90007)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn revoke_session(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(session_id): Path<Snowflake>,
) -> AppResult<StatusCode> {
    if state.store.revoke_session(auth.user_id, session_id, RevokeReason::RevokedByUser, Timestamp::now()).await? {
        parley_app::auth::revocation::sessions_ended(&state, auth.user_id, vec![session_id]);
        tracing::info!(user_id = %auth.user_id, %session_id, "session revoked by its user");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(unknown_session())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedCount {
    /// How many sessions ended.
    pub revoked: u64,
}

/// End every session of mine except the one asking.
#[utoipa::path(post, path = "/auth/sessions/revoke-others", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = RevokedCount),
        (status = 403, description = "Bots have no sessions (20001)", body = ErrorBody),
        SignedIn,
        TooManyRequests,
    ))]
async fn revoke_other_sessions(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<RevokedCount>> {
    let ended = state
        .store
        .revoke_other_sessions(auth.user_id, auth.session()?.id, RevokeReason::RevokedByUser, Timestamp::now())
        .await?;
    let revoked = ended.len() as u64;
    parley_app::auth::revocation::sessions_ended(&state, auth.user_id, ended);
    Ok(Json(RevokedCount { revoked }))
}
