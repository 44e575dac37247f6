//! A person's own data, page by page, for the export of it (`GET /users/@me/export`): the
//! messages they wrote and the files they uploaded, each in id order so a page resumes after
//! the last id of the one before and memory stays bounded however much there is.

use parley_core::Snowflake;

use crate::{Store, StoreError, with_pool};

/// One message as its author exports it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExportedMessage {
    pub id: i64,
    pub channel_id: i64,
    pub guild_id: Option<i64>,
    pub content: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// JSON array of its files as clients see them.
    pub attachments: String,
}

/// One file its uploader exports (not the bytes: where it is shown, its name and size).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExportedFile {
    pub id: i64,
    pub channel_id: i64,
    pub message_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

impl Store {
    /// Up to `limit` of the person's messages with ids above `after`, in id order.
    pub async fn messages_written_by(
        &self,
        author: Snowflake,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ExportedMessage>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, channel_id, guild_id, content, created_at, edited_at, attachments FROM messages \
             WHERE author_id = $1 AND id > $2 ORDER BY id LIMIT $3")
            .bind(author.as_i64()).bind(after).bind(limit).fetch_all(pool).await?))
    }

    /// Up to `limit` of the files the person uploaded that are still kept, ids above `after`.
    pub async fn files_uploaded_by(
        &self,
        uploader: Snowflake,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ExportedFile>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, channel_id, message_id, filename, content_type, size, created_at FROM attachments \
             WHERE uploader_id = $1 AND id > $2 AND sweep_at IS NULL ORDER BY id LIMIT $3")
            .bind(uploader.as_i64()).bind(after).bind(limit).fetch_all(pool).await?))
    }
}
