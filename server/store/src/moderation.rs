//! Moderation: member listing, nicknames, timeouts, bans.

use parley_core::{Snowflake, Timestamp};

use crate::audit_log::{Audit, record_audit};
use crate::members::MemberRecord;
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BanRecord {
    #[sqlx(try_from = "i64")]
    pub guild_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub user_id: Snowflake,
    pub reason: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: i64,
    nick: Option<String>,
    joined_at: i64,
    communication_disabled_until: Option<i64>,
    mute: bool,
    deaf: bool,
}

/// Changes to a member; `Some(None)` clears a field.
#[derive(Clone, Debug, Default)]
pub struct MemberPatch {
    pub nick: Option<Option<String>>,
    pub communication_disabled_until: Option<Option<Timestamp>>,
    pub mute: Option<bool>,
    pub deaf: Option<bool>,
}

impl Store {
    /// A page of members ordered by user id, after `after`, with their roles.
    pub async fn members(
        &self,
        guild_id: Snowflake,
        after: Snowflake,
        limit: i64,
    ) -> Result<Vec<MemberRecord>, StoreError> {
        let (rows, roles): (Vec<MemberRow>, Vec<(i64, i64)>) = with_pool!(self, pool => {
            let rows: Vec<MemberRow> = sqlx::query_as(
                "SELECT user_id, nick, joined_at, communication_disabled_until, mute, deaf FROM members \
                 WHERE guild_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3")
                .bind(guild_id.as_i64()).bind(after.as_i64()).bind(limit).fetch_all(pool).await?;
            let last = rows.last().map_or(after.as_i64(), |r| r.user_id);
            let roles: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT user_id, role_id FROM member_roles WHERE guild_id = $1 AND user_id > $2 AND user_id <= $3 ORDER BY role_id")
                .bind(guild_id.as_i64()).bind(after.as_i64()).bind(last).fetch_all(pool).await?;
            (rows, roles)
        });
        Ok(rows
            .into_iter()
            .map(|row| MemberRecord {
                guild_id,
                user_id: Snowflake::from_i64(row.user_id),
                nick: row.nick,
                joined_at: Timestamp::from_unix_millis(row.joined_at),
                communication_disabled_until: row.communication_disabled_until,
                mute: row.mute,
                deaf: row.deaf,
                role_ids: roles
                    .iter()
                    .filter(|(u, _)| *u == row.user_id)
                    .map(|(_, r)| Snowflake::from_i64(*r))
                    .collect(),
            })
            .collect())
    }

    pub async fn update_member(
        &self,
        guild_id: Snowflake,
        user_id: Snowflake,
        patch: &MemberPatch,
        audit: Audit<'_>,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE members SET nick = CASE WHEN $3 THEN $4 ELSE nick END, \
                 communication_disabled_until = CASE WHEN $5 THEN $6 ELSE communication_disabled_until END, \
                 mute = COALESCE($7, mute), deaf = COALESCE($8, deaf) \
                 WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id.as_i64())
                .bind(user_id.as_i64())
                .bind(patch.nick.is_some())
                .bind(patch.nick.clone().flatten())
                .bind(patch.communication_disabled_until.is_some())
                .bind(patch.communication_disabled_until.flatten().map(Timestamp::unix_millis))
                .bind(patch.mute)
                .bind(patch.deaf)
                .execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Bans a user: records the ban, removes their membership, and deletes their messages in
    /// the guild from the last `delete_messages_ms`. Returns the deleted messages' ids with
    /// their channels, so each channel can be told.
    pub async fn ban(
        &self,
        guild_id: Snowflake,
        user_id: Snowflake,
        reason: Option<&str>,
        delete_messages_ms: i64,
        now: Timestamp,
        audit: Audit<'_>,
    ) -> Result<Vec<(Snowflake, Snowflake)>, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO bans (guild_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (guild_id, user_id) DO UPDATE SET reason = excluded.reason")
                .bind(guild_id.as_i64()).bind(user_id.as_i64()).bind(reason).bind(now.unix_millis()).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM members WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id.as_i64()).bind(user_id.as_i64()).execute(&mut *tx).await?;
            crate::members::leave_threads!(&mut *tx, guild_id, user_id);
            let deleted: Vec<(i64, i64)> = if delete_messages_ms > 0 {
                // By channel, so the (channel_id, author_id) index finds them: messages have no
                // index by guild, and a scan of every message would hold the ban's transaction.
                sqlx::query_as("DELETE FROM messages WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = $1) \
                                AND author_id = $2 AND created_at >= $3 RETURNING channel_id, id")
                    .bind(guild_id.as_i64()).bind(user_id.as_i64()).bind(now.unix_millis() - delete_messages_ms)
                    .fetch_all(&mut *tx).await?
            } else {
                Vec::new()
            };
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(deleted.into_iter().map(|(c, m)| (Snowflake::from_i64(c), Snowflake::from_i64(m))).collect())
        })
    }

    pub async fn unban(&self, guild_id: Snowflake, user_id: Snowflake, audit: Audit<'_>) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM bans WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id.as_i64()).bind(user_id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    pub async fn bans(&self, guild_id: Snowflake) -> Result<Vec<BanRecord>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT guild_id, user_id, reason, created_at FROM bans WHERE guild_id = $1 ORDER BY user_id")
            .bind(guild_id.as_i64()).fetch_all(pool).await?))
    }

    pub async fn ban_of(&self, guild_id: Snowflake, user_id: Snowflake) -> Result<Option<BanRecord>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT guild_id, user_id, reason, created_at FROM bans WHERE guild_id = $1 AND user_id = $2")
            .bind(guild_id.as_i64()).bind(user_id.as_i64()).fetch_optional(pool).await?))
    }
}
