//! Read states: where a user has read up to in each channel, and what is unread since.

use parley_core::Snowflake;

use crate::{Pool, Store, StoreError, with_writer};

/// One channel as one user stands in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadState {
    pub channel_id: Snowflake,
    pub last_read_message_id: Option<Snowflake>,
    pub last_message_id: Option<Snowflake>,
    /// Unread messages by others that mention the user, one of their roles or @everyone; in
    /// a private channel, every unread message by others. Never those of someone they block.
    pub mention_count: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    channel_id: i64,
    last_read: Option<i64>,
    last_message: Option<i64>,
    mentions: i64,
}

impl Store {
    /// Sets how far `user_id` has read in the channel (backwards too: "mark unread").
    pub async fn ack(
        &self,
        user_id: Snowflake,
        channel_id: Snowflake,
        message_id: Snowflake,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => sqlx::query(
            "INSERT INTO read_states (user_id, channel_id, last_read_message_id) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, channel_id) DO UPDATE SET last_read_message_id = excluded.last_read_message_id")
            .bind(user_id.as_i64()).bind(channel_id.as_i64()).bind(message_id.as_i64()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The user's read state in each of these channels, in one query. `role_ids`: the roles
    /// the user holds in any guild (a mention of one counts).
    pub async fn read_states(
        &self,
        user_id: Snowflake,
        channel_ids: &[Snowflake],
        role_ids: &[Snowflake],
    ) -> Result<Vec<ReadState>, StoreError> {
        if channel_ids.is_empty() {
            return Ok(Vec::new());
        }
        let raw: Vec<i64> = channel_ids.iter().map(|id| id.as_i64()).collect();
        // Mentions are stored as a JSON list of quoted ids, so a quoted id finds the user.
        let pattern = format!("%\"{user_id}\"%");
        // Role mentions are JSON lists of quoted ids too; each backend asks "any in common?"
        // its own way.
        let roles: Vec<String> = role_ids.iter().map(Snowflake::to_string).collect();
        macro_rules! read_state_sql {
            ($channels:literal, $any_role:literal) => {
                concat!(
                    "SELECT c.id AS channel_id, r.last_read_message_id AS last_read, \
                     (SELECT MAX(m.id) FROM messages m WHERE m.channel_id = c.id) AS last_message, \
                     (SELECT COUNT(*) FROM messages m WHERE m.channel_id = c.id AND m.id > COALESCE(r.last_read_message_id, 0) \
                        AND m.author_id <> $1 \
                        AND NOT EXISTS (SELECT 1 FROM relationships b WHERE b.user_id = $1 AND b.other_id = m.author_id AND b.kind = 2) \
                        AND (c.guild_id IS NULL OR m.mention_everyone OR m.mentions LIKE $3 OR ",
                    $any_role,
                    ")) AS mentions \
                     FROM channels c LEFT JOIN read_states r ON r.channel_id = c.id AND r.user_id = $1 WHERE c.id ",
                    $channels
                )
            };
        }
        let rows: Vec<Row> = match &self.pool {
            Pool::Postgres(pool) => {
                sqlx::query_as(read_state_sql!("= ANY($2)", "(m.mention_roles::jsonb ?| $4::text[])"))
                    .bind(user_id.as_i64())
                    .bind(raw)
                    .bind(&pattern)
                    .bind(&roles)
                    .fetch_all(pool)
                    .await?
            }
            Pool::Sqlite { read, .. } => {
                let list = format!("[{}]", raw.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                sqlx::query_as(read_state_sql!(
                    "IN (SELECT value FROM json_each($2))",
                    "EXISTS (SELECT 1 FROM json_each(m.mention_roles) j WHERE j.value IN (SELECT value FROM json_each($4)))"
                ))
                .bind(user_id.as_i64())
                .bind(list)
                .bind(&pattern)
                .bind(format!("[{}]", roles.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(",")))
                .fetch_all(read)
                    .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| ReadState {
                channel_id: Snowflake::from_i64(r.channel_id),
                last_read_message_id: r.last_read.map(Snowflake::from_i64),
                last_message_id: r.last_message.map(Snowflake::from_i64),
                mention_count: r.mentions,
            })
            .collect())
    }
}
