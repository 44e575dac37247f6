//! Voice, as far as the HTTP API goes: the ICE servers a client should use.
//!
//! - [`turn`]: short-lived TURN credentials in coturn's `use-auth-secret` scheme.
//! - [`routes`]: `GET /voice/ice-servers`.

pub mod routes;
pub mod turn;
