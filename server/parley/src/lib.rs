//! The `parley` binary's library half, so tests build and run the server exactly as
//! production does.
//!
//! - [`cli`]: the command line (`serve`, `migrate`, `backup`, `restore`, `admin`, `config`).
//! - [`backup`]: the encrypted backup archive, written while serving and restored into an empty deployment.
//! - [`settings`]: configuration from defaults, a TOML file and `PARLEY_*` variables.
//! - [`startup`]: [`startup::Application`]: build, bind, serve, drain.
//! - [`commands`]: what each subcommand does.
//! - [`keys`]: the access-token signing key on disk.
//! - [`data_lock`]: servers hold the data directory shared; a restore needs it alone.
//! - [`files`]: the file storage the settings name, opened and checked at start.
//! - [`private_files`]: the data directory 0700 and its secrets and data 0600.
//! - [`tls`]: serving HTTPS itself: certificate files or automatic ACME certificates.
//! - [`worker_lease`]: `worker_id = auto`, a worker id leased from Redis per node.
//! - [`telemetry`]: logs (text or JSON, optionally pushed to Loki) and OTLP traces.
//!
//! - [`web`]: the web client, embedded at build time (see `build.rs`) and served with caching.

pub mod backup;
pub mod cli;
pub mod commands;
pub mod data_lock;
pub mod files;
pub mod keys;
pub mod private_files;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod web;
pub mod worker_lease;
