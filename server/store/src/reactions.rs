//! Reactions and pins on messages, and bulk deletion.

use parley_core::{Snowflake, Timestamp};

use crate::audit_log::{Audit, AuditEntry, record_audit};
use crate::messages::{MessageRecord, message_columns};
use crate::{Pool, Store, StoreError, with_pool, with_writer};

/// How one emoji stands on one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReactionCount {
    pub message_id: Snowflake,
    pub emoji: String,
    pub count: i64,
    /// Whether the asking user is among them.
    pub me: bool,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    message_id: i64,
    emoji: String,
    count: i64,
    me: i64,
}

impl Store {
    /// Adds `user_id`'s reaction. Returns false if it was already there.
    pub async fn add_reaction(
        &self,
        message_id: Snowflake,
        user_id: Snowflake,
        emoji: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query(
            "INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(message_id.as_i64()).bind(user_id.as_i64()).bind(emoji).bind(now.unix_millis()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Removes `user_id`'s reaction. Returns false if there was none.
    pub async fn remove_reaction(
        &self,
        message_id: Snowflake,
        user_id: Snowflake,
        emoji: &str,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query("DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3")
            .bind(message_id.as_i64()).bind(user_id.as_i64()).bind(emoji).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Removes every reaction on the message, or with `emoji` only every one of that emoji.
    /// Returns how many there were.
    pub async fn clear_reactions(&self, message_id: Snowflake, emoji: Option<&str>) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => sqlx::query(
            "DELETE FROM reactions WHERE message_id = $1 AND ($2 IS NULL OR emoji = $2)")
            .bind(message_id.as_i64()).bind(emoji).execute(pool).await?.rows_affected()))
    }

    /// Who reacted with `emoji`, by user id after `after`, at most `limit`.
    pub async fn reactors(
        &self,
        message_id: Snowflake,
        emoji: &str,
        after: Snowflake,
        limit: i64,
    ) -> Result<Vec<Snowflake>, StoreError> {
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT user_id FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id > $3 ORDER BY user_id LIMIT $4")
            .bind(message_id.as_i64()).bind(emoji).bind(after.as_i64()).bind(limit).fetch_all(pool).await?);
        Ok(ids.into_iter().map(Snowflake::from_i64).collect())
    }

    /// Reaction counts for these messages, as seen by `viewer`, in order of first reaction.
    pub async fn reaction_counts(
        &self,
        message_ids: &[Snowflake],
        viewer: Snowflake,
    ) -> Result<Vec<ReactionCount>, StoreError> {
        if message_ids.is_empty() {
            return Ok(Vec::new());
        }
        let raw: Vec<i64> = message_ids.iter().map(|id| id.as_i64()).collect();
        let rows: Vec<CountRow> = match &self.pool {
            Pool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT message_id, emoji, COUNT(*) AS count, MAX(CASE WHEN user_id = $2 THEN 1 ELSE 0 END)::BIGINT AS me \
                     FROM reactions WHERE message_id = ANY($1) GROUP BY message_id, emoji ORDER BY MIN(created_at), emoji",
                )
                .bind(raw)
                .bind(viewer.as_i64())
                .fetch_all(pool)
                .await?
            }
            Pool::Sqlite { read, .. } => {
                let list = format!("[{}]", raw.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                sqlx::query_as(
                    "SELECT message_id, emoji, COUNT(*) AS count, MAX(CASE WHEN user_id = $2 THEN 1 ELSE 0 END) AS me \
                     FROM reactions WHERE message_id IN (SELECT value FROM json_each($1)) GROUP BY message_id, emoji \
                     ORDER BY MIN(created_at), emoji",
                )
                .bind(list)
                .bind(viewer.as_i64())
                .fetch_all(read)
                .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| ReactionCount {
                message_id: Snowflake::from_i64(r.message_id),
                emoji: r.emoji,
                count: r.count,
                me: r.me == 1,
            })
            .collect())
    }

    /// Pins or unpins a message. Returns false if it was already so.
    pub async fn set_pinned(
        &self,
        channel_id: Snowflake,
        message_id: Snowflake,
        pinned: bool,
        now: Timestamp,
        audit: Audit<'_>,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE messages SET pinned = $3, pinned_at = CASE WHEN $3 THEN $4 ELSE NULL END \
                 WHERE channel_id = $1 AND id = $2 AND pinned <> $3")
                .bind(channel_id.as_i64()).bind(message_id.as_i64()).bind(pinned).bind(now.unix_millis())
                .execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// The channel's pinned messages, most recently pinned first.
    pub async fn pinned_messages(&self, channel_id: Snowflake) -> Result<Vec<MessageRecord>, StoreError> {
        self.pinned_page(channel_id, None, i64::MAX).await
    }

    /// Up to `limit` of the channel's pinned messages pinned before `before` (Unix
    /// milliseconds; all when `None`), most recently pinned first.
    pub async fn pinned_page(
        &self,
        channel_id: Snowflake,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE channel_id = $1 AND pinned_at IS NOT NULL AND pinned_at < $2 \
             ORDER BY pinned_at DESC, id DESC LIMIT $3"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(sql)
            .bind(channel_id.as_i64()).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(pool).await?))
    }

    pub async fn pin_count(&self, channel_id: Snowflake) -> Result<i64, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE channel_id = $1 AND pinned_at IS NOT NULL")
            .bind(channel_id.as_i64()).fetch_one(pool).await?),
        )
    }

    /// Deletes these messages of the channel in one transaction; returns the ids that existed.
    pub async fn delete_messages(
        &self,
        channel_id: Snowflake,
        ids: &[Snowflake],
        audit: impl FnOnce(usize) -> Option<AuditEntry>,
    ) -> Result<Vec<Snowflake>, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut deleted = Vec::new();
            for id in ids {
                let n = sqlx::query("DELETE FROM messages WHERE channel_id = $1 AND id = $2")
                    .bind(channel_id.as_i64()).bind(id.as_i64()).execute(&mut *tx).await?.rows_affected();
                if n == 1 {
                    deleted.push(*id);
                }
            }
            // The entry says how many went, so it is made once that is known, in the same
            // transaction.
            let entry = audit(deleted.len());
            record_audit!(&mut *tx, entry.as_ref());
            tx.commit().await?;
            Ok(deleted)
        })
    }
}
