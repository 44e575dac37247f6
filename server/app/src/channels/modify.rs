//! The body of `PATCH /channels/{channel_id}`: what may change in a channel of any kind. A
//! guild channel takes its settings, a thread its name and state, a group DM its name.

use parley_core::Snowflake;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::objects::schema;
use crate::patch::nullable;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyChannelRequest {
    #[schema(value_type = Option<schema::ChannelName>)]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::ChannelTopic>)]
    pub topic: Option<Option<String>>,
    pub nsfw: Option<bool>,
    #[schema(minimum = 0, maximum = 21600)]
    pub rate_limit_per_user: Option<i64>,
    #[schema(minimum = 8000, maximum = 384000)]
    pub bitrate: Option<i64>,
    #[schema(minimum = 0, maximum = 99)]
    pub user_limit: Option<i64>,
    /// `null` takes it out of its category.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub parent_id: Option<Option<Snowflake>>,
    #[schema(minimum = 0, maximum = 2147483647)]
    pub position: Option<i64>,
    /// Threads: archive or unarchive (the thread's owner or MANAGE_THREADS).
    pub archived: Option<bool>,
    /// Threads: lock or unlock (MANAGE_THREADS).
    pub locked: Option<bool>,
    /// Threads: 60, 1440, 4320 or 10080 minutes.
    #[schema(value_type = Option<schema::AutoArchiveDuration>)]
    pub auto_archive_duration: Option<i64>,
}
