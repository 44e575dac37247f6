//! Parley's domain vocabulary, free of I/O: every other crate speaks in these types.
//!
//! - [`id`]: snowflake ids with the Discord epoch, and their generator.
//! - [`time`]: millisecond timestamps and their ISO 8601 form on the wire.
//! - [`error_code`]: the stable numeric codes that every API error carries.
//! - [`validation`]: field errors in Discord's nested `errors` shape.
//! - [`account`]: usernames, display names, emails and passwords, parsed at the edge.
//! - [`mentions`]: user, role and @everyone mentions found in message text.
//! - [`permissions`]: Discord's permission bits and the one function that resolves them.
//! - [`channel_kind`]: the kinds of channel and of message, by Discord's `type`.
//! - [`coded`]: the one macro for enums Discord writes as numbers.

pub mod account;
pub mod channel_kind;
mod coded;
pub mod error_code;
pub mod id;
pub mod mentions;
pub mod permissions;
pub mod time;
pub mod validation;

pub use channel_kind::{ChannelKind, MessageType};
pub use error_code::ErrorCode;
pub use id::{Snowflake, SnowflakeGenerator};
pub use permissions::Permissions;
pub use time::Timestamp;
pub use validation::FieldErrors;
