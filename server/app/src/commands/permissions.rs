//! Command permissions (Discord's): overwrites that let or stop roles, members and channels
//! use an application's commands in one guild, for one command or (under the application's
//! id) for all its commands without their own; and how they decide, with a command's
//! `default_member_permissions`, whether someone may use a command where they are.
//!
//! The decision, as Discord documents and its client applies it: administrators may use
//! every command. A channel overwrite that denies the channel (or, in a thread, its parent;
//! or "all channels", id = guild id - 1) refuses, the command's own before the
//! application's. Then the first of these that speaks decides, the command's overwrites
//! before the application's: the member's own overwrite; their roles' (any allow wins over a
//! deny); @everyone's (id = the guild's id). If none does, `default_member_permissions` does.

use std::collections::HashMap;

use parley_core::{Permissions, Snowflake};
use parley_store::channels::{ChannelKind, ChannelRecord};
use parley_store::command_permissions::CommandPermissionsRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::GuildAccess;
use crate::error::AppResult;
use crate::objects::schema;

/// Overwrites per command (and per application), as on Discord.
pub const MAX_COMMAND_PERMISSIONS: usize = 100;

pub const ROLE: i64 = 1;
pub const USER: i64 = 2;
pub const CHANNEL: i64 = 3;

/// One overwrite: a role, member or channel allowed (`true`) or denied the command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommandPermission {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    #[serde(rename = "type")]
    #[schema(value_type = schema::CommandPermissionType)]
    pub kind: i64,
    pub permission: bool,
}

/// A command's (or, with the application's id, all its commands') permissions in a guild.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GuildCommandPermissions {
    /// The command's id, or the application's: its overwrites for all its commands.
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    #[schema(value_type = schema::Snowflake)]
    pub application_id: Snowflake,
    #[schema(value_type = schema::Snowflake)]
    pub guild_id: Snowflake,
    #[schema(max_items = 100)]
    pub permissions: Vec<CommandPermission>,
}

impl GuildCommandPermissions {
    /// The stored row, or `None` if it does not read back (never written by this version).
    pub fn from_record(record: &CommandPermissionsRecord) -> Option<Self> {
        Some(Self {
            id: record.command_id,
            application_id: record.application_id,
            guild_id: record.guild_id,
            permissions: serde_json::from_str(&record.permissions).ok()?,
        })
    }
}

/// The "all channels" constant: the guild's id minus one.
pub fn all_channels(guild_id: Snowflake) -> Snowflake {
    Snowflake::from_i64(guild_id.as_i64() - 1)
}

/// Who is asking to use a command: a member of the guild, with their roles.
pub struct Member<'a> {
    pub guild_id: Snowflake,
    pub user_id: Snowflake,
    pub role_ids: &'a [Snowflake],
}

impl<'a> Member<'a> {
    /// The member `access` is for.
    pub fn of(access: &'a GuildAccess) -> Self {
        Self { guild_id: access.guild.id, user_id: access.member.user_id, role_ids: &access.member.role_ids }
    }
}

/// The verdict of one list on the member: their own overwrite, else their roles' (an allow
/// wins), else @everyone's; `None` when it names none of these.
fn member_verdict(list: &[CommandPermission], member: &Member<'_>) -> Option<bool> {
    if let Some(own) = list.iter().find(|p| p.kind == USER && p.id == member.user_id) {
        return Some(own.permission);
    }
    let roles: Vec<bool> = list
        .iter()
        .filter(|p| p.kind == ROLE && p.id != member.guild_id && member.role_ids.contains(&p.id))
        .map(|p| p.permission)
        .collect();
    if !roles.is_empty() {
        return Some(roles.contains(&true));
    }
    list.iter().find(|p| p.kind == ROLE && p.id == member.guild_id).map(|p| p.permission)
}

/// The verdict of one list on the channels (the channel, then a thread's parent), else on all
/// channels.
fn channel_verdict(list: &[CommandPermission], guild_id: Snowflake, channels: &[Snowflake]) -> Option<bool> {
    channels
        .iter()
        .find_map(|c| list.iter().find(|p| p.kind == CHANNEL && p.id == *c))
        .or_else(|| list.iter().find(|p| p.kind == CHANNEL && p.id == all_channels(guild_id)))
        .map(|p| p.permission)
}

/// Whether someone holds a command's `default_member_permissions` (`None`: anyone; `"0"` or
/// bits Parley does not know: administrators only). `here` are their permissions where they
/// use it; `guild` their guild-wide ones, which say whether they are an administrator.
pub fn default_member_allows(bits: Option<&str>, guild: Permissions, here: Permissions) -> bool {
    let Some(bits) = bits.and_then(|b| b.parse::<u64>().ok()) else { return true };
    if guild.contains(Permissions::ADMINISTRATOR) {
        return true;
    }
    let known = Permissions::from_bits_truncate(bits);
    bits != 0 && known.bits() == bits && here.contains(known)
}

/// The overwrites that bear on one command: its own, and its application's for all.
#[derive(Clone, Copy, Default)]
pub struct Overwrites<'a> {
    pub command: Option<&'a [CommandPermission]>,
    pub application: Option<&'a [CommandPermission]>,
}

/// Where a command is used: the guild-wide permissions of the person, their permissions there,
/// and the channel's ids to match overwrites (the channel, then a thread's parent). `Some(&[])`
/// is the guild as a whole (only "all channels" overwrites apply); `None` weighs no channel
/// overwrite at all (whether someone may use a command anywhere, to set its permissions).
pub struct Place<'a> {
    pub guild: Permissions,
    pub here: Permissions,
    pub channels: Option<&'a [Snowflake]>,
}

/// Whether `member` may use the command whose `default_member_permissions` are `bits`.
pub fn may_use(overwrites: Overwrites<'_>, member: &Member<'_>, place: &Place<'_>, bits: Option<&str>) -> bool {
    if place.guild.contains(Permissions::ADMINISTRATOR) {
        return true;
    }
    let lists = [overwrites.command, overwrites.application];
    if let Some(channels) = place.channels {
        let channel = lists.iter().flatten().find_map(|l| channel_verdict(l, member.guild_id, channels));
        if channel == Some(false) {
            return false;
        }
    }
    match lists.iter().flatten().find_map(|l| member_verdict(l, member)) {
        Some(verdict) => verdict,
        None => default_member_allows(bits, place.guild, place.here),
    }
}

/// The ids a channel's overwrites may name: the channel, and a thread's parent.
pub fn channel_ids(channel: &ChannelRecord) -> Vec<Snowflake> {
    match channel.parent() {
        Some(parent) if channel.kind == ChannelKind::PublicThread => vec![channel.id, parent],
        _ => vec![channel.id],
    }
}

/// Every application's command permissions in one guild, by application and command.
#[derive(Default)]
pub struct GuildPermissionsIndex {
    lists: HashMap<(Snowflake, Snowflake), Vec<CommandPermission>>,
}

impl GuildPermissionsIndex {
    pub async fn load(state: &AppState, guild_id: Snowflake) -> AppResult<Self> {
        Ok(Self::from_records(&state.store.guild_command_permissions(guild_id, None).await?))
    }

    /// One application's command permissions in the guild (all a use of its command reads).
    pub async fn load_for(state: &AppState, guild_id: Snowflake, application_id: Snowflake) -> AppResult<Self> {
        Ok(Self::from_records(&state.store.guild_command_permissions(guild_id, Some(application_id)).await?))
    }

    fn from_records(records: &[CommandPermissionsRecord]) -> Self {
        let lists = records
            .iter()
            .filter_map(GuildCommandPermissions::from_record)
            .map(|p| ((p.application_id, p.id), p.permissions))
            .collect();
        Self { lists }
    }

    /// The list stored for one command (or, under the application's id, for all its commands).
    pub fn get(&self, application_id: Snowflake, command_id: Snowflake) -> Option<&[CommandPermission]> {
        self.lists.get(&(application_id, command_id)).map(Vec::as_slice)
    }

    /// The overwrites of one command of an application.
    pub fn for_command(&self, application_id: Snowflake, command_id: Snowflake) -> Overwrites<'_> {
        Overwrites {
            command: self.get(application_id, command_id),
            application: self.get(application_id, application_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: Snowflake = Snowflake::from_i64(1000);
    const ANN: Snowflake = Snowflake::from_i64(7);
    const MODS: Snowflake = Snowflake::from_i64(50);
    const MUTED: Snowflake = Snowflake::from_i64(51);
    const GENERAL: Snowflake = Snowflake::from_i64(300);

    fn p(id: Snowflake, kind: i64, permission: bool) -> CommandPermission {
        CommandPermission { id, kind, permission }
    }

    fn decide(
        command: &[CommandPermission],
        application: &[CommandPermission],
        roles: &[Snowflake],
        bits: Option<&str>,
    ) -> bool {
        let overwrites = Overwrites {
            command: Some(command).filter(|l| !l.is_empty()),
            application: Some(application).filter(|l| !l.is_empty()),
        };
        let member = Member { guild_id: GUILD, user_id: ANN, role_ids: roles };
        let place =
            Place { guild: Permissions::SEND_MESSAGES, here: Permissions::SEND_MESSAGES, channels: Some(&[GENERAL]) };
        may_use(overwrites, &member, &place, bits)
    }

    #[test]
    fn a_members_own_overwrite_outweighs_their_roles_and_everyone() {
        let list = [p(ANN, USER, true), p(MODS, ROLE, false), p(GUILD, ROLE, false)];
        assert!(decide(&list, &[], &[MODS], Some("0")));
        let list = [p(ANN, USER, false), p(MODS, ROLE, true)];
        assert!(!decide(&list, &[], &[MODS], None));
    }

    #[test]
    fn any_allowing_role_wins_over_a_denying_one_and_everyone_comes_last() {
        let list = [p(MODS, ROLE, true), p(MUTED, ROLE, false), p(GUILD, ROLE, false)];
        assert!(decide(&list, &[], &[MODS, MUTED], None));
        assert!(!decide(&list, &[], &[MUTED], None));
        assert!(!decide(&list, &[], &[], None), "@everyone's deny applies to a member without those roles");
        assert!(decide(&[p(GUILD, ROLE, true)], &[], &[], Some("0")), "an allow for @everyone lifts \"0\"");
    }

    #[test]
    fn the_commands_own_overwrites_come_before_the_applications() {
        let app = [p(GUILD, ROLE, false)];
        assert!(!decide(&[], &app, &[], None));
        assert!(decide(&[p(MODS, ROLE, true)], &app, &[MODS], None));
        // The command's list speaks only of mods; for others the application's decides.
        assert!(!decide(&[p(MODS, ROLE, true)], &app, &[], None));
    }

    #[test]
    fn a_denied_channel_refuses_even_an_allowed_member_and_all_channels_is_the_fallback() {
        assert!(!decide(&[p(GENERAL, CHANNEL, false), p(ANN, USER, true)], &[], &[], None));
        assert!(!decide(&[p(all_channels(GUILD), CHANNEL, false)], &[], &[], None));
        let list = [p(all_channels(GUILD), CHANNEL, false), p(GENERAL, CHANNEL, true)];
        assert!(decide(&list, &[], &[], None), "the channel's own overwrite comes before all channels");
        assert!(!decide(&[], &[p(GENERAL, CHANNEL, false)], &[], None), "the application's channel overwrites apply");
        let member = Member { guild_id: GUILD, user_id: ANN, role_ids: &[] };
        let all_off = [p(all_channels(GUILD), CHANNEL, false)];
        let guild_wide =
            Place { guild: Permissions::SEND_MESSAGES, here: Permissions::SEND_MESSAGES, channels: Some(&[]) };
        let overwrites = Overwrites { command: Some(&all_off), application: None };
        assert!(!may_use(overwrites, &member, &guild_wide, None), "the guild as a whole: all channels off");
        let anywhere = Place { guild: Permissions::SEND_MESSAGES, here: Permissions::SEND_MESSAGES, channels: None };
        assert!(may_use(overwrites, &member, &anywhere, None), "no channel weighed");
    }

    #[test]
    fn without_overwrites_default_member_permissions_decide_and_administrators_pass_everything() {
        assert!(decide(&[], &[], &[], None));
        assert!(decide(&[], &[], &[], Some("2048")), "SEND_MESSAGES is held");
        assert!(!decide(&[], &[], &[], Some("8")));
        assert!(!decide(&[], &[], &[], Some("0")));
        let member = Member { guild_id: GUILD, user_id: ANN, role_ids: &[] };
        let admin =
            Place { guild: Permissions::ADMINISTRATOR, here: Permissions::ADMINISTRATOR, channels: Some(&[GENERAL]) };
        let denied = [p(GENERAL, CHANNEL, false), p(ANN, USER, false)];
        let overwrites = Overwrites { command: Some(&denied), application: None };
        assert!(may_use(overwrites, &member, &admin, Some("0")));
    }
}
