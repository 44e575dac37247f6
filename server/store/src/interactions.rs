//! Interactions: what a person started with an application's command, component or modal,
//! answered once (the callback) and followed up for 15 minutes through the interaction's
//! token; and the ephemeral answers only that person sees.

use parley_core::{Snowflake, Timestamp};

use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InteractionRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub application_id: Snowflake,
    /// Discord's interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit.
    pub kind: i32,
    #[sqlx(try_from = "i64")]
    pub user_id: Snowflake,
    pub guild_id: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub channel_id: Snowflake,
    pub token_hash: String,
    /// What was used (Discord's `interaction_metadata` of the answer), as JSON.
    pub metadata: String,
    /// The callback type once answered; 0 before.
    pub response: i32,
    /// The message `@original` names.
    pub original_message_id: Option<i64>,
    /// The modal asked for (callback 9) and not yet submitted, as JSON.
    pub modal: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

macro_rules! interaction_columns {
    () => {
        "id, application_id, kind, user_id, guild_id, channel_id, token_hash, metadata, response, \
         original_message_id, modal, created_at"
    };
}

#[derive(Clone, Debug)]
pub struct NewInteraction {
    pub id: Snowflake,
    pub application_id: Snowflake,
    pub kind: i32,
    pub user_id: Snowflake,
    pub guild_id: Option<Snowflake>,
    pub channel_id: Snowflake,
    pub token_hash: String,
    pub metadata: String,
    /// For a component: its message, which `@original` names from the start.
    pub original_message_id: Option<Snowflake>,
    pub now: Timestamp,
}

impl Store {
    /// Stores a new interaction, and forgets those started before `expired_before` (their
    /// tokens no longer work; their ephemeral answers go with them).
    pub async fn create_interaction(
        &self,
        new: &NewInteraction,
        expired_before: Timestamp,
    ) -> Result<InteractionRecord, StoreError> {
        let insert = concat!(
            "INSERT INTO interactions (id, application_id, kind, user_id, guild_id, channel_id, token_hash, metadata, \
             original_message_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ",
            interaction_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            // Bounded: only what expired since the last interaction, through the index.
            sqlx::query("DELETE FROM ephemeral_messages WHERE interaction_id IN \
                         (SELECT id FROM interactions WHERE created_at < $1)")
                .bind(expired_before.unix_millis()).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM interactions WHERE created_at < $1")
                .bind(expired_before.unix_millis()).execute(&mut *tx).await?;
            let record: InteractionRecord = sqlx::query_as(insert)
                .bind(new.id.as_i64()).bind(new.application_id.as_i64()).bind(new.kind).bind(new.user_id.as_i64())
                .bind(new.guild_id.map(Snowflake::as_i64)).bind(new.channel_id.as_i64()).bind(&new.token_hash)
                .bind(&new.metadata).bind(new.original_message_id.map(Snowflake::as_i64)).bind(new.now.unix_millis())
                .fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn interaction(&self, id: Snowflake) -> Result<Option<InteractionRecord>, StoreError> {
        let sql = concat!("SELECT ", interaction_columns!(), " FROM interactions WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// The interaction whose token hashes to `token_hash` (follow-ups name it by token alone).
    pub async fn interaction_by_token_hash(&self, token_hash: &str) -> Result<Option<InteractionRecord>, StoreError> {
        let sql = concat!("SELECT ", interaction_columns!(), " FROM interactions WHERE token_hash = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(token_hash).fetch_optional(pool).await?))
    }

    /// An ephemeral message that `user_id` was shown, as JSON, with its interaction's id.
    pub async fn ephemeral_message_of(
        &self,
        id: Snowflake,
        user_id: Snowflake,
    ) -> Result<Option<(i64, String)>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT e.interaction_id, e.message FROM ephemeral_messages e JOIN interactions i ON i.id = e.interaction_id \
             WHERE e.id = $1 AND i.user_id = $2")
            .bind(id.as_i64()).bind(user_id.as_i64()).fetch_optional(pool).await?))
    }

    /// Records the callback: `false` when the interaction was already answered (each is
    /// answered once, whichever node the answers reach).
    pub async fn answer_interaction(
        &self,
        id: Snowflake,
        response: i32,
        modal: Option<&str>,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query(
            "UPDATE interactions SET response = $2, modal = $3 WHERE id = $1 AND response = 0")
            .bind(id.as_i64()).bind(response).bind(modal).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Sets the message `@original` names (the answer, once posted).
    pub async fn set_original_message(&self, id: Snowflake, message_id: Snowflake) -> Result<(), StoreError> {
        with_writer!(self, pool => sqlx::query("UPDATE interactions SET original_message_id = $2 WHERE id = $1")
            .bind(id.as_i64()).bind(message_id.as_i64()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Takes the modal asked for in interaction `id` by `user_id`: it can be submitted once.
    pub async fn take_modal(&self, id: Snowflake, user_id: Snowflake) -> Result<Option<String>, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let modal: Option<Option<String>> = sqlx::query_scalar(
                "SELECT modal FROM interactions WHERE id = $1 AND user_id = $2")
                .bind(id.as_i64()).bind(user_id.as_i64()).fetch_optional(&mut *tx).await?;
            let Some(Some(modal)) = modal else { return Ok(None) };
            // Of two submissions at once, one finds it still there.
            let taken = sqlx::query("UPDATE interactions SET modal = NULL WHERE id = $1 AND modal IS NOT NULL")
                .bind(id.as_i64()).execute(&mut *tx).await?.rows_affected() == 1;
            tx.commit().await?;
            Ok(taken.then_some(modal))
        })
    }

    /// Keeps an ephemeral answer (the message object, as JSON).
    pub async fn put_ephemeral_message(
        &self,
        interaction_id: Snowflake,
        id: Snowflake,
        message: &str,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => sqlx::query(
            "INSERT INTO ephemeral_messages (id, interaction_id, message) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET message = excluded.message")
            .bind(id.as_i64()).bind(interaction_id.as_i64()).bind(message).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// An ephemeral answer of interaction `interaction_id`, as JSON.
    pub async fn ephemeral_message(
        &self,
        interaction_id: Snowflake,
        id: Snowflake,
    ) -> Result<Option<String>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT message FROM ephemeral_messages WHERE interaction_id = $1 AND id = $2")
            .bind(interaction_id.as_i64()).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    pub async fn delete_ephemeral_message(&self, interaction_id: Snowflake, id: Snowflake) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query(
            "DELETE FROM ephemeral_messages WHERE interaction_id = $1 AND id = $2")
            .bind(interaction_id.as_i64()).bind(id.as_i64()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }
}
