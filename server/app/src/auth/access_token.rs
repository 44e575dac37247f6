//! Access tokens: compact JWS (JWT) signed with Ed25519 (`alg: EdDSA`), valid 15 minutes.
//!
//! Verification accepts exactly one algorithm. The header's `alg` must be `EdDSA`, so the
//! classic forgeries (`alg: none`, or HS256 "signed" with the public key as an HMAC secret)
//! fail before any signature is looked at. Tokens name the session they belong to, and the
//! caller checks that session is still live.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use parley_core::{Snowflake, Timestamp};
use serde::{Deserialize, Serialize};

/// Who a valid token speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: Snowflake,
    pub session_id: Snowflake,
    pub expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Header<'a> {
    alg: &'a str,
    typ: &'a str,
    kid: &'a str,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: Snowflake,
    sid: Snowflake,
    iat: i64,
    exp: i64,
}

/// Why a token was refused; logged, never shown to the client (who just sees 401).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("not a compact JWS")]
    Malformed,
    #[error("algorithm {0:?} is not accepted")]
    WrongAlgorithm(String),
    #[error("signed by an unknown key")]
    UnknownKey,
    #[error("bad signature")]
    BadSignature,
    #[error("expired")]
    Expired,
    #[error("issued in the future")]
    NotYetValid,
    /// Signed with this instance's key, so by a node of this cluster, but for another
    /// `public_url`: the nodes' settings differ.
    #[error("issued by another server: {0}")]
    WrongIssuer(String),
}

/// Signs and verifies access tokens with the instance's Ed25519 key.
#[derive(Clone)]
pub struct TokenIssuer {
    signing: SigningKey,
    verifying: VerifyingKey,
    kid: String,
    issuer: String,
    ttl_ms: i64,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer").field("kid", &self.kid).field("ttl_ms", &self.ttl_ms).finish_non_exhaustive()
    }
}

/// Clock skew tolerated between nodes for `iat`.
const SKEW_MS: i64 = 60_000;

impl TokenIssuer {
    pub fn new(seed: [u8; 32], issuer: impl Into<String>, ttl_ms: i64) -> Self {
        let signing = SigningKey::from_bytes(&seed);
        let verifying = signing.verifying_key();
        // The key id is derived from the public key, so every node sharing a key agrees on it.
        let kid = URL_SAFE_NO_PAD.encode(&verifying.as_bytes()[..8]);
        Self { signing, verifying, kid, issuer: issuer.into(), ttl_ms }
    }

    /// The `public_url` tokens are issued for.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn ttl_ms(&self) -> i64 {
        self.ttl_ms
    }

    /// A secret of its own for `purpose`, derived from the instance's key, so that every node
    /// sharing the key derives the same one and nothing more need be kept (the Ed25519 keys
    /// that sign applications' interactions). Changing the key file changes these too.
    pub fn derived_secret(&self, purpose: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"parley derived secret v1\0");
        hash.update(self.signing.to_bytes());
        hash.update(purpose);
        hash.finalize().into()
    }

    pub fn verifying_key(&self) -> [u8; 32] {
        self.verifying.to_bytes()
    }

    /// A token for `user_id` in `session_id`, valid from `now` for the configured lifetime.
    pub fn issue(&self, user_id: Snowflake, session_id: Snowflake, now: Timestamp) -> String {
        let header = Header { alg: "EdDSA", typ: "JWT", kid: &self.kid };
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: user_id,
            sid: session_id,
            iat: now.unix_millis() / 1000,
            exp: (now.unix_millis() + self.ttl_ms) / 1000,
        };
        let signing_input = format!("{}.{}", encode_json(&header), encode_json(&claims));
        let signature = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    pub fn verify(&self, token: &str, now: Timestamp) -> Result<AccessClaims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header_json = URL_SAFE_NO_PAD.decode(header).map_err(|_| TokenError::Malformed)?;
        let parsed: Header = serde_json::from_slice(&header_json).map_err(|_| TokenError::Malformed)?;
        if parsed.alg != "EdDSA" {
            return Err(TokenError::WrongAlgorithm(parsed.alg.to_owned()));
        }
        if parsed.kid != self.kid {
            return Err(TokenError::UnknownKey);
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
        let signature = Signature::from_slice(&signature).map_err(|_| TokenError::BadSignature)?;
        let signing_input = &token[..header.len() + 1 + claims.len()];
        self.verifying.verify_strict(signing_input.as_bytes(), &signature).map_err(|_| TokenError::BadSignature)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(claims)
            .ok()
            .and_then(|raw| serde_json::from_slice(&raw).ok())
            .ok_or(TokenError::Malformed)?;
        if claims.iss != self.issuer {
            return Err(TokenError::WrongIssuer(claims.iss));
        }
        let now_s = now.unix_millis() / 1000;
        if claims.exp <= now_s {
            return Err(TokenError::Expired);
        }
        if claims.iat * 1000 > now.unix_millis() + SKEW_MS {
            return Err(TokenError::NotYetValid);
        }
        Ok(AccessClaims { user_id: claims.sub, session_id: claims.sid, expires_at: claims.exp })
    }
}

fn encode_json<T: Serialize>(value: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("token parts always serialise"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> TokenIssuer {
        TokenIssuer::new([7; 32], "parley", 15 * 60 * 1000)
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let tokens = issuer();
        let now = Timestamp::from_unix_millis(1_700_000_000_000);
        let token = tokens.issue(Snowflake::new(1), Snowflake::new(2), now);
        let claims = tokens.verify(&token, now.plus_millis(14 * 60 * 1000)).unwrap();
        assert_eq!((claims.user_id, claims.session_id), (Snowflake::new(1), Snowflake::new(2)));
        assert_eq!(tokens.verify(&token, now.plus_millis(15 * 60 * 1000)), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_from_another_key_is_refused() {
        let now = Timestamp::now();
        let other = TokenIssuer::new([8; 32], "parley", 900_000);
        let token = other.issue(Snowflake::new(1), Snowflake::new(2), now);
        assert_eq!(issuer().verify(&token, now), Err(TokenError::UnknownKey));
    }

    #[test]
    fn a_tampered_payload_breaks_the_signature() {
        let tokens = issuer();
        let now = Timestamp::now();
        let token = tokens.issue(Snowflake::new(1), Snowflake::new(2), now);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = encode_json(&Claims {
            iss: "parley".into(),
            sub: Snowflake::new(99),
            sid: Snowflake::new(2),
            iat: 0,
            exp: i64::MAX / 2000,
        });
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(tokens.verify(&tampered, now), Err(TokenError::BadSignature));
    }

    #[test]
    fn alg_none_is_refused() {
        let tokens = issuer();
        let now = Timestamp::now();
        let header = encode_json(&Header { alg: "none", typ: "JWT", kid: &tokens.kid });
        let claims = encode_json(&Claims {
            iss: "parley".into(),
            sub: Snowflake::new(1),
            sid: Snowflake::new(2),
            iat: 0,
            exp: i64::MAX / 2000,
        });
        assert_eq!(tokens.verify(&format!("{header}.{claims}."), now), Err(TokenError::WrongAlgorithm("none".into())));
    }

    #[test]
    fn extra_segments_and_garbage_are_malformed() {
        let tokens = issuer();
        let now = Timestamp::now();
        for bad in ["", "a.b", "a.b.c.d", "!!!.???.###", "eyJ9.eyJ9.AA"] {
            assert!(tokens.verify(bad, now).is_err(), "{bad:?}");
        }
    }
}
