//! A consistent copy of the database for `parley backup`, taken while the server runs, and
//! loading such a copy into an empty deployment of the same backend for `parley restore`.
//!
//! - [`sqlite`]: SQLite's online backup API, into one database file.
//! - [`postgres`]: one `COPY` per table inside a single repeatable-read transaction, so every
//!   table is read at the same instant; loaded back with the foreign keys set aside.
//!
//! What is copied is rows, not the server's idea of them: a restore into this build's schema
//! or a newer one that only added is exact, and [`migrations::migrate`](crate::migrations)
//! brings it up to date afterwards.

pub mod postgres;
pub mod sqlite;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Backend, DatabaseUrl, StoreError};

/// What a snapshot holds, for the backup's manifest; [`load`] needs it back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub backend: Backend,
    /// The newest migration applied to the copied database.
    pub schema_version: i64,
    /// The files written into the snapshot directory, relative to it.
    pub files: Vec<String>,
    /// PostgreSQL: each table's file, columns and row count. Empty for SQLite (one file).
    pub tables: Vec<TableCopy>,
}

/// One PostgreSQL table as copied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCopy {
    pub name: String,
    /// In `COPY` order; a restore names them, so columns a later migration added take their
    /// defaults.
    pub columns: Vec<String>,
    pub rows: u64,
    /// `COPY`'s text format, one row per line.
    pub file: String,
}

/// Whether a restore may write into a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occupancy {
    /// No schema at all.
    Blank,
    /// Migrated (to this version) but without a single account: a deployment that started
    /// and was never used.
    Unused { schema_version: i64 },
    /// It holds accounts: a restore would overwrite someone's data, so it refuses.
    InUse { users: i64 },
    /// It holds tables but no Parley schema: probably another application's database, named
    /// by mistake; a restore refuses to overwrite it.
    Foreign { tables: i64 },
}

impl Occupancy {
    /// Whether a restore may write here; the refusal says why not.
    pub fn may_restore(self, url: &DatabaseUrl) -> Result<(), StoreError> {
        match self {
            Self::Blank | Self::Unused { .. } => Ok(()),
            Self::InUse { users } => Err(in_use(url, users)),
            Self::Foreign { tables } => Err(StoreError::Snapshot(format!(
                "the database at {} holds {tables} table(s) but no Parley schema: is database_url right? \
                 restore only into a new database or Parley's own",
                url.redacted()
            ))),
        }
    }
}

/// Copies the database at `url` into `dir` (which must exist and be empty).
pub async fn take(url: &DatabaseUrl, dir: &Path) -> Result<SnapshotInfo, StoreError> {
    match url.backend() {
        Backend::Sqlite => sqlite::take(url, dir).await,
        Backend::Postgres => postgres::take(url, dir).await,
    }
}

/// Whether the database at `url` may be restored into.
pub async fn occupancy(url: &DatabaseUrl) -> Result<Occupancy, StoreError> {
    match url.backend() {
        Backend::Sqlite => sqlite::occupancy(url).await,
        Backend::Postgres => postgres::occupancy(url).await,
    }
}

/// Loads the snapshot in `dir` (described by `info`) into the database at `url`, which must
/// not be [`Occupancy::InUse`]. The caller checked that the backends match.
pub async fn load(url: &DatabaseUrl, dir: &Path, info: &SnapshotInfo) -> Result<(), StoreError> {
    if url.backend() != info.backend {
        return Err(StoreError::Snapshot(format!(
            "the backup holds a {} database and this deployment uses {}",
            info.backend,
            url.backend()
        )));
    }
    occupancy(url).await?.may_restore(url)?;
    match url.backend() {
        Backend::Sqlite => sqlite::load(url, dir).await,
        Backend::Postgres => postgres::load(url, dir, info).await,
    }
}

/// The refusal for a database that already holds accounts.
pub fn in_use(url: &DatabaseUrl, users: i64) -> StoreError {
    StoreError::Snapshot(format!(
        "the database at {} already holds {users} account(s); restore only into an empty \
         deployment (a new database, or one that was never signed up to)",
        url.redacted()
    ))
}
