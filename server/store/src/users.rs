//! Users: accounts, instance admins, and the failed-login counter behind lockout.

use parley_core::{Snowflake, Timestamp};

use crate::{Store, StoreError, with_pool, with_writer};

/// A stored user. `password_hash` is a PHC string (Argon2id) or `None` for bots.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    pub username: String,
    pub global_name: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub bot: bool,
    pub avatar: Option<String>,
    pub locked_until: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    /// When an instance admin disabled the account (unix milliseconds); `None`: it is not.
    pub disabled_at: Option<i64>,
    /// When the account was deleted (it stays, anonymised, under the messages it kept).
    pub deleted_at: Option<i64>,
}

macro_rules! user_columns {
    () => {
        "id, username, global_name, email, password_hash, is_admin, bot, avatar, locked_until, created_at, disabled_at, deleted_at"
    };
}
pub(crate) use user_columns;

/// A user about to be created; the caller has validated every field.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: Snowflake,
    pub username: String,
    pub global_name: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub bot: bool,
    pub now: Timestamp,
}

/// Who may register, as the store needs to know it for one registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistrationRules<'a> {
    /// Make this account an instance admin if no account has claimed that yet.
    pub claim_first_admin: bool,
    /// Unless this account becomes the first admin, it must spend a use of an invite: an
    /// instance invite, or a guild invite (someone already here vouching for them).
    pub invite_required: bool,
    /// An instance invite or a guild invite code. A usable guild invite also makes the new
    /// account a member of its guild, whatever the registration mode.
    pub invite_code: Option<&'a str>,
}

/// A new account, and the guild its invite brought it into, if any.
#[derive(Clone, Debug)]
pub struct Registered {
    pub user: UserRecord,
    pub joined_guild: Option<Snowflake>,
}

/// Changes to a profile; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct ProfilePatch {
    pub username: Option<String>,
    pub global_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    /// The new avatar's hash (its image already stored), or `Some(None)` to remove it.
    pub avatar: Option<Option<String>>,
}

/// The failed-login policy: `threshold` failures within `window_ms` lock for `lock_ms`.
#[derive(Clone, Copy, Debug)]
pub struct LockoutPolicy {
    pub threshold: i64,
    pub window_ms: i64,
    pub lock_ms: i64,
}

/// Inserts `$user` through `$executor` (a transaction of either backend).
macro_rules! insert_user {
    ($executor:expr, $user:expr, $admin:expr) => {{
        let sql = concat!("INSERT INTO users (id, username, global_name, email, password_hash, is_admin, bot, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ", user_columns!());
        let record: UserRecord = sqlx::query_as(sql)
            .bind($user.id.as_i64())
            .bind(&$user.username)
            .bind(&$user.global_name)
            .bind(&$user.email)
            .bind(&$user.password_hash)
            .bind($admin)
            .bind($user.bot)
            .bind($user.now.unix_millis())
            .fetch_one($executor)
            .await?;
        record
    }};
}
pub(crate) use insert_user;

impl Store {
    /// Creates a user under `rules`, atomically: the invite use, the first-admin claim and
    /// the insert all happen or none does (a taken username spends no invite).
    pub async fn register_user(&self, user: &NewUser, rules: RegistrationRules<'_>) -> Result<Registered, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            // A write first, so SQLite takes its write lock at once rather than upgrading later.
            let first_admin = rules.claim_first_admin
                && sqlx::query("UPDATE instance_state SET admin_claimed = TRUE WHERE id = 1 AND admin_claimed = FALSE")
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
            let needs_invite = rules.invite_required && !first_admin;
            if needs_invite && rules.invite_code.is_none() {
                return Err(StoreError::InviteRequired);
            }
            let mut admitted = !needs_invite;
            if let (true, Some(code)) = (needs_invite, rules.invite_code) {
                admitted = sqlx::query(
                    "UPDATE instance_invites SET uses = uses + 1 WHERE code = $1 \
                     AND (max_uses = 0 OR uses < max_uses) AND (expires_at IS NULL OR expires_at > $2)",
                )
                .bind(code)
                .bind(user.now.unix_millis())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
            }
            // A guild invite: spend it and join its guild, in the same transaction.
            let guild: Option<i64> = match rules.invite_code.filter(|_| !admitted || !needs_invite) {
                Some(code) => sqlx::query_scalar(
                    "UPDATE guild_invites SET uses = uses + 1 WHERE code = $1 \
                     AND (max_uses = 0 OR uses < max_uses) AND (expires_at IS NULL OR expires_at > $2) RETURNING guild_id",
                )
                .bind(code)
                .bind(user.now.unix_millis())
                .fetch_optional(&mut *tx)
                .await?,
                None => None,
            };
            if !admitted && guild.is_none() {
                return Err(StoreError::InviteUnusable);
            }
            let record = insert_user!(&mut *tx, user, first_admin);
            if let Some(guild) = guild {
                sqlx::query("INSERT INTO members (guild_id, user_id, joined_at) VALUES ($1, $2, $3)")
                    .bind(guild).bind(user.id.as_i64()).bind(user.now.unix_millis()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(Registered { user: record, joined_guild: guild.map(Snowflake::from_i64) })
        })
    }

    /// Creates a user directly (the `parley admin` path): no invite, admin as asked. The
    /// first-admin claim is spent when an admin is created this way too.
    pub async fn create_user(&self, user: &NewUser, admin: bool) -> Result<UserRecord, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if admin {
                sqlx::query("UPDATE instance_state SET admin_claimed = TRUE WHERE id = 1").execute(&mut *tx).await?;
            }
            let record = insert_user!(&mut *tx, user, admin);
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn user_by_id(&self, id: Snowflake) -> Result<Option<UserRecord>, StoreError> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// Looks a user up by login: a username (any case) or an email address.
    pub async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE username = $1 OR email = $1");
        let login = login.trim().to_lowercase();
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(login).fetch_optional(pool).await?))
    }

    pub async fn update_profile(
        &self,
        id: Snowflake,
        patch: &ProfilePatch,
        now: Timestamp,
    ) -> Result<Option<UserRecord>, StoreError> {
        let sql = concat!(
            "UPDATE users SET username = COALESCE($2, username), \
             global_name = CASE WHEN $3 THEN $4 ELSE global_name END, \
             email = CASE WHEN $5 THEN $6 ELSE email END, updated_at = $7, \
             avatar = CASE WHEN $8 THEN $9 ELSE avatar END \
             WHERE id = $1 RETURNING ",
            user_columns!()
        );
        Ok(with_writer!(self, pool => sqlx::query_as(sql)
            .bind(id.as_i64())
            .bind(patch.username.as_deref())
            .bind(patch.global_name.is_some())
            .bind(patch.global_name.clone().flatten())
            .bind(patch.email.is_some())
            .bind(patch.email.clone().flatten())
            .bind(now.unix_millis())
            .bind(patch.avatar.is_some())
            .bind(patch.avatar.clone().flatten())
            .fetch_optional(pool)
            .await?))
    }

    pub async fn set_password_hash(&self, id: Snowflake, hash: &str, now: Timestamp) -> Result<bool, StoreError> {
        let done = with_writer!(self, pool => sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_i64()).bind(hash).bind(now.unix_millis()).execute(pool).await?.rows_affected());
        Ok(done == 1)
    }

    /// Makes a user an instance admin (or not). Returns false for an unknown user.
    pub async fn set_admin(&self, id: Snowflake, admin: bool) -> Result<bool, StoreError> {
        let done = with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE users SET is_admin = $2 WHERE id = $1")
                .bind(id.as_i64()).bind(admin).execute(&mut *tx).await?.rows_affected();
            if admin && n == 1 {
                sqlx::query("UPDATE instance_state SET admin_claimed = TRUE WHERE id = 1").execute(&mut *tx).await?;
            }
            tx.commit().await?;
            n
        });
        Ok(done == 1)
    }

    /// Counts a failed login. Returns the time the account is locked until, if this
    /// failure (or an earlier one) locked it.
    pub async fn record_login_failure(
        &self,
        id: Snowflake,
        now: Timestamp,
        policy: LockoutPolicy,
    ) -> Result<Option<i64>, StoreError> {
        // In an UPDATE both backends read the old row on the right-hand side, so the
        // "window expired" test is repeated rather than referring to the new count.
        macro_rules! fresh {
            () => {
                "(failed_window_start IS NULL OR failed_window_start <= $2 - $3)"
            };
        }
        let sql = concat!(
            "UPDATE users SET failed_logins = CASE WHEN ",
            fresh!(),
            " THEN 1 ELSE failed_logins + 1 END, ",
            "failed_window_start = CASE WHEN ",
            fresh!(),
            " THEN $2 ELSE failed_window_start END, ",
            "locked_until = CASE WHEN (CASE WHEN ",
            fresh!(),
            " THEN 1 ELSE failed_logins + 1 END) >= $4 ",
            "THEN $2 + $5 ELSE locked_until END WHERE id = $1 RETURNING locked_until"
        );
        let locked_until: Option<Option<i64>> = with_writer!(self, pool => sqlx::query_scalar(sql)
            .bind(id.as_i64())
            .bind(now.unix_millis())
            .bind(policy.window_ms)
            .bind(policy.threshold)
            .bind(policy.lock_ms)
            .fetch_optional(pool)
            .await?);
        Ok(locked_until.flatten().filter(|until| *until > now.unix_millis()))
    }

    /// Counts a failed login for a name that belongs to no account, by the same rule as
    /// [`Store::record_login_failure`]: returns the time the name is locked until, if it is.
    pub async fn record_unknown_login_failure(
        &self,
        login_key: &str,
        now: Timestamp,
        policy: LockoutPolicy,
    ) -> Result<Option<i64>, StoreError> {
        macro_rules! fresh {
            () => {
                "login_failures.failed_window_start <= $2 - $3"
            };
        }
        let sql = concat!(
            "INSERT INTO login_failures (login_key, failed_logins, failed_window_start, locked_until) \
             VALUES ($1, 1, $2, CASE WHEN 1 >= CAST($4 AS BIGINT) THEN $2 + CAST($5 AS BIGINT) END) \
             ON CONFLICT (login_key) DO UPDATE SET failed_logins = CASE WHEN ",
            fresh!(),
            " THEN 1 ELSE login_failures.failed_logins + 1 END, failed_window_start = CASE WHEN ",
            fresh!(),
            " THEN $2 ELSE login_failures.failed_window_start END, locked_until = CASE WHEN (CASE WHEN ",
            fresh!(),
            " THEN 1 ELSE login_failures.failed_logins + 1 END) >= $4 THEN $2 + $5 ELSE login_failures.locked_until END \
             RETURNING locked_until"
        );
        let locked_until: Option<i64> = with_writer!(self, pool => sqlx::query_scalar(sql)
            .bind(login_key)
            .bind(now.unix_millis())
            .bind(policy.window_ms)
            .bind(policy.threshold)
            .bind(policy.lock_ms)
            .fetch_one(pool)
            .await?);
        Ok(locked_until.filter(|until| *until > now.unix_millis()))
    }

    /// Until when a name that belongs to no account is locked out, if it is now.
    pub async fn unknown_login_locked_until(&self, login_key: &str, now: Timestamp) -> Result<Option<i64>, StoreError> {
        let until: Option<Option<i64>> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT locked_until FROM login_failures WHERE login_key = $1")
            .bind(login_key).fetch_optional(pool).await?);
        Ok(until.flatten().filter(|until| *until > now.unix_millis()))
    }

    pub async fn clear_login_failures(&self, id: Snowflake) -> Result<(), StoreError> {
        with_writer!(self, pool => sqlx::query(
            "UPDATE users SET failed_logins = 0, failed_window_start = NULL, locked_until = NULL WHERE id = $1 AND failed_logins <> 0")
            .bind(id.as_i64()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Whether the first-account-becomes-admin rule has been spent.
    pub async fn admin_claimed(&self) -> Result<bool, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_scalar("SELECT admin_claimed FROM instance_state WHERE id = 1").fetch_one(pool).await?),
        )
    }

    /// How many accounts exist (for `parley admin` and start-up messages).
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?))
    }
}

impl Store {
    /// The users with these ids that exist, in no particular order. One query, whatever the
    /// count: PostgreSQL takes an array, SQLite a JSON list.
    pub async fn users_by_ids(&self, ids: &[Snowflake]) -> Result<Vec<UserRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let raw: Vec<i64> = ids.iter().map(|id| id.as_i64()).collect();
        Ok(match &self.pool {
            crate::Pool::Postgres(pool) => {
                let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = ANY($1)");
                sqlx::query_as(sql).bind(raw).fetch_all(pool).await?
            }
            crate::Pool::Sqlite { read, .. } => {
                let sql =
                    concat!("SELECT ", user_columns!(), " FROM users WHERE id IN (SELECT value FROM json_each($1))");
                let list = format!("[{}]", raw.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                sqlx::query_as(sql).bind(list).fetch_all(read).await?
            }
        })
    }
}
