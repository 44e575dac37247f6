//! Channel webhooks: made, listed, renamed or moved, deleted (each audited by the caller),
//! and found by id for their token routes.

use parley_core::{Snowflake, Timestamp};

use crate::audit_log::{Audit, record_audit};
use crate::users::{NewUser, UserRecord, user_columns};
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub guild_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub channel_id: Snowflake,
    pub creator_id: Option<i64>,
    pub name: String,
    pub token: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

macro_rules! webhook_columns {
    () => {
        "id, guild_id, channel_id, creator_id, name, token, created_at"
    };
}

/// A webhook to make, with the user row its messages are written by.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub id: Snowflake,
    pub guild_id: Snowflake,
    pub channel_id: Snowflake,
    pub creator_id: Snowflake,
    pub name: String,
    pub token: String,
    pub now: Timestamp,
}

/// Whether `channel_id` has room for one more webhook, counted while holding its row, so that
/// concurrent makes and moves into one channel take turns (the no-op UPDATE takes a row lock
/// on PostgreSQL; SQLite's one writer already serialises them).
macro_rules! room_in_channel {
    ($tx:expr, $channel_id:expr, $max:expr) => {{
        sqlx::query("UPDATE channels SET id = id WHERE id = $1").bind($channel_id.as_i64()).execute(&mut **$tx).await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE channel_id = $1")
            .bind($channel_id.as_i64())
            .fetch_one(&mut **$tx)
            .await?;
        count < $max
    }};
}

/// How a change to a webhook went.
#[derive(Clone, Debug)]
pub enum WebhookUpdate {
    Updated(WebhookRecord),
    /// No such webhook.
    Unknown,
    /// The channel it was to move to already has its most webhooks.
    ChannelFull,
}

/// What a change to a webhook sets (`None`: unchanged).
#[derive(Clone, Debug, Default)]
pub struct WebhookPatch {
    pub name: Option<String>,
    pub channel_id: Option<Snowflake>,
}

impl Store {
    /// Makes the webhook (and its user) unless its channel already has `max_per_channel`:
    /// `None` then. Counted and inserted in one transaction.
    pub async fn create_webhook(
        &self,
        webhook: &NewWebhook,
        max_per_channel: i64,
        audit: Audit<'_>,
    ) -> Result<Option<WebhookRecord>, StoreError> {
        let author = NewUser {
            id: webhook.id,
            username: format!("webhook:{}", webhook.id),
            global_name: Some(webhook.name.clone()),
            email: None,
            password_hash: None,
            bot: true,
            now: webhook.now,
        };
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if !room_in_channel!(&mut tx, webhook.channel_id, max_per_channel) {
                return Ok(None);
            }
            crate::users::insert_user!(&mut *tx, author, false);
            let record: WebhookRecord = sqlx::query_as(concat!(
                "INSERT INTO webhooks (id, guild_id, channel_id, creator_id, name, token, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ", webhook_columns!()))
                .bind(webhook.id.as_i64()).bind(webhook.guild_id.as_i64()).bind(webhook.channel_id.as_i64())
                .bind(webhook.creator_id.as_i64()).bind(&webhook.name).bind(&webhook.token)
                .bind(webhook.now.unix_millis())
                .fetch_one(&mut *tx).await?;
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(Some(record))
        })
    }

    pub async fn webhook(&self, id: Snowflake) -> Result<Option<WebhookRecord>, StoreError> {
        let sql = concat!("SELECT ", webhook_columns!(), " FROM webhooks WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// A channel's webhooks, oldest first.
    pub async fn channel_webhooks(&self, channel_id: Snowflake) -> Result<Vec<WebhookRecord>, StoreError> {
        let sql = concat!("SELECT ", webhook_columns!(), " FROM webhooks WHERE channel_id = $1 ORDER BY id");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(channel_id.as_i64()).fetch_all(pool).await?))
    }

    /// A guild's webhooks, oldest first.
    pub async fn guild_webhooks(&self, guild_id: Snowflake) -> Result<Vec<WebhookRecord>, StoreError> {
        let sql = concat!("SELECT ", webhook_columns!(), " FROM webhooks WHERE guild_id = $1 ORDER BY id");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(guild_id.as_i64()).fetch_all(pool).await?))
    }

    /// Renames or moves the webhook; a move into a channel with `max_per_channel` already is
    /// refused.
    pub async fn update_webhook(
        &self,
        id: Snowflake,
        patch: &WebhookPatch,
        max_per_channel: i64,
        audit: Audit<'_>,
    ) -> Result<WebhookUpdate, StoreError> {
        let sql = concat!(
            "UPDATE webhooks SET name = COALESCE($2, name), channel_id = COALESCE($3, channel_id) \
             WHERE id = $1 RETURNING ",
            webhook_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(target) = patch.channel_id {
                let here: Option<i64> = sqlx::query_scalar("SELECT channel_id FROM webhooks WHERE id = $1")
                    .bind(id.as_i64()).fetch_optional(&mut *tx).await?;
                if here != Some(target.as_i64()) && !room_in_channel!(&mut tx, target, max_per_channel) {
                    return Ok(WebhookUpdate::ChannelFull);
                }
            }
            let record: Option<WebhookRecord> = sqlx::query_as(sql)
                .bind(id.as_i64()).bind(&patch.name).bind(patch.channel_id.map(Snowflake::as_i64))
                .fetch_optional(&mut *tx).await?;
            let Some(record) = record else { return Ok(WebhookUpdate::Unknown) };
            if let Some(name) = &patch.name {
                sqlx::query("UPDATE users SET global_name = $2 WHERE id = $1")
                    .bind(id.as_i64()).bind(name).execute(&mut *tx).await?;
            }
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(WebhookUpdate::Updated(record))
        })
    }

    /// Deletes the webhook (its token stops working; its messages and user stay).
    pub async fn delete_webhook(&self, id: Snowflake, audit: Audit<'_>) -> Result<bool, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM webhooks WHERE id = $1")
                .bind(id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }
}
