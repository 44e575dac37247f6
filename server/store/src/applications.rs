//! Applications and their bot users: created together, looked up by id (which is the bot
//! user's id) and by owner; the bot token is stored as a hash only.

use parley_core::{Snowflake, Timestamp};

use crate::users::{NewUser, UserRecord, user_columns};
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApplicationRecord {
    /// Also the bot user's id.
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub owner_id: Snowflake,
    pub name: String,
    pub description: String,
    pub bot_public: bool,
    /// Discord's application flags.
    pub flags: i64,
    pub token_hash: String,
    #[sqlx(try_from = "i64")]
    pub created_at: Timestamp,
    /// Where its interactions are POSTed; `None`: over its bot's gateway connection.
    pub interactions_endpoint_url: Option<String>,
}

macro_rules! application_columns {
    () => {
        "id, owner_id, name, description, bot_public, flags, token_hash, created_at, interactions_endpoint_url"
    };
}

/// An application about to be created with its bot user (`bot.id` is the application's).
#[derive(Clone, Debug)]
pub struct NewApplication {
    pub owner_id: Snowflake,
    pub name: String,
    pub description: String,
    pub token_hash: String,
    pub bot: NewUser,
}

#[derive(Clone, Debug, Default)]
pub struct ApplicationPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub bot_public: Option<bool>,
    pub flags: Option<i64>,
}

impl Store {
    /// Creates the bot user and the application in one step. A taken username is
    /// `StoreError::Conflict(Username)` and creates nothing.
    pub async fn create_application(&self, app: &NewApplication) -> Result<ApplicationRecord, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            crate::users::insert_user!(&mut *tx, app.bot, false);
            let record: ApplicationRecord = sqlx::query_as(concat!(
                "INSERT INTO applications (id, owner_id, name, description, token_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING ", application_columns!()))
                .bind(app.bot.id.as_i64()).bind(app.owner_id.as_i64()).bind(&app.name).bind(&app.description)
                .bind(&app.token_hash).bind(app.bot.now.unix_millis())
                .fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn application(&self, id: Snowflake) -> Result<Option<ApplicationRecord>, StoreError> {
        let sql = concat!("SELECT ", application_columns!(), " FROM applications WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// The applications `owner_id` made, oldest first.
    pub async fn applications_of(&self, owner_id: Snowflake) -> Result<Vec<ApplicationRecord>, StoreError> {
        let sql = concat!("SELECT ", application_columns!(), " FROM applications WHERE owner_id = $1 ORDER BY id");
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(owner_id.as_i64()).fetch_all(pool).await?))
    }

    /// Sets (or with `None` clears) where the application's interactions are POSTed.
    pub async fn set_interactions_endpoint(&self, id: Snowflake, url: Option<&str>) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query("UPDATE applications SET interactions_endpoint_url = $2 WHERE id = $1")
            .bind(id.as_i64()).bind(url).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Replaces the bot token (the old one stops working at once).
    pub async fn set_application_token(&self, id: Snowflake, token_hash: &str) -> Result<bool, StoreError> {
        let n = with_writer!(self, pool => sqlx::query("UPDATE applications SET token_hash = $2 WHERE id = $1")
            .bind(id.as_i64()).bind(token_hash).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    pub async fn update_application(
        &self,
        id: Snowflake,
        patch: &ApplicationPatch,
    ) -> Result<Option<ApplicationRecord>, StoreError> {
        let sql = concat!(
            "UPDATE applications SET name = COALESCE($2, name), description = COALESCE($3, description), \
             bot_public = COALESCE($4, bot_public), flags = COALESCE($5, flags) WHERE id = $1 RETURNING ",
            application_columns!()
        );
        let record: Option<ApplicationRecord> = with_writer!(self, pool => sqlx::query_as(sql)
            .bind(id.as_i64()).bind(&patch.name).bind(&patch.description).bind(patch.bot_public).bind(patch.flags)
            .fetch_optional(pool).await?);
        if let (Some(record), Some(name)) = (&record, &patch.name) {
            with_writer!(self, pool => sqlx::query("UPDATE users SET global_name = $2 WHERE id = $1")
                .bind(record.id.as_i64()).bind(name).execute(pool).await?.rows_affected());
        }
        Ok(record)
    }
}
