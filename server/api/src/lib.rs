//! Parley's HTTP API, served under `/api/v10` (and `/api`) in Discord's v10 shapes.
//!
//! - [`state`]: what every handler shares ([`AppState`]) and the API's settings ([`ApiConfig`]).
//! - [`routes`]: one module per resource; each exposes `router()`.
//! - [`cache`]: guilds and members in memory, invalidated by the events that change them.
//! - [`audit`]: audit log entries and the reason header.
//! - [`outbox`]: events kept with their change until the shared event log has them.
//! - [`access`]: what the caller may do in a guild, through the permission function.
//! - [`channel_access`]: what the caller may do in any channel, guild or private (DMs).
//! - [`guild_models`]: guild, role and channel objects in Discord's shapes.
//! - [`private_models`]: DM and group DM channel objects, as each recipient sees them.
//! - [`extract`]: request extractors (JSON bodies, the authenticated user, client metadata).
//! - [`auth`]: password hashing, access tokens, refresh tokens.
//! - [`rate_limit`]: per-address and per-account limits on signing in, with Discord's headers.
//! - [`rest_limits`]: per-account REST and IDENTIFY limits in Discord's buckets, shared through Redis.
//! - [`http`]: the middleware stack (request ids, tracing, security headers, CORS, limits).
//! - [`error`]: the API's one error type and its JSON form.

pub mod access;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod channel_access;
pub mod error;
pub mod extract;
pub mod guild_models;
pub mod http;
pub mod metrics;
pub mod models;
pub mod openapi;
pub mod outbox;
pub mod private_models;
pub mod rate_limit;
pub mod rest_limits;
pub mod routes;
pub mod state;
pub mod trace_context;
pub mod voice;

pub use error::{ApiError, ApiResult};
pub use http::app_router;
pub use state::{ApiConfig, AppState, GuildCreation, RegistrationMode};
