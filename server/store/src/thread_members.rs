//! Thread members: who has joined which thread, and when. Joining twice changes nothing;
//! a thread's members go with it, and a member leaving the guild leaves its threads.

use parley_core::{Snowflake, Timestamp};

use crate::{Store, StoreError, with_pool, with_writer};

/// Discord stops counting a thread's members here (`member_count` is "capped at 50").
pub const MEMBER_COUNT_CAP: i64 = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ThreadMemberRecord {
    #[sqlx(try_from = "i64")]
    pub thread_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub user_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub join_timestamp: Timestamp,
    pub flags: i64,
}

impl Store {
    /// Adds `user_id` to the thread; `None` if they were already in it (nothing changes).
    pub async fn add_thread_member(
        &self,
        thread_id: Snowflake,
        user_id: Snowflake,
        now: Timestamp,
    ) -> Result<Option<ThreadMemberRecord>, StoreError> {
        let added: Option<ThreadMemberRecord> = with_writer!(self, pool => sqlx::query_as(
            "INSERT INTO thread_members (thread_id, user_id, join_timestamp) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING RETURNING thread_id, user_id, join_timestamp, flags")
            .bind(thread_id.as_i64()).bind(user_id.as_i64()).bind(now.unix_millis()).fetch_optional(pool).await?);
        Ok(added)
    }

    /// Removes `user_id` from the thread; false if they were not in it.
    pub async fn remove_thread_member(&self, thread_id: Snowflake, user_id: Snowflake) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query("DELETE FROM thread_members WHERE thread_id = $1 AND user_id = $2")
            .bind(thread_id.as_i64()).bind(user_id.as_i64()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    pub async fn thread_member(
        &self,
        thread_id: Snowflake,
        user_id: Snowflake,
    ) -> Result<Option<ThreadMemberRecord>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT thread_id, user_id, join_timestamp, flags FROM thread_members WHERE thread_id = $1 AND user_id = $2")
            .bind(thread_id.as_i64()).bind(user_id.as_i64()).fetch_optional(pool).await?))
    }

    /// A page of the thread's members ordered by user id, after `after`.
    pub async fn thread_members(
        &self,
        thread_id: Snowflake,
        after: Snowflake,
        limit: i64,
    ) -> Result<Vec<ThreadMemberRecord>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT thread_id, user_id, join_timestamp, flags FROM thread_members \
             WHERE thread_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3")
            .bind(thread_id.as_i64()).bind(after.as_i64()).bind(limit).fetch_all(pool).await?))
    }

    /// How many people are in the thread, counted up to [`MEMBER_COUNT_CAP`].
    pub async fn thread_member_count(&self, thread_id: Snowflake) -> Result<i64, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM thread_members WHERE thread_id = $1 LIMIT $2) counted")
            .bind(thread_id.as_i64()).bind(MEMBER_COUNT_CAP).fetch_one(pool).await?))
    }

    /// Every thread of the guild `user_id` has joined (what a list of threads tells its
    /// reader about each thread in it).
    pub async fn thread_memberships(
        &self,
        guild_id: Snowflake,
        user_id: Snowflake,
    ) -> Result<Vec<ThreadMemberRecord>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT tm.thread_id, tm.user_id, tm.join_timestamp, tm.flags FROM thread_members tm \
             JOIN channels c ON c.id = tm.thread_id WHERE c.guild_id = $1 AND tm.user_id = $2 ORDER BY tm.thread_id")
            .bind(guild_id.as_i64()).bind(user_id.as_i64()).fetch_all(pool).await?))
    }
}
