//! Guilds' custom emoji: made (within a guild's limit, counted in the same transaction),
//! listed, renamed and deleted, each audited by the caller. The image lives in object storage
//! under the emoji's id.

use parley_core::{Snowflake, Timestamp};

use crate::audit_log::{Audit, record_audit};
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EmojiRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub guild_id: Snowflake,
    pub name: String,
    #[sqlx(try_from = "i64")]
    pub creator_id: Snowflake,
    pub animated: bool,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

macro_rules! emoji_columns {
    () => {
        "id, guild_id, name, creator_id, animated, created_at"
    };
}

#[derive(Clone, Debug)]
pub struct NewEmoji {
    pub id: Snowflake,
    pub guild_id: Snowflake,
    pub name: String,
    pub creator_id: Snowflake,
    pub animated: bool,
    pub now: Timestamp,
}

impl Store {
    /// Makes the emoji unless its guild already has `max_of_its_kind` emoji that are animated
    /// (or still) as it is: `None` then. The guild's row is held while counting, so two
    /// uploads at once cannot both take the last place.
    pub async fn create_emoji(
        &self,
        emoji: &NewEmoji,
        max_of_its_kind: i64,
        audit: Audit<'_>,
    ) -> Result<Option<EmojiRecord>, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            // A no-op update takes the guild's row lock on PostgreSQL; SQLite's one writer
            // already serialises makes.
            sqlx::query("UPDATE guilds SET id = id WHERE id = $1").bind(emoji.guild_id.as_i64()).execute(&mut *tx).await?;
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM guild_emojis WHERE guild_id = $1 AND animated = $2")
                .bind(emoji.guild_id.as_i64())
                .bind(emoji.animated)
                .fetch_one(&mut *tx)
                .await?;
            if count >= max_of_its_kind {
                return Ok(None);
            }
            let record: EmojiRecord = sqlx::query_as(concat!(
                "INSERT INTO guild_emojis (id, guild_id, name, creator_id, animated, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING ", emoji_columns!()))
                .bind(emoji.id.as_i64()).bind(emoji.guild_id.as_i64()).bind(&emoji.name)
                .bind(emoji.creator_id.as_i64()).bind(emoji.animated).bind(emoji.now.unix_millis())
                .fetch_one(&mut *tx).await?;
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(Some(record))
        })
    }

    /// An emoji by id, in any guild.
    pub async fn emoji(&self, id: Snowflake) -> Result<Option<EmojiRecord>, StoreError> {
        let sql = concat!("SELECT ", emoji_columns!(), " FROM guild_emojis WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// The emoji with these ids that exist, in any guild (reactions name them by id).
    pub async fn emojis_by_ids(&self, ids: &[Snowflake]) -> Result<Vec<EmojiRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let raw: Vec<i64> = ids.iter().map(|id| id.as_i64()).collect();
        Ok(match &self.pool {
            crate::Pool::Postgres(pool) => {
                let sql = concat!("SELECT ", emoji_columns!(), " FROM guild_emojis WHERE id = ANY($1)");
                sqlx::query_as(sql).bind(raw).fetch_all(pool).await?
            }
            crate::Pool::Sqlite { read, .. } => {
                let sql = concat!(
                    "SELECT ",
                    emoji_columns!(),
                    " FROM guild_emojis WHERE id IN (SELECT value FROM json_each($1))"
                );
                let list = format!("[{}]", raw.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                sqlx::query_as(sql).bind(list).fetch_all(read).await?
            }
        })
    }

    /// A guild's emoji, oldest first.
    pub async fn guild_emojis(&self, guild_id: Snowflake) -> Result<Vec<EmojiRecord>, StoreError> {
        let sql = concat!("SELECT ", emoji_columns!(), " FROM guild_emojis WHERE guild_id = $1 ORDER BY id");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(guild_id.as_i64()).fetch_all(pool).await?))
    }

    /// Renames the guild's emoji; `None` if the guild has no such emoji.
    pub async fn rename_emoji(
        &self,
        guild_id: Snowflake,
        id: Snowflake,
        name: &str,
        audit: Audit<'_>,
    ) -> Result<Option<EmojiRecord>, StoreError> {
        let sql =
            concat!("UPDATE guild_emojis SET name = $3 WHERE guild_id = $1 AND id = $2 RETURNING ", emoji_columns!());
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated: Option<EmojiRecord> =
                sqlx::query_as(sql).bind(guild_id.as_i64()).bind(id.as_i64()).bind(name).fetch_optional(&mut *tx).await?;
            if updated.is_some() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(updated)
        })
    }

    /// Deletes the guild's emoji; false if the guild has no such emoji.
    pub async fn delete_emoji(&self, guild_id: Snowflake, id: Snowflake, audit: Audit<'_>) -> Result<bool, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM guild_emojis WHERE guild_id = $1 AND id = $2")
                .bind(guild_id.as_i64()).bind(id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }
}
