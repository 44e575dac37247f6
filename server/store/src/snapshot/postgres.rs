//! PostgreSQL snapshots: every table `COPY`ed out inside one `REPEATABLE READ, READ ONLY`
//! transaction (the consistency `pg_dump` gives, without needing `pg_dump` in the image), one
//! text-format file per table. Loading runs in one transaction: the schema is migrated to the
//! backup's version first, the foreign keys are set aside so tables load in any order (they
//! refer to each other in cycles), and put back at the end, which checks every row.

use std::path::Path;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_postgres::{Client, IsolationLevel, NoTls};

use super::{Occupancy, SnapshotInfo, TableCopy};
use crate::{Backend, DatabaseUrl, StoreError};

/// The migration runner's own table: a restore recreates it by migrating, never by copying.
const HISTORY: &str = "refinery_schema_history";

fn pg(what: &'static str) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |e| StoreError::Snapshot(format!("{what}: {e}"))
}

fn io(what: String) -> impl Fn(std::io::Error) -> StoreError {
    move |e| StoreError::Snapshot(format!("{what}: {e}"))
}

/// `name` as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table's file in the snapshot; table names are Parley's own, but the file name must not
/// be able to leave the directory whatever they are.
fn file_for(table: &str) -> Result<String, StoreError> {
    if table.is_empty() || !table.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(StoreError::Snapshot(format!("unexpected table name {table:?}")));
    }
    Ok(format!("table-{table}.copy"))
}

async fn connect(url: &DatabaseUrl) -> Result<(Client, tokio::task::JoinHandle<()>), StoreError> {
    let (client, connection) = tokio_postgres::connect(url.as_str(), NoTls)
        .await
        .map_err(|e| StoreError::Snapshot(format!("cannot connect to {}: {e}", url.redacted())))?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((client, driver))
}

/// Parley's tables in the current schema, without the migration history.
async fn tables(client: &impl tokio_postgres::GenericClient) -> Result<Vec<String>, StoreError> {
    let rows = client
        .query(
            "SELECT c.relname::text FROM pg_class c \
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition \
               AND c.relname <> $1 ORDER BY 1",
            &[&HISTORY],
        )
        .await
        .map_err(pg("cannot list the tables"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// A table's stored columns in order (generated ones are computed, never copied).
async fn columns(client: &impl tokio_postgres::GenericClient, table: &str) -> Result<Vec<String>, StoreError> {
    let rows = client
        .query(
            "SELECT a.attname::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = $1 \
               AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
            &[&table],
        )
        .await
        .map_err(pg("cannot list a table's columns"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

async fn schema_version(client: &impl tokio_postgres::GenericClient) -> Result<Option<i64>, StoreError> {
    crate::migrations::postgres_applied(client).await.map_err(pg("cannot read the schema version"))
}

pub async fn take(url: &DatabaseUrl, dir: &Path) -> Result<SnapshotInfo, StoreError> {
    let (mut client, driver) = connect(url).await?;
    let result = async {
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg("cannot start the snapshot"))?;
        let schema_version = schema_version(&tx)
            .await?
            .ok_or_else(|| StoreError::Snapshot(format!("{} has no schema: it was never migrated", url.redacted())))?;
        let mut copies = Vec::new();
        for name in tables(&tx).await? {
            let columns = columns(&tx, &name).await?;
            let file = file_for(&name)?;
            let path = dir.join(&file);
            let mut out =
                tokio::fs::File::create(&path).await.map_err(io(format!("cannot create {}", path.display())))?;
            let list = columns.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
            let stream = tx
                .copy_out(&format!("COPY {} ({list}) TO STDOUT", ident(&name)))
                .await
                .map_err(pg("cannot start copying a table"))?;
            futures::pin_mut!(stream);
            // Text format escapes newlines inside values, so each line is one row.
            let mut rows = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(pg("cannot copy a table"))?;
                rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
                out.write_all(&chunk).await.map_err(io(format!("cannot write {}", path.display())))?;
            }
            out.sync_all().await.map_err(io(format!("cannot write {}", path.display())))?;
            copies.push(TableCopy { name, columns, rows, file });
        }
        tx.commit().await.map_err(pg("cannot end the snapshot"))?;
        Ok(SnapshotInfo {
            backend: Backend::Postgres,
            schema_version,
            files: copies.iter().map(|t| t.file.clone()).collect(),
            tables: copies,
        })
    }
    .await;
    drop(client);
    let _ = driver.await;
    result
}

pub async fn occupancy(url: &DatabaseUrl) -> Result<Occupancy, StoreError> {
    let (client, driver) = connect(url).await?;
    let result = async { occupancy_of(&client).await }.await;
    drop(client);
    let _ = driver.await;
    result
}

/// What the database holds, for [`occupancy`] and again inside the load's transaction.
async fn occupancy_of(client: &impl tokio_postgres::GenericClient) -> Result<Occupancy, StoreError> {
    let tables: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'v', 'm')",
            &[],
        )
        .await
        .map_err(pg("cannot list the tables"))?
        .get(0);
    if tables == 0 {
        return Ok(Occupancy::Blank);
    }
    let Some(schema_version) = schema_version(client).await? else {
        return Ok(Occupancy::Foreign { tables });
    };
    let users: i64 =
        client.query_one("SELECT COUNT(*) FROM users", &[]).await.map_err(pg("cannot count accounts"))?.get(0);
    Ok(if users == 0 { Occupancy::Unused { schema_version } } else { Occupancy::InUse { users } })
}

pub async fn load(url: &DatabaseUrl, dir: &Path, info: &SnapshotInfo) -> Result<(), StoreError> {
    let wanted = info.schema_version;
    let current = match occupancy(url).await? {
        Occupancy::Blank => None,
        Occupancy::Unused { schema_version } => Some(schema_version),
        refused => return refused.may_restore(url),
    };
    if current.is_none_or(|v| v < wanted) {
        crate::migrations::migrate_postgres_to(url, wanted).await?;
    }
    let (mut client, driver) = connect(url).await?;
    let result = async {
        if current.is_some_and(|v| v > wanted) {
            // Additions since the backup's schema take their defaults; a contract since then
            // removed something the backup's rows need.
            let contracts: i64 = client
                .query_one("SELECT COUNT(*) FROM schema_contracts WHERE version > $1", &[&wanted])
                .await
                .map_err(pg("cannot read the schema's contracts"))?
                .get(0);
            if contracts > 0 {
                return Err(StoreError::Snapshot(format!(
                    "this database was migrated past the backup's schema (version {wanted}) by a migration \
                     that removed what the backup holds; restore into a new, empty database"
                )));
            }
        }
        let tx = client.transaction().await.map_err(pg("cannot start the restore"))?;
        // No one signs up from here to the commit, and no one did since the first look.
        tx.batch_execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE").await.map_err(pg("cannot lock the accounts"))?;
        occupancy_of(&tx).await?.may_restore(url)?;
        let present = tables(&tx).await?;
        for table in &info.tables {
            let have = if present.contains(&table.name) { columns(&tx, &table.name).await? } else { Vec::new() };
            if let Some(missing) = table.columns.iter().find(|c| !have.contains(c)) {
                return Err(StoreError::Snapshot(format!(
                    "the backup has {}.{missing}, which this database's schema lacks",
                    table.name
                )));
            }
        }
        let keys = tx
            .query(
                "SELECT c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid) FROM pg_constraint c \
                 WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace ORDER BY 1, 2",
                &[],
            )
            .await
            .map_err(pg("cannot list the foreign keys"))?;
        let keys: Vec<(String, String, String)> = keys.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
        for (table, name, _) in &keys {
            tx.batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT {}", ident(name)))
                .await
                .map_err(pg("cannot set a foreign key aside"))?;
        }
        if !info.tables.is_empty() {
            let all = info.tables.iter().map(|t| ident(&t.name)).collect::<Vec<_>>().join(", ");
            // What migrations seeded (and nothing else: no one ever signed up).
            tx.batch_execute(&format!("TRUNCATE {all}")).await.map_err(pg("cannot empty the tables"))?;
        }
        for table in &info.tables {
            if file_for(&table.name)? != table.file {
                return Err(StoreError::Snapshot(format!("the backup names an unexpected file {:?}", table.file)));
            }
            let list = table.columns.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
            let sink = tx
                .copy_in::<_, Bytes>(&format!("COPY {} ({list}) FROM STDIN", ident(&table.name)))
                .await
                .map_err(pg("cannot start loading a table"))?;
            futures::pin_mut!(sink);
            let path = dir.join(&table.file);
            let mut file = tokio::fs::File::open(&path).await.map_err(io(format!("cannot open {}", path.display())))?;
            let mut buffer = vec![0u8; 256 * 1024];
            loop {
                let n = file.read(&mut buffer).await.map_err(io(format!("cannot read {}", path.display())))?;
                if n == 0 {
                    break;
                }
                sink.send(Bytes::copy_from_slice(&buffer[..n])).await.map_err(pg("cannot load a table"))?;
            }
            let rows = sink.as_mut().finish().await.map_err(pg("cannot load a table"))?;
            if rows != table.rows {
                return Err(StoreError::Snapshot(format!(
                    "{} loaded {rows} rows where the backup lists {}",
                    table.name, table.rows
                )));
            }
        }
        for (table, name, definition) in &keys {
            tx.batch_execute(&format!("ALTER TABLE {table} ADD CONSTRAINT {} {definition}", ident(name)))
                .await
                .map_err(|e| {
                    StoreError::Snapshot(format!("the restored rows break the foreign key {name} on {table}: {e}"))
                })?;
        }
        tx.commit().await.map_err(pg("cannot finish the restore"))?;
        // Fresh statistics, so the first queries on the restored data plan well.
        client.batch_execute("ANALYZE").await.map_err(pg("cannot analyze the restored tables"))?;
        Ok(())
    }
    .await;
    drop(client);
    let _ = driver.await;
    result
}
