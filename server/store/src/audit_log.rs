//! The audit log: who changed what in a guild, and why.

use parley_core::{Snowflake, Timestamp};

use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEntry {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub guild_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub user_id: Snowflake,
    /// Discord's action type numbers.
    pub action_type: i64,
    pub target_id: Option<i64>,
    /// JSON: `[{key, old_value?, new_value?}]`.
    pub changes: String,
    pub reason: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

/// Which entries to read: newest first, optionally by actor or action, before an id.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditFilter {
    pub user_id: Option<Snowflake>,
    pub action_type: Option<i64>,
    pub before: Option<Snowflake>,
    pub after: Option<Snowflake>,
    pub limit: i64,
}

/// Inserts the audit entry `$entry` (an `Option<&AuditEntry>`) on `$executor`: inside the
/// transaction of the change it records, so the change and its entry commit together or not
/// at all (a failed insert rolls the change back; nothing happens unrecorded).
macro_rules! record_audit {
    ($executor:expr, $entry:expr) => {
        if let Some(entry) = $entry {
            sqlx::query(
                "INSERT INTO audit_log_entries (id, guild_id, user_id, action_type, target_id, changes, reason, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(entry.id.as_i64())
            .bind(entry.guild_id.as_i64())
            .bind(entry.user_id.as_i64())
            .bind(entry.action_type)
            .bind(entry.target_id)
            .bind(&entry.changes)
            .bind(&entry.reason)
            .bind(entry.created_at.unix_millis())
            .execute($executor)
            .await?;
        }
    };
}
pub(crate) use record_audit;

/// An audit entry to record with a change, or none (the change is not audited: someone acting
/// on their own things, or a private channel).
pub type Audit<'a> = Option<&'a AuditEntry>;

impl Store {
    /// Records an entry for a change that has no row of its own (a voice move: the change is
    /// carried out on the bus once the entry is stored).
    pub async fn add_audit_entry(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            record_audit!(pool, Some(entry));
        });
        Ok(())
    }

    pub async fn audit_entries(&self, guild_id: Snowflake, filter: AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, guild_id, user_id, action_type, target_id, changes, reason, created_at FROM audit_log_entries \
             WHERE guild_id = $1 AND ($2 IS NULL OR user_id = $2) AND ($3 IS NULL OR action_type = $3) \
             AND id < $4 AND id > $5 ORDER BY id DESC LIMIT $6")
            .bind(guild_id.as_i64())
            .bind(filter.user_id.map(Snowflake::as_i64))
            .bind(filter.action_type)
            .bind(filter.before.map_or(i64::MAX, Snowflake::as_i64))
            .bind(filter.after.map_or(0, Snowflake::as_i64))
            .bind(filter.limit)
            .fetch_all(pool)
            .await?))
    }
}
