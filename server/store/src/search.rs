//! Message search: by words, author and channel, within the channels the caller may read.
//! PostgreSQL uses a GIN index over `to_tsvector('simple', content)`; SQLite an FTS5 table.

use parley_core::Snowflake;

use crate::messages::MessageRecord;
use crate::{Pool, Store, StoreError};

#[derive(Clone, Debug)]
pub struct SearchQuery {
    /// Words that must all appear; empty means any content.
    pub words: Vec<String>,
    pub author_id: Option<Snowflake>,
    /// The channels to search (those the caller may read); never empty.
    pub channel_ids: Vec<Snowflake>,
    pub limit: i64,
    pub offset: i64,
}

/// FTS5 takes a query language; each word is quoted so user input is only ever words.
fn fts5_query(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

impl Store {
    /// The matching messages, newest first, and how many match in all.
    pub async fn search_messages(&self, query: &SearchQuery) -> Result<(i64, Vec<MessageRecord>), StoreError> {
        if query.channel_ids.is_empty() {
            return Ok((0, Vec::new()));
        }
        let channels: Vec<i64> = query.channel_ids.iter().map(|id| id.as_i64()).collect();
        let author = query.author_id.map(Snowflake::as_i64);
        macro_rules! columns {
            () => {
                "m.id, m.channel_id, m.guild_id, m.author_id, m.content, m.nonce, m.kind, m.reference_message_id, \
                 m.mention_everyone, m.mentions, m.mention_roles, m.pinned, m.edited_at, m.created_at, m.embeds, m.flags, m.pinned_at, \
                 m.webhook_id, m.webhook_name, m.webhook_avatar_url, m.components, m.application_id, m.interaction, m.attachments"
            };
        }
        match &self.pool {
            Pool::Postgres(pool) => {
                macro_rules! filter {
                    () => {
                        " FROM messages m WHERE m.channel_id = ANY($1) AND ($2::BIGINT IS NULL OR m.author_id = $2) \
                          AND ($3 = '' OR to_tsvector('simple', m.content) @@ plainto_tsquery('simple', $3))"
                    };
                }
                let words = query.words.join(" ");
                let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*)", filter!()))
                    .bind(&channels)
                    .bind(author)
                    .bind(&words)
                    .fetch_one(pool)
                    .await?;
                let rows =
                    sqlx::query_as(concat!("SELECT ", columns!(), filter!(), " ORDER BY m.id DESC LIMIT $4 OFFSET $5"))
                        .bind(&channels)
                        .bind(author)
                        .bind(&words)
                        .bind(query.limit)
                        .bind(query.offset)
                        .fetch_all(pool)
                        .await?;
                Ok((total, rows))
            }
            Pool::Sqlite { read, .. } => {
                let list = format!("[{}]", channels.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                if query.words.is_empty() {
                    macro_rules! filter {
                        () => {
                            " FROM messages m WHERE m.channel_id IN (SELECT value FROM json_each($1)) AND ($2 IS NULL OR m.author_id = $2)"
                        };
                    }
                    let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*)", filter!()))
                        .bind(&list)
                        .bind(author)
                        .fetch_one(read)
                        .await?;
                    let rows = sqlx::query_as(concat!(
                        "SELECT ",
                        columns!(),
                        filter!(),
                        " ORDER BY m.id DESC LIMIT $3 OFFSET $4"
                    ))
                    .bind(&list)
                    .bind(author)
                    .bind(query.limit)
                    .bind(query.offset)
                    .fetch_all(read)
                    .await?;
                    Ok((total, rows))
                } else {
                    macro_rules! filter {
                        () => {
                            " FROM messages m JOIN messages_fts f ON f.rowid = m.rowid WHERE messages_fts MATCH $3 \
                              AND m.channel_id IN (SELECT value FROM json_each($1)) AND ($2 IS NULL OR m.author_id = $2)"
                        };
                    }
                    let fts = fts5_query(&query.words);
                    let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*)", filter!()))
                        .bind(&list)
                        .bind(author)
                        .bind(&fts)
                        .fetch_one(read)
                        .await?;
                    let rows = sqlx::query_as(concat!(
                        "SELECT ",
                        columns!(),
                        filter!(),
                        " ORDER BY m.id DESC LIMIT $4 OFFSET $5"
                    ))
                    .bind(&list)
                    .bind(author)
                    .bind(&fts)
                    .bind(query.limit)
                    .bind(query.offset)
                    .fetch_all(read)
                    .await?;
                    Ok((total, rows))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn user_input_becomes_quoted_fts5_words() {
        assert_eq!(
            super::fts5_query(&["hello".into(), "wor\"ld".into(), "OR".into()]),
            "\"hello\" \"wor\"\"ld\" \"OR\""
        );
    }
}
