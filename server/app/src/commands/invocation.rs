//! A person's use of a command, checked against its definition before the application
//! hears of it: the sub-command path exists, every option is one the command has, with a
//! value of its type, within its range and choices, naming users, roles and channels that
//! exist where it was used; and those are resolved into objects for the application, as
//! Discord's `resolved` carries them.

use std::collections::BTreeMap;

use parley_core::{FieldErrors, Permissions, Snowflake};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::definition::*;
use crate::AppState;
use crate::channel_access::ChannelAccess;
use crate::error::AppResult;
use crate::objects::PublicUser;
use crate::objects::guild::{ChannelObject, RoleObject};
use crate::objects::member::member_objects;
use crate::objects::schema;

/// An option as used: its name and type, and its value or (for a sub-command) its options.
/// In an autocomplete request, the option being typed is `focused` and its value is the text
/// so far.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
#[schema(no_recursion)]
pub struct UsedOption {
    #[schema(max_length = 32)]
    pub name: String,
    #[serde(rename = "type")]
    #[schema(value_type = schema::CommandOptionType)]
    pub kind: i64,
    /// Text, a number, true/false, or an id (as a string), by the option's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 25)]
    pub options: Option<Vec<UsedOption>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focused: Option<bool>,
}

/// The users, members, roles and channels an interaction's options name, by id.
#[derive(Debug, Default, Serialize)]
pub struct Resolved {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub users: BTreeMap<String, PublicUser>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub members: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<String, RoleObject>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub channels: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, Value>,
}

impl Resolved {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.members.is_empty()
            && self.roles.is_empty()
            && self.channels.is_empty()
            && self.messages.is_empty()
    }
}

/// What the ids in the options name, to be looked up once checked.
/// Each with the path of the value that names it, for an error there.
#[derive(Default)]
struct Wanted {
    users: Vec<(Snowflake, Vec<String>)>,
    roles: Vec<(Snowflake, Vec<String>)>,
    channels: Vec<(Snowflake, Vec<String>)>,
}

struct Walk<'a> {
    errors: FieldErrors,
    wanted: Wanted,
    access: &'a ChannelAccess,
    autocomplete: bool,
    focused: usize,
}

fn path(base: &[String], i: usize, field: &str) -> Vec<String> {
    let mut p = base.to_vec();
    p.extend([i.to_string(), field.to_owned()]);
    p
}

impl Walk<'_> {
    fn options(&mut self, base: &[String], defined: &[CommandOption], used: &[UsedOption]) {
        // Before any per-option work: a command has at most 25 options at each level.
        if used.len() > MAX_OPTIONS {
            self.errors.add_at(base.to_vec(), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
            return;
        }
        let subcommands = defined.iter().any(|o| matches!(o.kind, SUB_COMMAND | SUB_COMMAND_GROUP));
        if subcommands && used.len() != 1 {
            self.errors.add_at(
                base.to_vec(),
                "APPLICATION_COMMAND_SUBCOMMAND_REQUIRED",
                "Choose exactly one sub-command.",
            );
            return;
        }
        for (i, u) in used.iter().enumerate() {
            let Some(d) = defined.iter().find(|d| d.name == u.name) else {
                self.errors.add_at(
                    path(base, i, "name"),
                    "APPLICATION_COMMAND_OPTION_UNKNOWN",
                    "The command has no such option.",
                );
                continue;
            };
            if d.kind != u.kind {
                self.errors.add_at(
                    path(base, i, "type"),
                    "APPLICATION_COMMAND_OPTION_TYPE_MISMATCH",
                    "Not the option's type.",
                );
                continue;
            }
            if used[..i].iter().any(|p| p.name == u.name) {
                self.errors.add_at(path(base, i, "name"), "DUPLICATE_OPTION", "An option is given once.");
            }
            match d.kind {
                SUB_COMMAND | SUB_COMMAND_GROUP => {
                    self.options(
                        &path(base, i, "options"),
                        d.options.as_deref().unwrap_or_default(),
                        u.options.as_deref().unwrap_or_default(),
                    );
                }
                _ => self.value(&path(base, i, "value"), d, u),
            }
        }
        if !subcommands && !self.autocomplete {
            for d in defined.iter().filter(|d| d.required == Some(true)) {
                if !used.iter().any(|u| u.name == d.name) {
                    self.errors.add_at(
                        base.to_vec(),
                        "APPLICATION_COMMAND_OPTION_REQUIRED",
                        format!("The option {} is required.", d.name),
                    );
                }
            }
        }
    }

    fn value(&mut self, at: &[String], d: &CommandOption, u: &UsedOption) {
        let Some(value) = &u.value else {
            self.errors.add_at(at.to_vec(), "BASE_TYPE_REQUIRED", "This field is required");
            return;
        };
        if u.focused == Some(true) {
            self.focused += 1;
            if value.as_str().is_some_and(|typed| typed.chars().count() > 6000) {
                self.errors.add_at(at.to_vec(), "BASE_TYPE_MAX_LENGTH", "Must be 6000 or fewer in length.");
            }
            // What the person has typed so far: any text, checked once they send it.
            if !self.autocomplete || !value.is_string() && !value.is_number() {
                self.errors.add_at(
                    at.to_vec(),
                    "APPLICATION_COMMAND_OPTION_INVALID",
                    "Only an autocomplete request has a focused option.",
                );
            }
            return;
        }
        let mut bad = |code: &'static str, message: &str| self.errors.add_at(at.to_vec(), code, message.to_owned());
        let in_choices = |v: &Value| {
            d.choices.as_ref().is_none_or(|choices| {
                choices.iter().any(|c| match (&c.value, v) {
                    (ChoiceValue::Text(t), Value::String(s)) => t == s,
                    (ChoiceValue::Integer(n), Value::Number(m)) => m.as_f64() == Some(*n as f64),
                    (ChoiceValue::Number(n), Value::Number(m)) => m.as_f64() == Some(*n),
                    _ => false,
                })
            })
        };
        let (min_value, max_value) = d.range();
        let in_range = |n: f64| min_value.is_none_or(|min| n >= min) && max_value.is_none_or(|max| n <= max);
        match d.kind {
            STRING => match value.as_str() {
                Some(text) => {
                    let n = text.chars().count() as i64;
                    if n < d.min_length.unwrap_or(0).max(1) || n > d.max_length.unwrap_or(6000) {
                        bad("BASE_TYPE_BAD_LENGTH", "Not within the option's lengths.");
                    } else if !in_choices(value) {
                        bad("APPLICATION_COMMAND_OPTION_CHOICE_INVALID", "Not one of the option's choices.");
                    }
                }
                None => bad("STRING_TYPE_CONVERT", "Must be text."),
            },
            INTEGER | NUMBER => {
                let number = if d.kind == INTEGER { value.as_i64().map(|n| n as f64) } else { value.as_f64() };
                match number {
                    Some(n) if n.abs() <= MAX_SAFE_NUMBER && in_range(n) => {
                        if !in_choices(value) {
                            bad("APPLICATION_COMMAND_OPTION_CHOICE_INVALID", "Not one of the option's choices.");
                        }
                    }
                    Some(_) => bad("NUMBER_TYPE_MAX", "Not within the option's range."),
                    None => bad("NUMBER_TYPE_COERCE", "Must be a number (a whole one for integers)."),
                }
            }
            BOOLEAN if !value.is_boolean() => bad("BOOLEAN_TYPE_CONVERT", "Must be true or false."),
            BOOLEAN => {}
            ATTACHMENT => bad(
                "APPLICATION_COMMAND_OPTION_ATTACHMENT_UNSUPPORTED",
                "This Parley does not take files yet, so attachment options cannot be filled.",
            ),
            USER_OPTION | CHANNEL | ROLE | MENTIONABLE => {
                let Some(id) = value.as_str().and_then(|s| s.parse::<Snowflake>().ok()) else {
                    bad("SNOWFLAKE_TYPE_INVALID", "Must be an id.");
                    return;
                };
                let named = (id, at.to_vec());
                match d.kind {
                    USER_OPTION => self.wanted.users.push(named),
                    CHANNEL => self.wanted.channels.push(named),
                    ROLE => self.wanted.roles.push(named),
                    _ => {
                        // A role of this guild, or else a user.
                        let is_role = self.access.guild().is_some_and(|g| g.roles.iter().any(|r| r.id == id));
                        if is_role { self.wanted.roles.push(named) } else { self.wanted.users.push(named) }
                    }
                }
            }
            _ => bad("APPLICATION_COMMAND_OPTION_TYPE_MISMATCH", "Not the option's type."),
        }
    }
}

/// Checks `used` against `definition` where it was used and resolves what the options name.
/// `autocomplete`: a request for suggestions, with exactly one option focused and required
/// ones not yet given. `target`: what a user or message command was used on.
pub async fn check_invocation(
    state: &AppState,
    access: &ChannelAccess,
    definition: &CommandDefinition,
    used: &[UsedOption],
    target: Option<Snowflake>,
    autocomplete: bool,
) -> AppResult<Resolved> {
    let base = vec!["data".to_owned(), "options".to_owned()];
    let mut walk = Walk { errors: FieldErrors::new(), wanted: Wanted::default(), access, autocomplete, focused: 0 };
    walk.options(&base, &definition.options, used);
    if autocomplete && walk.focused != 1 {
        walk.errors.add_at(
            base.clone(),
            "APPLICATION_COMMAND_OPTION_INVALID",
            "Exactly one option is focused in an autocomplete request.",
        );
    }
    match (definition.kind, target) {
        (CHAT_INPUT, None) => {}
        (USER, Some(id)) => walk.wanted.users.push((id, vec!["data".into(), "target_id".into()])),
        (MESSAGE, Some(_)) => {}
        _ => walk.errors.add_at(
            vec!["data".into(), "target_id".into()],
            "BASE_TYPE_REQUIRED",
            "User and message commands need a target_id; slash commands have none.",
        ),
    }
    walk.errors.into_result()?;
    let Walk { wanted, .. } = walk;
    resolve(state, access, wanted, target.filter(|_| definition.kind == MESSAGE)).await
}

async fn resolve(
    state: &AppState,
    access: &ChannelAccess,
    wanted: Wanted,
    message: Option<Snowflake>,
) -> AppResult<Resolved> {
    let mut resolved = Resolved::default();
    let mut errors = FieldErrors::new();
    let unknown = |errors: &mut FieldErrors, path: &[String], what: &str| {
        errors.add_at(path.to_vec(), "APPLICATION_COMMAND_OPTION_UNKNOWN_TARGET", format!("Unknown {what}."));
    };
    // Only people the person could name where they are: the guild's members, or the private
    // channel's recipients (no looking up anyone else on the instance through a command).
    let mut members = Vec::new();
    let mut reachable = Vec::new();
    for (id, _) in &wanted.users {
        match access {
            ChannelAccess::Guild { access: guild, .. } => {
                if let Some(member) = state.cache.member(&state.store, guild.guild.id, *id).await? {
                    members.push((*member).clone());
                    reachable.push(*id);
                }
            }
            ChannelAccess::Private { channel, .. } if channel.has_recipient(*id) => reachable.push(*id),
            ChannelAccess::Private { .. } => {}
        }
    }
    let users = state.store.users_by_ids(&reachable).await?;
    for (id, path) in &wanted.users {
        match users.iter().find(|u| u.id == *id) {
            Some(u) => {
                resolved.users.insert(id.to_string(), PublicUser::from(u));
            }
            None => unknown(&mut errors, path, "user"),
        }
    }
    if let Some(guild) = access.guild() {
        for member in member_objects(state, &members).await? {
            let id = member.user.id.to_string();
            let mut value = serde_json::to_value(&member).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.remove("user");
                let record = members.iter().find(|m| m.user_id == member.user.id);
                let permissions = match (record, access) {
                    (Some(m), ChannelAccess::Guild { channel, .. }) => {
                        let theirs = crate::access::GuildAccess::with_member(
                            guild.snapshot.clone(),
                            std::sync::Arc::new(m.clone()),
                        );
                        theirs.channel_permissions(channel)
                    }
                    _ => Permissions::from_bits_truncate(0),
                };
                object.insert("permissions".into(), Value::String(permissions.bits().to_string()));
            }
            resolved.members.insert(id, value);
        }
        for (id, path) in &wanted.roles {
            match guild.roles.iter().find(|r| r.id == *id) {
                Some(role) => {
                    resolved.roles.insert(id.to_string(), RoleObject::from(role));
                }
                None => unknown(&mut errors, path, "role"),
            }
        }
        for (id, path) in &wanted.channels {
            // Only channels of this guild that the person can see.
            match guild.channels.iter().find(|c| c.id == *id) {
                Some(c) if guild.channel_permissions(c).contains(Permissions::VIEW_CHANNEL) => {
                    let overwrites: Vec<_> =
                        guild.overwrites.iter().filter(|o| o.channel_id == c.id).cloned().collect();
                    let mut value = serde_json::to_value(ChannelObject::new(c, &overwrites)).unwrap_or_default();
                    if let Some(object) = value.as_object_mut() {
                        object.insert(
                            "permissions".into(),
                            Value::String(guild.channel_permissions(c).bits().to_string()),
                        );
                    }
                    resolved.channels.insert(id.to_string(), value);
                }
                _ => unknown(&mut errors, path, "channel"),
            }
        }
    } else if let Some((_, path)) = wanted.roles.first().or(wanted.channels.first()) {
        unknown(&mut errors, path, "role or channel (there are none outside a guild)");
    }
    if let Some(id) = message {
        match state.store.message(access.id(), id).await? {
            Some(record) => {
                let object = crate::objects::message::message_object(state, &record, None).await?;
                resolved.messages.insert(id.to_string(), serde_json::to_value(object).unwrap_or_default());
            }
            None => unknown(&mut errors, &["data".to_owned(), "target_id".to_owned()], "message"),
        }
    }
    errors.into_result()?;
    Ok(resolved)
}
