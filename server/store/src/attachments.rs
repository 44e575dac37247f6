//! The ledger of uploaded files: one row per object in storage, who uploaded it and how big it
//! is, the message that shows it, and when the sweeper removes it; and each user's usage (user
//! 0: the whole instance), charged and refunded in the same transactions, so quotas hold under
//! concurrent uploads on any number of nodes.
//!
//! An upload's row is written before its bytes (uncharged, due for sweeping), so a node that
//! stops mid-upload leaves a row the sweeper finds rather than an object nobody knows of. Once
//! the bytes are whole, the row is charged; a message takes it (no longer due); deleting the
//! message makes it due again after a grace period.

use parley_core::{Snowflake, Timestamp};

use crate::{Store, StoreError, with_pool, with_writer};

/// The usage row that counts the whole instance.
pub const INSTANCE: i64 = 0;

/// Gives a removed file's bytes back to a usage row (its uploader's, then the instance's).
const REFUND: &str = "UPDATE file_usage SET bytes = bytes - $1 WHERE user_id = $2";

/// An upload about to stream to storage.
#[derive(Clone, Debug)]
pub struct NewUpload {
    pub id: Snowflake,
    pub channel_id: Snowflake,
    pub uploader_id: Snowflake,
    pub object_key: String,
    pub filename: String,
    pub now: Timestamp,
    /// When the sweeper removes it if no message takes it.
    pub sweep_at: Timestamp,
}

/// What a download needs of a stored file.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredFile {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub channel_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub uploader_id: Snowflake,
    pub message_id: Option<i64>,
    pub object_key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// An image's or video's dimensions, when its header gave them.
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// An upload sent ahead of its message, whole and charged, that no message has taken yet.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WaitingUpload {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// A row the sweeper removes: its object first, then the row (refunding its size).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DueFile {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    pub object_key: String,
    /// What its bytes showed (an image may have thumbnails to remove with it).
    pub content_type: String,
}

/// Why a charge was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverQuota {
    /// The uploader's own quota: what they use already.
    User { used: i64 },
    /// The instance's.
    Instance,
}

/// What an upload turned out to be once its bytes were whole.
#[derive(Clone, Copy, Debug)]
pub struct Arrived<'a> {
    pub size: i64,
    /// As sniffed from the bytes.
    pub content_type: &'a str,
    /// An image's width and height.
    pub dimensions: Option<(u32, u32)>,
}

/// The most bytes a user (and the instance) may have stored; `None`: no limit.
#[derive(Clone, Copy, Debug)]
pub struct Quotas {
    pub per_user: Option<i64>,
    pub instance: Option<i64>,
}

impl Store {
    /// Records an upload before its bytes are written: uncharged, due at `sweep_at`. False if
    /// an upload with its id exists already (a two-step upload's URL used twice at once).
    pub async fn reserve_upload(&self, upload: &NewUpload) -> Result<bool, StoreError> {
        let inserted = with_writer!(self, pool => sqlx::query(
            "INSERT INTO attachments (id, channel_id, uploader_id, message_id, object_key, filename, content_type, size, created_at, sweep_at) \
             VALUES ($1, $2, $3, NULL, $4, $5, 'application/octet-stream', 0, $6, $7) ON CONFLICT (id) DO NOTHING")
            .bind(upload.id.as_i64())
            .bind(upload.channel_id.as_i64())
            .bind(upload.uploader_id.as_i64())
            .bind(&upload.object_key)
            .bind(&upload.filename)
            .bind(upload.now.unix_millis())
            .bind(upload.sweep_at.unix_millis())
            .execute(pool).await?.rows_affected());
        Ok(inserted == 1)
    }

    /// Charges a whole upload of `size` bytes (its sniffed `content_type`) to its uploader and
    /// the instance, within `quotas`, records both on its row, and gives it until `sweep_at`
    /// to be taken by a message; nothing changes if either quota would be exceeded. An upload
    /// whose row the sweeper already removed (it took longer than its reservation) is
    /// [`StoreError::UploadGone`], and nothing is charged.
    pub async fn charge_upload(
        &self,
        id: Snowflake,
        uploader: Snowflake,
        arrived: Arrived<'_>,
        quotas: Quotas,
        sweep_at: Timestamp,
    ) -> Result<Result<(), OverQuota>, StoreError> {
        let Arrived { size, content_type, dimensions } = arrived;
        // Adds to a usage row unless that passes `limit` (no row yet: the size alone is
        // checked before). Zero rows changed means over.
        const CHARGE: &str = "INSERT INTO file_usage (user_id, bytes) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET bytes = file_usage.bytes + excluded.bytes \
             WHERE file_usage.bytes + excluded.bytes <= $3";
        let no_limit = i64::MAX;
        let user_limit = quotas.per_user.unwrap_or(no_limit);
        let instance_limit = quotas.instance.unwrap_or(no_limit);
        if size > user_limit {
            return Ok(Err(OverQuota::User { used: self.file_usage(uploader).await? }));
        }
        if size > instance_limit {
            return Ok(Err(OverQuota::Instance));
        }
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let charged = sqlx::query(CHARGE).bind(uploader.as_i64()).bind(size).bind(user_limit)
                .execute(&mut *tx).await?.rows_affected();
            if charged == 0 {
                drop(tx);
                return Ok(Err(OverQuota::User { used: self.file_usage(uploader).await? }));
            }
            let charged = sqlx::query(CHARGE).bind(INSTANCE).bind(size).bind(instance_limit)
                .execute(&mut *tx).await?.rows_affected();
            if charged == 0 {
                return Ok(Err(OverQuota::Instance));
            }
            let recorded = sqlx::query(
                "UPDATE attachments SET size = $1, content_type = $2, sweep_at = $3, width = $5, height = $6, arrived_at = $7 \
                 WHERE id = $4 AND message_id IS NULL")
                .bind(size).bind(content_type).bind(sweep_at.unix_millis()).bind(id.as_i64())
                .bind(dimensions.map(|(w, _)| i64::from(w))).bind(dimensions.map(|(_, h)| i64::from(h)))
                .bind(Timestamp::now().unix_millis())
                .execute(&mut *tx).await?.rows_affected();
            if recorded == 0 {
                return Err(StoreError::UploadGone(id.as_i64()));
            }
            tx.commit().await?;
            Ok(Ok(()))
        })
    }

    /// Whether a row with this id exists (an upload id already used).
    pub async fn upload_exists(&self, id: Snowflake) -> Result<bool, StoreError> {
        let found: Option<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT id FROM attachments WHERE id = $1")
            .bind(id.as_i64()).fetch_optional(pool).await?);
        Ok(found.is_some())
    }

    /// `uploader`'s upload `id` for `channel_id`, if it is whole, charged, not yet taken by a
    /// message and not about to be swept at `now`.
    pub async fn waiting_upload(
        &self,
        id: Snowflake,
        uploader: Snowflake,
        channel_id: Snowflake,
        now: Timestamp,
    ) -> Result<Option<WaitingUpload>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, filename, content_type, size, width, height FROM attachments \
             WHERE id = $1 AND uploader_id = $2 AND channel_id = $3 AND message_id IS NULL \
             AND arrived_at IS NOT NULL AND sweep_at > $4")
            .bind(id.as_i64()).bind(uploader.as_i64()).bind(channel_id.as_i64()).bind(now.unix_millis())
            .fetch_optional(pool).await?))
    }

    /// Removes the rows of uploads no message took (their objects gone, or about to be),
    /// refunding what they were charged; returns those removed. A row a message took is kept:
    /// a send or edit that failed after storing its message must not take its files away.
    pub async fn forget_files(&self, ids: &[Snowflake]) -> Result<Vec<Snowflake>, StoreError> {
        let mut forgotten = Vec::new();
        for id in ids {
            with_writer!(self, pool => {
                let mut tx = pool.begin().await?;
                let row: Option<(i64, i64)> = sqlx::query_as(
                    "DELETE FROM attachments WHERE id = $1 AND message_id IS NULL RETURNING uploader_id, size")
                    .bind(id.as_i64()).fetch_optional(&mut *tx).await?;
                if let Some((uploader, size)) = row {
                    forgotten.push(*id);
                    if size > 0 {
                        for user in [uploader, INSTANCE] {
                            sqlx::query(REFUND)
                                .bind(size).bind(user).execute(&mut *tx).await?;
                        }
                    }
                }
                tx.commit().await?;
            });
        }
        Ok(forgotten)
    }

    /// Removes a file's row if it is still due at `now` (refunding it), so that the sweeper
    /// may then remove its object: `false` when a message took it meanwhile, or another node
    /// removed it.
    pub async fn forget_due_file(&self, id: Snowflake, now: Timestamp) -> Result<bool, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<(i64, i64)> = sqlx::query_as(
                "DELETE FROM attachments WHERE id = $1 AND sweep_at <= $2 RETURNING uploader_id, size")
                .bind(id.as_i64()).bind(now.unix_millis()).fetch_optional(&mut *tx).await?;
            let Some((uploader, size)) = row else { return Ok(false) };
            if size > 0 {
                for user in [uploader, INSTANCE] {
                    sqlx::query(REFUND)
                        .bind(size).bind(user).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// What `user`'s stored files take, in bytes.
    pub async fn file_usage(&self, user: Snowflake) -> Result<i64, StoreError> {
        let bytes: Option<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT bytes FROM file_usage WHERE user_id = $1")
            .bind(user.as_i64()).fetch_optional(pool).await?);
        Ok(bytes.unwrap_or(0))
    }

    /// A file of a channel that a message shows: not one waiting for its message, nor one
    /// whose message is gone, however it went (deleted alone, in bulk, with a ban, with its
    /// channel or guild).
    pub async fn shown_file(&self, channel_id: Snowflake, id: Snowflake) -> Result<Option<StoredFile>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, channel_id, uploader_id, message_id, object_key, filename, content_type, size, width, height \
             FROM attachments a WHERE id = $1 AND channel_id = $2 AND sweep_at IS NULL \
               AND EXISTS (SELECT 1 FROM messages m WHERE m.id = a.message_id)")
            .bind(id.as_i64()).bind(channel_id.as_i64()).fetch_optional(pool).await?))
    }

    /// Makes a deleted message's files due for sweeping at `sweep_at`.
    pub async fn release_message_files(&self, message_id: Snowflake, sweep_at: Timestamp) -> Result<(), StoreError> {
        with_writer!(self, pool => sqlx::query("UPDATE attachments SET sweep_at = $1 WHERE message_id = $2")
            .bind(sweep_at.unix_millis()).bind(message_id.as_i64()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Makes every file of a channel due at `sweep_at` (the channel is being deleted).
    pub async fn release_channel_files(&self, channel_id: Snowflake, sweep_at: Timestamp) -> Result<(), StoreError> {
        with_writer!(self, pool => sqlx::query("UPDATE attachments SET sweep_at = $1 WHERE channel_id = $2")
            .bind(sweep_at.unix_millis()).bind(channel_id.as_i64()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Up to `limit` files due at `now`: uploads no message took, and files of deleted
    /// messages or channels past their grace period.
    pub async fn files_due(&self, now: Timestamp, limit: i64) -> Result<Vec<DueFile>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, object_key, content_type FROM attachments WHERE sweep_at <= $1 ORDER BY sweep_at LIMIT $2")
            .bind(now.unix_millis()).bind(limit).fetch_all(pool).await?))
    }
}

impl Store {
    /// Walks the files messages showed, `limit` rows after id `after` at a time: of those,
    /// the ones whose message is gone (deleted alone, in bulk, with a ban, a channel or a
    /// guild). Returns them and the id to walk on from (0: the walk starts over).
    pub async fn files_without_message(&self, after: i64, limit: i64) -> Result<(Vec<Snowflake>, i64), StoreError> {
        let rows: Vec<(i64, bool)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT a.id, EXISTS (SELECT 1 FROM messages m WHERE m.id = a.message_id) AS shown FROM attachments a \
             WHERE a.id > $1 AND a.message_id IS NOT NULL AND a.sweep_at IS NULL ORDER BY a.id LIMIT $2")
            .bind(after).bind(limit).fetch_all(pool).await?);
        let next = if (rows.len() as i64) < limit { 0 } else { rows.last().map_or(0, |(id, _)| *id) };
        Ok((rows.into_iter().filter(|(_, shown)| !shown).map(|(id, _)| Snowflake::from_i64(id)).collect(), next))
    }

    /// Makes these files due at `sweep_at` (unless already due).
    pub async fn release_files(&self, ids: &[Snowflake], sweep_at: Timestamp) -> Result<(), StoreError> {
        for id in ids {
            with_writer!(self, pool => sqlx::query("UPDATE attachments SET sweep_at = $1 WHERE id = $2 AND sweep_at IS NULL")
                .bind(sweep_at.unix_millis()).bind(id.as_i64()).execute(pool).await?.rows_affected());
        }
        Ok(())
    }
}
