//! Credentials: password hashing, access tokens, refresh tokens.

pub mod access_token;
pub mod bot_token;
pub mod password;
pub mod refresh_token;

pub use access_token::{AccessClaims, TokenIssuer};
pub use password::PasswordHasher;
