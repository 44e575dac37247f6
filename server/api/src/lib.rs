//! Parley's HTTP API, served under `/api/v10` (and `/api`) in Discord's v10 shapes: the routes
//! over the application layer (`parley-app`), which owns the state, access checks, objects
//! and errors they answer with.
//!
//! - [`routes`]: one module per resource; each exposes `router()`.
//! - [`extract`]: request extractors (JSON bodies, queries, the authenticated user, client
//!   metadata).
//! - [`models`]: what routes answer besides the application's objects (tokens, sessions, and
//!   the responses every route may give), for the OpenAPI document.
//! - [`rest_limits`]: the per-account REST limits as middleware, with Discord's headers.
//! - [`http`]: the middleware stack (request ids, tracing, security headers, CORS, limits).
//! - [`openapi`]: the OpenAPI document every route appears in.

pub mod extract;
pub mod http;
pub mod models;
pub mod openapi;
pub mod rest_limits;
pub mod routes;

pub use http::app_router;
pub use routes::health::metrics_router;
