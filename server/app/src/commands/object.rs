//! Application command objects in Discord's shape, from the stored definition.

use std::collections::BTreeMap;

use parley_core::Snowflake;
use parley_store::application_commands::CommandRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::definition::{CommandDefinition, CommandOption};
use crate::objects::schema;

/// An application command, as Discord's API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CommandObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// 1 slash command, 2 user command, 3 message command.
    #[serde(rename = "type")]
    #[schema(value_type = schema::CommandType)]
    pub kind: i64,
    #[schema(value_type = schema::Snowflake)]
    pub application_id: Snowflake,
    /// Set for a guild's command; absent for a global one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub guild_id: Option<Snowflake>,
    pub name: String,
    #[schema(value_type = Option<schema::Localizations>)]
    pub name_localizations: Option<BTreeMap<String, String>>,
    pub description: String,
    #[schema(value_type = Option<schema::Localizations>)]
    pub description_localizations: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<CommandOption>,
    /// Permission bits a member needs to use it, as a decimal string; null: anyone.
    #[schema(value_type = Option<schema::Permissions>)]
    pub default_member_permissions: Option<String>,
    pub dm_permission: bool,
    #[schema(value_type = Option<Vec<schema::InteractionContext>>)]
    pub contexts: Option<Vec<i64>>,
    /// Always `[0]`: installed in guilds.
    pub integration_types: Vec<i64>,
    pub nsfw: bool,
    /// Changes whenever the command does.
    #[schema(value_type = schema::Snowflake)]
    pub version: String,
}

/// The stored definition of `record`, or `None` if unreadable (never written by this version).
pub fn definition(record: &CommandRecord) -> Option<CommandDefinition> {
    serde_json::from_str(&record.definition).ok()
}

pub fn command_object(record: &CommandRecord) -> Option<CommandObject> {
    let d = definition(record)?;
    Some(CommandObject {
        id: record.id,
        kind: d.kind,
        application_id: record.application_id,
        guild_id: record.guild_id.map(Snowflake::from_i64),
        name: d.name,
        name_localizations: d.name_localizations,
        description: d.description,
        description_localizations: d.description_localizations,
        options: d.options,
        default_member_permissions: d.default_member_permissions,
        dm_permission: d.dm_permission,
        contexts: d.contexts,
        integration_types: vec![0],
        nsfw: d.nsfw,
        version: record.version.to_string(),
    })
}
