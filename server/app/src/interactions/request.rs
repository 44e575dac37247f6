//! What a person's client sends to use an application (`POST /interactions`), in Discord's
//! own client's shape.

use parley_core::Snowflake;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::commands::invocation::UsedOption;
use crate::objects::schema;

/// Use a command (type 2), a component (3), ask for suggestions (4) or submit a modal (5).
#[derive(Debug, Deserialize, ToSchema)]
pub struct InteractionRequest {
    #[serde(rename = "type")]
    #[schema(value_type = schema::InteractionType)]
    pub kind: i64,
    #[schema(value_type = schema::Snowflake)]
    pub application_id: Snowflake,
    /// The channel's guild, when it has one (checked against the channel).
    #[serde(default)]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub guild_id: Option<Snowflake>,
    #[schema(value_type = schema::Snowflake)]
    pub channel_id: Snowflake,
    /// A component's message (type 3).
    #[serde(default)]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub message_id: Option<Snowflake>,
    /// Echoed in INTERACTION_CREATE and INTERACTION_SUCCESS to the person, to match answers to
    /// what they sent: up to 25 characters.
    #[serde(default)]
    #[schema(max_length = 25)]
    pub nonce: Option<String>,
    /// Accepted and ignored (Discord's client sends its gateway session).
    #[serde(default)]
    pub session_id: Option<String>,
    pub data: InteractionRequestData,
}

/// What was used. A command: `id` (the command's), `name`, `type`, `options`, and `target_id`
/// for user and message commands. A component: `custom_id`, `component_type` and, for select
/// menus, `values`. A modal: `id` (the interaction that opened it), `custom_id` and the
/// `components` with their values.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct InteractionRequestData {
    #[serde(default)]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub id: Option<Snowflake>,
    #[serde(default)]
    #[schema(max_length = 32)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<schema::CommandType>)]
    pub kind: Option<i64>,
    #[serde(default)]
    #[schema(max_items = 25)]
    pub options: Option<Vec<UsedOption>>,
    #[serde(default)]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub target_id: Option<Snowflake>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub custom_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<schema::ComponentType>)]
    pub component_type: Option<i64>,
    #[serde(default)]
    #[schema(max_items = 25)]
    pub values: Option<Vec<String>>,
    #[serde(default)]
    #[schema(max_items = 5)]
    pub components: Option<Vec<SubmittedRow>>,
}

/// A modal's row as submitted: its one text input's `custom_id` and `value`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmittedRow {
    #[serde(rename = "type")]
    #[schema(value_type = schema::ActionRowType)]
    pub kind: i64,
    #[schema(max_items = 1)]
    pub components: Vec<SubmittedInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmittedInput {
    #[serde(rename = "type")]
    #[schema(value_type = schema::ComponentType)]
    pub kind: i64,
    #[schema(max_length = 100)]
    pub custom_id: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub value: Option<String>,
}
