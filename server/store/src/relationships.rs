//! Relationships (whom a person blocks) and DM privacy (whose guild members may start a DM
//! with them): what decides whether one person may message another.

use parley_core::{Snowflake, Timestamp};

use crate::{Pool, Store, StoreError, with_pool, with_writer};

/// Discord's relationship type for a block.
pub const BLOCKED: i16 = 2;

/// One of a person's relationships.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Relationship {
    #[sqlx(try_from = "i64")]
    pub other_id: Snowflake,
    /// Discord's type: only [`BLOCKED`] in Parley.
    pub kind: i16,
    #[sqlx(try_from = "i64")]
    pub since: Timestamp,
}

/// What blocking someone did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// Newly blocked.
    Now,
    /// They were blocked already.
    Already,
    /// The person has `limit` relationships already.
    TooMany,
}

/// Whether `sender` may reach `recipient` in a DM, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmReach {
    Open,
    /// One of them blocks the other.
    Blocked,
    /// They share no guild.
    NoSharedGuild,
    /// They share guilds, but the recipient takes no DMs from members of any of them.
    Restricted,
}

/// A person's DM privacy: the guilds whose members may not start a DM with them, and whether
/// guilds they join are added to that list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DmPrivacy {
    pub default_guilds_restricted: bool,
    pub restricted_guilds: Vec<Snowflake>,
}

impl Store {
    /// The person's relationships, oldest first.
    pub async fn relationships_of(&self, user_id: Snowflake) -> Result<Vec<Relationship>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT other_id, kind, since FROM relationships WHERE user_id = $1 ORDER BY since, other_id")
            .bind(user_id.as_i64()).fetch_all(pool).await?))
    }

    /// `user_id` blocks `other_id`, unless they hold `limit` relationships already (counted in
    /// the same transaction; two blocks racing on PostgreSQL may pass it by one).
    pub async fn block(
        &self,
        user_id: Snowflake,
        other_id: Snowflake,
        now: Timestamp,
        limit: i64,
    ) -> Result<(Blocked, Relationship), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing: Option<Relationship> = sqlx::query_as(
                "SELECT other_id, kind, since FROM relationships WHERE user_id = $1 AND other_id = $2")
                .bind(user_id.as_i64()).bind(other_id.as_i64()).fetch_optional(&mut *tx).await?;
            if let Some(existing) = existing {
                return Ok((Blocked::Already, existing));
            }
            let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM relationships WHERE user_id = $1")
                .bind(user_id.as_i64()).fetch_one(&mut *tx).await?;
            let made = Relationship { other_id, kind: BLOCKED, since: now };
            if held >= limit {
                return Ok((Blocked::TooMany, made));
            }
            let inserted = sqlx::query(
                "INSERT INTO relationships (user_id, other_id, kind, since) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, other_id) DO NOTHING")
                .bind(user_id.as_i64()).bind(other_id.as_i64()).bind(BLOCKED).bind(now.unix_millis())
                .execute(&mut *tx).await?.rows_affected() == 1;
            tx.commit().await?;
            Ok((if inserted { Blocked::Now } else { Blocked::Already }, made))
        })
    }

    /// Ends `user_id`'s relationship with `other_id`; whether there was one.
    pub async fn remove_relationship(&self, user_id: Snowflake, other_id: Snowflake) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query("DELETE FROM relationships WHERE user_id = $1 AND other_id = $2")
            .bind(user_id.as_i64()).bind(other_id.as_i64()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Whether `sender` may message `recipient` in a DM: neither blocks the other, and they
    /// share a guild whose members `recipient` takes DMs from. One query.
    pub async fn dm_reach(&self, sender: Snowflake, recipient: Snowflake) -> Result<DmReach, StoreError> {
        let (blocked, shared, open): (bool, bool, bool) = with_pool!(self, pool => sqlx::query_as(
            "SELECT \
               EXISTS (SELECT 1 FROM relationships WHERE kind = 2 AND \
                 ((user_id = $1 AND other_id = $2) OR (user_id = $2 AND other_id = $1))), \
               EXISTS (SELECT 1 FROM members x JOIN members y ON y.guild_id = x.guild_id \
                 WHERE x.user_id = $1 AND y.user_id = $2), \
               EXISTS (SELECT 1 FROM members x JOIN members y ON y.guild_id = x.guild_id \
                 WHERE x.user_id = $1 AND y.user_id = $2 AND NOT EXISTS \
                   (SELECT 1 FROM dm_restricted_guilds d WHERE d.user_id = $2 AND d.guild_id = x.guild_id))")
            .bind(sender.as_i64()).bind(recipient.as_i64()).fetch_one(pool).await?);
        Ok(if blocked {
            DmReach::Blocked
        } else if !shared {
            DmReach::NoSharedGuild
        } else if !open {
            DmReach::Restricted
        } else {
            DmReach::Open
        })
    }

    /// The person's DM privacy.
    pub async fn dm_privacy(&self, user_id: Snowflake) -> Result<DmPrivacy, StoreError> {
        let (default, guilds): (Option<bool>, Vec<i64>) = with_pool!(self, pool => (
            sqlx::query_scalar("SELECT default_guilds_restricted FROM dm_privacy WHERE user_id = $1")
                .bind(user_id.as_i64()).fetch_optional(pool).await?,
            sqlx::query_scalar("SELECT guild_id FROM dm_restricted_guilds WHERE user_id = $1 ORDER BY guild_id")
                .bind(user_id.as_i64()).fetch_all(pool).await?,
        ));
        Ok(DmPrivacy {
            default_guilds_restricted: default.unwrap_or(false),
            restricted_guilds: guilds.into_iter().map(Snowflake::from_i64).collect(),
        })
    }

    /// Sets what is given of the person's DM privacy; `restricted_guilds` replaces the list
    /// (only guilds they are a member of are kept).
    pub async fn set_dm_privacy(
        &self,
        user_id: Snowflake,
        default_guilds_restricted: Option<bool>,
        restricted_guilds: Option<&[Snowflake]>,
    ) -> Result<(), StoreError> {
        let postgres = matches!(self.pool, Pool::Postgres(_));
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if postgres {
                // Two changes at once queue here, so the list one writes is never merged with
                // the other's (each deletes only what it can see); SQLite has one writer.
                sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                    .bind(user_id.as_i64()).fetch_all(&mut *tx).await?;
            }
            if let Some(default) = default_guilds_restricted {
                sqlx::query(
                    "INSERT INTO dm_privacy (user_id, default_guilds_restricted) VALUES ($1, $2) \
                     ON CONFLICT (user_id) DO UPDATE SET default_guilds_restricted = excluded.default_guilds_restricted")
                    .bind(user_id.as_i64()).bind(default).execute(&mut *tx).await?;
            }
            if let Some(guilds) = restricted_guilds {
                sqlx::query("DELETE FROM dm_restricted_guilds WHERE user_id = $1")
                    .bind(user_id.as_i64()).execute(&mut *tx).await?;
                for guild in guilds {
                    sqlx::query(
                        "INSERT INTO dm_restricted_guilds (user_id, guild_id) \
                         SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM members WHERE user_id = $1 AND guild_id = $2) \
                         ON CONFLICT (user_id, guild_id) DO NOTHING")
                        .bind(user_id.as_i64()).bind(guild.as_i64()).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// A guild the person just joined is added to their restricted list if they asked for
    /// that of every guild they join; whether it was.
    pub async fn restrict_joined_guild(&self, user_id: Snowflake, guild_id: Snowflake) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query(
            "INSERT INTO dm_restricted_guilds (user_id, guild_id) \
             SELECT user_id, $2 FROM dm_privacy WHERE user_id = $1 AND default_guilds_restricted \
             ON CONFLICT (user_id, guild_id) DO NOTHING")
            .bind(user_id.as_i64()).bind(guild_id.as_i64()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }
}
