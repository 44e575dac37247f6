//! Who is calling. A credential is valid when it is a live access token (`Bearer <jwt>`, or
//! the bare token as Discord clients send it) whose session is still live, so revoking a
//! session takes effect at once rather than when its last access token expires; or a bot
//! token (`Bot <token>`), checked against its application's stored hash. REST requests and
//! gateway IDENTIFYs are checked the same way.

use axum::http::StatusCode;
use parley_core::{ErrorCode, Snowflake, Timestamp};
use parley_store::sessions::SessionRecord;

use crate::AppState;
use crate::auth::access_token::TokenError;
use crate::auth::bot_token;
use crate::error::AppError;

/// Who is calling: a user through one of their device sessions, or a bot.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: Snowflake,
    /// The device session behind a user's access token; bots have none.
    pub session: Option<SessionRecord>,
}

impl Caller {
    pub fn is_bot(&self) -> bool {
        self.session.is_none()
    }

    /// The caller's device session; 403 (20001) for bots, which have none.
    pub fn session(&self) -> Result<&SessionRecord, AppError> {
        self.session.as_ref().ok_or_else(|| {
            AppError::with_message(StatusCode::FORBIDDEN, ErrorCode::BotsCannotUse, "Bots cannot use this endpoint")
        })
    }
}

/// Checks a credential as it comes in an `Authorization` header or a gateway IDENTIFY:
/// `Bot <token>`, `Bearer <access token>`, or either bare (a bot token has one dot, a JWT
/// two). 401 (40001) for anything that is not valid now.
pub async fn authenticate(state: &AppState, credential: &str) -> Result<Caller, AppError> {
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

async fn authenticate_bot(state: &AppState, token: &str) -> Result<Caller, AppError> {
    let bot_id = bot_token::bot_id(token).ok_or_else(AppError::unauthorized)?;
    let (token_hash, disabled) = state.store.bot_credentials(bot_id).await?.ok_or_else(AppError::unauthorized)?;
    if !bot_token::matches(token, &token_hash) {
        tracing::debug!(%bot_id, "bot token refused");
        return Err(AppError::unauthorized());
    }
    if disabled {
        // An instance admin disabled the bot's account: its token is refused as a revoked one.
        tracing::debug!(%bot_id, "bot token of a disabled account refused");
        return Err(AppError::unauthorized());
    }
    Ok(Caller { user_id: bot_id, session: None })
}

/// Checks an access token and that its session is still live.
async fn authenticate_user(state: &AppState, token: &str) -> Result<Caller, AppError> {
    let claims = state.tokens.verify(token, Timestamp::now()).map_err(|reason| {
        match &reason {
            TokenError::WrongIssuer(issuer) => warn_of_another_public_url(issuer, state.tokens.issuer()),
            _ => tracing::debug!(%reason, "access token refused"),
        }
        AppError::unauthorized()
    })?;
    let session = state
        .store
        .session_by_id(claims.session_id)
        .await?
        .filter(|s| s.is_active() && s.user_id == claims.user_id)
        .ok_or_else(AppError::unauthorized)?;
    Ok(Caller { user_id: claims.user_id, session: Some(session) })
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
