//! Voice, as far as the HTTP API goes: the ICE servers a client should use, and the grants
//! the gateway hands to the voice server.
//!
//! - [`turn`]: short-lived TURN credentials in coturn's `use-auth-secret` scheme.
//! - [`routes`]: `GET /voice/ice-servers`.
//! - [`grants`]: the tokens of VOICE_SERVER_UPDATE, from the gateway to the voice server.
//! - [`states`]: who is in which voice channel, on every node.
//! - [`moderation`]: a moderator moving or disconnecting a member in voice.

pub mod grants;
pub mod moderation;
pub mod routes;
pub mod states;
pub mod turn;
