//! Instance invites: codes an admin hands out so people can register on an
//! `invite_only` instance. (Guild invites are a different thing and live elsewhere.)

use parley_core::{Snowflake, Timestamp};

use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InstanceInvite {
    pub code: String,
    pub created_by: Option<i64>,
    /// 0 means unlimited.
    pub max_uses: i64,
    pub uses: i64,
    pub expires_at: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
}

macro_rules! invite_columns {
    () => {
        "code, created_by, max_uses, uses, expires_at, created_at"
    };
}

impl Store {
    pub async fn create_instance_invite(
        &self,
        code: &str,
        created_by: Option<Snowflake>,
        max_uses: i64,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<InstanceInvite, StoreError> {
        let sql = concat!(
            "INSERT INTO instance_invites (code, created_by, max_uses, uses, expires_at, created_at) \
             VALUES ($1, $2, $3, 0, $4, $5) RETURNING ",
            invite_columns!()
        );
        Ok(with_writer!(self, pool => sqlx::query_as(sql)
            .bind(code)
            .bind(created_by.map(Snowflake::as_i64))
            .bind(max_uses)
            .bind(expires_at.map(Timestamp::unix_millis))
            .bind(now.unix_millis())
            .fetch_one(pool)
            .await?))
    }

    /// Every invite, newest first.
    pub async fn instance_invites(&self) -> Result<Vec<InstanceInvite>, StoreError> {
        let sql = concat!("SELECT ", invite_columns!(), " FROM instance_invites ORDER BY created_at DESC, code");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }

    pub async fn delete_instance_invite(&self, code: &str) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query("DELETE FROM instance_invites WHERE code = $1")
            .bind(code).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }
}
