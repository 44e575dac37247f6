//! Changing guild channels, where more than one route needs the same step.
//!
//! - [`modify`]: the body of `PATCH /channels/{channel_id}`, one shape for every kind of channel.
//! - [`overwrites`]: who a permission overwrite may name.
//! - [`threads`]: the rules of public threads: auto-archive durations, and changing a thread.
//! - [`thread_members`]: joining and leaving threads, and what that tells whom.

pub mod modify;
pub mod overwrites;
pub mod thread_members;
pub mod threads;
