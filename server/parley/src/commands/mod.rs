//! One module per subcommand.
//!
//! - [`admin`]: `parley admin ...`: accounts, bots and invites, straight against the database.
//! - [`config`]: `parley config ...`: check the configuration, print the generated docs.
//! - [`migrate`]: `parley migrate`: apply pending migrations and exit.
//! - [`serve`]: `parley serve`: run until a shutdown signal, then drain.

pub mod admin;
pub mod config;
pub mod migrate;
pub mod serve;
