//! One module per subcommand.

pub mod admin;
pub mod config;
pub mod migrate;
pub mod serve;
