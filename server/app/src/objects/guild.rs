//! Guild, role and channel objects in Discord's v10 shapes.

use parley_core::permissions::{Overwrite, OverwriteKind};
use parley_core::{Permissions, Snowflake, Timestamp};
use parley_events::{Audience, DeletedChannel, Event, EventName, Keys};
use parley_store::channels::{ChannelActivity, ChannelKind, ChannelRecord, OverwriteRecord};
use parley_store::guilds::GuildRecord;
use parley_store::roles::RoleRecord;
use parley_store::thread_members::ThreadMemberRecord;
use serde::Serialize;
use utoipa::ToSchema;

use crate::objects::schema;
use crate::objects::thread_member::ThreadMemberObject;

/// The highest position a channel or role may be given (Discord's are 32-bit); positions are
/// ordering keys, and this keeps the arithmetic on them (a new channel goes after the last,
/// a new role pushes the others up) far from overflowing.
pub const MAX_POSITION: i64 = i32::MAX as i64;

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    pub color: i64,
    pub hoist: bool,
    pub icon: Option<String>,
    pub unicode_emoji: Option<String>,
    pub position: i64,
    /// Decimal string of permission bits.
    #[schema(value_type = schema::Permissions)]
    pub permissions: Permissions,
    pub managed: bool,
    pub mentionable: bool,
    pub flags: u64,
    /// Discord's newer form of `color` (serenity and twilight require it): the one colour is
    /// the primary; Parley has no gradients.
    pub colors: RoleColors,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleColors {
    pub primary_color: i64,
    pub secondary_color: Option<i64>,
    pub tertiary_color: Option<i64>,
}

impl From<&RoleRecord> for RoleObject {
    fn from(r: &RoleRecord) -> Self {
        Self {
            id: r.id,
            name: r.name.clone(),
            color: r.color,
            hoist: r.hoist,
            icon: None,
            unicode_emoji: None,
            position: r.position,
            permissions: r.permissions.0,
            managed: false,
            mentionable: r.mentionable,
            flags: 0,
            colors: RoleColors { primary_color: r.color, secondary_color: None, tertiary_color: None },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverwriteObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// 0 for a role, 1 for a member.
    #[serde(rename = "type")]
    #[schema(value_type = i64)]
    pub kind: OverwriteKind,
    #[schema(value_type = schema::Permissions)]
    pub allow: Permissions,
    #[schema(value_type = schema::Permissions)]
    pub deny: Permissions,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// 0 text, 2 voice, 4 category, 11 public thread.
    #[serde(rename = "type")]
    #[schema(value_type = i64)]
    pub kind: ChannelKind,
    #[schema(value_type = schema::Snowflake)]
    pub guild_id: Snowflake,
    pub name: String,
    pub position: i64,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub parent_id: Option<Snowflake>,
    pub permission_overwrites: Vec<OverwriteObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    pub nsfw: bool,
    pub rate_limit_per_user: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_limit: Option<i64>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub last_message_id: Option<Snowflake>,
    /// Threads: who started it.
    #[schema(value_type = Option<schema::Snowflake>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Snowflake>,
    /// Threads only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_metadata: Option<ThreadMetadata>,
    /// Threads only: messages sent in the thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_count: Option<i64>,
    /// Threads only: how many people have joined it, counted up to 50 (as Discord counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<i64>,
    /// Threads only: the reader's own thread member object, where they joined it and the
    /// answer is theirs alone (GUILD_CREATE, `GET /channels/{id}`, starting a thread).
    // Boxed: most channel objects have none, and one can hold a whole guild member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<Box<ThreadMemberObject>>,
    /// THREAD_CREATE of a thread just started (discord.py tells `on_thread_create` from
    /// `on_thread_join` by it); absent elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newly_created: Option<bool>,
    /// Channel flags (Discord's pinned thread, require-tag, …): none set in Parley, always 0.
    pub flags: u64,
    /// Threads only: messages sent in it, counted as `message_count` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_message_sent: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadMetadata {
    pub archived: bool,
    /// Minutes of inactivity before archiving: 60, 1440, 4320 or 10080.
    pub auto_archive_duration: i64,
    #[schema(value_type = String, format = DateTime)]
    pub archive_timestamp: Timestamp,
    pub locked: bool,
    #[schema(value_type = String, format = DateTime)]
    pub create_timestamp: Timestamp,
}

impl ChannelObject {
    pub fn new(c: &ChannelRecord, overwrites: &[OverwriteRecord]) -> Self {
        let text_like = matches!(c.kind, ChannelKind::Text | ChannelKind::PublicThread);
        Self {
            id: c.id,
            kind: c.kind,
            guild_id: c.guild_id,
            name: c.name.clone(),
            position: c.position,
            parent_id: c.parent(),
            permission_overwrites: overwrites
                .iter()
                .filter(|o| o.channel_id == c.id)
                .map(|o| {
                    let o = o.to_overwrite();
                    OverwriteObject { id: o.id, kind: o.kind, allow: o.allow, deny: o.deny }
                })
                .collect(),
            topic: if text_like { Some(c.topic.clone().unwrap_or_default()).filter(|t| !t.is_empty()) } else { None },
            nsfw: c.nsfw,
            rate_limit_per_user: c.rate_limit_per_user,
            bitrate: c.bitrate,
            user_limit: c.user_limit,
            last_message_id: None,
            message_count: (c.kind == ChannelKind::PublicThread).then_some(0),
            total_message_sent: (c.kind == ChannelKind::PublicThread).then_some(0),
            flags: 0,
            member_count: (c.kind == ChannelKind::PublicThread).then_some(0),
            newly_created: None,
            member: None,
            owner_id: c.owner_id.map(Snowflake::from_i64),
            thread_metadata: (c.kind == ChannelKind::PublicThread).then(|| ThreadMetadata {
                archived: c.archived,
                auto_archive_duration: c.auto_archive_duration.unwrap_or(4320),
                archive_timestamp: Timestamp::from_unix_millis(
                    c.archive_timestamp.unwrap_or(c.created_at.unix_millis()),
                ),
                locked: c.locked,
                create_timestamp: c.created_at,
            }),
        }
    }

    /// A CHANNEL_* or THREAD_* (`name`) of this channel, for those who can see it. A deletion
    /// carries the channel as it was in its keys, since nothing stored has it any more.
    pub fn event(&self, name: EventName) -> Event {
        let mut keys = Keys::channel(Some(self.guild_id), self.id);
        if matches!(name, EventName::ChannelDelete | EventName::ThreadDelete) {
            let overwrites = self
                .permission_overwrites
                .iter()
                .map(|o| Overwrite { id: o.id, kind: o.kind, allow: o.allow, deny: o.deny })
                .collect();
            keys = keys.deleted(DeletedChannel { kind: self.kind, parent_id: self.parent_id, overwrites });
        }
        Event::new(name, Audience::Guild { guild_id: self.guild_id, channel_id: Some(self.id) }, keys, self)
    }

    /// Fills in what the channel's messages say: `last_message_id` (which clients compare
    /// with their read state to show unread channels) and a thread's counts.
    pub fn with_activity(mut self, activity: Option<&ChannelActivity>) -> Self {
        if let Some(activity) = activity.filter(|a| a.channel_id == self.id) {
            self.last_message_id = activity.last_message_id;
            if self.thread_metadata.is_some() {
                self.message_count = Some(activity.message_count);
                self.total_message_sent = Some(activity.message_count);
                self.member_count = Some(activity.member_count);
            }
        }
        self
    }

    /// [`ChannelObject::new`] for each channel, with its activity from `activity`.
    pub fn list<'a>(
        channels: impl IntoIterator<Item = &'a ChannelRecord>,
        overwrites: &[OverwriteRecord],
        activity: &[ChannelActivity],
    ) -> Vec<Self> {
        let by_channel: std::collections::HashMap<Snowflake, &ChannelActivity> =
            activity.iter().map(|a| (a.channel_id, a)).collect();
        channels.into_iter().map(|c| Self::new(c, overwrites).with_activity(by_channel.get(&c.id).copied())).collect()
    }

    /// Gives each thread of `threads` the reader's membership of it, from `memberships`.
    pub fn with_memberships(mut threads: Vec<Self>, memberships: &[ThreadMemberRecord]) -> Vec<Self> {
        for thread in &mut threads {
            thread.member =
                memberships.iter().find(|m| m.thread_id == thread.id).map(|m| Box::new(ThreadMemberObject::from(m)));
        }
        threads
    }
}

/// A guild as its members see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuildObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    pub icon: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = schema::Snowflake)]
    pub owner_id: Snowflake,
    pub roles: Vec<RoleObject>,
    pub emojis: Vec<super::emoji::EmojiObject>,
    pub features: Vec<String>,
    pub verification_level: u8,
    pub default_message_notifications: u8,
    pub explicit_content_filter: u8,
    pub mfa_level: u8,
    pub nsfw_level: u8,
    pub premium_tier: u8,
    pub afk_timeout: u32,
    pub preferred_locale: &'static str,
    // Always as here: every field Discord's guild object always carries, since serenity and
    // twilight refuse a guild without them.
    pub splash: Option<String>,
    pub discovery_splash: Option<String>,
    pub banner: Option<String>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub afk_channel_id: Option<Snowflake>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub application_id: Option<Snowflake>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub system_channel_id: Option<Snowflake>,
    pub system_channel_flags: u32,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub rules_channel_id: Option<Snowflake>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub public_updates_channel_id: Option<Snowflake>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub safety_alerts_channel_id: Option<Snowflake>,
    pub vanity_url_code: Option<String>,
    pub premium_progress_bar_enabled: bool,
    pub stickers: Vec<serde_json::Value>,
    // Always present in Discord's guild object, constant in Parley: no NSFW guilds, boosts,
    // widget, guild home header or raid incidents; no presence cap; the member and video caps
    // are Discord's defaults (Parley enforces none of them by these numbers).
    pub nsfw: bool,
    pub premium_subscription_count: u32,
    pub max_members: u32,
    pub max_presences: Option<u32>,
    pub max_video_channel_users: u32,
    pub max_stage_video_channel_users: u32,
    /// Deprecated by Discord (voice regions are per channel); Discord sends "deprecated".
    pub region: &'static str,
    pub widget_enabled: bool,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub widget_channel_id: Option<Snowflake>,
    pub home_header: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub incidents_data: Option<serde_json::Value>,
    /// `GET /guilds/{id}?with_counts=true` only: how many members it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximate_member_count: Option<i64>,
    /// `GET /guilds/{id}?with_counts=true` only: how many of them are online.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximate_presence_count: Option<i64>,
}

impl GuildObject {
    /// The guild with its roles; its custom emoji are added by [`GuildObject::with_emojis`]
    /// where the answer carries them.
    pub fn new(g: &GuildRecord, roles: &[RoleRecord]) -> Self {
        Self {
            id: g.id,
            name: g.name.clone(),
            icon: g.icon.clone(),
            description: g.description.clone(),
            owner_id: g.owner_id,
            roles: roles.iter().map(RoleObject::from).collect(),
            emojis: Vec::new(),
            features: Vec::new(),
            verification_level: 0,
            default_message_notifications: 0,
            explicit_content_filter: 0,
            mfa_level: 0,
            nsfw_level: 0,
            premium_tier: 0,
            afk_timeout: 300,
            preferred_locale: "en-US",
            splash: None,
            discovery_splash: None,
            banner: g.banner.clone(),
            afk_channel_id: None,
            application_id: None,
            system_channel_id: None,
            system_channel_flags: 0,
            rules_channel_id: None,
            public_updates_channel_id: None,
            safety_alerts_channel_id: None,
            vanity_url_code: None,
            premium_progress_bar_enabled: false,
            stickers: Vec::new(),
            nsfw: false,
            premium_subscription_count: 0,
            max_members: 500_000,
            max_presences: None,
            max_video_channel_users: 25,
            max_stage_video_channel_users: 50,
            region: "deprecated",
            widget_enabled: g.widget_enabled,
            widget_channel_id: g.widget_channel_id.map(Snowflake::from_i64),
            home_header: None,
            incidents_data: None,
            approximate_member_count: None,
            approximate_presence_count: None,
        }
    }

    /// The guild with its custom emoji (GUILD_CREATE, GUILD_UPDATE, `GET /guilds/{id}`).
    pub fn with_emojis(mut self, emojis: &[parley_store::emojis::EmojiRecord]) -> Self {
        self.emojis = super::emoji::EmojiObject::list(emojis);
        self
    }
}

/// A guild's member count and how many of its members are online (on this node: see
/// [`crate::online`]).
pub async fn approximate_counts(state: &crate::AppState, guild_id: Snowflake) -> crate::AppResult<(i64, i64)> {
    let members = state.store.member_ids(guild_id).await?;
    Ok((members.len() as i64, state.online.count_among(&members) as i64))
}

/// `GET /guilds/{id}/preview`: what Discord shows of a guild before joining it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuildPreview {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    pub icon: Option<String>,
    /// Parley has no splash images: always `null`.
    pub splash: Option<String>,
    /// Parley has no discovery: always `null`.
    pub discovery_splash: Option<String>,
    pub emojis: Vec<super::emoji::EmojiObject>,
    pub features: Vec<String>,
    pub approximate_member_count: i64,
    pub approximate_presence_count: i64,
    pub description: Option<String>,
    /// Custom stickers: none yet.
    pub stickers: Vec<serde_json::Value>,
    /// Parley has no guild home: always `null`.
    pub home_header: Option<String>,
}

impl GuildPreview {
    pub fn new(g: &GuildRecord, emojis: Vec<super::emoji::EmojiObject>, (members, online): (i64, i64)) -> Self {
        Self {
            id: g.id,
            name: g.name.clone(),
            icon: g.icon.clone(),
            splash: None,
            discovery_splash: None,
            emojis,
            features: Vec::new(),
            approximate_member_count: members,
            approximate_presence_count: online,
            description: g.description.clone(),
            stickers: Vec::new(),
            home_header: None,
        }
    }
}

/// The `GUILD_CREATE` dispatch: the guild with its channels, as the gateway sends it.
#[derive(Debug, Serialize)]
pub struct GuildCreatePayload {
    #[serde(flatten)]
    pub guild: GuildObject,
    pub channels: Vec<ChannelObject>,
    pub threads: Vec<ChannelObject>,
    pub member_count: usize,
    pub large: bool,
    pub unavailable: bool,
    /// Student hubs only: always `null`.
    pub hub_type: Option<u8>,
}

/// An entry of `GET /users/@me/guilds`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartialGuild {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    pub icon: Option<String>,
    pub owner: bool,
    /// The caller's guild-wide permissions, as a decimal string.
    #[schema(value_type = schema::Permissions)]
    pub permissions: Permissions,
    pub features: Vec<String>,
    pub banner: Option<String>,
}

/// The GUILD_CREATE a member receives when they gain a guild (creating or joining it).
pub async fn guild_create_payload(
    state: &crate::AppState,
    guild: &GuildRecord,
) -> crate::AppResult<GuildCreatePayload> {
    let roles = state.store.roles(guild.id).await?;
    let channels = state.store.channels(guild.id).await?;
    let overwrites = state.store.guild_overwrites(guild.id).await?;
    let activity = state.store.guild_channel_activity(guild.id).await?;
    let emojis = state.store.guild_emojis(guild.id).await?;
    Ok(GuildCreatePayload {
        guild: GuildObject::new(guild, &roles).with_emojis(&emojis),
        channels: ChannelObject::list(&channels, &overwrites, &activity),
        threads: Vec::new(),
        member_count: state.store.member_count(guild.id).await? as usize,
        large: false,
        unavailable: false,
        hub_type: None,
    })
}

/// GUILD_UPDATE's body: the guild object with `hub_type`, which Discord's dispatch always
/// carries (its REST answer does not).
#[derive(Debug, Serialize)]
struct GuildUpdateDispatch<'a> {
    #[serde(flatten)]
    guild: &'a GuildObject,
    hub_type: Option<u8>,
}

/// GUILD_UPDATE of `guild` as it now is (with its emoji), to its members.
pub fn guild_update_event(guild: &GuildObject) -> Event {
    Event::new(
        EventName::GuildUpdate,
        Audience::Guild { guild_id: guild.id, channel_id: None },
        Keys::guild(guild.id),
        &GuildUpdateDispatch { guild, hub_type: None },
    )
}

/// GUILD_ROLE_CREATE and GUILD_ROLE_UPDATE's body: the role with its guild.
#[derive(Debug, Serialize)]
struct RoleDispatch {
    guild_id: Snowflake,
    role: RoleObject,
}

/// A GUILD_ROLE_CREATE or GUILD_ROLE_UPDATE (`name`) of `role` in `guild_id`, for its members.
pub fn role_event(name: EventName, guild_id: Snowflake, role: &RoleRecord) -> Event {
    let data = RoleDispatch { guild_id, role: RoleObject::from(role) };
    Event::new(name, Audience::Guild { guild_id, channel_id: None }, Keys::guild(guild_id), &data)
}
