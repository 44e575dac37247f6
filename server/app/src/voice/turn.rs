//! TURN credentials for coturn's `use-auth-secret` (the "TURN REST API" scheme): the username
//! is `<expiry unix time>:<user id>` and the password is the base64 HMAC-SHA1 of the username
//! under the secret Parley and coturn share. coturn checks both the HMAC and that the expiry
//! has not passed, so a credential needs no storage and cannot be extended or forged.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use parley_core::Snowflake;
use sha1::Sha1;

/// The shortest and longest lifetimes a credential may be given.
pub const MIN_TTL: Duration = Duration::from_secs(60);
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// Where clients find STUN and TURN, and the secret shared with coturn.
#[derive(Clone)]
pub struct TurnConfig {
    pub secret: String,
    /// `stun:` URLs (no credential needed).
    pub stun_urls: Vec<String>,
    /// `turn:` and `turns:` URLs, given with a credential.
    pub turn_urls: Vec<String>,
    /// How long a credential lasts, clamped to [`MIN_TTL`]..=[`MAX_TTL`].
    pub ttl: Duration,
}

impl std::fmt::Debug for TurnConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("TurnConfig")
            .field("stun_urls", &self.stun_urls)
            .field("turn_urls", &self.turn_urls)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// A credential for one user, valid until `expires_at` (Unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub password: String,
    pub expires_at: u64,
}

impl TurnConfig {
    pub fn ttl(&self) -> Duration {
        self.ttl.clamp(MIN_TTL, MAX_TTL)
    }

    /// A credential for `user` issued at `now` (Unix seconds).
    pub fn credential(&self, user: Snowflake, now: u64) -> Credential {
        let expires_at = now + self.ttl().as_secs();
        let username = format!("{expires_at}:{user}");
        Credential { password: sign(&self.secret, &username), username, expires_at }
    }
}

/// base64(HMAC-SHA1(secret, username)), as coturn computes it.
pub fn sign(secret: &str, username: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(username.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ttl: u64) -> TurnConfig {
        TurnConfig { secret: "s3cret".into(), stun_urls: vec![], turn_urls: vec![], ttl: Duration::from_secs(ttl) }
    }

    #[test]
    fn the_password_is_the_base64_hmac_sha1_of_the_username() {
        // RFC 2202's second HMAC-SHA1 test case: key "Jefe".
        assert_eq!(sign("Jefe", "what do ya want for nothing?"), "7/zfauXrL6LSdBbV8YTfnCWafHk=");
    }

    #[test]
    fn a_credential_names_its_expiry_and_user_and_the_lifetime_is_clamped() {
        let user = Snowflake::new(1234);
        let credential = config(600).credential(user, 1_000_000);
        assert_eq!(credential.username, "1000600:1234");
        assert_eq!(credential.expires_at, 1_000_600);
        assert_eq!(credential.password, sign("s3cret", "1000600:1234"));
        assert_eq!(config(1).credential(user, 0).expires_at, 60, "at least a minute");
        assert_eq!(config(10_000_000).credential(user, 0).expires_at, 86_400, "at most a day");
    }
}
