//! The authenticated caller, from the request's `Authorization` header (checked by
//! `parley_app::auth::caller`), and the instance admin.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use parley_core::Timestamp;
use parley_store::users::UserRecord;

use parley_app::AppState;
use parley_app::auth::caller::{Caller, authenticate};
use parley_app::error::AppError;

use crate::extract::client::ClientMeta;

/// How stale a session's last-seen time may get before a request refreshes it.
const SESSION_TOUCH_INTERVAL_MS: i64 = 60_000;

/// The authenticated caller of a request (see [`Caller`]); read once per request and kept in
/// the request's extensions for the handler.
#[derive(Clone, Debug)]
pub struct AuthUser(pub Caller);

impl std::ops::Deref for AuthUser {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        let raw = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(AppError::unauthorized)?;
        let user = AuthUser(authenticate(state, raw).await?);
        // Last-seen is kept to the minute; checking here, on the row already loaded, keeps
        // most requests free of any write (on SQLite even a no-op UPDATE takes the write lock).
        let now = Timestamp::now();
        if let Some(session) = &user.session
            && now.unix_millis() - session.last_seen_at.unix_millis() >= SESSION_TOUCH_INTERVAL_MS
        {
            let client = ClientMeta::from_request_parts(parts, state).await?;
            state.store.touch_session(session.id, &client.ip.to_string(), now).await?;
        }
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// An authenticated instance admin; anyone else gets 403 (code 50013).
#[derive(Clone, Debug)]
pub struct AdminUser {
    pub user: UserRecord,
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = AuthUser::from_request_parts(parts, state).await?;
        let user = state.store.user_by_id(auth.user_id).await?.ok_or_else(AppError::unauthorized)?;
        if !user.is_admin {
            return Err(AppError::forbidden());
        }
        Ok(AdminUser { user })
    }
}
