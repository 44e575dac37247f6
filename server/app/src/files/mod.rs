//! Uploaded files: what the application decides about them, apart from where their bytes
//! live (`parley_objects`).
//!
//! - [`signed_url`]: download URLs that cannot be guessed, forged or kept ([`UrlSigner`]).

pub mod signed_url;

pub use signed_url::{SignedQuery, UrlRefusal, UrlSigner};
