//! Application commands: an application's global commands and its commands in one guild,
//! created, edited, deleted one by one or replaced as a whole list (Discord's bulk overwrite,
//! which keeps the ids of commands that stay).

use parley_core::Snowflake;

use crate::{Store, StoreError, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CommandRecord {
    #[sqlx(try_from = "i64")]
    pub id: Snowflake,
    #[sqlx(try_from = "i64")]
    pub application_id: Snowflake,
    pub guild_id: Option<i64>,
    /// 1 chat input (slash), 2 user, 3 message.
    pub kind: i32,
    pub name: String,
    /// The checked definition as JSON (description, options, permissions, ...).
    pub definition: String,
    /// Changes whenever the command does (a snowflake, as on Discord).
    pub version: i64,
}

macro_rules! command_columns {
    () => {
        "id, application_id, guild_id, kind, name, definition, version"
    };
}

/// Creates a command, or replaces the definition of the one of that name and type in its scope
/// (its version changes only when its definition does).
macro_rules! upsert_sql {
    () => {
        concat!(
            "INSERT INTO application_commands (id, application_id, guild_id, scope, kind, name, definition, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (application_id, scope, kind, name) DO UPDATE SET definition = excluded.definition, \
             version = CASE WHEN application_commands.definition = excluded.definition \
               THEN application_commands.version ELSE excluded.version END \
             RETURNING ",
            command_columns!()
        )
    };
}

/// A command as its application defines it.
#[derive(Clone, Debug)]
pub struct NewCommand {
    pub kind: i32,
    pub name: String,
    pub definition: String,
}

/// Where commands live: everywhere the application is (global) or in one guild.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandScope {
    Global,
    Guild(Snowflake),
}

impl CommandScope {
    fn key(self) -> i64 {
        match self {
            Self::Global => 0,
            Self::Guild(id) => id.as_i64(),
        }
    }

    fn guild_id(self) -> Option<i64> {
        match self {
            Self::Global => None,
            Self::Guild(id) => Some(id.as_i64()),
        }
    }
}

impl Store {
    /// The application's commands in `scope`, by name.
    pub async fn commands(
        &self,
        application_id: Snowflake,
        scope: CommandScope,
    ) -> Result<Vec<CommandRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            command_columns!(),
            " FROM application_commands WHERE application_id = $1 AND scope = $2 ORDER BY name, kind"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(sql)
            .bind(application_id.as_i64()).bind(scope.key()).fetch_all(pool).await?))
    }

    /// Every command that can be used in `guild_id`: the global and guild commands of the
    /// applications whose bots are its members.
    pub async fn guild_command_index(&self, guild_id: Snowflake) -> Result<Vec<CommandRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            command_columns!(),
            " FROM application_commands WHERE (scope = 0 OR scope = $1) AND application_id IN \
             (SELECT a.id FROM applications a JOIN members m ON m.user_id = a.id AND m.guild_id = $1) \
             ORDER BY name, kind, scope DESC"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(guild_id.as_i64()).fetch_all(pool).await?))
    }

    pub async fn command(&self, application_id: Snowflake, id: Snowflake) -> Result<Option<CommandRecord>, StoreError> {
        let sql =
            concat!("SELECT ", command_columns!(), " FROM application_commands WHERE application_id = $1 AND id = $2");
        Ok(with_pool!(self, pool => sqlx::query_as(sql)
            .bind(application_id.as_i64()).bind(id.as_i64()).fetch_optional(pool).await?))
    }

    /// Creates the command, or, when one of that name and type exists in the scope, replaces
    /// its definition (Discord's create is an upsert). `true` when it was created.
    pub async fn upsert_command(
        &self,
        application_id: Snowflake,
        scope: CommandScope,
        id: Snowflake,
        version: i64,
        command: &NewCommand,
    ) -> Result<(CommandRecord, bool), StoreError> {
        let sql = upsert_sql!();
        let record: CommandRecord = with_writer!(self, pool => sqlx::query_as(sql)
            .bind(id.as_i64()).bind(application_id.as_i64()).bind(scope.guild_id()).bind(scope.key())
            .bind(command.kind).bind(&command.name).bind(&command.definition).bind(version)
            .fetch_one(pool).await?);
        let created = record.id == id;
        Ok((record, created))
    }

    /// Replaces a command's name and definition. A name another command of its type already
    /// has there is `Conflict(CommandName)`.
    pub async fn update_command(
        &self,
        application_id: Snowflake,
        id: Snowflake,
        name: &str,
        definition: &str,
        version: i64,
    ) -> Result<Option<CommandRecord>, StoreError> {
        let sql = concat!(
            "UPDATE application_commands SET name = $3, definition = $4, version = $5 \
             WHERE application_id = $1 AND id = $2 RETURNING ",
            command_columns!()
        );
        Ok(with_writer!(self, pool => sqlx::query_as(sql)
            .bind(application_id.as_i64()).bind(id.as_i64()).bind(name).bind(definition).bind(version)
            .fetch_optional(pool).await?))
    }

    pub async fn delete_command(&self, application_id: Snowflake, id: Snowflake) -> Result<bool, StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM application_commands WHERE application_id = $1 AND id = $2")
                .bind(application_id.as_i64()).bind(id.as_i64()).execute(&mut *tx).await?.rows_affected();
            // Its permissions go with it (they name it by id, which may be the application's).
            sqlx::query("DELETE FROM application_command_permissions WHERE application_id = $1 AND command_id = $2")
                .bind(application_id.as_i64()).bind(id.as_i64()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Makes `commands` the application's whole list in `scope`, in one transaction: commands
    /// not in it are deleted, those in it (by name and type) keep their ids, new ones take the
    /// ids given beside them.
    pub async fn overwrite_commands(
        &self,
        application_id: Snowflake,
        scope: CommandScope,
        commands: &[(Snowflake, NewCommand)],
        version: i64,
    ) -> Result<Vec<CommandRecord>, StoreError> {
        let upsert = upsert_sql!();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing: Vec<(i64, i32, String)> = sqlx::query_as(
                "SELECT id, kind, name FROM application_commands WHERE application_id = $1 AND scope = $2")
                .bind(application_id.as_i64()).bind(scope.key()).fetch_all(&mut *tx).await?;
            for (id, kind, name) in existing {
                if !commands.iter().any(|(_, c)| c.kind == kind && c.name == name) {
                    sqlx::query("DELETE FROM application_commands WHERE id = $1").bind(id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM application_command_permissions WHERE application_id = $1 AND command_id = $2")
                        .bind(application_id.as_i64()).bind(id).execute(&mut *tx).await?;
                }
            }
            let mut records = Vec::with_capacity(commands.len());
            for (id, command) in commands {
                let record: CommandRecord = sqlx::query_as(upsert)
                    .bind(id.as_i64()).bind(application_id.as_i64()).bind(scope.guild_id()).bind(scope.key())
                    .bind(command.kind).bind(&command.name).bind(&command.definition).bind(version)
                    .fetch_one(&mut *tx).await?;
                records.push(record);
            }
            tx.commit().await?;
            Ok(records)
        })
    }
}
