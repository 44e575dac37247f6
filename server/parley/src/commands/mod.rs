//! One module per subcommand.
//!
//! - [`backup`]: `parley backup` (once or on a schedule) and `parley restore`.
//! - [`admin`]: `parley admin ...`: accounts, bots and invites, straight against the database.
//! - [`config`]: `parley config ...`: check the configuration, print the generated docs.
//! - [`migrate`]: `parley migrate`: apply pending migrations and exit.
//! - [`serve`]: `parley serve`: run until a shutdown signal, then drain.

pub mod admin;
pub mod backup;
pub mod config;
pub mod migrate;
pub mod serve;
