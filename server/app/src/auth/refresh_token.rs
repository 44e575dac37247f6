//! Refresh tokens: 256 random bits, given to the client once; only their SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A new refresh token and the hash to store for it.
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let token = format!("prt_{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of a presented token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Random, URL-safe text of `bytes` random bytes (invite codes, device ids).
pub fn random_code(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_unique_and_only_their_hash_matches() {
        let (a, ha) = super::generate();
        let (b, hb) = super::generate();
        assert_ne!(a, b);
        assert_eq!(super::hash(&a), ha);
        assert_ne!(ha, hb);
        assert!(!ha.contains(&a));
    }
}
