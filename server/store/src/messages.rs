//! Messages: create (idempotent by nonce), get, history pages, edit, delete.

use parley_core::{MessageType, Snowflake, Timestamp};

use crate::audit_log::{Audit, record_audit};
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub channel_id: Snowflake,
    pub guild_id: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub author_id: Snowflake,
    pub content: String,
    pub nonce: Option<String>,
    #[sqlx(try_from = "i64")]
    pub kind: MessageType,
    pub reference_message_id: Option<i64>,
    pub mention_everyone: bool,
    /// JSON array of user ids.
    pub mentions: String,
    /// JSON array of role ids.
    pub mention_roles: String,
    pub pinned: bool,
    pub edited_at: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    /// JSON array of Discord embed objects, checked before they were stored.
    pub embeds: String,
    /// Discord's message flags (SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS).
    pub flags: i64,
    /// When it was pinned (Unix milliseconds), if it is.
    pub pinned_at: Option<i64>,
    /// A webhook's message (its author_id is the webhook's user), with the name and avatar
    /// it was posted under.
    pub webhook_id: Option<i64>,
    pub webhook_name: Option<String>,
    pub webhook_avatar_url: Option<String>,
    /// JSON array of checked message components (action rows).
    pub components: String,
    /// The application whose bot, or whose interaction, posted it.
    pub application_id: Option<i64>,
    /// An interaction's answer: who used what (Discord's `interaction_metadata`, as JSON).
    pub interaction: Option<String>,
    /// JSON array of its files as clients see them (the ledger in `attachments` has the rest).
    pub attachments: String,
}

macro_rules! message_columns {
    () => {
        "id, channel_id, guild_id, author_id, content, nonce, kind, reference_message_id, mention_everyone, \
         mentions, mention_roles, pinned, edited_at, created_at, embeds, flags, pinned_at, \
         webhook_id, webhook_name, webhook_avatar_url, components, application_id, interaction, attachments"
    };
}
pub(crate) use message_columns;

#[derive(Clone, Debug)]
pub struct NewMessage {
    pub id: Snowflake,
    pub channel_id: Snowflake,
    pub guild_id: Option<Snowflake>,
    pub author_id: Snowflake,
    pub content: String,
    pub nonce: Option<String>,
    pub kind: MessageType,
    pub reference_message_id: Option<Snowflake>,
    pub mention_everyone: bool,
    pub mentions: Vec<Snowflake>,
    pub mention_roles: Vec<Snowflake>,
    /// JSON array of checked embeds.
    pub embeds: String,
    pub flags: i64,
    /// Posted by a webhook: its id, and the name and avatar it was posted under.
    pub webhook: Option<WebhookAuthor>,
    /// JSON array of checked components (`[]` for none).
    pub components: String,
    /// The application whose bot or interaction posted it.
    pub application_id: Option<Snowflake>,
    /// An interaction's answer: Discord's `interaction_metadata`, as JSON.
    pub interaction: Option<String>,
    /// JSON array of its files as clients see them (`[]` for none).
    pub attachments: String,
    /// The uploads it takes (ledger rows its author uploaded and no message holds yet).
    pub attachment_ids: Vec<Snowflake>,
    pub now: Timestamp,
    /// Advance the author's read state to this message (people; bots keep none).
    pub ack_author: bool,
    /// The MESSAGE_CREATE to keep with it until the shared event log has it (nodes sharing a
    /// bus), so an acknowledged message is always announced.
    pub outbox: Option<crate::outbox::OutboxEvent>,
}

impl NewMessage {
    /// The message as stored once created.
    pub fn record(&self) -> MessageRecord {
        MessageRecord {
            id: self.id,
            channel_id: self.channel_id,
            guild_id: self.guild_id.map(Snowflake::as_i64),
            author_id: self.author_id,
            content: self.content.clone(),
            nonce: self.nonce.clone(),
            kind: self.kind,
            reference_message_id: self.reference_message_id.map(Snowflake::as_i64),
            mention_everyone: self.mention_everyone,
            mentions: ids_json(&self.mentions),
            mention_roles: ids_json(&self.mention_roles),
            pinned: false,
            edited_at: None,
            created_at: self.now,
            embeds: self.embeds.clone(),
            flags: self.flags,
            pinned_at: None,
            webhook_id: self.webhook.as_ref().map(|w| w.id.as_i64()),
            webhook_name: self.webhook.as_ref().map(|w| w.name.clone()),
            webhook_avatar_url: self.webhook.as_ref().and_then(|w| w.avatar_url.clone()),
            components: self.components.clone(),
            application_id: self.application_id.map(Snowflake::as_i64),
            interaction: self.interaction.clone(),
            attachments: self.attachments.clone(),
        }
    }
}

/// The webhook a message is posted by, under this name and avatar.
#[derive(Clone, Debug)]
pub struct WebhookAuthor {
    pub id: Snowflake,
    pub name: String,
    pub avatar_url: Option<String>,
}

/// A message (`$1`) takes an upload (`$2`): its uploader's (`$3`), sent to its channel (`$4`),
/// shown by no message yet, and not being swept at `$5` (an upload waits an hour). A send and
/// an edit take their files alike.
const TAKE_UPLOAD: &str = "UPDATE attachments SET message_id = $1, sweep_at = NULL \
     WHERE id = $2 AND uploader_id = $3 AND channel_id = $4 AND message_id IS NULL AND sweep_at > $5";

/// What an edit came to.
#[derive(Debug)]
pub enum EditOutcome {
    Edited(Box<MessageRecord>),
    /// The message is gone.
    Gone,
    /// Its files changed since the edit read them (another edit at once): nothing was written.
    Changed,
}

/// A message's new content, embeds and flags, with the mentions it now makes.
#[derive(Clone, Debug)]
pub struct MessageEdit {
    pub content: String,
    /// JSON array of the files it keeps (its `attachments` column).
    pub attachments: String,
    /// Uploads the edit adds (in `attachments` too): taken like a send's, or the edit fails
    /// with [`StoreError::UploadGone`] and changes nothing.
    pub added_attachments: Vec<Snowflake>,
    /// Files the edit drops, made due at `released_until` with it.
    pub dropped_attachments: Vec<Snowflake>,
    pub released_until: Timestamp,
    /// The `attachments` column the edit was worked out from: if it changed meanwhile (another
    /// edit at once), nothing is written and the edit is [`EditOutcome::Changed`].
    pub previous_attachments: String,
    /// JSON array of checked embeds.
    pub embeds: String,
    /// JSON array of checked components.
    pub components: String,
    pub flags: i64,
    pub mentions: Vec<Snowflake>,
    pub mention_roles: Vec<Snowflake>,
    pub mention_everyone: bool,
    /// The message's `edited_timestamp` after this edit: now when its content or embeds
    /// changed, as it was when only its flags did.
    pub edited_at: Option<Timestamp>,
    pub now: Timestamp,
}

/// Which page of a channel's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The newest messages.
    Latest,
    /// Messages older than this id.
    Before(Snowflake),
    /// Messages newer than this id.
    After(Snowflake),
    /// Messages around this id (it included), half older and half newer.
    Around(Snowflake),
}

fn ids_json(ids: &[Snowflake]) -> String {
    format!("[{}]", ids.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(","))
}

impl Store {
    /// Stores a message. With a nonce the author already used in this channel, nothing is
    /// stored and the first message comes back with `false` (a retried send).
    pub async fn create_message(&self, message: &NewMessage) -> Result<(MessageRecord, bool), StoreError> {
        let insert = concat!(
            "INSERT INTO messages (id, channel_id, guild_id, author_id, content, nonce, kind, reference_message_id, \
             mention_everyone, mentions, mention_roles, created_at, embeds, flags, webhook_id, webhook_name, \
             webhook_avatar_url, components, application_id, interaction, attachments) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
             ON CONFLICT (channel_id, author_id, nonce) WHERE nonce IS NOT NULL DO NOTHING RETURNING ",
            message_columns!()
        );
        let existing = concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE channel_id = $1 AND author_id = $2 AND nonce = $3"
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let created: Option<MessageRecord> = sqlx::query_as(insert)
                .bind(message.id.as_i64())
                .bind(message.channel_id.as_i64())
                .bind(message.guild_id.map(Snowflake::as_i64))
                .bind(message.author_id.as_i64())
                .bind(&message.content)
                .bind(&message.nonce)
                .bind(message.kind.code())
                .bind(message.reference_message_id.map(Snowflake::as_i64))
                .bind(message.mention_everyone)
                .bind(ids_json(&message.mentions))
                .bind(ids_json(&message.mention_roles))
                .bind(message.now.unix_millis())
                .bind(&message.embeds)
                .bind(message.flags)
                .bind(message.webhook.as_ref().map(|w| w.id.as_i64()))
                .bind(message.webhook.as_ref().map(|w| w.name.as_str()))
                .bind(message.webhook.as_ref().and_then(|w| w.avatar_url.as_deref()))
                .bind(&message.components)
                .bind(message.application_id.map(Snowflake::as_i64))
                .bind(&message.interaction)
                .bind(&message.attachments)
                .fetch_optional(&mut *tx)
                .await?;
            let outcome = match created {
                Some(record) => {
                    for id in &message.attachment_ids {
                        let taken = sqlx::query(TAKE_UPLOAD)
                            .bind(message.id.as_i64())
                            .bind(id.as_i64())
                            .bind(message.author_id.as_i64())
                            .bind(message.channel_id.as_i64())
                            // One the sweeper may be removing now is not taken.
                            .bind(message.now.unix_millis())
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if taken == 0 {
                            // Swept meanwhile (an upload waits an hour): nothing is stored.
                            return Err(StoreError::UploadGone(id.as_i64()));
                        }
                    }
                    if message.ack_author {
                        // Sending marks the channel read for its author (as on Discord), so
                        // their own message never shows as unread; never moves a read mark back.
                        sqlx::query(
                            "INSERT INTO read_states (user_id, channel_id, last_read_message_id) VALUES ($1, $2, $3) \
                             ON CONFLICT (user_id, channel_id) DO UPDATE SET last_read_message_id = CASE \
                               WHEN read_states.last_read_message_id IS NULL \
                                 OR read_states.last_read_message_id < excluded.last_read_message_id \
                               THEN excluded.last_read_message_id ELSE read_states.last_read_message_id END")
                            .bind(message.author_id.as_i64())
                            .bind(message.channel_id.as_i64())
                            .bind(message.id.as_i64())
                            .execute(&mut *tx)
                            .await?;
                    }
                    if let Some(outbox) = &message.outbox {
                        sqlx::query("INSERT INTO event_outbox (id, event, created_at) VALUES ($1, $2, $3)")
                            .bind(outbox.id as i64)
                            .bind(&outbox.event)
                            .bind(message.now.unix_millis())
                            .execute(&mut *tx)
                            .await?;
                    }
                    (record, true)
                }
                None => {
                    let first: MessageRecord = sqlx::query_as(existing)
                        .bind(message.channel_id.as_i64())
                        .bind(message.author_id.as_i64())
                        .bind(&message.nonce)
                        .fetch_one(&mut *tx)
                        .await?;
                    (first, false)
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    pub async fn message(&self, channel_id: Snowflake, id: Snowflake) -> Result<Option<MessageRecord>, StoreError> {
        let sql = concat!("SELECT ", message_columns!(), " FROM messages WHERE channel_id = $1 AND id = $2");
        Ok(
            with_pool!(self, pool => sqlx::query_as(sql).bind(channel_id.as_i64()).bind(id.as_i64()).fetch_optional(pool).await?),
        )
    }

    /// A page of history, newest first (as Discord returns it). `limit` is 1-100.
    pub async fn messages(
        &self,
        channel_id: Snowflake,
        page: Page,
        limit: i64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let newest_first = concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE channel_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        );
        let oldest_first = concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE channel_id = $1 AND id > $2 ORDER BY id ASC LIMIT $3"
        );
        let channel = channel_id.as_i64();
        with_pool!(self, pool => {
            let mut rows: Vec<MessageRecord> = match page {
                Page::Latest => sqlx::query_as(newest_first).bind(channel).bind(i64::MAX).bind(limit).fetch_all(pool).await?,
                Page::Before(id) => sqlx::query_as(newest_first).bind(channel).bind(id.as_i64()).bind(limit).fetch_all(pool).await?,
                Page::After(id) => {
                    let mut rows: Vec<MessageRecord> =
                        sqlx::query_as(oldest_first).bind(channel).bind(id.as_i64()).bind(limit).fetch_all(pool).await?;
                    rows.reverse();
                    rows
                }
                Page::Around(id) => {
                    // The target and older ones take the larger half, newer ones the rest.
                    let older = (limit + 1) / 2;
                    let mut newer: Vec<MessageRecord> =
                        sqlx::query_as(oldest_first).bind(channel).bind(id.as_i64()).bind(limit - older).fetch_all(pool).await?;
                    newer.reverse();
                    let at_or_before: Vec<MessageRecord> =
                        sqlx::query_as(newest_first).bind(channel).bind(id.as_i64() + 1).bind(older).fetch_all(pool).await?;
                    newer.extend(at_or_before);
                    newer
                }
            };
            rows.truncate(limit as usize);
            Ok(rows)
        })
    }

    pub async fn edit_message(
        &self,
        channel_id: Snowflake,
        id: Snowflake,
        editor: Snowflake,
        edit: &MessageEdit,
    ) -> Result<EditOutcome, StoreError> {
        let sql = concat!(
            "UPDATE messages SET content = $3, mentions = $4, mention_roles = $5, mention_everyone = $6, edited_at = $7, \
             embeds = $8, flags = $9, components = $10, attachments = $11 \
             WHERE channel_id = $1 AND id = $2 AND attachments = $12 RETURNING ",
            message_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated: Option<MessageRecord> = sqlx::query_as(sql)
                .bind(channel_id.as_i64())
                .bind(id.as_i64())
                .bind(&edit.content)
                .bind(ids_json(&edit.mentions))
                .bind(ids_json(&edit.mention_roles))
                .bind(edit.mention_everyone)
                .bind(edit.edited_at.map(Timestamp::unix_millis))
                .bind(&edit.embeds)
                .bind(edit.flags)
                .bind(&edit.components)
                .bind(&edit.attachments)
                .bind(&edit.previous_attachments)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(updated) = updated else {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE channel_id = $1 AND id = $2")
                    .bind(channel_id.as_i64()).bind(id.as_i64()).fetch_optional(&mut *tx).await?;
                return Ok(if exists.is_some() { EditOutcome::Changed } else { EditOutcome::Gone });
            };
            {
                for file in &edit.added_attachments {
                    let taken = sqlx::query(TAKE_UPLOAD)
                        .bind(id.as_i64())
                        .bind(file.as_i64())
                        .bind(editor.as_i64())
                        .bind(channel_id.as_i64())
                        .bind(edit.now.unix_millis())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if taken == 0 {
                        return Err(StoreError::UploadGone(file.as_i64()));
                    }
                }
                for file in &edit.dropped_attachments {
                    sqlx::query("UPDATE attachments SET sweep_at = $1 WHERE id = $2 AND message_id = $3 AND sweep_at IS NULL")
                        .bind(edit.released_until.unix_millis())
                        .bind(file.as_i64())
                        .bind(id.as_i64())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok(EditOutcome::Edited(Box::new(updated)))
        })
    }

    /// Deletes a message (a moderator's deletion of someone else's: `audit`).
    pub async fn delete_message(
        &self,
        channel_id: Snowflake,
        id: Snowflake,
        audit: Audit<'_>,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM messages WHERE channel_id = $1 AND id = $2")
                .bind(channel_id.as_i64()).bind(id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// When `author_id` last posted in the channel (for slowmode).
    pub async fn last_message_at(
        &self,
        channel_id: Snowflake,
        author_id: Snowflake,
    ) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT MAX(created_at) FROM messages WHERE channel_id = $1 AND author_id = $2")
            .bind(channel_id.as_i64()).bind(author_id.as_i64()).fetch_one(pool).await?);
        Ok(at.map(Timestamp::from_unix_millis))
    }
}

impl Store {
    /// The author's message in this channel sent with `nonce`, if any.
    pub async fn message_by_nonce(
        &self,
        channel_id: Snowflake,
        author_id: Snowflake,
        nonce: &str,
    ) -> Result<Option<MessageRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE channel_id = $1 AND author_id = $2 AND nonce = $3"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(sql)
            .bind(channel_id.as_i64()).bind(author_id.as_i64()).bind(nonce).fetch_optional(pool).await?))
    }
}
