//! Guild roles. @everyone is the role whose id is the guild's id.

use parley_core::{Permissions, Snowflake};

use crate::audit_log::{Audit, record_audit};
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

impl NewRole {
    /// The role as stored once created (at the bottom, position 1).
    pub fn record(&self) -> RoleRecord {
        RoleRecord {
            id: self.id,
            guild_id: self.guild_id,
            name: self.name.clone(),
            color: self.color,
            hoist: self.hoist,
            mentionable: self.mentionable,
            position: 1,
            permissions: StoredPermissions(self.permissions),
        }
    }
}

impl RolePatch {
    /// `role` as this patch leaves it.
    pub fn applied_to(&self, role: &RoleRecord) -> RoleRecord {
        RoleRecord {
            name: self.name.clone().unwrap_or_else(|| role.name.clone()),
            color: self.color.unwrap_or(role.color),
            hoist: self.hoist.unwrap_or(role.hoist),
            mentionable: self.mentionable.unwrap_or(role.mentionable),
            permissions: self.permissions.map_or(role.permissions, StoredPermissions),
            ..role.clone()
        }
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

    /// How many members hold each role of the guild that anyone holds (@everyone, which
    /// everyone holds without a row, is never among them).
    pub async fn role_member_counts(&self, guild_id: Snowflake) -> Result<Vec<(Snowflake, i64)>, StoreError> {
        let rows: Vec<(i64, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT role_id, COUNT(*) FROM member_roles WHERE guild_id = $1 GROUP BY role_id")
            .bind(guild_id.as_i64()).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(role, count)| (Snowflake::from_i64(role), count)).collect())
    }
}

/// A role about to be created; it goes in at position 1, just above @everyone.
#[derive(Clone, Debug)]
pub struct NewRole {
    pub id: Snowflake,
    pub guild_id: Snowflake,
    pub name: String,
    pub color: i64,
    pub hoist: bool,
    pub mentionable: bool,
    pub permissions: Permissions,
    pub now: parley_core::Timestamp,
}

/// Changes to a role; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct RolePatch {
    pub name: Option<String>,
    pub color: Option<i64>,
    pub hoist: Option<bool>,
    pub mentionable: Option<bool>,
    pub permissions: Option<Permissions>,
}

macro_rules! role_columns {
    () => {
        "id, guild_id, name, color, hoist, mentionable, position, permissions"
    };
}

impl Store {
    /// Creates a role at position 1 (the bottom, above @everyone), moving the others up.
    pub async fn create_role(&self, role: &NewRole, audit: Audit<'_>) -> Result<RoleRecord, StoreError> {
        let sql = concat!(
            "INSERT INTO roles (id, guild_id, name, color, hoist, mentionable, position, permissions, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) RETURNING ",
            role_columns!()
        );
        crate::with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE roles SET position = position + 1 WHERE guild_id = $1 AND id <> $1")
                .bind(role.guild_id.as_i64()).execute(&mut *tx).await?;
            let record: RoleRecord = sqlx::query_as(sql)
                .bind(role.id.as_i64())
                .bind(role.guild_id.as_i64())
                .bind(&role.name)
                .bind(role.color)
                .bind(role.hoist)
                .bind(role.mentionable)
                .bind(role.permissions.bits() as i64)
                .bind(role.now.unix_millis())
                .fetch_one(&mut *tx)
                .await?;
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(record)
        })
    }

    pub async fn update_role(
        &self,
        guild_id: Snowflake,
        id: Snowflake,
        patch: &RolePatch,
        audit: Audit<'_>,
    ) -> Result<Option<RoleRecord>, StoreError> {
        let sql = concat!(
            "UPDATE roles SET name = COALESCE($3, name), color = COALESCE($4, color), hoist = COALESCE($5, hoist), \
             mentionable = COALESCE($6, mentionable), permissions = COALESCE($7, permissions) \
             WHERE guild_id = $1 AND id = $2 RETURNING ",
            role_columns!()
        );
        crate::with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let updated: Option<RoleRecord> = sqlx::query_as(sql)
                .bind(guild_id.as_i64())
                .bind(id.as_i64())
                .bind(patch.name.as_deref())
                .bind(patch.color)
                .bind(patch.hoist)
                .bind(patch.mentionable)
                .bind(patch.permissions.map(|p| p.bits() as i64))
                .fetch_optional(&mut *tx)
                .await?;
            if updated.is_some() {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            Ok(updated)
        })
    }

    /// Deletes a role (never @everyone); members lose it. Returns false if there was none.
    pub async fn delete_role(&self, guild_id: Snowflake, id: Snowflake, audit: Audit<'_>) -> Result<bool, StoreError> {
        let n = crate::with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM roles WHERE guild_id = $1 AND id = $2 AND id <> guild_id")
                .bind(guild_id.as_i64()).bind(id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Sets several roles' positions at once.
    pub async fn set_role_positions(
        &self,
        guild_id: Snowflake,
        positions: &[(Snowflake, i64)],
    ) -> Result<(), StoreError> {
        crate::with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            for (id, position) in positions {
                sqlx::query("UPDATE roles SET position = $3 WHERE guild_id = $1 AND id = $2 AND id <> guild_id")
                    .bind(guild_id.as_i64()).bind(id.as_i64()).bind(*position).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Gives a member a role. Returns false if they already had it.
    pub async fn add_member_role(
        &self,
        guild_id: Snowflake,
        user_id: Snowflake,
        role_id: Snowflake,
        audit: Audit<'_>,
    ) -> Result<bool, StoreError> {
        let n = crate::with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "INSERT INTO member_roles (guild_id, user_id, role_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(guild_id.as_i64()).bind(user_id.as_i64()).bind(role_id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Takes a role from a member. Returns false if they did not have it.
    pub async fn remove_member_role(
        &self,
        guild_id: Snowflake,
        user_id: Snowflake,
        role_id: Snowflake,
        audit: Audit<'_>,
    ) -> Result<bool, StoreError> {
        let n = crate::with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM member_roles WHERE guild_id = $1 AND user_id = $2 AND role_id = $3")
                .bind(guild_id.as_i64()).bind(user_id.as_i64()).bind(role_id.as_i64()).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                record_audit!(&mut *tx, audit);
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }
}
