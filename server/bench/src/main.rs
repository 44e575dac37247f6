//! `parley-bench`: drives a real `parley serve` and, in the same run and under the same
//! load, a minimal baseline server; reports throughput, latency percentiles and server
//! memory for both, and Parley's figures as ratios of the baseline's.
//!
//! - [`load`]: the closed-loop load generator and its statistics.
//! - [`servers`]: starting Parley and the baseline as child processes, reading their memory.
//! - [`baseline`]: the baseline server (axum on the same runtime, no auth, no storage).
//! - [`scenarios`]: what is measured over HTTP.
//! - [`files_bench`]: large files sent and downloaded at once, against a handler streaming to disk.
//! - [`gateway_bench`]: gateway sessions, fan-out and delivery, against [`ws_baseline`].
//! - [`voice_bench`]: the SFU under rooms of publishing participants, against [`janus`].

mod baseline;
mod files_bench;
mod gateway_bench;
mod janus;
mod load;
mod scenarios;
mod servers;
mod voice_bench;
mod ws_baseline;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "parley-bench", about = "Benchmarks Parley against a baseline measured in the same run")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Which database the Parley server uses.
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,
    /// Seconds each measurement runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients (each sends its next request when the last one is answered).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// The parley binary to benchmark (build it with `cargo build --release -p parley`).
    #[arg(long, default_value = "target/release/parley")]
    parley_bin: PathBuf,
    /// PostgreSQL server for --backend postgres (the bench creates and drops its own database).
    #[arg(long, env = "PARLEY_TEST_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres_url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the baseline server (used by the benchmark itself; prints its URL).
    BaselineServer,
    /// Run the WebSocket broadcast baseline (used by the gateway benchmark; prints its URL).
    WsBaselineServer,
    /// Gateway fan-out: N sessions of one guild, REST senders, one-event probes.
    Gateway {
        /// Gateway sessions to open (this machine allows about 19,000 open files per process).
        #[arg(long, default_value_t = 10_000)]
        sessions: usize,
        /// Distinct users the sessions belong to (all members of one guild).
        #[arg(long, default_value_t = 1000)]
        users: usize,
        /// Concurrent REST senders during the sustained load (enough to saturate delivery).
        #[arg(long, default_value_t = 16)]
        senders: usize,
        /// One-event fan-out probes, sent one at a time.
        #[arg(long, default_value_t = 50)]
        probes: usize,
    },
    /// Large files: N people each send one file of M MiB at once, then download them at once,
    /// against a plain handler that streams bodies to disk and back.
    Files {
        /// Files sent (and downloaded) at once, one per person.
        #[arg(long, default_value_t = 32)]
        uploads: usize,
        /// Each file's size.
        #[arg(long, default_value_t = 100)]
        size_mib: u64,
    },
    /// The SFU: rooms of participants who all publish Opus and hear each other, against
    /// Janus's videoroom (Debian's janus) under the same load.
    Voice {
        /// Voice channels, each its own call.
        #[arg(long, default_value_t = 10)]
        rooms: usize,
        /// People in each call; each hears the other `participants - 1`.
        #[arg(long, default_value_t = 15)]
        participants: usize,
        /// Skip the Janus baseline.
        #[arg(long, conflicts_with = "require_janus")]
        no_janus: bool,
        /// Fail if the Janus baseline cannot run (else it is reported as missing).
        #[arg(long)]
        require_janus: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    match cli.command {
        Some(Command::BaselineServer) => runtime.block_on(baseline::serve()),
        Some(Command::WsBaselineServer) => runtime.block_on(ws_baseline::serve()),
        Some(Command::Gateway { sessions, users, senders, probes }) => {
            runtime.block_on(gateway_bench::run(&gateway_bench::GatewayOptions {
                backend: cli.backend,
                sessions,
                users: users.min(sessions).max(2),
                senders,
                duration: Duration::from_secs(cli.seconds),
                probes,
                parley_bin: cli.parley_bin,
                postgres_url: cli.postgres_url,
            }))
        }
        Some(Command::Files { uploads, size_mib }) => runtime.block_on(files_bench::run(&files_bench::FilesOptions {
            backend: cli.backend,
            uploads: uploads.max(1),
            size_mib: size_mib.max(1),
            parley_bin: cli.parley_bin,
            postgres_url: cli.postgres_url,
        })),
        Some(Command::Voice { rooms, participants, no_janus, require_janus }) => {
            runtime.block_on(voice_bench::run(&voice_bench::VoiceOptions {
                backend: cli.backend,
                rooms,
                participants: participants.max(2),
                duration: Duration::from_secs(cli.seconds),
                parley_bin: cli.parley_bin,
                postgres_url: cli.postgres_url,
                janus: match (no_janus, require_janus) {
                    (true, _) => voice_bench::Baseline::Skip,
                    (_, true) => voice_bench::Baseline::Require,
                    _ => voice_bench::Baseline::Try,
                },
            }))
        }
        None => runtime.block_on(scenarios::run_all(&scenarios::Options {
            backend: cli.backend,
            duration: Duration::from_secs(cli.seconds),
            concurrency: cli.concurrency,
            parley_bin: cli.parley_bin,
            postgres_url: cli.postgres_url,
        })),
    }
}
