//! The authenticated caller. A request is authenticated when it carries a valid access
//! token (`Authorization: Bearer <jwt>`, or the bare token as Discord clients send it) and
//! the session the token belongs to is still live, so revoking a session takes effect at
//! once rather than when its last access token expires; or a bot token
//! (`Authorization: Bot <token>`), checked against its application's stored hash.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use parley_core::ErrorCode;
use parley_core::{Snowflake, Timestamp};
use parley_store::sessions::SessionRecord;
use parley_store::users::UserRecord;

use crate::AppState;
use crate::auth::access_token::TokenError;
use crate::auth::bot_token;
use crate::error::ApiError;
use crate::extract::client::ClientMeta;

/// How stale a session's last-seen time may get before a request refreshes it.
const SESSION_TOUCH_INTERVAL_MS: i64 = 60_000;

#[derive(Clone, Debug)]
pub struct AuthUser {
    pub user_id: Snowflake,
    /// The device session behind a user's access token; bots have none.
    pub session: Option<SessionRecord>,
}

impl AuthUser {
    pub fn is_bot(&self) -> bool {
        self.session.is_none()
    }

    /// The caller's device session; 403 (20001) for bots, which have none.
    pub fn session(&self) -> Result<&SessionRecord, ApiError> {
        self.session.as_ref().ok_or_else(|| {
            ApiError::with_message(StatusCode::FORBIDDEN, ErrorCode::BotsCannotUse, "Bots cannot use this endpoint")
        })
    }
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
        let user = authenticate(state, raw).await?;
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

/// Checks a credential as it comes in an `Authorization` header or a gateway IDENTIFY:
/// `Bot <token>`, `Bearer <access token>`, or either bare (a bot token has one dot, a JWT
/// two). 401 (40001) for anything that is not valid now.
pub async fn authenticate(state: &AppState, credential: &str) -> Result<AuthUser, ApiError> {
    let credential = credential.trim();
    if let Some(token) = credential.strip_prefix("Bot ") {
        return authenticate_bot(state, token.trim()).await;
    }
    let token = credential.strip_prefix("Bearer ").unwrap_or(credential).trim();
    if bot_token::bot_id(token).is_some() {
        return authenticate_bot(state, token).await;
    }
    authenticate_user(state, token).await
}

async fn authenticate_bot(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let bot_id = bot_token::bot_id(token).ok_or_else(ApiError::unauthorized)?;
    let application = state.store.application(bot_id).await?.ok_or_else(ApiError::unauthorized)?;
    if !bot_token::matches(token, &application.token_hash) {
        tracing::debug!(%bot_id, "bot token refused");
        return Err(ApiError::unauthorized());
    }
    Ok(AuthUser { user_id: bot_id, session: None })
}

/// Checks an access token and that its session is still live.
async fn authenticate_user(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state.tokens.verify(token, Timestamp::now()).map_err(|reason| {
        match &reason {
            TokenError::WrongIssuer(issuer) => warn_of_another_public_url(issuer, state.tokens.issuer()),
            _ => tracing::debug!(%reason, "access token refused"),
        }
        ApiError::unauthorized()
    })?;
    let session = state
        .store
        .session_by_id(claims.session_id)
        .await?
        .filter(|s| s.is_active() && s.user_id == claims.user_id)
        .ok_or_else(ApiError::unauthorized)?;
    Ok(AuthUser { user_id: claims.user_id, session: Some(session) })
}

/// A token signed with this instance's key but issued for another `public_url`: another node
/// of the cluster is configured differently, and its users are refused here. Said at most once
/// a minute, as it would be on every request.
fn warn_of_another_public_url(theirs: &str, ours: &str) {
    static LAST: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let now = Timestamp::now().unix_millis();
    let last = LAST.load(std::sync::atomic::Ordering::Relaxed);
    if now - last >= 60_000
        && LAST
            .compare_exchange(last, now, std::sync::atomic::Ordering::Relaxed, std::sync::atomic::Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(
            token_issuer = theirs,
            public_url = ours,
            "refused an access token issued by a node whose public_url is {theirs}, not this node's {ours}: \
             every node of a cluster must have the same public_url (setting public_url)"
        );
    }
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
