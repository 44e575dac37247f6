//! Parley's configuration: one typed [`Settings`] struct, loaded from built-in defaults, then
//! an optional TOML file, then `PARLEY_*` environment variables (each later source wins).
//!
//! Every setting is declared once in [`SETTINGS`], with its default, its kind (its parser and
//! range) and its documentation; `docs/configuration.md` and `parley.env.example` are generated
//! from that table (a test keeps them in step). A value its kind does not take stops start-up
//! with a message naming the setting, where the value came from, and what a valid value looks
//! like, in the same words the docs use.
//!
//! - `spec`: [`SettingSpec`], what one setting is: key, default, kind (its parser and range).
//! - `table`: [`SETTINGS`], every setting Parley reads.
//! - `load`: defaults, then the TOML file, then the environment, each value parsed by its spec
//!   into [`Settings`]; [`ConfigError`].
//! - `docs`: `docs/configuration.md` and `parley.env.example`, generated from the table.
//! - `app`: the application's settings (accounts, lockout, rate limits, CORS).
//! - `gateway`: the gateway's settings.
//! - `outbound`: the networks the outbound client may call though they are not public.
//! - `files`: where uploaded files are kept ([`FileStorage`]): a directory or an S3 bucket.
//! - `voice`: the voice server's settings, and STUN and TURN.
//! - `telemetry`: log format and level, and the trace and log exporters.
//! - `tls`: the `tls_*` settings and what each mode needs.
//! - `advice`: settings that load but will not work as meant (a private voice address behind a
//!   public URL), said by `config check` and at start.

mod advice;
mod app;
mod docs;
mod files;
mod gateway;
mod load;
mod outbound;
mod spec;
mod table;
mod telemetry;
mod tls;
mod voice;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use parley_app::AppConfig;
use parley_gateway::GatewayConfig;
use parley_store::DatabaseUrl;
use parley_voice::VoiceConfig;

pub use advice::advice;
pub use docs::{configuration_markdown, example_env};
pub use files::FileStorage;
pub use load::{ConfigError, Source};
pub use spec::{DefaultValue, Item, Kind, SettingSpec, TimeUnit, Value};
pub use table::SETTINGS;

use crate::telemetry::TelemetrySettings;
use crate::tls::TlsSettings;

/// The parsed configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    /// `None`: `/metrics` is on `bind`; otherwise only on this address.
    pub metrics_bind: Option<SocketAddr>,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub database_max_connections: u32,
    pub worker_id: WorkerId,
    pub signing_key_file: PathBuf,
    /// The passphrase backups are encrypted with; `None`: `parley backup` refuses.
    pub backup_key: Option<crate::backup::BackupKey>,
    pub password_hash_memory_kib: u32,
    pub password_hash_iterations: u32,
    pub password_hash_concurrency: usize,
    /// Log format and level, and where traces and logs are exported.
    pub telemetry: TelemetrySettings,
    pub tls: TlsSettings,
    pub shutdown_grace: Duration,
    pub event_bus_capacity: usize,
    pub api: AppConfig,
    pub gateway: GatewayConfig,
    pub voice: VoiceConfig,
    /// `None`: one node, in-process bus.
    pub redis_url: Option<String>,
    /// Where uploaded files are kept.
    pub files: FileStorage,
    /// How often this node's sweeper removes files no message shows.
    pub files_sweep_every: std::time::Duration,
    pub redis_key_prefix: String,
    pub redis_event_log_length: usize,
    /// `PARLEY_*` variables that name no setting: probably typos, reported by `config check`.
    pub unknown_env: Vec<String>,
}

/// Which worker id this node stamps into the ids it makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerId {
    Fixed(u32),
    /// Leased from Redis at start (see `worker_lease`).
    Auto,
}

impl WorkerId {
    /// The id a one-off command uses: a fixed id as given; with `auto`, the one never leased.
    pub fn for_command_line(self) -> u32 {
        match self {
            Self::Fixed(id) => id,
            Self::Auto => crate::worker_lease::COMMAND_LINE_WORKER,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// `PARLEY_*` variables for a test, as `Settings::load` takes them.
#[cfg(test)]
fn env_vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
