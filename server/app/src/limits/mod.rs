//! Rate limits.
//!
//! - [`window`]: fixed-window limits per address or account on signing in, and the 429 they give.
//! - [`rest`]: per-account REST and IDENTIFY limits in Discord's buckets, in this process or
//!   shared through Redis.

pub mod rest;
pub mod window;
