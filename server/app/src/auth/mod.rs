//! Credentials: password hashing, access tokens, refresh tokens, bot tokens, who a
//! credential names ([`caller`]), and ended sign-ins reaching open connections.
//!
//! - [`access_token`]: Ed25519-signed JWT access tokens, valid 15 minutes.
//! - [`bot_token`]: bot tokens, shown once, stored as a hash.
//! - [`password`]: Argon2id password hashing on a fixed set of worker threads.
//! - [`refresh_token`]: refresh tokens, stored as SHA-256, rotated with reuse detection.
//! - [`revocation`]: ended sign-ins reaching every open connection, on every node.
//! - [`caller`]: who a credential names (a user's live session, or a bot).
//! - [`bootstrap`]: the first admin of an instance others can reach needs its bootstrap token.

pub mod access_token;
pub mod bootstrap;
pub mod bot_token;
pub mod caller;
pub mod password;
pub mod refresh_token;
pub mod revocation;

pub use access_token::{AccessClaims, TokenIssuer};
pub use password::PasswordHasher;

/// 404 (90007): no live session of the caller's has that id.
pub fn unknown_session() -> crate::error::AppError {
    crate::error::AppError::new(axum::http::StatusCode::NOT_FOUND, parley_core::ErrorCode::UnknownSession)
}
