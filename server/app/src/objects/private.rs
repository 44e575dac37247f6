//! Private channel objects (DMs and group DMs) in Discord's shape, as one recipient sees
//! them: `recipients` lists the others.

use parley_core::Snowflake;
use parley_store::private_channels::{PrivateChannelRecord, PrivateKind};
use parley_store::users::UserRecord;
use serde::Serialize;
use utoipa::ToSchema;

use crate::objects::guild::ChannelObject;
use crate::objects::{PublicUser, schema};

#[derive(Debug, Serialize, ToSchema)]
pub struct PrivateChannelObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// 1 DM, 3 group DM.
    #[serde(rename = "type")]
    pub kind: i64,
    /// Group DMs: the name, or null for one named after its people.
    pub name: Option<String>,
    pub icon: Option<String>,
    /// Group DMs: who may remove others.
    #[schema(value_type = Option<schema::Snowflake>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Snowflake>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub last_message_id: Option<Snowflake>,
    /// Everyone in it but the viewer.
    pub recipients: Vec<PublicUser>,
    pub flags: u64,
}

impl PrivateChannelObject {
    /// `users` must hold the recipients (others are ignored).
    pub fn for_viewer(channel: &PrivateChannelRecord, users: &[UserRecord], viewer: Snowflake) -> Self {
        Self {
            id: channel.id,
            kind: channel.kind.code(),
            name: channel.name.clone(),
            icon: channel.icon.clone(),
            owner_id: channel.owner_id.filter(|_| channel.kind == PrivateKind::GroupDm),
            last_message_id: channel.last_message_id,
            recipients: channel
                .recipients
                .iter()
                .filter(|r| **r != viewer)
                .filter_map(|r| users.iter().find(|u| u.id == *r))
                .map(PublicUser::from)
                .collect(),
            flags: 0,
        }
    }
}

/// A channel of either kind, for routes that serve both.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AnyChannelObject {
    Guild(ChannelObject),
    Private(PrivateChannelObject),
}
