//! The interaction object an application receives in INTERACTION_CREATE, in Discord's
//! shape: what was used (`data`), where, by whom (`member` in a guild, `user` in a DM), the
//! token to answer with, and for a component the message it is on.

use std::collections::BTreeMap;

use parley_core::Snowflake;
use serde::Serialize;
use serde_json::Value;

use crate::objects::PublicUser;

/// Discord's limit on files in an interaction's answer (Parley's: none are taken yet).
pub const ATTACHMENT_SIZE_LIMIT: u64 = 25 * 1024 * 1024;

/// The guild an interaction happened in, as Discord sends it beside `guild_id`.
#[derive(Clone, Debug, Serialize)]
pub struct InteractionGuild {
    pub id: Snowflake,
    pub locale: &'static str,
    pub features: Vec<String>,
}

/// An interaction, as its application receives it.
#[derive(Clone, Debug, Serialize)]
pub struct InteractionObject {
    pub id: Snowflake,
    pub application_id: Snowflake,
    #[serde(rename = "type")]
    pub kind: i32,
    pub data: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<Snowflake>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild: Option<InteractionGuild>,
    pub channel_id: Snowflake,
    /// The channel object (a guild channel or the DM).
    pub channel: Value,
    /// In a guild: the member who used it, with their `permissions` in the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<Value>,
    /// In a DM: the person who used it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<PublicUser>,
    /// Answers the interaction and its follow-ups for 15 minutes.
    pub token: String,
    /// Always 1.
    pub version: u8,
    /// A component's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Value>,
    /// The bot's permissions in the channel, as a decimal string.
    pub app_permissions: String,
    pub locale: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild_locale: Option<&'static str>,
    pub entitlements: Vec<Value>,
    pub entitlement_sku_ids: Vec<Value>,
    /// `{"0": guild id}` in a guild (installed there), `{"1": user id}` in a DM.
    pub authorizing_integration_owners: BTreeMap<String, Snowflake>,
    /// 0 a guild, 1 the bot's DM.
    pub context: u8,
    pub attachment_size_limit: u64,
}

/// What an interaction's answers say about it, as kept with the interaction and its
/// messages: who used what, where. Messages show it as Discord's `interaction_metadata` (and
/// the older `interaction`), with the users as they are when shown.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
pub struct StoredMetadata {
    pub id: Snowflake,
    pub kind: i32,
    pub user_id: Snowflake,
    /// The guild it was used in (the application is installed there); `None` in a DM.
    pub guild_id: Option<Snowflake>,
    /// A component's message.
    pub interacted_message_id: Option<Snowflake>,
    /// A user command's target.
    pub target_user_id: Option<Snowflake>,
    /// A message command's target.
    pub target_message_id: Option<Snowflake>,
    /// The command used, with its sub-command path ("roll d20").
    pub name: Option<String>,
    /// The command's type, which picks its answer's message type (20 or 23).
    pub command_kind: Option<i64>,
}

impl StoredMetadata {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }

    /// `{"0": guild id}` for a guild install, `{"1": user id}` in a DM.
    pub fn owners(&self) -> BTreeMap<String, Snowflake> {
        match self.guild_id {
            Some(guild) => BTreeMap::from([("0".to_owned(), guild)]),
            None => BTreeMap::from([("1".to_owned(), self.user_id)]),
        }
    }
}

/// Discord's `interaction_metadata` of an interaction's answer.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InteractionMetadata {
    #[schema(value_type = crate::objects::schema::Snowflake)]
    pub id: Snowflake,
    /// 2 command, 3 component, 5 modal submit.
    #[serde(rename = "type")]
    pub kind: i32,
    pub user: PublicUser,
    #[schema(value_type = Object)]
    pub authorizing_integration_owners: BTreeMap<String, Snowflake>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::objects::schema::Snowflake>)]
    pub interacted_message_id: Option<Snowflake>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_user: Option<PublicUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::objects::schema::Snowflake>)]
    pub target_message_id: Option<Snowflake>,
}

/// Discord's older `interaction` field of a command's answer: who used which command.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MessageInteraction {
    #[schema(value_type = crate::objects::schema::Snowflake)]
    pub id: Snowflake,
    #[serde(rename = "type")]
    pub kind: i32,
    pub name: String,
    pub user: PublicUser,
}
