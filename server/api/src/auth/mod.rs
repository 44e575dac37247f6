//! Credentials: password hashing, access tokens, refresh tokens, and ended sign-ins
//! reaching open connections.

pub mod access_token;
pub mod bot_token;
pub mod password;
pub mod refresh_token;
pub mod revocation;

pub use access_token::{AccessClaims, TokenIssuer};
pub use password::PasswordHasher;
