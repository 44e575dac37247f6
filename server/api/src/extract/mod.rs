//! Request extractors: where raw HTTP becomes typed, validated input.
//!
//! - [`auth`]: the authenticated caller ([`AuthUser`]) and the instance admin ([`AdminUser`]).
//! - [`client`]: who is on the other end of a request: address, user agent, device id.
//! - [`json`]: JSON bodies whose rejections are Parley's errors (50109, 50035, 413).
//! - [`multipart`]: bodies that carry files (`payload_json` and `files[n]`), read part by part.
//! - [`path`]: path parameters, with ids read into snowflakes and a bad one answered as unknown.
//! - [`query`]: query strings, with numbers and ids parsed into their types.

pub mod auth;
pub mod client;
pub mod json;
pub mod multipart;
pub mod path;
pub mod query;

pub use auth::{AdminUser, AuthUser};
pub use client::ClientMeta;
pub use json::{Json, JsonArray};
pub use parley_app::patch::nullable;
pub use path::{Path, PathParams, UserIdOrMe};
