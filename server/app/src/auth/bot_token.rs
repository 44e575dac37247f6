//! Bot tokens: `<bot id, base64url>.<256 random bits, base64url>`, shown to the owner once;
//! only their SHA-256 is stored. The id part lets a request find its application in one
//! lookup, the way Discord's tokens name their bot.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parley_core::Snowflake;

/// A new token for `bot_id` and the hash to store for it.
pub fn generate(bot_id: Snowflake) -> (String, String) {
    let token = format!("{}.{}", URL_SAFE_NO_PAD.encode(bot_id.to_string()), super::refresh_token::random_code(32));
    let hash = super::refresh_token::hash(&token);
    (token, hash)
}

/// The bot a token claims to be, if it is shaped like a bot token at all.
pub fn bot_id(token: &str) -> Option<Snowflake> {
    let (id, secret) = token.split_once('.')?;
    if secret.is_empty() || secret.contains('.') {
        return None;
    }
    String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?.parse().ok()
}

/// Compares a presented token's hash with the stored one in constant time.
pub fn matches(token: &str, stored_hash: &str) -> bool {
    let presented = super::refresh_token::hash(token);
    presented.len() == stored_hash.len()
        && presented.bytes().zip(stored_hash.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_bot_and_only_it_matches_its_hash() {
        let id = Snowflake::new(175928847299117063);
        let (token, hash) = generate(id);
        assert_eq!(bot_id(&token), Some(id));
        assert!(matches(&token, &hash));
        let (other, _) = generate(id);
        assert!(!matches(&other, &hash));
        assert_eq!(bot_id("eyJhbGciOi.eyJzdWIi.sig"), None, "a JWT is not a bot token");
        assert_eq!(bot_id("nodot"), None);
    }
}
