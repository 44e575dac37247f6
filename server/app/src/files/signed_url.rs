//! Download URLs that cannot be guessed, forged or kept past their time, in Discord's shape:
//! a file's path carries `ex` (when it expires) and `is` (when it was issued), both Unix
//! seconds in hex, and `hm`, an HMAC-SHA256 over the path and both times in hex. Discord's
//! libraries pass such URLs along untouched, so theirs and ours look alike.
//!
//! The key is derived from the access-token signing key for this purpose alone
//! ([`TokenIssuer::derived_secret`](crate::auth::access_token::TokenIssuer::derived_secret) of
//! [`PURPOSE`], as the interaction signing keys are): every node already shares that key, and
//! it is in the Helm Secret and in backups, so file URLs signed on one node open on any other
//! and after a restore; a purpose of its own keeps the uses apart.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What the URL key is derived for.
pub const PURPOSE: &[u8] = b"files url v1";
/// How far in the future an `is` may be (another node's clock a little ahead).
const CLOCK_SKEW_SECS: u64 = 60;

/// Why a signed URL is refused: each is a 404 to the client (a URL that does not open), but
/// the log says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlRefusal {
    /// `ex`, `is` or `hm` missing or not lower-case hex of the right length.
    Malformed,
    /// The MAC does not match the path and times: altered, or from another key.
    Forged,
    /// Past `ex`.
    Expired,
    /// Issued later than any node's clock says now.
    FromTheFuture,
}

impl std::fmt::Display for UrlRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the signature query is malformed",
            Self::Forged => "the signature does not match",
            Self::Expired => "the link has expired",
            Self::FromTheFuture => "the link was issued in the future",
        })
    }
}

/// A URL's signature: `?ex=…&is=…&hm=…`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedQuery {
    pub expires: u32,
    pub issued: u32,
    pub mac: [u8; 32],
}

impl SignedQuery {
    /// The query string, without the `?`.
    pub fn to_query(&self) -> String {
        format!("ex={:08x}&is={:08x}&hm={}", self.expires, self.issued, hex::encode(self.mac))
    }

    /// Reads the three parameters as a URL carried them.
    pub fn parse(ex: Option<&str>, is: Option<&str>, hm: Option<&str>) -> Result<Self, UrlRefusal> {
        let time = |v: Option<&str>| {
            v.filter(|v| v.len() == 8 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
                .and_then(|v| u32::from_str_radix(v, 16).ok())
                .ok_or(UrlRefusal::Malformed)
        };
        let mac = hm
            .filter(|v| v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .and_then(|v| hex::decode(v).ok())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or(UrlRefusal::Malformed)?;
        Ok(Self { expires: time(ex)?, issued: time(is)?, mac })
    }
}

/// Signs and checks file URLs with the key derived from the signing key's seed.
#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(..)")
    }
}

impl UrlSigner {
    /// The signer with `key`: `tokens.derived_secret(PURPOSE)`, the same on every node.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, path: &str, expires: u32, issued: u32) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        // Fixed-width times after the path: no two (path, ex, is) give the same bytes.
        mac.update(path.as_bytes());
        mac.update(format!("\n{expires:08x}{issued:08x}").as_bytes());
        mac
    }

    /// A signature for `path` (as requested: `/attachments/{channel}/{attachment}/{name}`),
    /// issued at `now` (Unix seconds), good for `ttl_secs`.
    pub fn sign(&self, path: &str, now: u64, ttl_secs: u64) -> SignedQuery {
        let issued = u32::try_from(now).unwrap_or(u32::MAX);
        let expires = u32::try_from(now.saturating_add(ttl_secs)).unwrap_or(u32::MAX);
        SignedQuery { expires, issued, mac: self.mac(path, expires, issued).finalize().into_bytes().into() }
    }

    /// Whether `query` signs `path` and is good at `now`. The MAC is checked first, in
    /// constant time, so the times of an altered URL are never believed.
    pub fn verify(&self, path: &str, query: &SignedQuery, now: u64) -> Result<(), UrlRefusal> {
        self.mac(path, query.expires, query.issued).verify_slice(&query.mac).map_err(|_| UrlRefusal::Forged)?;
        if u64::from(query.issued) > now + CLOCK_SKEW_SECS {
            return Err(UrlRefusal::FromTheFuture);
        }
        if u64::from(query.expires) <= now {
            return Err(UrlRefusal::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PATH: &str = "/attachments/1234/5678/photo.png";

    /// The signer of an instance whose access-token key is `seed` repeated.
    fn signer_of(seed: u8) -> UrlSigner {
        let tokens = crate::auth::access_token::TokenIssuer::new([seed; 32], "https://chat.example", 60_000);
        UrlSigner::new(tokens.derived_secret(PURPOSE))
    }
    const NOW: u64 = 1_796_000_000;

    fn parsed(query: &str) -> Result<SignedQuery, UrlRefusal> {
        let get = |name: &str| query.split('&').find_map(|p| p.strip_prefix(&format!("{name}=")));
        SignedQuery::parse(get("ex"), get("is"), get("hm"))
    }

    #[test]
    fn a_signed_url_opens_until_it_expires_and_on_every_node_with_the_same_key() {
        let node_a = signer_of(7);
        let node_b = signer_of(7);
        let query = node_a.sign(PATH, NOW, 3600).to_query();
        assert!(query.starts_with(&format!("ex={:08x}&is={:08x}&hm=", NOW + 3600, NOW)), "{query}");
        let signed = parsed(&query).unwrap();
        assert_eq!(node_b.verify(PATH, &signed, NOW), Ok(()));
        assert_eq!(node_b.verify(PATH, &signed, NOW + 3599), Ok(()));
        assert_eq!(node_b.verify(PATH, &signed, NOW + 3600), Err(UrlRefusal::Expired));
        assert_eq!(node_b.verify(PATH, &signed, NOW - 30), Ok(()), "a clock a little behind");
        assert_eq!(node_b.verify(PATH, &signed, NOW - 3600), Err(UrlRefusal::FromTheFuture));
    }

    #[test]
    fn another_key_another_path_or_altered_times_are_forgeries() {
        let signer = signer_of(7);
        let signed = signer.sign(PATH, NOW, 3600);
        assert_eq!(signer_of(8).verify(PATH, &signed, NOW), Err(UrlRefusal::Forged));
        assert_eq!(signer.verify("/attachments/1234/5678/other.png", &signed, NOW), Err(UrlRefusal::Forged));
        let later = SignedQuery { expires: signed.expires + 86_400, ..signed };
        assert_eq!(signer.verify(PATH, &later, NOW), Err(UrlRefusal::Forged), "an extended expiry");
        let earlier = SignedQuery { issued: signed.issued - 1, ..signed };
        assert_eq!(signer.verify(PATH, &earlier, NOW), Err(UrlRefusal::Forged));
        // An expired link with a forged MAC says forged: its times are not believed.
        let expired_forgery = SignedQuery { mac: [0; 32], ..signed };
        assert_eq!(signer.verify(PATH, &expired_forgery, NOW + 7200), Err(UrlRefusal::Forged));
    }

    #[test]
    fn malformed_queries_are_refused_before_any_check() {
        let good = signer_of(7).sign(PATH, NOW, 60).to_query();
        assert!(parsed(&good).is_ok());
        for bad in [
            "",
            "ex=0000003c&is=00000000",
            &good.replace("hm=", "hm=0"),
            &good.to_uppercase(),
            &good.replacen("ex=", "ex=+", 1),
            "ex=zzzzzzzz&is=00000000&hm=00",
            &format!("ex=1&is=0&hm={}", "0".repeat(64)),
        ] {
            assert_eq!(parsed(bad), Err(UrlRefusal::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn the_url_key_is_not_the_signing_key_nor_another_purposes_key() {
        let tokens = crate::auth::access_token::TokenIssuer::new([7; 32], "https://chat.example", 60_000);
        assert_ne!(signer_of(7).key, [7; 32]);
        assert_ne!(signer_of(7).key, tokens.derived_secret(b"interactions"));
    }

    proptest! {
        #[test]
        fn any_change_to_the_path_breaks_the_signature(path in "/attachments/[0-9]{1,19}/[0-9]{1,19}/[a-z.]{1,20}", at in 0usize..60, byte in 0u8..128) {
            let signer = signer_of(3);
            let signed = signer.sign(&path, NOW, 60);
            let mut changed = path.clone().into_bytes();
            let at = at % changed.len();
            prop_assume!(changed[at] != byte);
            changed[at] = byte;
            let changed = String::from_utf8(changed).unwrap();
            prop_assert_eq!(signer.verify(&changed, &signed, NOW), Err(UrlRefusal::Forged));
        }
    }
}
