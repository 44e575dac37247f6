//! The caller's standing in one channel of any kind. In a guild channel it is what the one
//! permission function says; in a private channel (DM or group DM) being a recipient is what
//! counts, and recipients hold [`PRIVATE_PERMISSIONS`]. Routes that work on both (messages,
//! reactions, pins, typing, read states) go through here; guild-only routes use
//! `load_channel`.

use axum::http::StatusCode;
use parley_core::{ErrorCode, Permissions, Snowflake};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::channels::{ChannelKind, ChannelRecord};
use parley_store::private_channels::{PrivateChannelRecord, PrivateKind};

use crate::AppState;
use crate::access::{GuildAccess, missing_access, require, unknown_channel};
use crate::error::{AppError, AppResult};

/// What every recipient may do in a private channel: whatever concerns their own messages,
/// and pinning (as on Discord); nothing that acts on others' messages or mentions everyone.
pub const PRIVATE_PERMISSIONS: Permissions = Permissions::from_bits_truncate(
    Permissions::VIEW_CHANNEL.bits()
        | Permissions::SEND_MESSAGES.bits()
        | Permissions::READ_MESSAGE_HISTORY.bits()
        | Permissions::ADD_REACTIONS.bits()
        | Permissions::EMBED_LINKS.bits()
        | Permissions::ATTACH_FILES.bits()
        | Permissions::USE_EXTERNAL_EMOJIS.bits()
        | Permissions::PIN_MESSAGES.bits(),
);

/// Guild channel `id` (through the guild cache) with the caller's access and permissions in
/// it: `None` if `id` is no guild channel, 403 (50001) if the caller cannot see it.
pub async fn open_guild_channel(
    state: &AppState,
    id: Snowflake,
    user_id: Snowflake,
) -> AppResult<Option<(GuildAccess, ChannelRecord, Permissions)>> {
    let Some((snapshot, channel)) = state.cache.channel(&state.store, id).await? else { return Ok(None) };
    let access = GuildAccess::for_member(state, snapshot, user_id).await?;
    let permissions = access.channel_permissions(&channel);
    if !permissions.contains(Permissions::VIEW_CHANNEL) {
        return Err(missing_access());
    }
    Ok(Some((access, channel, permissions)))
}

#[derive(Debug)]
pub enum ChannelAccess {
    Guild { access: GuildAccess, channel: ChannelRecord, permissions: Permissions },
    Private { channel: PrivateChannelRecord, user_id: Snowflake },
}

impl ChannelAccess {
    /// 404 (10003) for no such channel; 403 (50001) for one the caller cannot see.
    pub async fn open(state: &AppState, id: Snowflake, user_id: Snowflake) -> AppResult<Self> {
        if let Some((access, channel, permissions)) = open_guild_channel(state, id, user_id).await? {
            return Ok(Self::Guild { access, channel, permissions });
        }
        let channel = state.store.private_channel(id).await?.ok_or_else(unknown_channel)?;
        if !channel.has_recipient(user_id) {
            return Err(missing_access());
        }
        Ok(Self::Private { channel, user_id })
    }

    pub fn id(&self) -> Snowflake {
        match self {
            Self::Guild { channel, .. } => channel.id,
            Self::Private { channel, .. } => channel.id,
        }
    }

    pub fn guild_id(&self) -> Option<Snowflake> {
        match self {
            Self::Guild { access, .. } => Some(access.guild.id),
            Self::Private { .. } => None,
        }
    }

    pub fn guild(&self) -> Option<&GuildAccess> {
        match self {
            Self::Guild { access, .. } => Some(access),
            Self::Private { .. } => None,
        }
    }

    pub fn permissions(&self) -> Permissions {
        match self {
            Self::Guild { permissions, .. } => *permissions,
            Self::Private { .. } => PRIVATE_PERMISSIONS,
        }
    }

    /// 403 (50013) naming what is missing.
    pub fn require(&self, needed: Permissions) -> AppResult<()> {
        require(self.permissions(), needed)
    }

    /// Messages go to text channels, threads and private channels only (50008 otherwise).
    pub fn require_text(&self) -> AppResult<()> {
        match self {
            Self::Guild { channel, .. } if !matches!(channel.kind, ChannelKind::Text | ChannelKind::PublicThread) => {
                Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::NonTextChannel))
            }
            _ => Ok(()),
        }
    }

    /// Slowmode seconds (private channels have none).
    pub fn rate_limit_per_user(&self) -> i64 {
        match self {
            Self::Guild { channel, .. } => channel.rate_limit_per_user,
            Self::Private { .. } => 0,
        }
    }

    /// An archived thread takes no new messages.
    pub fn archived(&self) -> bool {
        matches!(self, Self::Guild { channel, .. } if channel.archived)
    }

    /// A 1:1 DM's other person.
    pub fn dm_partner(&self) -> Option<Snowflake> {
        match self {
            Self::Private { channel, user_id } if channel.kind == PrivateKind::Dm => {
                channel.recipients.iter().copied().find(|r| r != user_id)
            }
            _ => None,
        }
    }

    /// Whether `user_id` could be told about this channel's messages: a member of the guild
    /// (a mention of a non-member means nothing), or a recipient.
    pub async fn reaches(&self, state: &AppState, user_id: Snowflake) -> AppResult<bool> {
        Ok(match self {
            Self::Guild { access, .. } => state.cache.member(&state.store, access.guild.id, user_id).await?.is_some(),
            Self::Private { channel, .. } => channel.has_recipient(user_id),
        })
    }

    /// Who hears about changes in this channel.
    pub fn audience(&self) -> Audience {
        match self {
            Self::Guild { access, channel, .. } => {
                Audience::Guild { guild_id: access.guild.id, channel_id: Some(channel.id) }
            }
            Self::Private { channel, .. } => Audience::Users(channel.recipients.clone()),
        }
    }

    /// The keys of an event in this channel (add the users it concerns).
    pub fn keys(&self) -> Keys {
        Keys::channel(self.guild_id(), self.id())
    }

    /// An event about this channel, to its audience. `data` gets the channel's `guild_id`
    /// when it has one (Discord omits the field for private channels).
    pub fn event(&self, name: EventName, keys: Keys, mut data: serde_json::Value) -> Event {
        if let (Some(guild_id), Some(object)) = (self.guild_id(), data.as_object_mut()) {
            object.insert("guild_id".into(), serde_json::json!(guild_id));
        }
        Event::new(name, self.audience(), keys, &data)
    }

    /// MESSAGE_DELETE of message `id` in this channel, to its audience.
    pub fn message_deleted(&self, id: Snowflake) -> Event {
        let data = MessageDeleteDispatch { id, channel_id: self.id(), guild_id: self.guild_id() };
        Event::new(EventName::MessageDelete, self.audience(), self.keys(), &data)
    }
}

/// MESSAGE_DELETE's body: the message, its channel and (in a guild) its guild.
#[derive(Debug, serde::Serialize)]
struct MessageDeleteDispatch {
    id: Snowflake,
    channel_id: Snowflake,
    #[serde(skip_serializing_if = "Option::is_none")]
    guild_id: Option<Snowflake>,
}

/// Loads a channel (through the guild cache), the caller's access and permissions in it;
/// 403 (50001) if they cannot see it.
pub async fn load_channel(
    state: &AppState,
    id: Snowflake,
    user_id: Snowflake,
) -> AppResult<(GuildAccess, ChannelRecord, Permissions)> {
    open_guild_channel(state, id, user_id).await?.ok_or_else(unknown_channel)
}
