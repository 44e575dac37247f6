//! The authenticated caller. A request is authenticated when it carries a valid access
//! token (`Authorization: Bearer <jwt>`, or the bare token as Discord clients send it) and
//! the session the token belongs to is still live, so revoking a session takes effect at
//! once rather than when its last access token expires.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use parley_core::{Snowflake, Timestamp};
use parley_store::sessions::SessionRecord;
use parley_store::users::UserRecord;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::client::ClientMeta;

/// How stale a session's last-seen time may get before a request refreshes it.
const SESSION_TOUCH_INTERVAL_MS: i64 = 60_000;

#[derive(Clone, Debug)]
pub struct AuthUser {
    pub user_id: Snowflake,
    pub session: SessionRecord,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        let raw = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let token = raw.strip_prefix("Bearer ").unwrap_or(raw).trim();
        let user = authenticate(state, token).await?;
        let session = &user.session;
        // Last-seen is kept to the minute; checking here, on the row already loaded, keeps
        // most requests free of any write (on SQLite even a no-op UPDATE takes the write lock).
        let now = Timestamp::now();
        if now.unix_millis() - session.last_seen_at.unix_millis() >= SESSION_TOUCH_INTERVAL_MS {
            let client = ClientMeta::from_request_parts(parts, state).await?;
            state.store.touch_session(session.id, &client.ip.to_string(), now).await?;
        }
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// Checks an access token and that its session is still live (what every request does, and
/// what the gateway does on IDENTIFY and RESUME). 401 (40001) otherwise.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state.tokens.verify(token, Timestamp::now()).map_err(|reason| {
        tracing::debug!(%reason, "access token refused");
        ApiError::unauthorized()
    })?;
    let session = state
        .store
        .session_by_id(claims.session_id)
        .await?
        .filter(|s| s.is_active() && s.user_id == claims.user_id)
        .ok_or_else(ApiError::unauthorized)?;
    Ok(AuthUser { user_id: claims.user_id, session })
}

/// An authenticated instance admin; anyone else gets 403 (code 50013).
#[derive(Clone, Debug)]
pub struct AdminUser {
    pub user: UserRecord,
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = AuthUser::from_request_parts(parts, state).await?;
        let user = state.store.user_by_id(auth.user_id).await?.ok_or_else(ApiError::unauthorized)?;
        if !user.is_admin {
            return Err(ApiError::forbidden());
        }
        Ok(AdminUser { user })
    }
}
