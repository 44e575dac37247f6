//! Notification settings: what each person wants to hear of in each guild and its channels,
//! and in their DMs (guild 0), as Discord's user guild settings hold it.

use parley_core::Snowflake;

use crate::{Store, StoreError, with_pool, with_writer};

/// The guild id under which a person's DM settings are kept (Discord's `@me`).
pub const DMS: Snowflake = Snowflake::new(0);

/// One person's settings for one guild (or their DMs), with their channels' overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuildNotifications {
    pub guild_id: Snowflake,
    /// 0 every message, 1 mentions only, 2 nothing.
    pub message_notifications: i16,
    pub mute: Mute,
    pub suppress_everyone: bool,
    pub suppress_roles: bool,
    pub mobile_push: bool,
    pub hide_muted_channels: bool,
    /// 0 until first saved; raised by every save.
    pub version: i64,
    pub channels: Vec<ChannelNotifications>,
}

/// A mute as stored: on or off, until when, and the length picked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mute {
    pub muted: bool,
    /// Unix milliseconds; `None`: until turned off.
    pub end_time: Option<i64>,
    /// Seconds picked (-1: until turned off); shown back to the person.
    pub window: Option<i64>,
}

/// One channel's override of its guild's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelNotifications {
    pub channel_id: Snowflake,
    /// 0 every message, 1 mentions only, 2 nothing, 3 as the guild says.
    pub message_notifications: i16,
    pub mute: Mute,
    pub collapsed: bool,
}

impl GuildNotifications {
    /// What a person who never chose anything has: every message, nothing muted (the guild's
    /// default notification level is always "all messages" in Parley).
    pub fn default_for(guild_id: Snowflake) -> Self {
        Self {
            guild_id,
            message_notifications: 0,
            mute: Mute::default(),
            suppress_everyone: false,
            suppress_roles: false,
            mobile_push: true,
            hide_muted_channels: false,
            version: 0,
            channels: Vec::new(),
        }
    }
}

/// What a save found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Stored, at this version.
    At(i64),
    /// Someone else saved first (the version moved): work it out again from what is stored.
    Stale,
}

#[derive(sqlx::FromRow)]
struct GuildRow {
    guild_id: i64,
    message_notifications: i16,
    muted: bool,
    mute_end_time: Option<i64>,
    mute_window: Option<i64>,
    suppress_everyone: bool,
    suppress_roles: bool,
    mobile_push: bool,
    hide_muted_channels: bool,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct ChannelRow {
    guild_id: i64,
    channel_id: i64,
    message_notifications: i16,
    muted: bool,
    mute_end_time: Option<i64>,
    mute_window: Option<i64>,
    collapsed: bool,
}

impl From<GuildRow> for GuildNotifications {
    fn from(r: GuildRow) -> Self {
        Self {
            guild_id: Snowflake::from_i64(r.guild_id),
            message_notifications: r.message_notifications,
            mute: Mute { muted: r.muted, end_time: r.mute_end_time, window: r.mute_window },
            suppress_everyone: r.suppress_everyone,
            suppress_roles: r.suppress_roles,
            mobile_push: r.mobile_push,
            hide_muted_channels: r.hide_muted_channels,
            version: r.version,
            channels: Vec::new(),
        }
    }
}

impl From<&ChannelRow> for ChannelNotifications {
    fn from(r: &ChannelRow) -> Self {
        Self {
            channel_id: Snowflake::from_i64(r.channel_id),
            message_notifications: r.message_notifications,
            mute: Mute { muted: r.muted, end_time: r.mute_end_time, window: r.mute_window },
            collapsed: r.collapsed,
        }
    }
}

macro_rules! guild_columns {
    () => {
        "guild_id, message_notifications, muted, mute_end_time, mute_window, \
         suppress_everyone, suppress_roles, mobile_push, hide_muted_channels, version"
    };
}
macro_rules! channel_columns {
    () => {
        "guild_id, channel_id, message_notifications, muted, mute_end_time, mute_window, collapsed"
    };
}

impl Store {
    /// Every guild's settings the person has saved (and their DMs', under [`DMS`]), with
    /// their channels' overrides: READY's `user_guild_settings`.
    pub async fn notification_settings(&self, user_id: Snowflake) -> Result<Vec<GuildNotifications>, StoreError> {
        let guilds_sql =
            concat!("SELECT ", guild_columns!(), " FROM notification_settings WHERE user_id = $1 ORDER BY guild_id");
        let channels_sql = concat!(
            "SELECT ",
            channel_columns!(),
            " FROM channel_notification_settings WHERE user_id = $1 ORDER BY channel_id"
        );
        let (guilds, channels): (Vec<GuildRow>, Vec<ChannelRow>) = with_pool!(self, pool => (
            sqlx::query_as(guilds_sql).bind(user_id.as_i64()).fetch_all(pool).await?,
            sqlx::query_as(channels_sql).bind(user_id.as_i64()).fetch_all(pool).await?,
        ));
        let mut out: Vec<GuildNotifications> = guilds.into_iter().map(GuildNotifications::from).collect();
        for row in &channels {
            let guild = Snowflake::from_i64(row.guild_id);
            // A channel override saved before its guild's row has the guild's defaults around it.
            let at = match out.iter().position(|g| g.guild_id == guild) {
                Some(at) => at,
                None => {
                    out.push(GuildNotifications::default_for(guild));
                    out.len() - 1
                }
            };
            out[at].channels.push(ChannelNotifications::from(row));
        }
        out.sort_by_key(|g| g.guild_id);
        Ok(out)
    }

    /// The person's settings for one guild (or [`DMS`]); the defaults when never saved.
    pub async fn guild_notifications(
        &self,
        user_id: Snowflake,
        guild_id: Snowflake,
    ) -> Result<GuildNotifications, StoreError> {
        let guild_sql =
            concat!("SELECT ", guild_columns!(), " FROM notification_settings WHERE user_id = $1 AND guild_id = $2");
        let channels_sql = concat!(
            "SELECT ",
            channel_columns!(),
            " FROM channel_notification_settings WHERE user_id = $1 AND guild_id = $2 ORDER BY channel_id"
        );
        let (guild, channels): (Option<GuildRow>, Vec<ChannelRow>) = with_pool!(self, pool => (
            sqlx::query_as(guild_sql).bind(user_id.as_i64()).bind(guild_id.as_i64()).fetch_optional(pool).await?,
            sqlx::query_as(channels_sql).bind(user_id.as_i64()).bind(guild_id.as_i64()).fetch_all(pool).await?,
        ));
        let mut settings = guild.map_or_else(|| GuildNotifications::default_for(guild_id), GuildNotifications::from);
        settings.channels = channels.iter().map(ChannelNotifications::from).collect();
        Ok(settings)
    }

    /// Saves `settings` if what is stored is still at `settings.version` (0: never saved),
    /// with the channel overrides in `changed` written over theirs, in one transaction.
    pub async fn save_guild_notifications(
        &self,
        user_id: Snowflake,
        settings: &GuildNotifications,
        changed: &[ChannelNotifications],
    ) -> Result<Saved, StoreError> {
        let next = settings.version + 1;
        let s = settings;
        macro_rules! save {
            ($pool:expr) => {{
                let mut tx = $pool.begin().await?;
                let written = if s.version == 0 {
                    sqlx::query(
                        "INSERT INTO notification_settings (user_id, guild_id, message_notifications, muted, \
                         mute_end_time, mute_window, suppress_everyone, suppress_roles, mobile_push, \
                         hide_muted_channels, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) \
                         ON CONFLICT (user_id, guild_id) DO NOTHING",
                    )
                } else {
                    sqlx::query(
                        "UPDATE notification_settings SET message_notifications = $3, muted = $4, \
                         mute_end_time = $5, mute_window = $6, suppress_everyone = $7, suppress_roles = $8, \
                         mobile_push = $9, hide_muted_channels = $10, version = version + 1 \
                         WHERE user_id = $1 AND guild_id = $2 AND version = $11",
                    )
                }
                .bind(user_id.as_i64())
                .bind(s.guild_id.as_i64())
                .bind(s.message_notifications)
                .bind(s.mute.muted)
                .bind(s.mute.end_time)
                .bind(s.mute.window)
                .bind(s.suppress_everyone)
                .bind(s.suppress_roles)
                .bind(s.mobile_push)
                .bind(s.hide_muted_channels)
                .bind(s.version)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !written {
                    return Ok(Saved::Stale);
                }
                for c in changed {
                    sqlx::query(
                        "INSERT INTO channel_notification_settings (user_id, channel_id, guild_id, \
                         message_notifications, muted, mute_end_time, mute_window, collapsed) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, channel_id) DO UPDATE SET \
                         message_notifications = excluded.message_notifications, muted = excluded.muted, \
                         mute_end_time = excluded.mute_end_time, mute_window = excluded.mute_window, \
                         collapsed = excluded.collapsed",
                    )
                    .bind(user_id.as_i64())
                    .bind(c.channel_id.as_i64())
                    .bind(s.guild_id.as_i64())
                    .bind(c.message_notifications)
                    .bind(c.mute.muted)
                    .bind(c.mute.end_time)
                    .bind(c.mute.window)
                    .bind(c.collapsed)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Saved::At(next))
            }};
        }
        with_writer!(self, pool => save!(pool))
    }
}
