//! Parley's real-time gateway: Discord's WebSocket protocol (v10, JSON, optional
//! zlib-stream) with heartbeats, RESUME from a bounded per-session replay buffer, intents,
//! presence, member chunks, and permission-aware fan-out of every event on the bus.
//!
//! - [`protocol`]: opcodes, close codes, client commands, server frames.
//! - [`intents`]: which events each session asked for.
//! - [`session`]: one session's sequence numbers, replay buffer and attached connection.
//! - [`hub`]: the node's sessions, indexed by user and guild.
//! - [`fanout`]: who receives each event (VIEW_CHANNEL, DM recipients, intents, membership).
//! - [`connection`]: one WebSocket: HELLO, IDENTIFY or RESUME, heartbeats, limits.
//! - [`ready`]: READY and GUILD_CREATE as each user may see them.
//! - [`presence`]: who is online, and PRESENCE_UPDATE to those who share a guild.
//! - [`voice`]: op 4, who is in which voice channel, VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE.
//! - [`registry`]: sessions any node can find (Redis), for RESUME on another node.
//! - [`revocation`]: ended sign-ins close their sessions (4004) and calls, on every node.
//! - [`members`]: op 8, GUILD_MEMBERS_CHUNK.
//! - [`compression`]: zlib-stream transport compression.
//! - [`metrics`]: connections, identifies, resumes, dispatches, fan-out time, overflow closes.
//! - `gateway`: the node's gateway as a whole ([`Gateway`]): its state, sessions and tasks.

pub mod compression;
pub mod connection;
pub mod fanout;
pub mod hub;
pub mod intents;
pub mod members;
pub mod metrics;
pub mod presence;
pub mod protocol;
pub mod ready;
pub mod registry;
pub mod revocation;
pub mod session;
pub mod voice;

mod gateway;

pub use gateway::{Gateway, GatewayConfig};
pub use metrics::GatewayMetrics;
