//! Child processes under test: the real `parley serve` and the baseline server. Each prints
//! its URL on its first line; both are killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

pub struct Server {
    pub url: String,
    child: Child,
}

impl Server {
    fn start(mut command: Command) -> anyhow::Result<Self> {
        // Only the settings given here: the caller's own PARLEY_* variables are not for it.
        for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("PARLEY_")) {
            command.env_remove(name);
        }
        let mut child =
            command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().context("cannot start server")?;
        // The URL line comes first, unless something is logged before it.
        let mut lines = BufReader::new(child.stdout.take().context("no stdout")?).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                        break url.to_owned();
                    }
                }
                _ => {
                    let _ = child.kill();
                    bail!("the server exited without printing its URL");
                }
            }
        };
        Ok(Self { url, child })
    }

    pub fn parley(bin: &Path, database_url: &str, data_dir: &Path) -> anyhow::Result<Self> {
        Self::parley_with(bin, database_url, data_dir, &[])
    }

    /// `parley serve` with `extra` settings on top of the benchmark's own.
    pub fn parley_with(
        bin: &Path,
        database_url: &str,
        data_dir: &Path,
        extra: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        if !bin.exists() {
            bail!("{} does not exist: build it with `cargo build --release -p parley`", bin.display());
        }
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .arg("--migrate")
            .env("PARLEY_BIND", "127.0.0.1:0")
            .env("PARLEY_VOICE_UDP_BIND", "127.0.0.1:0")
            .env("PARLEY_DATA_DIR", data_dir)
            .env("PARLEY_DATABASE_URL", database_url)
            .env("PARLEY_REGISTRATION", "open")
            .env("PARLEY_AUTH_RATE_LIMIT_PER_MINUTE", "0")
            .env("PARLEY_LOGIN_RATE_LIMIT_PER_MINUTE", "0")
            // A benchmark is many clients from one address at full speed: per-account limits off.
            .env("PARLEY_REST_GLOBAL_PER_SECOND", "0")
            .env("PARLEY_REST_MESSAGES_PER_5S", "0")
            .env("PARLEY_REST_GUILD_CREATES_PER_HOUR", "0")
            .env("PARLEY_REST_ROUTE_PER_10S", "0")
            .env("PARLEY_GATEWAY_IDENTIFIES_PER_5S", "0")
            .env("PARLEY_GATEWAY_SESSIONS_PER_ACCOUNT", "0")
            .env("PARLEY_LOG_LEVEL", "warn");
        for (key, value) in extra {
            command.env(key, value);
        }
        Self::start(command)
    }

    pub fn ws_baseline() -> anyhow::Result<Self> {
        let mut command = Command::new(std::env::current_exe()?);
        command.arg("ws-baseline-server");
        Self::start(command)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn baseline() -> anyhow::Result<Self> {
        let mut command = Command::new(std::env::current_exe()?);
        command.arg("baseline-server");
        Self::start(command)
    }

    /// Resident memory now and at its peak, in MiB (from /proc).
    pub fn memory_mib(&self) -> (f64, f64) {
        (proc_status_mib(self.child.id(), "VmRSS:"), proc_status_mib(self.child.id(), "VmHWM:"))
    }
}

/// A process's resident memory now, in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    proc_status_mib(pid, "VmRSS:")
}

/// One kB figure of /proc/<pid>/status, in MiB.
fn proc_status_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where one benchmark run keeps its data: a temporary directory, and on PostgreSQL a fresh
/// database (dropped by [`RunDatabase::finish`]); on SQLite a file in the directory.
pub struct RunDatabase {
    pub dir: tempfile::TempDir,
    pub url: String,
    pg: Option<PgDatabase>,
}

impl RunDatabase {
    pub async fn create(backend: crate::Backend, postgres_url: &str) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let pg = match backend {
            crate::Backend::Postgres => Some(PgDatabase::create(postgres_url).await?),
            crate::Backend::Sqlite => None,
        };
        let url = match &pg {
            Some(pg) => pg.url(),
            None => format!("sqlite://{}/parley.db", dir.path().display()),
        };
        Ok(Self { dir, url, pg })
    }

    pub async fn finish(self) -> anyhow::Result<()> {
        if let Some(pg) = self.pg {
            pg.drop_database().await?;
        }
        Ok(())
    }
}

/// A PostgreSQL database made for one run; dropped afterwards.
pub struct PgDatabase {
    server: String,
    name: String,
}

impl PgDatabase {
    pub async fn create(server: &str) -> anyhow::Result<Self> {
        let name = format!("parley_bench_{}", uuid::Uuid::new_v4().simple());
        admin(server).await?.batch_execute(&format!("CREATE DATABASE {name}")).await?;
        Ok(Self { server: server.to_owned(), name })
    }
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
    pub async fn drop_database(self) -> anyhow::Result<()> {
        admin(&self.server)
            .await?
            .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .await?;
        Ok(())
    }
}

async fn admin(server: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(&format!("{server}/postgres"), tokio_postgres::NoTls)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {server}"))?;
    tokio::spawn(connection);
    Ok(client)
}
