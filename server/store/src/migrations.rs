//! Schema migrations: one refinery set per backend, embedded in the binary.
//!
//! `parley migrate` calls [`migrate`]; `parley serve` and `/ready` call [`schema_status`] to
//! refuse a schema this build cannot run on: older than its own, or newer with a contract
//! migration (one that dropped or changed what this build may read) past its version. A newer
//! schema made only of additions is fine, so old pods keep serving during a rolling upgrade.
//! On PostgreSQL, concurrent runs
//! (several replicas' init containers) take turns on an advisory lock, so exactly one
//! applies each migration and the others find nothing left to do.

use crate::{Backend, DatabaseUrl, Store, StoreError, with_pool};

mod sqlite_set {
    refinery::embed_migrations!("migrations/sqlite");
}
mod postgres_set {
    refinery::embed_migrations!("migrations/postgres");
}

/// An arbitrary constant naming Parley's migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK_KEY: i64 = 0x7061_726c_6579; // "parley"

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// `(version, name)` of each migration this run applied, in order; empty when current.
    pub applied: Vec<(i64, String)>,
    /// The schema version after the run: this build's, or a newer one it found and left
    /// alone (it runs on a newer schema that only added; see [`SchemaStatus::is_usable`]).
    pub version: i64,
    /// The newest migration this build knows.
    pub required: i64,
}

/// Where the database's schema stands against this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaStatus {
    /// The newest migration applied to the database; `None` for an empty database.
    pub applied: Option<i64>,
    /// The newest migration this build knows.
    pub required: i64,
    /// The newest contract migration applied (`schema_contracts`); `None` when there is none.
    pub contract: Option<i64>,
}

impl SchemaStatus {
    pub fn is_current(&self) -> bool {
        self.applied == Some(self.required)
    }
    pub fn is_behind(&self) -> bool {
        self.applied.is_none_or(|v| v < self.required)
    }
    pub fn is_ahead(&self) -> bool {
        self.applied.is_some_and(|v| v > self.required)
    }
    /// Newer than this build by a contract migration: something it may read is gone.
    pub fn is_past_a_contract(&self) -> bool {
        self.contract.is_some_and(|v| v > self.required)
    }
    /// Whether this build can run on the schema: its own version, or newer by additions only.
    pub fn is_usable(&self) -> bool {
        !self.is_behind() && !self.is_past_a_contract()
    }
}

fn runner(backend: Backend) -> refinery::Runner {
    match backend {
        Backend::Sqlite => sqlite_set::migrations::runner(),
        Backend::Postgres => postgres_set::migrations::runner(),
    }
}

/// The newest migration version this build carries for `backend`.
pub fn required_version(backend: Backend) -> i64 {
    runner(backend).get_migrations().iter().map(|m| m.version() as i64).max().unwrap_or(0)
}

/// Applies every pending migration and returns what was applied. Running it again is a no-op.
/// Refuses (without changing anything) a database whose schema is newer than this build.
pub async fn migrate(url: &DatabaseUrl) -> Result<MigrationReport, StoreError> {
    let required = required_version(url.backend());
    let (report, newer) = match url.backend() {
        Backend::Sqlite => migrate_sqlite(url, required).await?,
        Backend::Postgres => migrate_postgres(url, required, refinery::Target::Latest).await?,
    };
    let applied: Vec<_> =
        report.applied_migrations().iter().map(|m| (m.version() as i64, m.name().to_owned())).collect();
    for (version, name) in &applied {
        tracing::info!(version, name, "applied migration");
    }
    Ok(MigrationReport { applied, version: newer.unwrap_or(required), required })
}

/// The migration that made `schema_contracts`; an older schema has no contracts to report.
const CONTRACTS_SINCE: i64 = 23;

/// What a migration run did, and the schema version it found when that was newer than this
/// build (then it did nothing).
type Outcome = (refinery::Report, Option<i64>);

/// What `migrate` does on a schema at `applied`, newer than this build, whose newest contract
/// migration is `contract`: nothing, unless that contract is past this build.
fn on_a_newer_schema(applied: i64, contract: Option<i64>, required: i64) -> Result<Outcome, StoreError> {
    match contract.filter(|v| *v > required) {
        Some(contract) => Err(past_a_contract(contract, required)),
        None => Ok((refinery::Report::new(Vec::new()), Some(applied))),
    }
}

fn past_a_contract(contract: i64, required: i64) -> StoreError {
    StoreError::Migration(format!(
        "the database schema has a contract migration (version {contract}) newer than this build \
         of Parley (version {required}): it removed or changed what this build reads; run the \
         Parley release that migrated it, or a newer one"
    ))
}

async fn migrate_sqlite(url: &DatabaseUrl, required: i64) -> Result<Outcome, StoreError> {
    let path = url
        .sqlite_file()
        .ok_or_else(|| StoreError::Migration("SQLite migrations need a database file, not :memory:".into()))?
        .to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = rusqlite::Connection::open(&path)
            .map_err(|e| StoreError::Migration(format!("cannot open SQLite database {path}: {e}")))?;
        // Another process (a running server) may hold the write lock briefly.
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(|e| StoreError::Migration(e.to_string()))?;
        let runner = runner(Backend::Sqlite);
        let sqlite_error = |e: rusqlite::Error| StoreError::Migration(e.to_string());
        let applied = sqlite_applied(&conn).map_err(sqlite_error)?;
        if let Some(applied) = applied.filter(|v| *v > required) {
            // Newer than this build: nothing to apply, and fine unless a contract is past it.
            let contract: Option<i64> = conn
                .query_row("SELECT MAX(version) FROM schema_contracts", [], |row| row.get(0))
                .map_err(sqlite_error)?;
            return on_a_newer_schema(applied, contract, required);
        }
        // Rebuilding a table (how SQLite changes a column) must not cascade deletes from the
        // old copy, so foreign keys are off while migrating and checked once at the end.
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(sqlite_error)?;
        let report = runner.set_abort_divergent(true).run(&mut conn).map_err(migration_error)?;
        let broken: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| row.get(0))
            .map_err(sqlite_error)?;
        if broken > 0 {
            return Err(StoreError::Migration(format!(
                "the migrated database has {broken} rows whose foreign keys point nowhere; \
                 restore the backup taken before migrating and report this"
            )));
        }
        Ok((report, None))
    })
    .await
    .map_err(|e| StoreError::Migration(format!("migration task failed: {e}")))?
}

/// Migrates a PostgreSQL database up to `version` and no further: a restore builds the schema
/// its backup was taken on before loading the rows, then [`migrate`]s the rest.
pub async fn migrate_postgres_to(url: &DatabaseUrl, version: i64) -> Result<(), StoreError> {
    let required = required_version(Backend::Postgres);
    if version > required {
        return Err(StoreError::Migration(format!(
            "schema version {version} is newer than this build of Parley knows (version {required})"
        )));
    }
    let target = refinery::Target::Version(
        version.try_into().map_err(|_| StoreError::Migration(format!("no schema version {version}")))?,
    );
    migrate_postgres(url, required, target).await.map(drop)
}

async fn migrate_postgres(url: &DatabaseUrl, required: i64, target: refinery::Target) -> Result<Outcome, StoreError> {
    let (mut client, connection) = tokio_postgres::connect(url.as_str(), tokio_postgres::NoTls)
        .await
        .map_err(|e| StoreError::Migration(format!("cannot connect to {}: {e}", url.redacted())))?;
    let connection = tokio::spawn(connection);
    let result = async {
        // Held for the whole run; released by unlock below, or by PostgreSQL when this
        // connection ends if the process dies mid-way.
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY]).await.map_err(pg_error)?;
        let runner = runner(Backend::Postgres);
        let outcome = async {
            let applied = postgres_applied(&client).await.map_err(pg_error)?;
            if let Some(applied) = applied.filter(|v| *v > required) {
                // Newer than this build: nothing to apply, and fine unless a contract is past it.
                let contract: Option<i64> = client
                    .query_one("SELECT CAST(MAX(version) AS BIGINT) FROM schema_contracts", &[])
                    .await
                    .map_err(pg_error)?
                    .get(0);
                return on_a_newer_schema(applied, contract, required);
            }
            let report = runner
                .set_abort_divergent(true)
                .set_target(target)
                .run_async(&mut client)
                .await
                .map_err(migration_error)?;
            Ok((report, None))
        }
        .await;
        client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY]).await.map_err(pg_error)?;
        outcome
    }
    .await;
    drop(client);
    let _ = connection.await;
    result
}

/// The newest migration applied to an SQLite database; `None` when it has no schema.
pub(crate) fn sqlite_applied(conn: &rusqlite::Connection) -> rusqlite::Result<Option<i64>> {
    // Two statements: SQLite resolves table names when preparing, so one statement that
    // mentions a table that does not exist yet fails even behind a CASE.
    let has_history: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
        [],
        |row| row.get(0),
    )?;
    if !has_history {
        return Ok(None);
    }
    conn.query_row("SELECT MAX(version) FROM refinery_schema_history", [], |row| row.get(0))
}

/// The newest migration applied to a PostgreSQL database; `None` when it has no schema.
pub(crate) async fn postgres_applied(
    client: &impl tokio_postgres::GenericClient,
) -> Result<Option<i64>, tokio_postgres::Error> {
    let has_history: bool =
        client.query_one("SELECT to_regclass('refinery_schema_history') IS NOT NULL", &[]).await?.get(0);
    if !has_history {
        return Ok(None);
    }
    Ok(client.query_one("SELECT CAST(MAX(version) AS BIGINT) FROM refinery_schema_history", &[]).await?.get(0))
}

fn migration_error(e: refinery::Error) -> StoreError {
    StoreError::Migration(e.to_string())
}

fn pg_error(e: tokio_postgres::Error) -> StoreError {
    StoreError::Migration(e.to_string())
}

/// Reads the applied schema version through the store's own pool.
pub async fn schema_status(store: &Store) -> Result<SchemaStatus, StoreError> {
    let required = required_version(store.backend());
    let table_exists: bool = with_pool!(store, pool => {
        let sql = match store.backend() {
            Backend::Sqlite => "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
            Backend::Postgres => "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'refinery_schema_history')",
        };
        sqlx::query_scalar(sql).fetch_one(pool).await?
    });
    if !table_exists {
        return Ok(SchemaStatus { applied: None, required, contract: None });
    }
    let applied: Option<i64> = with_pool!(store, pool => {
        sqlx::query_scalar("SELECT CAST(MAX(version) AS BIGINT) FROM refinery_schema_history").fetch_one(pool).await?
    });
    let contract: Option<i64> = if applied.is_some_and(|v| v >= CONTRACTS_SINCE) {
        with_pool!(store, pool => {
            sqlx::query_scalar("SELECT CAST(MAX(version) AS BIGINT) FROM schema_contracts").fetch_one(pool).await?
        })
    } else {
        None
    };
    Ok(SchemaStatus { applied, required, contract })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// V11 rebuilds `channels` on SQLite; an existing database must come through whole.
    /// An older release's `migrate` on a schema a newer release extended: nothing to do while
    /// the newer migrations only added, refused once one of them is a contract.
    #[tokio::test]
    async fn sqlite_migrate_accepts_a_newer_schema_that_only_added_and_refuses_one_past_a_contract() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.db");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
        migrate(&url).await.unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (998, 'future', '2030-01-01', '0')",
        )
        .unwrap();
        assert_eq!(migrate(&url).await.unwrap().applied, Vec::new());
        conn.execute_batch(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'contract', '2030-01-02', '0');
             INSERT INTO schema_contracts (version, note) VALUES (999, 'dropped a column');",
        )
        .unwrap();
        let refused = migrate(&url).await.unwrap_err().to_string();
        assert!(refused.contains("contract migration (version 999)"), "{refused}");
    }

    #[tokio::test]
    async fn upgrading_a_sqlite_database_to_private_channels_keeps_every_guild_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upgrade.db");
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        // The schema an older release left behind, with a guild's worth of data in it.
        sqlite_set::migrations::runner().set_target(refinery::Target::Version(10)).run(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, username, created_at, updated_at) VALUES (1, 'ann', 0, 0);
             INSERT INTO guilds (id, name, owner_id, created_at) VALUES (10, 'Old', 1, 0);
             INSERT INTO channels (id, guild_id, kind, name, topic, created_at) VALUES (11, 10, 0, 'general', 'hi', 0);
             INSERT INTO channel_overwrites (channel_id, target_id, kind, allow_bits, deny_bits) VALUES (11, 10, 0, 0, 1024);
             INSERT INTO messages (id, channel_id, guild_id, author_id, content, created_at) VALUES (12, 11, 10, 1, 'hello there', 0);
             INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (12, 1, 'x', 0);",
        )
        .unwrap();
        drop(conn);

        let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
        let report = migrate(&url).await.unwrap();
        let applied: Vec<i64> = report.applied.iter().map(|(v, _)| *v).collect();
        assert_eq!(applied, (11..=required_version(Backend::Sqlite)).collect::<Vec<_>>());

        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT COUNT(*) FROM channels WHERE guild_id = 10 AND topic = 'hi'"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM channel_overwrites"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM messages"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM reactions"), 1);
        assert_eq!(
            count("SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'hello'"),
            1,
            "search still works"
        );
        // A channel without a guild is allowed now; foreign keys still bind to the new table.
        conn.execute("INSERT INTO channels (id, guild_id, kind, name, created_at) VALUES (20, NULL, 1, '', 0)", [])
            .unwrap();
        conn.execute("DELETE FROM guilds WHERE id = 10", []).unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM messages"), 0, "deleting the guild still cascades to its messages");
        assert_eq!(count("SELECT COUNT(*) FROM channels"), 1, "only the private channel is left");
    }
}
