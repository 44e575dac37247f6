//! What an instance admin reads and changes across the instance: the counts of its overview,
//! the list of accounts, and an account's disabled and admin flags.

use parley_core::{Snowflake, Timestamp};

use crate::users::{UserRecord, user_columns};
use crate::{Pool, Store, StoreError, with_pool, with_writer};

/// The instance in numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct InstanceCounts {
    /// People's accounts (bots not counted).
    pub users: i64,
    pub bots: i64,
    /// Accounts an admin disabled.
    pub disabled: i64,
    pub guilds: i64,
    pub messages: i64,
    /// Bytes of uploaded files kept (attachments and uploads sent ahead).
    pub file_bytes: i64,
}

impl Store {
    /// The instance's counts, in one query.
    pub async fn instance_counts(&self) -> Result<InstanceCounts, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM users WHERE NOT bot) AS users, \
               (SELECT COUNT(*) FROM users WHERE bot) AS bots, \
               (SELECT COUNT(*) FROM users WHERE disabled_at IS NOT NULL) AS disabled, \
               (SELECT COUNT(*) FROM guilds) AS guilds, \
               (SELECT COUNT(*) FROM messages) AS messages, \
               (SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments) AS file_bytes")
            .fetch_one(pool).await?))
    }

    /// Accounts by id after `after`, at most `limit`; with `query`, only those whose username,
    /// display name or email starts with it (case-insensitively).
    pub async fn list_users(
        &self,
        query: Option<&str>,
        after: Option<Snowflake>,
        limit: i64,
    ) -> Result<Vec<UserRecord>, StoreError> {
        // LIKE's own characters in the query are matched as themselves.
        let pattern = query.map(|q| {
            let escaped = q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            format!("{escaped}%")
        });
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id > $1 AND ($2 IS NULL OR LOWER(username) LIKE $2 ESCAPE '\\' \
             OR LOWER(COALESCE(global_name, '')) LIKE $2 ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE $2 ESCAPE '\\') \
             ORDER BY id LIMIT $3"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(sql)
            .bind(after.map_or(0, |a| a.as_i64())).bind(pattern).bind(limit).fetch_all(pool).await?))
    }

    /// An admin's change to another account, made only while `actor` is still an enabled
    /// admin: two admins demoting or disabling each other at once cannot both succeed (on
    /// PostgreSQL both rows are locked in id order first; SQLite has one writer). `admin`:
    /// the flag to set; `disabled`: `Some(Some(now))` disables, `Some(None)` enables.
    pub async fn change_account(
        &self,
        actor: Snowflake,
        target: Snowflake,
        admin: Option<bool>,
        disabled: Option<Option<Timestamp>>,
    ) -> Result<AccountChange, StoreError> {
        let postgres = matches!(self.pool, Pool::Postgres(_));
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if postgres {
                sqlx::query("SELECT id FROM users WHERE id IN ($1, $2) ORDER BY id FOR UPDATE")
                    .bind(actor.as_i64()).bind(target.as_i64()).fetch_all(&mut *tx).await?;
            }
            let allowed: Option<bool> = sqlx::query_scalar(
                "SELECT is_admin AND disabled_at IS NULL FROM users WHERE id = $1")
                .bind(actor.as_i64()).fetch_optional(&mut *tx).await?;
            if allowed != Some(true) {
                return Ok(AccountChange::ActorNotAdmin);
            }
            let mut change = AccountChange::Made { admin: false, disabled: false };
            if let Some(flag) = admin {
                let n = sqlx::query("UPDATE users SET is_admin = $2 WHERE id = $1 AND is_admin <> $2")
                    .bind(target.as_i64()).bind(flag).execute(&mut *tx).await?.rows_affected();
                if n == 1 && flag {
                    sqlx::query("UPDATE instance_state SET admin_claimed = TRUE WHERE id = 1").execute(&mut *tx).await?;
                }
                if let AccountChange::Made { admin, .. } = &mut change {
                    *admin = n == 1;
                }
            }
            if let Some(at) = disabled {
                let n = sqlx::query(
                    "UPDATE users SET disabled_at = $2 WHERE id = $1 AND (disabled_at IS NULL) <> ($2 IS NULL)")
                    .bind(target.as_i64()).bind(at.map(Timestamp::unix_millis)).execute(&mut *tx).await?.rows_affected();
                if let AccountChange::Made { disabled, .. } = &mut change {
                    *disabled = n == 1;
                }
            }
            tx.commit().await?;
            Ok(change)
        })
    }

    /// A bot token's hash and whether its bot's account is disabled, in one query.
    pub async fn bot_credentials(&self, bot_id: Snowflake) -> Result<Option<(String, bool)>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT a.token_hash, u.disabled_at IS NOT NULL FROM applications a JOIN users u ON u.id = a.id WHERE a.id = $1")
            .bind(bot_id.as_i64()).fetch_optional(pool).await?))
    }
}

/// What an admin's change to an account did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountChange {
    /// The acting admin is no longer an enabled admin (another demoted or disabled them).
    ActorNotAdmin,
    /// Made; whether each flag changed.
    Made { admin: bool, disabled: bool },
}

/// What an admin set live over the `registration` and `guild_creation` settings, as stored
/// words; `None`: as the setting says.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct LiveSettings {
    pub registration: Option<String>,
    pub guild_creation: Option<String>,
}

impl Store {
    /// The live instance settings (read on every use: one row by its key).
    pub async fn live_settings(&self) -> Result<LiveSettings, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT registration, guild_creation FROM instance_state WHERE id = 1").fetch_one(pool).await?))
    }

    /// Sets what is given (`Some(None)`: back to the setting).
    pub async fn set_live_settings(
        &self,
        registration: Option<Option<&str>>,
        guild_creation: Option<Option<&str>>,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(value) = registration {
                sqlx::query("UPDATE instance_state SET registration = $1 WHERE id = 1").bind(value).execute(&mut *tx).await?;
            }
            if let Some(value) = guild_creation {
                sqlx::query("UPDATE instance_state SET guild_creation = $1 WHERE id = 1").bind(value).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}

impl Store {
    /// The first step of deleting an account, before anything else: it is disabled and its
    /// password cleared, so no sign-in can start while the rest is done. False when it was
    /// deleted already (or is being deleted).
    pub async fn begin_deletion(&self, user_id: Snowflake, now: Timestamp) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query(
            "UPDATE users SET disabled_at = COALESCE(disabled_at, $2), password_hash = NULL, deleted_at = $2 \
             WHERE id = $1 AND deleted_at IS NULL")
            .bind(user_id.as_i64()).bind(now.unix_millis()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Deletes an account, keeping its row anonymised under the messages it leaves: a name
    /// that says so, no email, password or avatar, no admin flag, disabled; and forgets what
    /// was only the person's (blocks either way, notification settings, DM privacy, read
    /// states, sessions), in one transaction. Memberships go before, each announced.
    pub async fn anonymise_user(&self, user_id: Snowflake, now: Timestamp) -> Result<(), StoreError> {
        let id = user_id.as_i64();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE users SET username = $2, global_name = 'Deleted User', email = NULL, password_hash = NULL, \
                 avatar = NULL, is_admin = FALSE, disabled_at = COALESCE(disabled_at, $3), deleted_at = $3, \
                 updated_at = $3 WHERE id = $1")
                .bind(id).bind(format!("{}{id}", parley_core::account::Username::DELETED_PREFIX)).bind(now.unix_millis()).execute(&mut *tx).await?;
            for sql in [
                "DELETE FROM relationships WHERE user_id = $1 OR other_id = $1",
                "DELETE FROM notification_settings WHERE user_id = $1",
                "DELETE FROM channel_notification_settings WHERE user_id = $1",
                "DELETE FROM dm_privacy WHERE user_id = $1",
                "DELETE FROM dm_restricted_guilds WHERE user_id = $1",
                "DELETE FROM read_states WHERE user_id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Up to `limit` of the person's messages, oldest first, as `(channel_id, id)`: what the
    /// deletion of their content takes, page by page.
    pub async fn message_ids_written_by(&self, author: Snowflake, limit: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT channel_id, id FROM messages WHERE author_id = $1 ORDER BY id LIMIT $2")
            .bind(author.as_i64()).bind(limit).fetch_all(pool).await?))
    }
}
