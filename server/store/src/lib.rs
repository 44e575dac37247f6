//! Parley's storage: one [`Store`] API with a SQLite and a PostgreSQL implementation.
//!
//! Both backends run the same SQL text (SQLite accepts PostgreSQL's `$1` placeholders and
//! `RETURNING`), compiled once per backend by [`with_pool!`]; where the dialects differ, a
//! method matches on the pool and says why.
//!
//! - [`database_url`]: which backend a URL names, parsed once at the edge.
//! - [`migrations`]: refinery migrations per backend, the PostgreSQL lock, schema checks.
//! - [`snapshot`]: a consistent copy of the database for a backup, and loading one back.
//! - [`users`], [`sessions`], [`invites`]: the account aggregates, one file each.
//! - [`administration`]: the instance's counts, the account list, disabling and promoting.
//! - [`webhooks`]: channel webhooks and their tokens.
//! - [`guilds`], [`roles`], [`members`], [`channels`], [`guild_invites`]: communities and what they hold.
//! - [`messages`], [`reactions`]: what is said in channels, reactions, pins.
//! - [`emojis`]: guilds' custom emoji.
//! - [`thread_members`]: who has joined which thread.
//! - [`moderation`]: member pages, nicknames, timeouts, bans.
//! - [`read_states`]: how far each user has read, and what is unread.
//! - [`notification_settings`]: what each person wants to hear of, per guild and channel.
//! - [`relationships`]: whom each person blocks, and whose members may DM them.
//! - [`outbox`]: events kept with their change until the shared event log has them.
//! - [`attachments`]: the ledger of uploaded files in storage, and each user's usage against quotas.
//! - [`audit_log`]: who changed what in a guild, and why.
//! - [`search`]: full-text message search (PostgreSQL tsvector, SQLite FTS5).
//! - [`error`]: the store's one error type.
//! - [`export`]: a person's messages and files, page by page, for the export of their data.
//! - [`query_timing`]: a span and a histogram sample for every statement, by operation.
//! - [`applications`]: applications and their bot users.
//! - [`application_commands`]: applications' commands, global and per guild.
//! - [`command_permissions`]: who may use which command in a guild (Discord's command permissions).
//! - [`interactions`]: interactions, their one answer, and ephemeral messages.
//! - [`private_channels`]: DMs and group DMs, their recipients and call rings.

pub mod administration;
pub mod application_commands;
pub mod applications;
pub mod attachments;
pub mod audit_log;
pub mod channels;
pub mod command_permissions;
pub mod database_url;
pub mod emojis;
pub mod error;
pub mod export;
pub mod guild_invites;
pub mod guilds;
pub mod interactions;
pub mod invites;
pub mod members;
pub mod messages;
pub mod migrations;
pub mod moderation;
pub mod notification_settings;
pub mod outbox;
pub mod private_channels;
pub mod query_timing;
pub mod reactions;
pub mod read_states;
pub mod relationships;
pub mod roles;
pub mod search;
pub mod sessions;
pub mod snapshot;
pub mod thread_members;
pub mod users;
pub mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use database_url::{Backend, DatabaseUrl};
pub use error::StoreError;

/// Runs `$body` with `$pool` bound to the pool for reads of whichever backend the store
/// holds. The body is compiled once per backend, so it must be valid SQL for both. The
/// statement is timed and traced under the name of the method it is in ([`query_timing`]).
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {{
        let _timer = $crate::query_timing::QueryTimer::start(&$store.query_seconds, $store.system_name(), {
            fn here() {}
            ::std::any::type_name_of_val(&here)
        });
        match &$store.pool {
            $crate::Pool::Sqlite { read: $pool, .. } => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    }};
}
pub(crate) use with_pool;

/// Like [`with_pool!`], for statements that write: on SQLite they go through the single
/// writer connection.
macro_rules! with_writer {
    ($store:expr, $pool:ident => $body:expr) => {{
        let _timer = $crate::query_timing::QueryTimer::start(&$store.query_seconds, $store.system_name(), {
            fn here() {}
            ::std::any::type_name_of_val(&here)
        });
        match &$store.pool {
            $crate::Pool::Sqlite { write: $pool, .. } => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    }};
}
pub(crate) use with_writer;

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    /// SQLite allows one writer at a time. Giving writes a single connection makes them
    /// queue in this process, in order, instead of retrying against SQLite's lock with
    /// growing sleeps (which showed as a 100+ ms p99 on the refresh benchmark); reads run
    /// in parallel on their own pool, which WAL mode allows.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// How the store connects. `max_connections` bounds the pool; requests wait at most
/// `acquire_timeout` for a connection before failing with a 503-class error.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl StoreOptions {
    /// The defaults; Parley's `database_max_connections` setting takes its default from here.
    pub const DEFAULT: Self = Self { max_connections: 16, acquire_timeout: Duration::from_secs(5) };
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One connection pool's use at a moment: `open` connections, of which `idle` are free, out of
/// at most `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    pub name: &'static str,
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// A handle on the database; cheap to clone (it is a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    url: DatabaseUrl,
    /// Statement times by operation; see [`query_timing`].
    pub(crate) query_seconds: prometheus::HistogramVec,
}

impl Store {
    /// Connects to the database. The schema is not touched: see [`migrations`].
    pub async fn connect(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self, StoreError> {
        let pool = match url.backend() {
            Backend::Sqlite => {
                let connect = SqliteConnectOptions::from_str(url.as_str())?
                    .create_if_missing(true)
                    // WAL lets readers proceed while one writer writes; NORMAL sync is durable
                    // across application crashes, which is the embedded default's promise.
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true);
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect.clone())
                    .await?;
                let read = SqlitePoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await?;
                Pool::Sqlite { read, write }
            }
            Backend::Postgres => {
                let connect = PgConnectOptions::from_str(url.as_str())?;
                Pool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(options.max_connections)
                        .acquire_timeout(options.acquire_timeout)
                        .connect_with(connect)
                        .await?,
                )
            }
        };
        Ok(Self { pool, url: url.clone(), query_seconds: query_timing::query_histogram() })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// The database system's name as OpenTelemetry spells it, for query spans.
    pub(crate) fn system_name(&self) -> &'static str {
        match self.url.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }

    /// The histogram of statement times by operation, for the metrics registry to expose.
    pub fn query_histogram(&self) -> prometheus::HistogramVec {
        self.query_seconds.clone()
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// How each connection pool is used now: the metrics page reports it, and an alert fires
    /// when a pool stays full (requests then wait for a connection).
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        fn stats<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolStats {
            let idle = pool.num_idle() as u32;
            PoolStats { name, open: pool.size(), idle, max: pool.options().get_max_connections() }
        }
        match &self.pool {
            Pool::Sqlite { read, write } => vec![stats("read", read), stats("write", write)],
            Pool::Postgres(pool) => vec![stats("main", pool)],
        }
    }

    /// A round trip to the database, for readiness probes.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?; });
        Ok(())
    }

    /// Closes every pooled connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
        with_writer!(self, pool => pool.close().await);
    }
}
