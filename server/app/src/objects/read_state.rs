//! Read states: where a user stands in each channel they can see (REST and READY).

use parley_core::{Permissions, Snowflake};
use parley_store::channels::ChannelKind;
use serde::Serialize;
use utoipa::ToSchema;

use super::schema;
use crate::AppState;
use crate::access::GuildAccess;
use crate::error::AppResult;

/// Where I stand in one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadStateObject {
    #[schema(value_type = schema::Snowflake)]
    pub channel_id: Snowflake,
    /// Absent for DMs and group DMs.
    #[schema(value_type = Option<schema::Snowflake>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<Snowflake>,
    /// The last message I acknowledged, if any.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub last_read_message_id: Option<Snowflake>,
    /// The channel's newest message, if any.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub last_message_id: Option<Snowflake>,
    /// Whether there are messages after the last one I acknowledged.
    pub unread: bool,
    /// Unread messages by others that mention me, one of my roles or @everyone; in a DM or
    /// group DM, every unread message by others.
    pub mention_count: i64,
}

/// `user_id`'s read state in every text channel they can see and every open private
/// channel (also sent in the gateway's READY).
pub async fn read_states_of(state: &AppState, user_id: Snowflake) -> AppResult<Vec<ReadStateObject>> {
    let mut visible: Vec<(Snowflake, Option<Snowflake>)> = Vec::new();
    let mut role_ids: Vec<Snowflake> = Vec::new();
    for guild in state.store.guilds_of_member(user_id).await? {
        let Ok(access) = GuildAccess::load(state, guild.id, user_id).await else { continue };
        role_ids.extend(access.member.role_ids.iter().copied());
        for channel in
            access.channels.iter().filter(|c| matches!(c.kind, ChannelKind::Text | ChannelKind::PublicThread))
        {
            if access.channel_permissions(channel).contains(Permissions::VIEW_CHANNEL) {
                visible.push((channel.id, Some(guild.id)));
            }
        }
    }
    visible.extend(state.store.private_channels_of(user_id).await?.iter().map(|c| (c.id, None)));
    let ids: Vec<Snowflake> = visible.iter().map(|(c, _)| *c).collect();
    let states = state.store.read_states(user_id, &ids, &role_ids).await?;
    Ok(visible
        .iter()
        .filter_map(|(channel_id, guild_id)| {
            let s = states.iter().find(|s| s.channel_id == *channel_id)?;
            Some(ReadStateObject {
                channel_id: *channel_id,
                guild_id: *guild_id,
                last_read_message_id: s.last_read_message_id,
                last_message_id: s.last_message_id,
                unread: s.last_message_id.is_some_and(|last| s.last_read_message_id.is_none_or(|read| last > read)),
                mention_count: s.mention_count,
            })
        })
        .collect())
}
