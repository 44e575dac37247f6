//! Interaction tokens: shown once to the application in INTERACTION_CREATE, kept as a hash,
//! valid for 15 minutes. They begin as Discord's do (`aW50ZXJhY3Rpb246`, "interaction:" in
//! base64), which is how `/webhooks/{application_id}/{token}` tells them from webhook tokens.

use std::time::Duration;

use crate::auth::{bot_token, refresh_token};

/// What every interaction token begins with.
pub const PREFIX: &str = "aW50ZXJhY3Rpb246";
/// How long follow-ups may be sent, as on Discord.
pub const LIFETIME: Duration = Duration::from_secs(15 * 60);

/// A new token and the hash to keep.
pub fn generate() -> (String, String) {
    let token = format!("{PREFIX}{}", refresh_token::random_code(64));
    let hash = refresh_token::hash(&token);
    (token, hash)
}

pub fn is_interaction_token(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// Compares a presented token with the kept hash in constant time.
pub fn matches(token: &str, stored_hash: &str) -> bool {
    bot_token::matches(token, stored_hash)
}
