//! The API's objects in Discord's shapes, built one way for REST answers and gateway
//! dispatches alike.
//!
//! - [`schema`]: OpenAPI schema components for ids and permission bits (strings with a shape).
//! - [`user`]: the signed-in user, and anyone as others see them.
//! - [`guild`]: guild, role and guild channel objects.
//! - [`emoji`]: custom emoji objects and GUILD_EMOJIS_UPDATE.
//! - [`private`]: DM and group DM channel objects, as each recipient sees them.
//! - [`member`]: member objects and GUILD_MEMBER_ADD.
//! - [`thread_member`]: thread member objects, THREAD_MEMBERS_UPDATE and THREAD_MEMBER_UPDATE.
//! - [`message`]: message objects with authors, mentions and reactions.
//! - [`attachment`]: a message's files, with signed download URLs.
//! - [`embed`]: rich embeds on messages, checked against Discord's limits.
//! - [`component`]: buttons, select menus and modals, checked against Discord's limits.
//! - [`read_state`]: where a user stands in each channel.
//! - [`application`]: application objects and their intent flags.
//! - [`webhook`]: channel webhooks and WEBHOOKS_UPDATE.

pub mod application;
pub mod attachment;
pub mod component;
pub mod embed;
pub mod emoji;
pub mod guild;
pub mod member;
pub mod message;
pub mod private;
pub mod read_state;
pub mod schema;
pub mod thread_member;
pub mod user;
pub mod webhook;

pub use user::{CurrentUser, PublicUser};
