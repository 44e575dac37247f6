//! Events: every state change becomes one [`Event`], published on the [`EventBus`].
//!
//! - [`event`]: the event itself: its Discord dispatch name, who may see it, its payload.
//! - [`keys`]: what an event is about, typed (guild, channel, users, a deleted channel).
//! - [`bus`]: the bounded in-process bus. Subscribers (gateway sessions, caches, tests)
//!   each get every event; one that falls behind by more than the bus's capacity is told
//!   so (`Lagged`) and must recover, it never makes the bus hold more.
//! - [`redis`]: the bus across nodes, through one numbered Redis stream.
//! - [`wire`]: an event's form between nodes.

pub mod bus;
pub mod event;
pub mod keys;
pub mod redis;
pub mod wire;

pub use bus::{BusError, EventBus};
pub use event::{Audience, Event, EventName};
pub use keys::{DeletedChannel, Keys};
