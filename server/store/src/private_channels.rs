//! Private channels: direct messages between two users and group DMs of up to ten. They are
//! rows of `channels` with no guild, so messages, reactions, pins and read states work on
//! them through the same queries as guild channels; who is in one is `channel_recipients`.

use parley_core::{Snowflake, Timestamp};

use crate::{Pool, Store, StoreError, with_pool, with_writer};

/// Discord's limit on people in a group DM, the owner included.
pub const MAX_GROUP_DM_RECIPIENTS: usize = 10;

/// Discord's private channel types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateKind {
    /// Type 1: two users, unique per pair.
    Dm,
    /// Type 3: up to ten users, with an owner and an optional name.
    GroupDm,
}

impl PrivateKind {
    pub const fn code(self) -> i64 {
        match self {
            Self::Dm => 1,
            Self::GroupDm => 3,
        }
    }
}

#[derive(Clone, Debug)]
pub struct PrivateChannelRecord {
    pub id: Snowflake,
    pub kind: PrivateKind,
    /// Group DMs only, when named.
    pub name: Option<String>,
    pub icon: Option<String>,
    /// Group DMs: who may rename it and remove others.
    pub owner_id: Option<Snowflake>,
    /// Everyone in it, in the order they joined.
    pub recipients: Vec<Snowflake>,
    pub last_message_id: Option<Snowflake>,
    pub created_at: Timestamp,
}

impl PrivateChannelRecord {
    pub fn has_recipient(&self, user_id: Snowflake) -> bool {
        self.recipients.contains(&user_id)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: i64,
    name: String,
    icon: Option<String>,
    owner_id: Option<i64>,
    last_message_id: Option<i64>,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct RecipientRow {
    channel_id: i64,
    user_id: i64,
}

macro_rules! private_columns {
    () => {
        "c.id, c.kind, c.name, c.icon, c.owner_id, c.created_at, \
         (SELECT MAX(m.id) FROM messages m WHERE m.channel_id = c.id) AS last_message_id"
    };
}

fn assemble(rows: Vec<Row>, recipients: &[RecipientRow]) -> Vec<PrivateChannelRecord> {
    rows.into_iter()
        .map(|row| PrivateChannelRecord {
            id: Snowflake::from_i64(row.id),
            kind: if row.kind == PrivateKind::GroupDm.code() { PrivateKind::GroupDm } else { PrivateKind::Dm },
            name: Some(row.name).filter(|n| !n.is_empty()),
            icon: row.icon,
            owner_id: row.owner_id.map(Snowflake::from_i64),
            recipients: recipients
                .iter()
                .filter(|r| r.channel_id == row.id)
                .map(|r| Snowflake::from_i64(r.user_id))
                .collect(),
            last_message_id: row.last_message_id.map(Snowflake::from_i64),
            created_at: Timestamp::from_unix_millis(row.created_at),
        })
        .collect()
}

/// The key that makes a DM unique per pair, whichever of the two opens it.
fn dm_key(a: Snowflake, b: Snowflake) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

/// A group DM about to be created; the caller has checked who may be in it.
#[derive(Clone, Debug)]
pub struct NewGroupDm {
    pub id: Snowflake,
    pub owner_id: Snowflake,
    /// Everyone else in it (not the owner), distinct.
    pub others: Vec<Snowflake>,
    pub name: Option<String>,
    pub now: Timestamp,
}

/// What removing someone from a group DM did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Departure {
    /// They were not in it.
    NotThere,
    /// They left; `new_owner` is set when the owner left and ownership passed on.
    Left { new_owner: Option<Snowflake> },
    /// They were the last one, so the channel and its messages are gone.
    ChannelDeleted,
}

impl Store {
    /// Whether the two users are members of at least one common guild.
    pub async fn share_a_guild(&self, a: Snowflake, b: Snowflake) -> Result<bool, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM members x JOIN members y ON y.guild_id = x.guild_id \
             WHERE x.user_id = $1 AND y.user_id = $2)")
            .bind(a.as_i64()).bind(b.as_i64()).fetch_one(pool).await?))
    }

    /// The DM between `me` and `other`, made with `id` if there was none; it is (re)opened
    /// for `me` (and appears for `other` with the first message). Returns the channel and whether it was made now. Two users opening the same
    /// DM at once get the same channel.
    pub async fn open_dm(
        &self,
        id: Snowflake,
        me: Snowflake,
        other: Snowflake,
        now: Timestamp,
    ) -> Result<(PrivateChannelRecord, bool), StoreError> {
        let key = dm_key(me, other);
        let (channel_id, created) = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let created = sqlx::query(
                "INSERT INTO channels (id, guild_id, kind, name, created_at, dm_key) VALUES ($1, NULL, $2, '', $3, $4) \
                 ON CONFLICT (dm_key) DO NOTHING")
                .bind(id.as_i64()).bind(PrivateKind::Dm.code()).bind(now.unix_millis()).bind(&key)
                .execute(&mut *tx).await?.rows_affected() == 1;
            let channel_id: i64 = sqlx::query_scalar("SELECT id FROM channels WHERE dm_key = $1")
                .bind(&key).fetch_one(&mut *tx).await?;
            // The other person sees the DM once a message arrives in it (that reopens it).
            for (user, closed) in [(me, false), (other, true)] {
                sqlx::query(
                    "INSERT INTO channel_recipients (channel_id, user_id, closed, added_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (channel_id, user_id) DO NOTHING")
                    .bind(channel_id).bind(user.as_i64()).bind(closed).bind(now.unix_millis()).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE channel_recipients SET closed = FALSE WHERE channel_id = $1 AND user_id = $2")
                .bind(channel_id).bind(me.as_i64()).execute(&mut *tx).await?;
            tx.commit().await?;
            (Snowflake::from_i64(channel_id), created)
        });
        let channel = self.private_channel(channel_id).await?.ok_or(StoreError::Database(sqlx::Error::RowNotFound))?;
        Ok((channel, created))
    }

    /// Creates a group DM owned by `group.owner_id`.
    pub async fn create_group_dm(&self, group: &NewGroupDm) -> Result<PrivateChannelRecord, StoreError> {
        let now = group.now.unix_millis();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO channels (id, guild_id, kind, name, owner_id, created_at) VALUES ($1, NULL, $2, $3, $4, $5)")
                .bind(group.id.as_i64()).bind(PrivateKind::GroupDm.code())
                .bind(group.name.clone().unwrap_or_default()).bind(group.owner_id.as_i64()).bind(now)
                .execute(&mut *tx).await?;
            // Each a millisecond apart, so the stored order is the order given.
            for (n, user) in std::iter::once(group.owner_id).chain(group.others.iter().copied()).enumerate() {
                sqlx::query("INSERT INTO channel_recipients (channel_id, user_id, added_at) VALUES ($1, $2, $3)")
                    .bind(group.id.as_i64()).bind(user.as_i64()).bind(now + n as i64).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        self.private_channel(group.id).await?.ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// A private channel with its recipients; `None` for no such channel or a guild channel.
    pub async fn private_channel(&self, id: Snowflake) -> Result<Option<PrivateChannelRecord>, StoreError> {
        let (rows, recipients): (Vec<Row>, Vec<RecipientRow>) = with_pool!(self, pool => {
            let rows = sqlx::query_as(concat!("SELECT ", private_columns!(), " FROM channels c WHERE c.id = $1 AND c.guild_id IS NULL"))
                .bind(id.as_i64()).fetch_all(pool).await?;
            let recipients = sqlx::query_as(
                "SELECT channel_id, user_id FROM channel_recipients WHERE channel_id = $1 ORDER BY added_at, user_id")
                .bind(id.as_i64()).fetch_all(pool).await?;
            (rows, recipients)
        });
        Ok(assemble(rows, &recipients).pop())
    }

    /// Whether the two users are both in some DM or group DM (open or closed in their lists).
    pub async fn share_a_private_channel(&self, a: Snowflake, b: Snowflake) -> Result<bool, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM channel_recipients x JOIN channel_recipients y ON y.channel_id = x.channel_id \
             WHERE x.user_id = $1 AND y.user_id = $2)")
            .bind(a.as_i64()).bind(b.as_i64()).fetch_one(pool).await?))
    }

    /// The private channels `user_id` has open, most recently active first.
    pub async fn private_channels_of(&self, user_id: Snowflake) -> Result<Vec<PrivateChannelRecord>, StoreError> {
        let (rows, recipients): (Vec<Row>, Vec<RecipientRow>) = with_pool!(self, pool => {
            let rows = sqlx::query_as(concat!("SELECT ", private_columns!(),
                " FROM channels c JOIN channel_recipients r ON r.channel_id = c.id \
                  WHERE r.user_id = $1 AND r.closed = FALSE \
                  ORDER BY COALESCE((SELECT MAX(m.id) FROM messages m WHERE m.channel_id = c.id), c.id) DESC"))
                .bind(user_id.as_i64()).fetch_all(pool).await?;
            let recipients = sqlx::query_as(
                "SELECT channel_id, user_id FROM channel_recipients \
                 WHERE channel_id IN (SELECT channel_id FROM channel_recipients WHERE user_id = $1) \
                 ORDER BY added_at, user_id")
                .bind(user_id.as_i64()).fetch_all(pool).await?;
            (rows, recipients)
        });
        Ok(assemble(rows, &recipients))
    }

    /// Hides the channel from `user_id`'s list until a new message arrives. False if they
    /// are not in it.
    pub async fn close_private_channel(&self, channel_id: Snowflake, user_id: Snowflake) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query(
            "UPDATE channel_recipients SET closed = TRUE WHERE channel_id = $1 AND user_id = $2")
            .bind(channel_id.as_i64()).bind(user_id.as_i64()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Puts the channel back in every recipient's list (a message arrived). Returns who had
    /// closed it.
    pub async fn reopen_private_channel(&self, channel_id: Snowflake) -> Result<Vec<Snowflake>, StoreError> {
        let reopened: Vec<i64> = with_writer!(self, pool => sqlx::query_scalar(
            "UPDATE channel_recipients SET closed = FALSE WHERE channel_id = $1 AND closed = TRUE RETURNING user_id")
            .bind(channel_id.as_i64()).fetch_all(pool).await?);
        Ok(reopened.into_iter().map(Snowflake::from_i64).collect())
    }

    /// Adds `user_id` to a group DM unless it already holds [`MAX_GROUP_DM_RECIPIENTS`].
    /// `Ok(None)`: it is full; `Ok(Some(added))`: whether they were new.
    pub async fn add_recipient(
        &self,
        channel_id: Snowflake,
        user_id: Snowflake,
        now: Timestamp,
    ) -> Result<Option<bool>, StoreError> {
        let add = "INSERT INTO channel_recipients (channel_id, user_id, added_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (channel_id, user_id) DO NOTHING";
        let count = "SELECT COUNT(*) FROM channel_recipients WHERE channel_id = $1";
        macro_rules! add_in {
            ($tx:ident) => {{
                let present: i64 = sqlx::query_scalar(count).bind(channel_id.as_i64()).fetch_one(&mut *$tx).await?;
                if present as usize >= MAX_GROUP_DM_RECIPIENTS {
                    None
                } else {
                    let n = sqlx::query(add)
                        .bind(channel_id.as_i64())
                        .bind(user_id.as_i64())
                        .bind(now.unix_millis())
                        .execute(&mut *$tx)
                        .await?
                        .rows_affected();
                    Some(n == 1)
                }
            }};
        }
        let outcome = match &self.pool {
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // Concurrent adds to one channel take turns, so the count cannot be overrun.
                sqlx::query("SELECT id FROM channels WHERE id = $1 FOR UPDATE")
                    .bind(channel_id.as_i64())
                    .execute(&mut *tx)
                    .await?;
                let outcome = add_in!(tx);
                tx.commit().await?;
                outcome
            }
            // One writer connection: SQLite writes already take turns.
            Pool::Sqlite { write, .. } => {
                let mut tx = write.begin().await?;
                let outcome = add_in!(tx);
                tx.commit().await?;
                outcome
            }
        };
        Ok(outcome)
    }

    /// Removes `user_id` from a group DM. The owner leaving passes ownership to whoever
    /// joined next; the last one leaving deletes the channel.
    pub async fn remove_recipient(&self, channel_id: Snowflake, user_id: Snowflake) -> Result<Departure, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let removed = sqlx::query("DELETE FROM channel_recipients WHERE channel_id = $1 AND user_id = $2")
                .bind(channel_id.as_i64()).bind(user_id.as_i64()).execute(&mut *tx).await?.rows_affected() == 1;
            if !removed {
                return Ok(Departure::NotThere);
            }
            let next: Option<i64> = sqlx::query_scalar(
                "SELECT user_id FROM channel_recipients WHERE channel_id = $1 ORDER BY added_at, user_id LIMIT 1")
                .bind(channel_id.as_i64()).fetch_optional(&mut *tx).await?;
            let departure = match next {
                None => {
                    sqlx::query("DELETE FROM channels WHERE id = $1").bind(channel_id.as_i64()).execute(&mut *tx).await?;
                    Departure::ChannelDeleted
                }
                Some(next) => {
                    let n = sqlx::query("UPDATE channels SET owner_id = $2 WHERE id = $1 AND owner_id = $3")
                        .bind(channel_id.as_i64()).bind(next).bind(user_id.as_i64())
                        .execute(&mut *tx).await?.rows_affected();
                    Departure::Left { new_owner: (n == 1).then(|| Snowflake::from_i64(next)) }
                }
            };
            tx.commit().await?;
            Ok(departure)
        })
    }

    /// Renames a group DM (`None` clears the name).
    pub async fn rename_group_dm(&self, channel_id: Snowflake, name: Option<&str>) -> Result<(), StoreError> {
        with_writer!(self, pool => sqlx::query("UPDATE channels SET name = $2 WHERE id = $1 AND guild_id IS NULL")
            .bind(channel_id.as_i64()).bind(name.unwrap_or_default()).execute(pool).await?.rows_affected());
        Ok(())
    }
}
