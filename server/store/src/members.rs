//! Guild members and the roles they hold.

use parley_core::{Snowflake, Timestamp};

use crate::audit_log::{Audit, record_audit};
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug)]
pub struct MemberRecord {
    pub guild_id: Snowflake,
    pub user_id: Snowflake,
    pub nick: Option<String>,
    pub joined_at: Timestamp,
    /// Unix milliseconds until which the member is timed out, if ever set.
    pub communication_disabled_until: Option<i64>,
    /// The member's roles, not counting @everyone.
    pub role_ids: Vec<Snowflake>,
    /// Muted and deafened in voice by a moderator.
    pub mute: bool,
    pub deaf: bool,
}

impl MemberRecord {
    pub fn timed_out_at(&self, now: Timestamp) -> bool {
        self.communication_disabled_until.is_some_and(|until| until > now.unix_millis())
    }
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    nick: Option<String>,
    joined_at: i64,
    communication_disabled_until: Option<i64>,
    mute: bool,
    deaf: bool,
}

/// Takes someone who is leaving a guild (left, kicked, banned) out of its threads, in the
/// transaction that removes them: Discord's threads list only the guild's members.
macro_rules! leave_threads {
    ($executor:expr, $guild_id:expr, $user_id:expr) => {
        sqlx::query(
            "DELETE FROM thread_members WHERE user_id = $2 \
             AND thread_id IN (SELECT id FROM channels WHERE guild_id = $1)",
        )
        .bind($guild_id.as_i64())
        .bind($user_id.as_i64())
        .execute($executor)
        .await?
    };
}
pub(crate) use leave_threads;

impl Store {
    /// The member `user_id` of `guild_id`, with their roles; `None` if not a member.
    pub async fn member(&self, guild_id: Snowflake, user_id: Snowflake) -> Result<Option<MemberRecord>, StoreError> {
        let (row, role_ids): (Option<MemberRow>, Vec<i64>) = with_pool!(self, pool => {
            let row: Option<MemberRow> = sqlx::query_as(
                "SELECT nick, joined_at, communication_disabled_until, mute, deaf FROM members WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id.as_i64()).bind(user_id.as_i64()).fetch_optional(pool).await?;
            let roles: Vec<i64> = if row.is_some() {
                sqlx::query_scalar("SELECT role_id FROM member_roles WHERE guild_id = $1 AND user_id = $2 ORDER BY role_id")
                    .bind(guild_id.as_i64()).bind(user_id.as_i64()).fetch_all(pool).await?
            } else {
                Vec::new()
            };
            (row, roles)
        });
        Ok(row.map(|row| MemberRecord {
            guild_id,
            user_id,
            nick: row.nick,
            joined_at: Timestamp::from_unix_millis(row.joined_at),
            communication_disabled_until: row.communication_disabled_until,
            role_ids: role_ids.into_iter().map(Snowflake::from_i64).collect(),
            mute: row.mute,
            deaf: row.deaf,
        }))
    }

    /// Removes a member (leaving, or later kicking). Returns false if they were not one.
    /// Removes a member (they left, or were kicked: `audit`).
    pub async fn remove_member(
        &self,
        guild_id: Snowflake,
        user_id: Snowflake,
        audit: Audit<'_>,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM members WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id.as_i64()).bind(user_id.as_i64()).execute(&mut *tx).await?.rows_affected();
            leave_threads!(&mut *tx, guild_id, user_id);
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }
}

impl Store {
    /// Adds `user_id` to the guild (a bot added by a manager: `audit`; or a test's setup).
    /// Adding an existing member changes nothing and returns false.
    pub async fn add_member(
        &self,
        guild_id: Snowflake,
        user_id: Snowflake,
        now: Timestamp,
        audit: Audit<'_>,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "INSERT INTO members (guild_id, user_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(guild_id.as_i64()).bind(user_id.as_i64()).bind(now.unix_millis()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }
}

impl Store {
    /// Every member's user id, for addressing those who are about to lose access.
    pub async fn member_ids(&self, guild_id: Snowflake) -> Result<Vec<Snowflake>, StoreError> {
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT user_id FROM members WHERE guild_id = $1 ORDER BY user_id")
            .bind(guild_id.as_i64()).fetch_all(pool).await?);
        Ok(ids.into_iter().map(Snowflake::from_i64).collect())
    }
}

/// A member `m` of guild `$1` a prune may remove: not its owner nor a bot, joined before `$2`
/// (unix ms), and seen in no session since.
macro_rules! prune_inactive {
    () => {
        "m.joined_at < $2 AND m.user_id <> (SELECT owner_id FROM guilds WHERE id = $1) \
         AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.id = m.user_id) \
         AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = m.user_id AND s.last_seen_at >= $2)"
    };
}

impl Store {
    /// Whom a prune of `guild_id` would remove: members who are neither its owner nor a bot,
    /// who joined and were last seen (in any session) before `inactive_before`, and who hold
    /// no role outside `include_roles`. By id.
    pub async fn prune_candidates(
        &self,
        guild_id: Snowflake,
        inactive_before: Timestamp,
        include_roles: &[Snowflake],
    ) -> Result<Vec<Snowflake>, StoreError> {
        let (guild, before) = (guild_id.as_i64(), inactive_before.unix_millis());
        let (inactive, kept): (Vec<(i64,)>, Vec<(i64, i64)>) = with_pool!(self, pool => {
            let inactive = sqlx::query_as(concat!(
                "SELECT m.user_id FROM members m WHERE m.guild_id = $1 AND ",
                prune_inactive!(),
                " ORDER BY m.user_id"))
                .bind(guild).bind(before).fetch_all(pool).await?;
            let roles = sqlx::query_as("SELECT user_id, role_id FROM member_roles WHERE guild_id = $1")
                .bind(guild).fetch_all(pool).await?;
            (inactive, roles)
        });
        // Those holding a role the prune does not include stay: one pass over the guild's roles.
        let include: std::collections::HashSet<i64> = include_roles.iter().map(|r| r.as_i64()).collect();
        let keeps: std::collections::HashSet<i64> =
            kept.into_iter().filter(|(_, role)| !include.contains(role)).map(|(user, _)| user).collect();
        Ok(inactive.into_iter().map(|(u,)| u).filter(|u| !keeps.contains(u)).map(Snowflake::from_i64).collect())
    }

    /// Removes those of `user_ids` who still qualify (unseen since `inactive_before`, holding
    /// no role outside `include_roles`) from the guild and its threads, in one transaction,
    /// with `audit` if anyone was removed. Returns those it removed.
    pub async fn prune_members(
        &self,
        guild_id: Snowflake,
        user_ids: &[Snowflake],
        inactive_before: Timestamp,
        include_roles: &[Snowflake],
        audit: Audit<'_>,
    ) -> Result<Vec<Snowflake>, StoreError> {
        let before = inactive_before.unix_millis();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut removed = Vec::with_capacity(user_ids.len());
            for user_id in user_ids {
                // Checked again here: someone seen, given a role or back since the count stays.
                let roles: Vec<(i64,)> = sqlx::query_as("SELECT role_id FROM member_roles WHERE guild_id = $1 AND user_id = $2")
                    .bind(guild_id.as_i64()).bind(user_id.as_i64()).fetch_all(&mut *tx).await?;
                if roles.iter().any(|(r,)| !include_roles.contains(&Snowflake::from_i64(*r))) {
                    continue;
                }
                let n = sqlx::query(concat!(
                    "DELETE FROM members WHERE guild_id = $1 AND user_id = $3 AND user_id IN \
                     (SELECT m.user_id FROM members m WHERE m.guild_id = $1 AND m.user_id = $3 AND ",
                    prune_inactive!(),
                    ")"))
                    .bind(guild_id.as_i64()).bind(before).bind(user_id.as_i64()).execute(&mut *tx).await?.rows_affected();
                if n == 1 {
                    leave_threads!(&mut *tx, guild_id, user_id);
                    removed.push(*user_id);
                }
            }
            if !removed.is_empty() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(removed)
        })
    }
}
