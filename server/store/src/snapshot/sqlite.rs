//! SQLite snapshots: the online backup API copies every page in one step, inside one read
//! transaction, so the copy is the database at one instant; in WAL mode the server's writers
//! go on meanwhile. A step that copied fewer than all pages would restart whenever the server
//! wrote, and could never finish under steady load.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{Occupancy, SnapshotInfo};
use crate::{Backend, DatabaseUrl, StoreError};

/// The snapshot's one file, relative to the snapshot directory.
pub const FILE: &str = "parley.sqlite";

/// How long a copy waits for a moment when no one holds the database's write lock mid-checkpoint.
const BUSY_FOR: Duration = Duration::from_secs(30);

fn path_of(url: &DatabaseUrl) -> Result<PathBuf, StoreError> {
    url.sqlite_file().map(PathBuf::from).ok_or_else(|| {
        StoreError::Snapshot("an in-memory SQLite database has nothing to back up or restore into".into())
    })
}

fn failed(what: &str, path: &Path) -> impl Fn(rusqlite::Error) -> StoreError {
    let context = format!("{what} {}", path.display());
    move |e| StoreError::Snapshot(format!("{context}: {e}"))
}

/// Copies every page of `src` into `dst` in one step, waiting out a busy source.
fn copy_all(src: &Connection, dst: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let backup = Backup::new(src, dst).map_err(failed("cannot start copying", path))?;
    let started = Instant::now();
    loop {
        match backup.step(-1).map_err(failed("cannot copy", path))? {
            StepResult::Done => return Ok(()),
            StepResult::Busy | StepResult::Locked if started.elapsed() < BUSY_FOR => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => {
                return Err(StoreError::Snapshot(format!(
                    "cannot copy {}: the database stayed locked ({other:?}) for {}s",
                    path.display(),
                    BUSY_FOR.as_secs()
                )));
            }
        }
    }
}

/// Opens a database that must already exist. Read-write although nothing is written: a
/// read-only connection to a WAL database fails when no server has its shared-memory file open.
fn open_existing(path: &Path) -> Result<Connection, StoreError> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(failed("cannot open", path))
}

fn schema_version(conn: &Connection, path: &Path) -> Result<Option<i64>, StoreError> {
    crate::migrations::sqlite_applied(conn).map_err(failed("cannot read the schema version of", path))
}

pub async fn take(url: &DatabaseUrl, dir: &Path) -> Result<SnapshotInfo, StoreError> {
    let source = path_of(url)?;
    let target = dir.join(FILE);
    tokio::task::spawn_blocking(move || {
        if !source.exists() {
            return Err(StoreError::Snapshot(format!("there is no database at {}", source.display())));
        }
        let src = open_existing(&source)?;
        src.busy_timeout(BUSY_FOR).map_err(failed("cannot open", &source))?;
        let mut dst = Connection::open(&target).map_err(failed("cannot create", &target))?;
        copy_all(&src, &mut dst, &source)?;
        // The copy is a file on its own: no WAL beside it to carry along.
        dst.pragma_update_and_check(None, "journal_mode", "DELETE", |_| Ok(()))
            .map_err(failed("cannot finish", &target))?;
        let schema_version = schema_version(&dst, &target)?.ok_or_else(|| {
            StoreError::Snapshot(format!("{} has no schema: it was never migrated", source.display()))
        })?;
        Ok(SnapshotInfo { backend: Backend::Sqlite, schema_version, files: vec![FILE.to_owned()], tables: Vec::new() })
    })
    .await
    .map_err(|e| StoreError::Snapshot(format!("the copy task failed: {e}")))?
}

pub async fn occupancy(url: &DatabaseUrl) -> Result<Occupancy, StoreError> {
    let path = path_of(url)?;
    tokio::task::spawn_blocking(move || {
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Occupancy::Blank),
            Err(e) => return Err(StoreError::Snapshot(format!("cannot read {}: {e}", path.display()))),
            Ok(m) if m.len() == 0 => return Ok(Occupancy::Blank),
            Ok(_) => {}
        }
        occupancy_of(&open_existing(&path)?, &path)
    })
    .await
    .map_err(|e| StoreError::Snapshot(format!("the check task failed: {e}")))?
}

/// What the open database holds, for [`occupancy`] and again just before a load.
fn occupancy_of(conn: &Connection, path: &Path) -> Result<Occupancy, StoreError> {
    let tables: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'", [], |row| row.get(0))
        .map_err(failed("cannot read", path))?;
    if tables == 0 {
        return Ok(Occupancy::Blank);
    }
    let Some(schema_version) = schema_version(conn, path)? else {
        return Ok(Occupancy::Foreign { tables });
    };
    let users: i64 =
        conn.query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0)).map_err(failed("cannot read", path))?;
    Ok(if users == 0 { Occupancy::Unused { schema_version } } else { Occupancy::InUse { users } })
}

pub async fn load(url: &DatabaseUrl, dir: &Path) -> Result<(), StoreError> {
    let target = path_of(url)?;
    let source = dir.join(FILE);
    let url = url.clone();
    tokio::task::spawn_blocking(move || {
        let src = Connection::open_with_flags(&source, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(failed("cannot open", &source))?;
        let verdict: String =
            src.query_row("PRAGMA integrity_check", [], |row| row.get(0)).map_err(failed("cannot check", &source))?;
        if verdict != "ok" {
            return Err(StoreError::Snapshot(format!("the backup's database is damaged: {verdict}")));
        }
        // Page by page over whatever is there (nothing, or an unused schema), in WAL mode as
        // the server keeps it.
        let mut dst = Connection::open(&target).map_err(failed("cannot open", &target))?;
        dst.busy_timeout(BUSY_FOR).map_err(failed("cannot open", &target))?;
        // Counted again on the connection that writes: someone may have signed up meanwhile.
        occupancy_of(&dst, &target)?.may_restore(&url)?;
        copy_all(&src, &mut dst, &target)?;
        dst.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .map_err(failed("cannot finish", &target))?;
        Ok(())
    })
    .await
    .map_err(|e| StoreError::Snapshot(format!("the restore task failed: {e}")))?
}
