//! Voice, as the gateway, REST and the voice server share it.
//!
//! - [`turn`]: short-lived TURN credentials in coturn's `use-auth-secret` scheme.
//! - [`grants`]: the tokens of VOICE_SERVER_UPDATE, from the gateway to the voice server.
//! - [`states`]: who is in which voice channel, on every node.
//! - [`moderation`]: a moderator moving or disconnecting a member in voice.

pub mod grants;
pub mod moderation;
pub mod states;
pub mod turn;
