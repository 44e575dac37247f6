//! Permissions: Discord's bit flags and the one function that decides what a member may do.
//!
//! - [`flags`]: the [`Permissions`] bit set, with Discord's bit positions and names.
//! - [`resolve`]: guild-level and channel-level resolution (owner, ADMINISTRATOR, @everyone,
//!   roles, then overwrites by scope), timeouts and implicit denials. Pure and property-tested;
//!   `docs/permissions.md` states the same rule in prose.

pub mod flags;
pub mod resolve;

pub use flags::Permissions;
pub use resolve::{
    ChannelScope, MemberFacts, Overwrite, OverwriteKind, RoleFacts, UnknownOverwriteKind, channel_permissions,
    guild_permissions,
};
