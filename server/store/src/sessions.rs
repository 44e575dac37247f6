//! Device sessions and their refresh-token families.
//!
//! A session is one signed-in device. Its refresh tokens form a chain: each refresh spends
//! one token and issues the next. A spent token presented again means it was copied, so
//! the whole session (the family) is revoked and both holders must sign in again.

use parley_core::{Snowflake, Timestamp};

use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub user_id: Snowflake,
    pub device_id: String,
    pub device_name: String,
    pub user_agent: String,
    pub ip: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    #[sqlx(try_from = "i64")]
    pub last_seen_at: Timestamp,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

impl SessionRecord {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

macro_rules! session_columns {
    () => {
        "id, user_id, device_id, device_name, user_agent, ip, created_at, last_seen_at, revoked_at, revoked_reason"
    };
}

/// A session about to start, with the hash of its first refresh token.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub id: Snowflake,
    pub user_id: Snowflake,
    pub device_id: String,
    pub device_name: String,
    pub user_agent: String,
    pub ip: String,
    pub now: Timestamp,
    pub refresh_hash: String,
    pub refresh_expires_at: Timestamp,
}

/// Why a session ended; stored, and shown to the user in their session list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeReason {
    Logout,
    RevokedByUser,
    PasswordChanged,
    RefreshTokenReused,
    ReplacedOnDevice,
    /// An instance admin ended them (or disabled the account).
    RevokedByAdmin,
}

impl RevokeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::RevokedByUser => "revoked_by_user",
            Self::PasswordChanged => "password_changed",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::ReplacedOnDevice => "replaced_on_device",
            Self::RevokedByAdmin => "revoked_by_admin",
        }
    }
}

/// What happened to a presented refresh token.
#[derive(Clone, Debug)]
pub enum RefreshOutcome {
    /// Spent; the new token (whose hash the caller supplied) now continues the family.
    Rotated(SessionRecord),
    /// Already spent before: the family has now been revoked.
    Reused { session_id: Snowflake, user_id: Snowflake },
    /// Unknown, expired, or its session is gone.
    Invalid,
}

impl Store {
    /// Starts a session. An active session of the same user on the same device is replaced,
    /// so a device never holds two live sessions; the ids of those replaced come back too.
    pub async fn create_session(&self, session: &NewSession) -> Result<(SessionRecord, Vec<Snowflake>), StoreError> {
        let insert = concat!(
            "INSERT INTO sessions (id, user_id, device_id, device_name, user_agent, ip, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ",
            session_columns!()
        );
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let replaced: Vec<i64> = sqlx::query_scalar("UPDATE sessions SET revoked_at = $3, revoked_reason = $4 \
                         WHERE user_id = $1 AND device_id = $2 AND revoked_at IS NULL RETURNING id")
                .bind(session.user_id.as_i64())
                .bind(&session.device_id)
                .bind(session.now.unix_millis())
                .bind(RevokeReason::ReplacedOnDevice.as_str())
                .fetch_all(&mut *tx)
                .await?;
            let record: SessionRecord = sqlx::query_as(insert)
                .bind(session.id.as_i64())
                .bind(session.user_id.as_i64())
                .bind(&session.device_id)
                .bind(&session.device_name)
                .bind(&session.user_agent)
                .bind(&session.ip)
                .bind(session.now.unix_millis())
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(&session.refresh_hash)
                .bind(session.id.as_i64())
                .bind(session.now.unix_millis())
                .bind(session.refresh_expires_at.unix_millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok((record, replaced.into_iter().map(Snowflake::from_i64).collect()))
        })
    }

    pub async fn session_by_id(&self, id: Snowflake) -> Result<Option<SessionRecord>, StoreError> {
        let sql = concat!("SELECT ", session_columns!(), " FROM sessions WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// The user's live sessions, most recently seen first.
    pub async fn active_sessions(&self, user_id: Snowflake) -> Result<Vec<SessionRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL \
             ORDER BY last_seen_at DESC, id DESC"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(user_id.as_i64()).fetch_all(pool).await?))
    }

    /// Notes that a session was used. The condition keeps concurrent requests of one session
    /// from writing more than once a minute; callers should skip the call when the row they
    /// hold was seen less than a minute ago.
    pub async fn touch_session(&self, id: Snowflake, ip: &str, now: Timestamp) -> Result<(), StoreError> {
        with_writer!(self, pool => sqlx::query(
            "UPDATE sessions SET last_seen_at = $2, ip = $3 WHERE id = $1 AND last_seen_at < $2 - 60000")
            .bind(id.as_i64()).bind(now.unix_millis()).bind(ip).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Ends one of the user's sessions. Returns false if it was not theirs or already ended.
    pub async fn revoke_session(
        &self,
        user_id: Snowflake,
        id: Snowflake,
        reason: RevokeReason,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query(
            "UPDATE sessions SET revoked_at = $3, revoked_reason = $4 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
            .bind(id.as_i64()).bind(user_id.as_i64()).bind(now.unix_millis()).bind(reason.as_str())
            .execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Ends every session of the user but `keep`. Returns the ones that ended.
    pub async fn revoke_other_sessions(
        &self,
        user_id: Snowflake,
        keep: Snowflake,
        reason: RevokeReason,
        now: Timestamp,
    ) -> Result<Vec<Snowflake>, StoreError> {
        let ended: Vec<i64> = with_writer!(self, pool => sqlx::query_scalar(
            "UPDATE sessions SET revoked_at = $3, revoked_reason = $4 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL \
             RETURNING id")
            .bind(user_id.as_i64()).bind(keep.as_i64()).bind(now.unix_millis()).bind(reason.as_str())
            .fetch_all(pool).await?);
        Ok(ended.into_iter().map(Snowflake::from_i64).collect())
    }

    /// Spends the refresh token hashed `presented` and, if it was live, issues `next`.
    pub async fn rotate_refresh_token(
        &self,
        presented: &str,
        next: &str,
        next_expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<RefreshOutcome, StoreError> {
        let select_session = concat!("SELECT ", session_columns!(), " FROM sessions WHERE id = $1");
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            // Spending is one conditional UPDATE, so of two concurrent uses exactly one wins.
            let spent: Option<i64> = sqlx::query_scalar(
                "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING session_id")
                .bind(presented).bind(now.unix_millis()).fetch_optional(&mut *tx).await?;
            let outcome = match spent {
                Some(session_id) => {
                    let session: Option<SessionRecord> =
                        sqlx::query_as(select_session).bind(session_id).fetch_optional(&mut *tx).await?;
                    match session.filter(SessionRecord::is_active) {
                        Some(session) => {
                            sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)")
                                .bind(next).bind(session_id).bind(now.unix_millis()).bind(next_expires_at.unix_millis())
                                .execute(&mut *tx).await?;
                            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
                                .bind(session_id).bind(now.unix_millis()).execute(&mut *tx).await?;
                            RefreshOutcome::Rotated(session)
                        }
                        None => RefreshOutcome::Invalid,
                    }
                }
                None => {
                    let previous: Option<(i64, Option<i64>)> = sqlx::query_as(
                        "SELECT session_id, used_at FROM refresh_tokens WHERE token_hash = $1")
                        .bind(presented).fetch_optional(&mut *tx).await?;
                    match previous {
                        Some((session_id, Some(_used))) => {
                            let user_id: Option<i64> = sqlx::query_scalar(
                                "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2), \
                                 revoked_reason = COALESCE(revoked_reason, $3) WHERE id = $1 RETURNING user_id")
                                .bind(session_id).bind(now.unix_millis()).bind(RevokeReason::RefreshTokenReused.as_str())
                                .fetch_optional(&mut *tx).await?;
                            match user_id {
                                Some(user_id) => RefreshOutcome::Reused {
                                    session_id: Snowflake::from_i64(session_id),
                                    user_id: Snowflake::from_i64(user_id),
                                },
                                None => RefreshOutcome::Invalid,
                            }
                        }
                        _ => RefreshOutcome::Invalid,
                    }
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Deletes refresh tokens past their expiry, sessions revoked more than `keep_ms` ago,
    /// and failed-login counts of unknown names older than `keep_ms` and no longer locked,
    /// so the tables stay bounded. Returns how many rows went.
    pub async fn purge_expired_sessions(&self, now: Timestamp, keep_ms: i64) -> Result<u64, StoreError> {
        with_writer!(self, pool => {
            let tokens = sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
                .bind(now.unix_millis()).execute(pool).await?.rows_affected();
            let sessions = sqlx::query("DELETE FROM sessions WHERE revoked_at IS NOT NULL AND revoked_at < $1")
                .bind(now.unix_millis() - keep_ms).execute(pool).await?.rows_affected();
            let failures = sqlx::query("DELETE FROM login_failures WHERE failed_window_start < $1 \
                                        AND (locked_until IS NULL OR locked_until < $2)")
                .bind(now.unix_millis() - keep_ms).bind(now.unix_millis()).execute(pool).await?.rows_affected();
            Ok(tokens + sessions + failures)
        })
    }
}
