//! Guild invites: create on a channel, look up, accept (join), delete, list.

use parley_core::{Snowflake, Timestamp};

use crate::audit_log::{Audit, record_audit};
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GuildInviteRecord {
    pub code: String,
    #[sqlx(try_from = "i64")]
    pub guild_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub channel_id: Snowflake,
    pub inviter_id: Option<i64>,
    /// Seconds it lives from creation; 0 means forever.
    pub max_age: i64,
    /// 0 means unlimited.
    pub max_uses: i64,
    pub uses: i64,
    pub expires_at: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

impl GuildInviteRecord {
    pub fn is_usable_at(&self, now: Timestamp) -> bool {
        (self.max_uses == 0 || self.uses < self.max_uses) && self.expires_at.is_none_or(|t| t > now.unix_millis())
    }
}

macro_rules! invite_columns {
    () => {
        "code, guild_id, channel_id, inviter_id, max_age, max_uses, uses, expires_at, created_at"
    };
}

#[derive(Clone, Debug)]
pub struct NewGuildInvite {
    pub code: String,
    pub guild_id: Snowflake,
    pub channel_id: Snowflake,
    pub inviter_id: Snowflake,
    pub max_age: i64,
    pub max_uses: i64,
    pub now: Timestamp,
}

/// What accepting an invite did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acceptance {
    /// The user joined the guild; one use was spent.
    Joined { guild_id: Snowflake },
    /// The user was already a member; nothing was spent.
    AlreadyMember { guild_id: Snowflake },
    /// Unknown, expired or used up.
    Unusable,
    /// The user is banned from the guild.
    Banned,
}

impl Store {
    pub async fn create_guild_invite(
        &self,
        invite: &NewGuildInvite,
        audit: Audit<'_>,
    ) -> Result<GuildInviteRecord, StoreError> {
        let sql = concat!(
            "INSERT INTO guild_invites (code, guild_id, channel_id, inviter_id, max_age, max_uses, uses, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING ",
            invite_columns!()
        );
        let expires_at = (invite.max_age > 0).then(|| invite.now.unix_millis() + invite.max_age * 1000);
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let record: GuildInviteRecord = sqlx::query_as(sql)
                .bind(&invite.code)
                .bind(invite.guild_id.as_i64())
                .bind(invite.channel_id.as_i64())
                .bind(invite.inviter_id.as_i64())
                .bind(invite.max_age)
                .bind(invite.max_uses)
                .bind(expires_at)
                .bind(invite.now.unix_millis())
                .fetch_one(&mut *tx)
                .await?;
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn guild_invite(&self, code: &str) -> Result<Option<GuildInviteRecord>, StoreError> {
        let sql = concat!("SELECT ", invite_columns!(), " FROM guild_invites WHERE code = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(code).fetch_optional(pool).await?))
    }

    /// The guild's invites, newest first; only one channel's with `channel_id`.
    pub async fn guild_invites(
        &self,
        guild_id: Snowflake,
        channel_id: Option<Snowflake>,
    ) -> Result<Vec<GuildInviteRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            invite_columns!(),
            " FROM guild_invites WHERE guild_id = $1 AND ($2 IS NULL OR channel_id = $2) ORDER BY created_at DESC, code"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(sql)
            .bind(guild_id.as_i64())
            .bind(channel_id.map(Snowflake::as_i64))
            .fetch_all(pool)
            .await?))
    }

    /// Deletes an invite, returning it as it was.
    pub async fn delete_guild_invite(
        &self,
        code: &str,
        audit: Audit<'_>,
    ) -> Result<Option<GuildInviteRecord>, StoreError> {
        let sql = concat!("DELETE FROM guild_invites WHERE code = $1 RETURNING ", invite_columns!());
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let deleted: Option<GuildInviteRecord> = sqlx::query_as(sql).bind(code).fetch_optional(&mut *tx).await?;
            if deleted.is_some() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(deleted)
        })
    }

    /// Joins `user_id` to the invite's guild, atomically: a member already in the guild
    /// spends nothing, and the use is counted only if the join happens.
    pub async fn accept_guild_invite(
        &self,
        code: &str,
        user_id: Snowflake,
        now: Timestamp,
    ) -> Result<Acceptance, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let guild_id: Option<i64> = sqlx::query_scalar("SELECT guild_id FROM guild_invites WHERE code = $1")
                .bind(code).fetch_optional(&mut *tx).await?;
            let Some(guild_id) = guild_id else { return Ok(Acceptance::Unusable) };
            let member: Option<i64> = sqlx::query_scalar("SELECT user_id FROM members WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id).bind(user_id.as_i64()).fetch_optional(&mut *tx).await?;
            if member.is_some() {
                return Ok(Acceptance::AlreadyMember { guild_id: Snowflake::from_i64(guild_id) });
            }
            let banned: Option<i64> = sqlx::query_scalar("SELECT user_id FROM bans WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id).bind(user_id.as_i64()).fetch_optional(&mut *tx).await?;
            if banned.is_some() {
                return Ok(Acceptance::Banned);
            }
            let spent = sqlx::query(
                "UPDATE guild_invites SET uses = uses + 1 WHERE code = $1 \
                 AND (max_uses = 0 OR uses < max_uses) AND (expires_at IS NULL OR expires_at > $2)")
                .bind(code).bind(now.unix_millis()).execute(&mut *tx).await?.rows_affected();
            if spent == 0 {
                return Ok(Acceptance::Unusable);
            }
            sqlx::query("INSERT INTO members (guild_id, user_id, joined_at) VALUES ($1, $2, $3)")
                .bind(guild_id).bind(user_id.as_i64()).bind(now.unix_millis()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Acceptance::Joined { guild_id: Snowflake::from_i64(guild_id) })
        })
    }

    /// How many members the guild has.
    pub async fn member_count(&self, guild_id: Snowflake) -> Result<i64, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE guild_id = $1")
            .bind(guild_id.as_i64()).fetch_one(pool).await?))
    }
}
