//! The event outbox: an event written in the same transaction as the change it announces
//! (see migration V15), kept until the shared event log has it. Rows are opaque text here;
//! the events crate owns their form.

use parley_core::Timestamp;

use crate::{Store, StoreError, with_pool, with_writer};

/// An event to keep with a change: its row id and its encoded form.
#[derive(Clone, Debug)]
pub struct OutboxEvent {
    pub id: u64,
    pub event: String,
}

impl Store {
    /// The row's event, if it is still waiting (not yet in the shared log).
    pub async fn outbox_event(&self, id: u64) -> Result<Option<String>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar("SELECT event FROM event_outbox WHERE id = $1")
            .bind(id as i64).fetch_optional(pool).await?))
    }

    /// Rows written before `before`, oldest first, at most `limit`: their node may have died
    /// before publishing them.
    pub async fn outbox_due(&self, before: Timestamp, limit: i64) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows: Vec<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, event FROM event_outbox WHERE created_at < $1 ORDER BY created_at, id LIMIT $2")
            .bind(before.unix_millis()).bind(limit).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(id, event)| OutboxEvent { id: id as u64, event }).collect())
    }

    /// Removes rows whose events are in the shared log.
    pub async fn delete_outbox(&self, ids: &[u64]) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let list = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        // Ids are numbers this process made, so the list is safe to inline.
        let sql = format!("DELETE FROM event_outbox WHERE id IN ({list})");
        Ok(with_writer!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?.rows_affected()))
    }

    /// How many rows wait (for the metrics page).
    pub async fn outbox_len(&self) -> Result<i64, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM event_outbox").fetch_one(pool).await?))
    }
}
