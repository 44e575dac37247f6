//! Guild channels (text, voice, categories, threads) and their permission overwrites.

use parley_core::permissions::{Overwrite, OverwriteKind};
use parley_core::{Permissions, Snowflake, Timestamp};

use crate::audit_log::{Audit, record_audit};
use crate::{Store, StoreError, with_pool, with_writer};

pub use parley_core::ChannelKind;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChannelRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub guild_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub kind: ChannelKind,
    pub name: String,
    pub position: i64,
    pub parent_id: Option<i64>,
    pub topic: Option<String>,
    pub nsfw: bool,
    pub rate_limit_per_user: i64,
    pub bitrate: Option<i64>,
    pub user_limit: Option<i64>,
    pub archived: bool,
    pub owner_id: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    /// Threads: minutes of inactivity before archiving (60, 1440, 4320 or 10080).
    pub auto_archive_duration: Option<i64>,
    /// Threads: when `archived` last changed.
    pub archive_timestamp: Option<i64>,
    /// Threads: only MANAGE_THREADS may unarchive a locked thread.
    pub locked: bool,
}

impl ChannelRecord {
    pub fn parent(&self) -> Option<Snowflake> {
        self.parent_id.map(Snowflake::from_i64)
    }
}

macro_rules! channel_columns {
    () => {
        "id, guild_id, kind, name, position, parent_id, topic, nsfw, rate_limit_per_user, bitrate, user_limit, archived, owner_id, created_at, \
         auto_archive_duration, archive_timestamp, locked"
    };
}

#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct OverwriteRecord {
    #[sqlx(try_from = "i64")]
    pub channel_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub target_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub kind: OverwriteKind,
    pub allow_bits: i64,
    pub deny_bits: i64,
}

impl OverwriteRecord {
    /// `overwrite` as stored on `channel_id`.
    pub fn of(channel_id: Snowflake, overwrite: &Overwrite) -> Self {
        Self {
            channel_id,
            target_id: overwrite.id,
            kind: overwrite.kind,
            allow_bits: overwrite.allow.bits() as i64,
            deny_bits: overwrite.deny.bits() as i64,
        }
    }

    pub fn to_overwrite(self) -> Overwrite {
        Overwrite {
            id: self.target_id,
            kind: self.kind,
            allow: Permissions::from_bits_truncate(self.allow_bits as u64),
            deny: Permissions::from_bits_truncate(self.deny_bits as u64),
        }
    }
}

impl Store {
    /// The guild's channels (threads included), by position then id.
    pub async fn channels(&self, guild_id: Snowflake) -> Result<Vec<ChannelRecord>, StoreError> {
        let sql = concat!("SELECT ", channel_columns!(), " FROM channels WHERE guild_id = $1 ORDER BY position, id");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(guild_id.as_i64()).fetch_all(pool).await?))
    }

    pub async fn channel(&self, id: Snowflake) -> Result<Option<ChannelRecord>, StoreError> {
        // Guild channels only: private channels (no guild) are read through `private_channel`.
        let sql = concat!("SELECT ", channel_columns!(), " FROM channels WHERE id = $1 AND guild_id IS NOT NULL");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// Every overwrite on every channel of the guild, in one order whatever the rows' places
    /// on disk (an update or a restore moves them), so a channel's overwrites read the same.
    pub async fn guild_overwrites(&self, guild_id: Snowflake) -> Result<Vec<OverwriteRecord>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT o.channel_id, o.target_id, o.kind, o.allow_bits, o.deny_bits FROM channel_overwrites o \
             JOIN channels c ON c.id = o.channel_id WHERE c.guild_id = $1 ORDER BY o.channel_id, o.target_id")
            .bind(guild_id.as_i64()).fetch_all(pool).await?))
    }
}

impl Store {
    /// Creates or replaces the overwrite for `overwrite.id` on a channel.
    pub async fn set_overwrite(
        &self,
        channel_id: Snowflake,
        overwrite: &Overwrite,
        audit: Audit<'_>,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO channel_overwrites (channel_id, target_id, kind, allow_bits, deny_bits) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (channel_id, target_id) DO UPDATE SET kind = excluded.kind, allow_bits = excluded.allow_bits, deny_bits = excluded.deny_bits")
                .bind(channel_id.as_i64())
                .bind(overwrite.id.as_i64())
                .bind(overwrite.kind.code())
                .bind(overwrite.allow.bits() as i64)
                .bind(overwrite.deny.bits() as i64)
                .execute(&mut *tx).await?;
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
        });
        Ok(())
    }
}

/// A channel about to be created; the caller has validated every field.
#[derive(Clone, Debug)]
pub struct NewChannel {
    pub id: Snowflake,
    pub guild_id: Snowflake,
    pub kind: ChannelKind,
    pub name: String,
    pub position: i64,
    pub parent_id: Option<Snowflake>,
    pub topic: Option<String>,
    pub nsfw: bool,
    pub rate_limit_per_user: i64,
    pub bitrate: Option<i64>,
    pub user_limit: Option<i64>,
    pub now: Timestamp,
    /// Written with the channel, in one transaction: a channel made private at creation is
    /// never visible to everyone, not even for a moment.
    pub overwrites: Vec<Overwrite>,
}

/// Changes to a channel; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct ChannelPatch {
    pub name: Option<String>,
    pub topic: Option<Option<String>>,
    pub nsfw: Option<bool>,
    pub rate_limit_per_user: Option<i64>,
    pub bitrate: Option<i64>,
    pub user_limit: Option<i64>,
    pub parent_id: Option<Option<Snowflake>>,
    pub position: Option<i64>,
}

impl ChannelPatch {
    /// `channel` as this patch leaves it (what its audit entry records).
    pub fn applied_to(&self, channel: &ChannelRecord) -> ChannelRecord {
        let mut after = channel.clone();
        if let Some(name) = &self.name {
            after.name = name.clone();
        }
        if let Some(topic) = &self.topic {
            after.topic = topic.clone();
        }
        after.nsfw = self.nsfw.unwrap_or(after.nsfw);
        after.rate_limit_per_user = self.rate_limit_per_user.unwrap_or(after.rate_limit_per_user);
        after.bitrate = self.bitrate.or(after.bitrate);
        after.user_limit = self.user_limit.or(after.user_limit);
        if let Some(parent) = self.parent_id {
            after.parent_id = parent.map(Snowflake::as_i64);
        }
        after.position = self.position.unwrap_or(after.position);
        after
    }
}

impl NewChannel {
    /// The channel as stored once created (what its audit entry records).
    pub fn record(&self) -> ChannelRecord {
        ChannelRecord {
            id: self.id,
            guild_id: self.guild_id,
            kind: self.kind,
            name: self.name.clone(),
            position: self.position,
            parent_id: self.parent_id.map(Snowflake::as_i64),
            topic: self.topic.clone(),
            nsfw: self.nsfw,
            rate_limit_per_user: self.rate_limit_per_user,
            bitrate: self.bitrate,
            user_limit: self.user_limit,
            archived: false,
            owner_id: None,
            created_at: self.now,
            auto_archive_duration: None,
            archive_timestamp: None,
            locked: false,
        }
    }
}

impl NewThread {
    /// The thread as stored once created (what its audit entry records).
    pub fn record(&self) -> ChannelRecord {
        ChannelRecord {
            id: self.id,
            guild_id: self.guild_id,
            kind: ChannelKind::PublicThread,
            name: self.name.clone(),
            position: 0,
            parent_id: Some(self.parent_id.as_i64()),
            topic: None,
            nsfw: false,
            rate_limit_per_user: self.rate_limit_per_user,
            bitrate: None,
            user_limit: None,
            archived: false,
            owner_id: Some(self.owner_id.as_i64()),
            created_at: self.now,
            auto_archive_duration: Some(self.auto_archive_duration),
            archive_timestamp: Some(self.now.unix_millis()),
            locked: false,
        }
    }
}

impl ThreadPatch {
    /// `thread` as this patch leaves it at `now` (what its audit entry records).
    pub fn applied_to(&self, thread: &ChannelRecord, now: Timestamp) -> ChannelRecord {
        let mut after = thread.clone();
        if let Some(name) = &self.name {
            after.name = name.clone();
        }
        if let Some(archived) = self.archived.filter(|a| *a != thread.archived) {
            after.archived = archived;
            after.archive_timestamp = Some(now.unix_millis());
        }
        after.locked = self.locked.unwrap_or(after.locked);
        after.auto_archive_duration = self.auto_archive_duration.or(after.auto_archive_duration);
        after
    }
}

impl Store {
    pub async fn create_channel(&self, channel: &NewChannel, audit: Audit<'_>) -> Result<ChannelRecord, StoreError> {
        let sql = concat!(
            "INSERT INTO channels (id, guild_id, kind, name, position, parent_id, topic, nsfw, rate_limit_per_user, bitrate, user_limit, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
            channel_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let record: ChannelRecord = sqlx::query_as(sql)
                .bind(channel.id.as_i64())
                .bind(channel.guild_id.as_i64())
                .bind(channel.kind.code())
                .bind(&channel.name)
                .bind(channel.position)
                .bind(channel.parent_id.map(Snowflake::as_i64))
                .bind(&channel.topic)
                .bind(channel.nsfw)
                .bind(channel.rate_limit_per_user)
                .bind(channel.bitrate)
                .bind(channel.user_limit)
                .bind(channel.now.unix_millis())
                .fetch_one(&mut *tx)
                .await?;
            for overwrite in &channel.overwrites {
                sqlx::query(
                    "INSERT INTO channel_overwrites (channel_id, target_id, kind, allow_bits, deny_bits) VALUES ($1, $2, $3, $4, $5)")
                    .bind(channel.id.as_i64())
                    .bind(overwrite.id.as_i64())
                    .bind(overwrite.kind.code())
                    .bind(overwrite.allow.bits() as i64)
                    .bind(overwrite.deny.bits() as i64)
                    .execute(&mut *tx).await?;
            }
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn update_channel(
        &self,
        id: Snowflake,
        patch: &ChannelPatch,
        audit: Audit<'_>,
    ) -> Result<Option<ChannelRecord>, StoreError> {
        let sql = concat!(
            "UPDATE channels SET name = COALESCE($2, name), topic = CASE WHEN $3 THEN $4 ELSE topic END, \
             nsfw = COALESCE($5, nsfw), rate_limit_per_user = COALESCE($6, rate_limit_per_user), \
             bitrate = COALESCE($7, bitrate), user_limit = COALESCE($8, user_limit), \
             parent_id = CASE WHEN $9 THEN $10 ELSE parent_id END, position = COALESCE($11, position) \
             WHERE id = $1 RETURNING ",
            channel_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated: Option<ChannelRecord> = sqlx::query_as(sql)
                .bind(id.as_i64())
                .bind(patch.name.as_deref())
                .bind(patch.topic.is_some())
                .bind(patch.topic.clone().flatten())
                .bind(patch.nsfw)
                .bind(patch.rate_limit_per_user)
                .bind(patch.bitrate)
                .bind(patch.user_limit)
                .bind(patch.parent_id.is_some())
                .bind(patch.parent_id.flatten().map(Snowflake::as_i64))
                .bind(patch.position)
                .fetch_optional(&mut *tx)
                .await?;
            if updated.is_some() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(updated)
        })
    }

    /// Deletes a channel with its overwrites and invites. A deleted category's channels stay,
    /// outside any category (as Discord does); a deleted channel's threads go with it.
    pub async fn delete_channel(&self, id: Snowflake, audit: Audit<'_>) -> Result<bool, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM channels WHERE parent_id = $1 AND kind = $2")
                .bind(id.as_i64()).bind(ChannelKind::PublicThread.code()).execute(&mut *tx).await?;
            sqlx::query("UPDATE channels SET parent_id = NULL WHERE parent_id = $1").bind(id.as_i64()).execute(&mut *tx).await?;
            let n = sqlx::query("DELETE FROM channels WHERE id = $1").bind(id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Sets positions (and optionally parents) of several channels of one guild at once.
    /// Ids not in the guild are ignored.
    pub async fn reorder_channels(
        &self,
        guild_id: Snowflake,
        moves: &[(Snowflake, i64, Option<Option<Snowflake>>)],
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            for (id, position, parent) in moves {
                sqlx::query("UPDATE channels SET position = $3, parent_id = CASE WHEN $4 THEN $5 ELSE parent_id END \
                             WHERE id = $1 AND guild_id = $2")
                    .bind(id.as_i64())
                    .bind(guild_id.as_i64())
                    .bind(*position)
                    .bind(parent.is_some())
                    .bind(parent.flatten().map(Snowflake::as_i64))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Removes the overwrite for `target_id` on a channel. Returns false if there was none.
    pub async fn delete_overwrite(
        &self,
        channel_id: Snowflake,
        target_id: Snowflake,
        audit: Audit<'_>,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM channel_overwrites WHERE channel_id = $1 AND target_id = $2")
                .bind(channel_id.as_i64()).bind(target_id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }
}

/// A thread about to start, in a text channel; from a message (then it takes the message's id)
/// or on its own.
#[derive(Clone, Debug)]
pub struct NewThread {
    pub id: Snowflake,
    pub guild_id: Snowflake,
    pub parent_id: Snowflake,
    pub owner_id: Snowflake,
    pub name: String,
    pub auto_archive_duration: i64,
    pub rate_limit_per_user: i64,
    pub now: Timestamp,
}

/// Changes to a thread's own state.
#[derive(Clone, Debug, Default)]
pub struct ThreadPatch {
    pub name: Option<String>,
    pub archived: Option<bool>,
    pub locked: Option<bool>,
    pub auto_archive_duration: Option<i64>,
}

impl Store {
    pub async fn create_thread(&self, thread: &NewThread, audit: Audit<'_>) -> Result<ChannelRecord, StoreError> {
        let sql = concat!(
            "INSERT INTO channels (id, guild_id, kind, name, position, parent_id, rate_limit_per_user, owner_id, created_at, \
             auto_archive_duration, archive_timestamp) VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9, $8) RETURNING ",
            channel_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let record: ChannelRecord = sqlx::query_as(sql)
                .bind(thread.id.as_i64())
                .bind(thread.guild_id.as_i64())
                .bind(ChannelKind::PublicThread.code())
                .bind(&thread.name)
                .bind(thread.parent_id.as_i64())
                .bind(thread.rate_limit_per_user)
                .bind(thread.owner_id.as_i64())
                .bind(thread.now.unix_millis())
                .bind(thread.auto_archive_duration)
                .fetch_one(&mut *tx)
                .await?;
            // Its starter is its first member, as on Discord.
            sqlx::query("INSERT INTO thread_members (thread_id, user_id, join_timestamp) VALUES ($1, $2, $3)")
                .bind(thread.id.as_i64())
                .bind(thread.owner_id.as_i64())
                .bind(thread.now.unix_millis())
                .execute(&mut *tx)
                .await?;
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn update_thread(
        &self,
        id: Snowflake,
        patch: &ThreadPatch,
        now: Timestamp,
        audit: Audit<'_>,
    ) -> Result<Option<ChannelRecord>, StoreError> {
        let sql = concat!(
            "UPDATE channels SET name = COALESCE($2, name), archived = COALESCE($3, archived), locked = COALESCE($4, locked), \
             auto_archive_duration = COALESCE($5, auto_archive_duration), \
             archive_timestamp = CASE WHEN $3 IS NOT NULL AND $3 <> archived THEN $6 ELSE archive_timestamp END \
             WHERE id = $1 AND kind = 11 RETURNING ",
            channel_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated: Option<ChannelRecord> = sqlx::query_as(sql)
                .bind(id.as_i64())
                .bind(patch.name.as_deref())
                .bind(patch.archived)
                .bind(patch.locked)
                .bind(patch.auto_archive_duration)
                .bind(now.unix_millis())
                .fetch_optional(&mut *tx)
                .await?;
            if updated.is_some() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(updated)
        })
    }
}

impl Store {
    /// `parent_id`'s archived threads, the most recently archived first (Discord's order),
    /// archived before `before` if given; at most `limit`.
    pub async fn archived_threads(
        &self,
        parent_id: Snowflake,
        before: Option<Timestamp>,
        limit: i64,
    ) -> Result<Vec<ChannelRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            channel_columns!(),
            " FROM channels WHERE parent_id = $1 AND kind = 11 AND archived \
             AND COALESCE(archive_timestamp, created_at) < $2 \
             ORDER BY COALESCE(archive_timestamp, created_at) DESC, id DESC LIMIT $3"
        );
        let before = before.map_or(i64::MAX, Timestamp::unix_millis);
        Ok(with_pool!(self, pool => sqlx::query_as(sql)
            .bind(parent_id.as_i64()).bind(before).bind(limit).fetch_all(pool).await?))
    }
}

/// What a channel's messages and members say about it: its newest message, and for threads
/// Discord's `message_count` and `member_count` (its thread members, counted up to 50 as
/// Discord stops counting there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChannelActivity {
    pub channel_id: Snowflake,
    pub last_message_id: Option<Snowflake>,
    pub message_count: i64,
    pub member_count: i64,
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    last_message_id: Option<i64>,
    message_count: Option<i64>,
    member_count: Option<i64>,
}

/// Each subquery is one backward index step (`messages (channel_id, id)`), or, for threads, a
/// count over one thread's rows (messages, or at most 50 members): cheap enough for READY,
/// which sends active threads only.
macro_rules! activity_sql {
    ($where:literal) => {
        concat!(
            "SELECT c.id, (SELECT MAX(m.id) FROM messages m WHERE m.channel_id = c.id) AS last_message_id, \
             CASE WHEN c.kind = 11 THEN (SELECT COUNT(*) FROM messages m WHERE m.channel_id = c.id) END AS message_count, \
             CASE WHEN c.kind = 11 THEN (SELECT COUNT(*) FROM (SELECT 1 FROM thread_members tm \
                WHERE tm.thread_id = c.id LIMIT 50) joined) END AS member_count \
             FROM channels c WHERE ",
            $where
        )
    };
}

impl From<ActivityRow> for ChannelActivity {
    fn from(row: ActivityRow) -> Self {
        Self {
            channel_id: Snowflake::from_i64(row.id),
            last_message_id: row.last_message_id.map(Snowflake::from_i64),
            message_count: row.message_count.unwrap_or(0),
            member_count: row.member_count.unwrap_or(0),
        }
    }
}

impl Store {
    /// The activity of every text channel and thread of the guild (categories and voice
    /// channels hold no messages and are left out).
    pub async fn guild_channel_activity(&self, guild_id: Snowflake) -> Result<Vec<ChannelActivity>, StoreError> {
        let rows: Vec<ActivityRow> = with_pool!(self, pool => sqlx::query_as(
            activity_sql!("c.guild_id = $1 AND c.kind IN (0, 11)"))
            .bind(guild_id.as_i64()).fetch_all(pool).await?);
        Ok(rows.into_iter().map(ChannelActivity::from).collect())
    }

    /// One channel's activity (a channel or thread just changed).
    pub async fn channel_activity(&self, channel_id: Snowflake) -> Result<ChannelActivity, StoreError> {
        let row: Option<ActivityRow> = with_pool!(self, pool => sqlx::query_as(activity_sql!("c.id = $1"))
            .bind(channel_id.as_i64()).fetch_optional(pool).await?);
        Ok(row.map(ChannelActivity::from).unwrap_or(ChannelActivity { channel_id, ..ChannelActivity::default() }))
    }
}
