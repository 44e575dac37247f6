//! Request extractors: where raw HTTP becomes typed, validated input.

pub mod auth;
pub mod client;
pub mod json;
pub mod query;

pub use auth::{AdminUser, AuthUser};
pub use client::ClientMeta;
pub use json::{Json, JsonArray, nullable};
