//! Notification settings in Discord's shape (user guild settings): the object a client reads
//! in READY and from `PATCH /users/@me/guilds/{guild_id}/settings`, a PATCH worked into what
//! is stored, and USER_GUILD_SETTINGS_UPDATE to the person's other sessions.
//!
//! The server keeps the settings; clients (the web client, Web Push) decide from them what
//! to announce. A mute whose end time has passed reads as no mute.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::notification_settings::{ChannelNotifications, DMS, GuildNotifications, Mute, Saved};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::{GuildAccess, unknown_guild};
use crate::error::{AppError, AppResult};
use crate::objects::schema;
use crate::patch::{ObjectOnly, nullable};

/// The most channel overrides one PATCH may carry (a guild's most channels).
pub const MAX_OVERRIDES_PER_PATCH: usize = 500;
/// How often a change is worked out again when others save first: ten of one person's
/// changes may race.
pub const SAVE_TRIES: usize = 10;
/// The longest mute that can be picked: a year, in seconds (-1 is "until I turn it off").
pub const MAX_MUTE_WINDOW: i64 = 365 * 24 * 3600;

/// One person's notification settings for a guild, or for their DMs (`guild_id: null`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserGuildSettings {
    #[schema(value_type = Option<schema::Snowflake>)]
    pub guild_id: Option<Snowflake>,
    /// 0 every message, 1 mentions only, 2 nothing.
    pub message_notifications: i16,
    /// Muted now (a mute whose end time passed reads as false).
    pub muted: bool,
    pub mute_config: Option<MuteConfig>,
    /// @everyone and @here do not notify.
    pub suppress_everyone: bool,
    /// Role mentions do not notify.
    pub suppress_roles: bool,
    /// Push notifications (Web Push) for this guild.
    pub mobile_push: bool,
    pub hide_muted_channels: bool,
    /// Always false (Parley has no scheduled events).
    pub mute_scheduled_events: bool,
    /// Always 0 (Discord's highlights are not sent).
    pub notify_highlights: u8,
    /// Always 0.
    pub flags: u64,
    /// Raised by every change.
    pub version: i64,
    pub channel_overrides: Vec<ChannelOverride>,
}

/// How long a mute lasts.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MuteConfig {
    /// When it ends; `null`: until turned off.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub end_time: Option<String>,
    /// The length picked, in seconds; -1: until turned off.
    pub selected_time_window: i64,
}

/// One channel's override of its guild's settings.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChannelOverride {
    #[schema(value_type = schema::Snowflake)]
    pub channel_id: Snowflake,
    /// 0 every message, 1 mentions only, 2 nothing, 3 as the guild says.
    pub message_notifications: i16,
    pub muted: bool,
    pub mute_config: Option<MuteConfig>,
    /// The category is folded in the channel list.
    pub collapsed: bool,
    /// Always 0.
    pub flags: u64,
}

/// A change to a guild's settings: every field optional; fields Discord's clients send that
/// Parley does not keep are accepted and ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UserGuildSettingsPatch {
    /// 0 every message, 1 mentions only, 2 nothing.
    #[schema(minimum = 0, maximum = 2)]
    pub message_notifications: Option<i64>,
    pub muted: Option<bool>,
    /// `null` clears the end time (muted until turned off).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<MuteConfigPatch>)]
    pub mute_config: Option<Option<ObjectOnly<MuteConfigPatch>>>,
    pub suppress_everyone: Option<bool>,
    pub suppress_roles: Option<bool>,
    pub mobile_push: Option<bool>,
    pub hide_muted_channels: Option<bool>,
    /// Channel id to its changes (at most 500 at once).
    #[schema(value_type = Option<std::collections::HashMap<String, ChannelOverridePatch>>)]
    pub channel_overrides: Option<BTreeMap<String, ObjectOnly<ChannelOverridePatch>>>,
}

/// A mute's length as a client sends it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MuteConfigPatch {
    /// ISO 8601; `null` or absent: until turned off.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub end_time: Option<String>,
    /// Seconds, -1 for "until I turn it off", at most a year.
    #[schema(minimum = -1, maximum = 31536000)]
    pub selected_time_window: Option<i64>,
}

/// A change to one channel's override.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ChannelOverridePatch {
    /// 0 every message, 1 mentions only, 2 nothing, 3 as the guild says.
    #[schema(minimum = 0, maximum = 3)]
    pub message_notifications: Option<i64>,
    pub muted: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<MuteConfigPatch>)]
    pub mute_config: Option<Option<ObjectOnly<MuteConfigPatch>>>,
    pub collapsed: Option<bool>,
}

fn mute_config(mute: &Mute) -> Option<MuteConfig> {
    (mute.end_time.is_some() || mute.window.is_some()).then(|| MuteConfig {
        end_time: mute.end_time.map(|ms| Timestamp::from_unix_millis(ms).to_iso8601()),
        selected_time_window: mute.window.unwrap_or(-1),
    })
}

/// Muted at `now`: switched on and not yet ended.
pub fn muted_at(mute: &Mute, now: Timestamp) -> bool {
    mute.muted && mute.end_time.is_none_or(|end| end > now.unix_millis())
}

impl UserGuildSettings {
    pub fn from_stored(s: &GuildNotifications, now: Timestamp) -> Self {
        Self {
            guild_id: (s.guild_id != DMS).then_some(s.guild_id),
            message_notifications: s.message_notifications,
            muted: muted_at(&s.mute, now),
            mute_config: mute_config(&s.mute),
            suppress_everyone: s.suppress_everyone,
            suppress_roles: s.suppress_roles,
            mobile_push: s.mobile_push,
            hide_muted_channels: s.hide_muted_channels,
            mute_scheduled_events: false,
            notify_highlights: 0,
            flags: 0,
            version: s.version,
            channel_overrides: s
                .channels
                .iter()
                .map(|c| ChannelOverride {
                    channel_id: c.channel_id,
                    message_notifications: c.message_notifications,
                    muted: muted_at(&c.mute, now),
                    mute_config: mute_config(&c.mute),
                    collapsed: c.collapsed,
                    flags: 0,
                })
                .collect(),
        }
    }
}

/// A field's path in the body, with one more step.
fn at(path: &[&str], then: Option<&str>) -> Vec<String> {
    path.iter().copied().chain(then).map(str::to_owned).collect()
}

fn level(errors: &mut FieldErrors, path: &[&str], raw: Option<i64>, max: i64) -> Option<i16> {
    let raw = raw?;
    if (0..=max).contains(&raw) {
        Some(raw as i16)
    } else {
        let what =
            if max == 3 { "0, 1, 2 or 3 (as the guild)" } else { "0 (all messages), 1 (mentions) or 2 (nothing)" };
        errors.add_at(at(path, None), "NOTIFICATION_LEVEL_INVALID", format!("Must be {what}."));
        None
    }
}

fn apply_mute(
    errors: &mut FieldErrors,
    path: &[&str],
    mute: &mut Mute,
    config: &Option<Option<ObjectOnly<MuteConfigPatch>>>,
) {
    match config {
        None => {}
        Some(None) => {
            mute.end_time = None;
            mute.window = None;
        }
        Some(Some(ObjectOnly(c))) => {
            let end = match c.end_time.as_deref() {
                None => Some(None),
                Some(raw) => match Timestamp::parse_iso8601(raw) {
                    Some(t) => Some(Some(t.unix_millis())),
                    None => {
                        errors.add_at(
                            at(path, Some("end_time")),
                            "MUTE_END_TIME_INVALID",
                            "Must be an ISO 8601 time, or null for until turned off.",
                        );
                        None
                    }
                },
            };
            let window = match c.selected_time_window {
                Some(w) if (-1..=MAX_MUTE_WINDOW).contains(&w) => Some(Some(w)),
                Some(_) => {
                    errors.add_at(
                        at(path, Some("selected_time_window")),
                        "MUTE_WINDOW_INVALID",
                        format!("Must be -1 (until turned off) or 0 to {MAX_MUTE_WINDOW} seconds."),
                    );
                    None
                }
                None => Some(None),
            };
            if let (Some(end), Some(window)) = (end, window) {
                mute.end_time = end;
                mute.window = window;
            }
        }
    }
}

/// `patch` worked into `stored`: the new settings, and the channel overrides it changed.
/// `channel_ok` says whether a channel id may carry an override here.
pub fn apply(
    stored: &GuildNotifications,
    patch: &UserGuildSettingsPatch,
    channel_ok: impl Fn(Snowflake) -> bool,
) -> Result<(GuildNotifications, Vec<ChannelNotifications>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut next = stored.clone();
    if let Some(l) = level(&mut errors, &["message_notifications"], patch.message_notifications, 2) {
        next.message_notifications = l;
    }
    if let Some(muted) = patch.muted {
        next.mute.muted = muted;
    }
    apply_mute(&mut errors, &["mute_config"], &mut next.mute, &patch.mute_config);
    for (value, field) in [
        (patch.suppress_everyone, &mut next.suppress_everyone),
        (patch.suppress_roles, &mut next.suppress_roles),
        (patch.mobile_push, &mut next.mobile_push),
        (patch.hide_muted_channels, &mut next.hide_muted_channels),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    let mut changed = Vec::new();
    let overrides = patch.channel_overrides.as_ref();
    if overrides.is_some_and(|o| o.len() > MAX_OVERRIDES_PER_PATCH) {
        errors.add(
            "channel_overrides",
            "CHANNEL_OVERRIDES_TOO_MANY",
            format!("At most {MAX_OVERRIDES_PER_PATCH} channels at once."),
        );
        return Err(errors);
    }
    for (raw_id, ObjectOnly(change)) in overrides.into_iter().flatten() {
        let field = ["channel_overrides", raw_id.as_str()];
        let Some(channel_id) = raw_id.parse::<Snowflake>().ok().filter(|id| channel_ok(*id)) else {
            errors.add_at(
                at(&field, None),
                "CHANNEL_OVERRIDE_UNKNOWN_CHANNEL",
                "Not a channel of this guild you can see (or, for @me, one of your DMs).",
            );
            continue;
        };
        let mut channel =
            next.channels.iter().find(|c| c.channel_id == channel_id).cloned().unwrap_or(ChannelNotifications {
                channel_id,
                message_notifications: 3,
                mute: Mute::default(),
                collapsed: false,
            });
        if let Some(l) =
            level(&mut errors, &[field[0], field[1], "message_notifications"], change.message_notifications, 3)
        {
            channel.message_notifications = l;
        }
        if let Some(muted) = change.muted {
            channel.mute.muted = muted;
        }
        apply_mute(&mut errors, &[field[0], field[1], "mute_config"], &mut channel.mute, &change.mute_config);
        if let Some(collapsed) = change.collapsed {
            channel.collapsed = collapsed;
        }
        match next.channels.iter_mut().find(|c| c.channel_id == channel_id) {
            Some(slot) => *slot = channel.clone(),
            None => next.channels.push(channel.clone()),
        }
        changed.push(channel);
    }
    next.channels.sort_by_key(|c| c.channel_id);
    errors.into_result()?;
    Ok((next, changed))
}

/// The channels a person may set overrides on under `guild_id` ([`DMS`]: their private
/// channels): 404 (10004) when they are not a member of the guild.
async fn channels_for(state: &AppState, user_id: Snowflake, guild_id: Snowflake) -> AppResult<Vec<Snowflake>> {
    if guild_id == DMS {
        return Ok(state.store.private_channels_of(user_id).await?.iter().map(|c| c.id).collect());
    }
    let access = GuildAccess::load(state, guild_id, user_id).await.map_err(|_| unknown_guild())?;
    Ok(access
        .channels
        .iter()
        .filter(|c| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL))
        .map(|c| c.id)
        .collect())
}

/// The person's settings for a guild they are in (or their DMs).
pub async fn settings_of(state: &AppState, user_id: Snowflake, guild_id: Snowflake) -> AppResult<UserGuildSettings> {
    if guild_id != DMS && state.store.member(guild_id, user_id).await?.is_none() {
        return Err(unknown_guild());
    }
    let stored = state.store.guild_notifications(user_id, guild_id).await?;
    Ok(UserGuildSettings::from_stored(&stored, Timestamp::now()))
}

/// Works `patch` into the person's settings for `guild_id` ([`DMS`] for their DMs), stores
/// them and tells their sessions (USER_GUILD_SETTINGS_UPDATE). Changes at once are all kept: a
/// save that finds the settings moved is worked out again (every round, one of them is
/// saved), up to [`SAVE_TRIES`] times.
pub async fn update(
    state: &AppState,
    user_id: Snowflake,
    guild_id: Snowflake,
    patch: &UserGuildSettingsPatch,
) -> AppResult<UserGuildSettings> {
    let allowed = channels_for(state, user_id, guild_id).await?;
    for _ in 0..SAVE_TRIES {
        let stored = state.store.guild_notifications(user_id, guild_id).await?;
        let (next, changed) = apply(&stored, patch, |id| allowed.contains(&id))?;
        match state.store.save_guild_notifications(user_id, &next, &changed).await? {
            Saved::Stale => continue,
            Saved::At(version) => {
                let object = UserGuildSettings::from_stored(&GuildNotifications { version, ..next }, Timestamp::now());
                // The payload names its guild, so its keys must too (they do not widen the audience).
                let keys = object.guild_id.map_or_else(Keys::none, Keys::guild);
                state.publish(Event::new(
                    EventName::UserGuildSettingsUpdate,
                    Audience::Users(vec![user_id]),
                    keys,
                    &object,
                ));
                return Ok(object);
            }
        }
    }
    Err(AppError::with_message(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::ServiceUnavailable,
        "These settings kept changing while being saved; try again.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(json: serde_json::Value) -> UserGuildSettingsPatch {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_keeps_the_rest() {
        let mut stored = GuildNotifications::default_for(Snowflake::new(7));
        stored.suppress_everyone = true;
        let (next, changed) =
            apply(&stored, &patch(serde_json::json!({"message_notifications": 1})), |_| true).unwrap();
        assert_eq!((next.message_notifications, next.suppress_everyone), (1, true));
        assert!(changed.is_empty());
    }

    #[test]
    fn a_mute_with_an_end_reads_as_muted_until_then_and_unmuted_after() {
        let stored = GuildNotifications::default_for(Snowflake::new(7));
        let body = serde_json::json!({"muted": true, "mute_config": {"end_time": "2030-01-01T00:00:00Z", "selected_time_window": 3600}});
        let (next, _) = apply(&stored, &patch(body), |_| true).unwrap();
        let before = Timestamp::parse_iso8601("2029-12-31T23:00:00Z").unwrap();
        let after = Timestamp::parse_iso8601("2030-01-01T00:00:01Z").unwrap();
        assert!(UserGuildSettings::from_stored(&next, before).muted);
        assert!(!UserGuildSettings::from_stored(&next, after).muted);
        let config = UserGuildSettings::from_stored(&next, after).mute_config.unwrap();
        assert_eq!(
            (config.end_time.as_deref(), config.selected_time_window),
            (Some("2030-01-01T00:00:00.000000+00:00"), 3600)
        );
    }

    #[test]
    fn levels_out_of_range_bad_times_and_unknown_channels_are_refused_by_field() {
        let stored = GuildNotifications::default_for(Snowflake::new(7));
        let body = serde_json::json!({
            "message_notifications": 3,
            "mute_config": {"end_time": "soon", "selected_time_window": -2},
            "channel_overrides": {"12": {"message_notifications": 4}, "13": {"muted": true}, "x": {}}
        });
        let errors = apply(&stored, &patch(body), |id| id == Snowflake::new(12)).unwrap_err().to_json().to_string();
        for code in [
            "NOTIFICATION_LEVEL_INVALID",
            "MUTE_END_TIME_INVALID",
            "MUTE_WINDOW_INVALID",
            "CHANNEL_OVERRIDE_UNKNOWN_CHANNEL",
        ] {
            assert!(errors.contains(code), "{code} in {errors}");
        }
        assert!(errors.contains("\"13\"") && errors.contains("\"x\""), "{errors}");
    }

    #[test]
    fn a_channel_override_starts_from_the_guilds_level_and_keeps_its_other_fields() {
        let stored = GuildNotifications::default_for(Snowflake::new(7));
        let body = serde_json::json!({"channel_overrides": {"12": {"muted": true}}});
        let (next, changed) = apply(&stored, &patch(body), |_| true).unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!((changed[0].message_notifications, changed[0].mute.muted), (3, true));
        let body = serde_json::json!({"channel_overrides": {"12": {"collapsed": true}}});
        let (_, changed) = apply(&next, &patch(body), |_| true).unwrap();
        assert_eq!((changed[0].mute.muted, changed[0].collapsed), (true, true));
    }
}
