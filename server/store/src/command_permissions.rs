//! Application command permissions: per application, guild and command (or the application's
//! id, for all its commands), the overwrites that allow or deny roles, members and channels
//! the use of a command, kept whole as checked JSON.

use parley_core::Snowflake;

use crate::audit_log::{Audit, record_audit};
use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CommandPermissionsRecord {
    #[sqlx(try_from = "i64")]
    pub application_id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub guild_id: Snowflake,
    /// A command's id, or the application's id: the overwrites for all its commands.
    #[sqlx(try_from = "i64")]
    pub command_id: Snowflake,
    /// The checked list of `{id, type, permission}`, as JSON.
    pub permissions: String,
}

impl Store {
    /// The command permissions in a guild of every application, or of one (what deciding who
    /// may use which command there reads).
    pub async fn guild_command_permissions(
        &self,
        guild_id: Snowflake,
        application_id: Option<Snowflake>,
    ) -> Result<Vec<CommandPermissionsRecord>, StoreError> {
        let sql = "SELECT application_id, guild_id, command_id, permissions FROM application_command_permissions \
                   WHERE guild_id = $1 AND ($2 IS NULL OR application_id = $2) ORDER BY application_id, command_id";
        let application_id = application_id.map(Snowflake::as_i64);
        Ok(with_pool!(self, pool => sqlx::query_as(sql)
            .bind(guild_id.as_i64()).bind(application_id).fetch_all(pool).await?))
    }

    /// Replaces the permissions of one command (or, with the application's id, of all its
    /// commands) in a guild, with their audit entry. An empty list removes them.
    pub async fn set_command_permissions(
        &self,
        record: &CommandPermissionsRecord,
        audit: Audit<'_>,
    ) -> Result<(), StoreError> {
        let keys = (record.application_id.as_i64(), record.guild_id.as_i64(), record.command_id.as_i64());
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            if record.permissions == "[]" {
                sqlx::query("DELETE FROM application_command_permissions WHERE application_id = $1 AND guild_id = $2 AND command_id = $3")
                    .bind(keys.0).bind(keys.1).bind(keys.2).execute(&mut *tx).await?;
            } else {
                sqlx::query(
                    "INSERT INTO application_command_permissions (application_id, guild_id, command_id, permissions) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (application_id, guild_id, command_id) \
                     DO UPDATE SET permissions = excluded.permissions")
                    .bind(keys.0).bind(keys.1).bind(keys.2).bind(&record.permissions).execute(&mut *tx).await?;
            }
            record_audit!(&mut *tx, audit);
            tx.commit().await?;
            Ok(())
        })
    }
}
