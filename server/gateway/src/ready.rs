//! READY and GUILD_CREATE, built for one user: only the channels and threads they may see,
//! the members of small guilds, presences, their private channels and read states.

use std::sync::Arc;

use parley_app::access::GuildAccess;
use parley_app::notifications::UserGuildSettings;
use parley_app::objects::CurrentUser;
use parley_app::objects::guild::{ChannelObject, GuildObject};
use parley_app::objects::member::member_objects;
use parley_app::objects::private::PrivateChannelObject;
use parley_app::objects::read_state::read_states_of;
use parley_app::relationships::{RelationshipObject, UserSettingsObject, relationships_of};
use parley_app::{AppError, AppResult};
use parley_core::{Permissions, Snowflake, Timestamp};
use parley_store::channels::ChannelKind;
use parley_store::users::UserRecord;
use serde::Serialize;
use serde_json::{Value, json};

use crate::Gateway;
use crate::presence::{Status, presence_payload};

/// Discord's default and limits for `large_threshold`.
pub const DEFAULT_LARGE_THRESHOLD: usize = 50;
pub const MAX_LARGE_THRESHOLD: usize = 250;

fn to_arc(value: &Value) -> Arc<str> {
    Arc::from(value.to_string())
}

/// A GUILD_CREATE payload and the channels and threads in it.
pub type GuildCreate = (Arc<str>, Vec<Snowflake>);

/// GUILD_CREATE for `user_id`, or `None` if they are not a member (any more).
pub async fn guild_create(
    gateway: &Gateway,
    guild_id: Snowflake,
    user_id: Snowflake,
) -> AppResult<Option<GuildCreate>> {
    guild_create_with(gateway, guild_id, user_id, DEFAULT_LARGE_THRESHOLD).await
}

pub async fn guild_create_with(
    gateway: &Gateway,
    guild_id: Snowflake,
    user_id: Snowflake,
    large_threshold: usize,
) -> AppResult<Option<GuildCreate>> {
    let state = &gateway.state;
    let Some(snapshot) = state.cache.guild(&state.store, guild_id).await? else { return Ok(None) };
    let access = match GuildAccess::for_member(state, snapshot, user_id).await {
        Ok(access) => access,
        Err(_) => return Ok(None),
    };
    let visible =
        |c: &&parley_store::channels::ChannelRecord| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL);
    let activity = state.store.guild_channel_activity(guild_id).await?;
    let channels = ChannelObject::list(
        access.channels.iter().filter(|c| c.kind != ChannelKind::PublicThread).filter(visible),
        &access.overwrites,
        &activity,
    );
    let threads = ChannelObject::list(
        access.channels.iter().filter(|c| c.kind == ChannelKind::PublicThread && !c.archived).filter(visible),
        &access.overwrites,
        &activity,
    );
    // Each thread they joined carries their thread member object, as Discord's does.
    let threads = ChannelObject::with_memberships(threads, &state.store.thread_memberships(guild_id, user_id).await?);
    let member_count = state.store.member_count(guild_id).await?;
    let large = member_count as usize > large_threshold;
    let members = if large {
        vec![(*access.member).clone()]
    } else {
        state.store.members(guild_id, Snowflake::new(0), large_threshold as i64).await?
    };
    let presences: Vec<Value> = members
        .iter()
        .filter_map(|m| {
            let seen = gateway.presences.of(m.user_id);
            (seen.status != Status::Offline).then(|| presence_payload(m.user_id, Some(guild_id), &seen))
        })
        .collect();
    let members = member_objects(state, &members).await?;
    let emojis = state.store.guild_emojis(guild_id).await?;
    let mut guild = serde_json::to_value(GuildObject::new(&access.guild, &access.roles).with_emojis(&emojis))
        .map_err(|e| AppError::internal(format!("guild object: {e}")))?;
    let shown: Vec<Snowflake> = channels.iter().chain(threads.iter()).map(|c| c.id).collect();
    let extra = json!({
        "joined_at": access.member.joined_at,
        "large": large,
        "unavailable": false,
        "member_count": member_count,
        "channels": channels,
        "threads": threads,
        "members": members,
        "presences": presences,
        // Who is in the voice channels this member can see, and only those.
        "voice_states": gateway
            .state
            .voice_states
            .in_guild(guild_id)
            .into_iter()
            .filter(|s| s.channel_id.is_some_and(|c| shown.contains(&c)))
            .collect::<Vec<_>>(),
        "stage_instances": [],
        "guild_scheduled_events": [],
        "stickers": [],
        "soundboard_sounds": [],
        // Student hubs only.
        "hub_type": null,
    });
    if let (Some(guild), Value::Object(extra)) = (guild.as_object_mut(), extra) {
        guild.extend(extra);
    }
    Ok(Some((to_arc(&guild), shown)))
}

/// What IDENTIFY answers with: READY, then one GUILD_CREATE per guild.
pub struct Ready {
    pub ready: Arc<str>,
    pub guild_creates: Vec<GuildCreate>,
}

pub async fn ready(
    gateway: &Gateway,
    user: &UserRecord,
    session_id: &str,
    guild_ids: &[Snowflake],
    resume_url: &str,
    large_threshold: usize,
) -> AppResult<Ready> {
    let state = &gateway.state;
    let mut guild_creates = Vec::with_capacity(guild_ids.len());
    for guild_id in guild_ids {
        if let Some(payload) = guild_create_with(gateway, *guild_id, user.id, large_threshold).await? {
            guild_creates.push(payload);
        }
    }
    let (private_channels, read_state, personal) = if user.bot {
        (Vec::new(), Vec::new(), Personal::default())
    } else {
        let channels = state.store.private_channels_of(user.id).await?;
        let mut everyone: Vec<Snowflake> = channels.iter().flat_map(|c| c.recipients.iter().copied()).collect();
        everyone.sort();
        everyone.dedup();
        let users = state.store.users_by_ids(&everyone).await?;
        let objects: Vec<PrivateChannelObject> =
            channels.iter().map(|c| PrivateChannelObject::for_viewer(c, &users, user.id)).collect();
        let entries: Vec<ReadStateEntry> = read_states_of(state, user.id)
            .await?
            .iter()
            .map(|s| ReadStateEntry {
                id: s.channel_id,
                last_message_id: s.last_read_message_id,
                mention_count: s.mention_count,
            })
            .collect();
        let now = Timestamp::now();
        let personal = Personal {
            relationships: relationships_of(state, user.id).await?,
            user_settings: Some(state.store.dm_privacy(user.id).await?.into()),
            user_guild_settings: Some(GuildSettingsList {
                version: 1,
                partial: false,
                entries: state
                    .store
                    .notification_settings(user.id)
                    .await?
                    .iter()
                    .map(|s| UserGuildSettings::from_stored(s, now))
                    .collect(),
            }),
        };
        (objects, entries, personal)
    };
    let application = if user.bot {
        // The application's flags say which privileged intents its owner switched on, as
        // GET /applications/@me does (discord.js reads them from here).
        let flags = state.store.application(user.id).await?.map_or(0, |a| a.flags);
        Some(ReadyApplication { id: user.id, flags, flags_new: flags.to_string() })
    } else {
        None
    };
    let ready = ReadyData {
        v: 10,
        user: CurrentUser::from(user),
        guilds: guild_ids.iter().map(|&id| UnavailableGuild { id, unavailable: true }).collect(),
        session_id,
        session_type: "normal",
        resume_gateway_url: resume_url,
        shard: [0, 1],
        private_channels,
        relationships: personal.relationships,
        presences: [],
        user_settings: personal.user_settings,
        user_guild_settings: personal.user_guild_settings,
        read_state: ReadStates { version: 1, partial: false, entries: read_state },
        application,
    };
    let ready = serde_json::to_string(&ready).map_err(|e| AppError::internal(format!("READY: {e}")))?;
    Ok(Ready { ready: Arc::from(ready), guild_creates })
}

/// READY's body: Discord's, plus what Discord sends user accounts (private channels, read
/// states), which Parley's web client reads.
#[derive(Serialize)]
struct ReadyData<'a> {
    v: u8,
    user: CurrentUser,
    guilds: Vec<UnavailableGuild>,
    session_id: &'a str,
    session_type: &'static str,
    resume_gateway_url: &'a str,
    shard: [u32; 2],
    private_channels: Vec<PrivateChannelObject>,
    /// The people the user blocks (Parley has no friends list).
    relationships: Vec<RelationshipObject>,
    /// Presences come with each GUILD_CREATE.
    presences: [(); 0],
    /// Whose guild members may DM the user; `{}` for bots.
    #[serde(serialize_with = "object_or_empty")]
    user_settings: Option<UserSettingsObject>,
    /// The user's notification settings (Discord's shape); absent for bots.
    #[serde(skip_serializing_if = "Option::is_none")]
    user_guild_settings: Option<GuildSettingsList>,
    read_state: ReadStates,
    /// Bots only, as on Discord.
    #[serde(skip_serializing_if = "Option::is_none")]
    application: Option<ReadyApplication>,
}

#[derive(Serialize)]
struct UnavailableGuild {
    id: Snowflake,
    unavailable: bool,
}

/// What READY tells a person (not a bot) about their own choices.
#[derive(Default)]
struct Personal {
    relationships: Vec<RelationshipObject>,
    user_settings: Option<UserSettingsObject>,
    user_guild_settings: Option<GuildSettingsList>,
}

/// `user_settings` is `{}` when there are none to send (bots), as before.
fn object_or_empty<S: serde::Serializer>(value: &Option<UserSettingsObject>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(settings) => settings.serialize(s),
        None => serde_json::Map::new().serialize(s),
    }
}

#[derive(Serialize)]
struct GuildSettingsList {
    version: u8,
    partial: bool,
    entries: Vec<UserGuildSettings>,
}

#[derive(Serialize)]
struct ReadStates {
    version: u8,
    partial: bool,
    entries: Vec<ReadStateEntry>,
}

#[derive(Serialize)]
struct ReadStateEntry {
    id: Snowflake,
    last_message_id: Option<Snowflake>,
    mention_count: i64,
}

/// The bot's application: its id and flags (also as a string, `flags_new`, as Discord sends).
#[derive(Serialize)]
struct ReadyApplication {
    id: Snowflake,
    flags: i64,
    flags_new: String,
}
