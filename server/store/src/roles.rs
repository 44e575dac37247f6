//! Guild roles. @everyone is the role whose id is the guild's id.

use parley_core::{Permissions, Snowflake};

use crate::{Store, StoreError, with_pool};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoleRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub guild_id: Snowflake,
    pub name: String,
    pub color: i64,
    pub hoist: bool,
    pub mentionable: bool,
    pub position: i64,
    #[sqlx(try_from = "i64")]
    pub permissions: StoredPermissions,
}

/// Permission bits as stored (a signed 64-bit column), read back into [`Permissions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredPermissions(pub Permissions);

impl From<i64> for StoredPermissions {
    fn from(bits: i64) -> Self {
        Self(Permissions::from_bits_truncate(bits as u64))
    }
}

impl Store {
    /// The guild's roles, @everyone first, then by position.
    pub async fn roles(&self, guild_id: Snowflake) -> Result<Vec<RoleRecord>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, guild_id, name, color, hoist, mentionable, position, permissions FROM roles \
             WHERE guild_id = $1 ORDER BY position, id")
            .bind(guild_id.as_i64()).fetch_all(pool).await?))
    }
}
