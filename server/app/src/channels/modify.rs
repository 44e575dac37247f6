//! The body of `PATCH /channels/{channel_id}`: what may change in a channel of any kind. A
//! guild channel takes its settings, a thread its name and state, a group DM its name.

use parley_core::{FieldErrors, Snowflake};
use serde::Deserialize;
use utoipa::ToSchema;

use super::threads::ARCHIVE_DURATIONS;
use crate::error::AppResult;
use crate::objects::guild::MAX_POSITION;
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

impl ModifyChannelRequest {
    /// Refuses (50035) a number outside the range the API documents for its field, whatever
    /// the channel's kind: a field that does not apply to this kind is ignored, but an
    /// impossible value is a mistake the caller should hear about, not have silently dropped.
    pub fn check_bounds(&self) -> AppResult<()> {
        let mut errors = FieldErrors::new();
        if self.rate_limit_per_user.is_some_and(|r| !(0..=21_600).contains(&r)) {
            errors.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "Must be between 0 and 21600 seconds.");
        }
        if self.bitrate.is_some_and(|b| !(8_000..=384_000).contains(&b)) {
            errors.add("bitrate", "NUMBER_TYPE_MAX", "Must be between 8000 and 384000.");
        }
        if self.user_limit.is_some_and(|u| !(0..=99).contains(&u)) {
            errors.add("user_limit", "NUMBER_TYPE_MAX", "Must be between 0 and 99.");
        }
        if self.position.is_some_and(|p| !(0..=MAX_POSITION).contains(&p)) {
            errors.add("position", "NUMBER_TYPE_MAX", format!("Must be between 0 and {MAX_POSITION}."));
        }
        if self.auto_archive_duration.is_some_and(|d| !ARCHIVE_DURATIONS.contains(&d)) {
            errors.add("auto_archive_duration", "BASE_TYPE_CHOICES", "Must be 60, 1440, 4320 or 10080.");
        }
        errors.into_result()?;
        Ok(())
    }
}
