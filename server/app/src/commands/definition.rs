//! An application command as its application defines it (Discord's create and edit
//! bodies), checked against Discord's rules, and kept as checked: the name and description
//! rules, options nested at most two deep (groups of sub-commands), required options first,
//! choices that match their option's type, and ranges that make sense.

use std::collections::BTreeMap;

use parley_core::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::objects::schema;

pub const CHAT_INPUT: i64 = 1;
pub const USER: i64 = 2;
pub const MESSAGE: i64 = 3;

pub const SUB_COMMAND: i64 = 1;
pub const SUB_COMMAND_GROUP: i64 = 2;
pub const STRING: i64 = 3;
pub const INTEGER: i64 = 4;
pub const BOOLEAN: i64 = 5;
pub const USER_OPTION: i64 = 6;
pub const CHANNEL: i64 = 7;
pub const ROLE: i64 = 8;
pub const MENTIONABLE: i64 = 9;
pub const NUMBER: i64 = 10;
pub const ATTACHMENT: i64 = 11;

pub const MAX_OPTIONS: usize = 25;
pub const MAX_CHOICES: usize = 25;
/// Discord's limit on a command's name, description, options and choices together.
pub const MAX_TOTAL_CHARS: usize = 8000;
/// The most `default_member_permissions` may hold (Discord's limit: 54 bits).
pub const MAX_PERMISSION_BITS: u64 = (1 << 54) - 1;
/// Integers and numbers stay where a JavaScript client reads them exactly.
pub const MAX_SAFE_NUMBER: f64 = 9_007_199_254_740_991.0;

/// A choice's value: text for string options, a number for integer and number options.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
#[serde(untagged)]
pub enum ChoiceValue {
    Integer(i64),
    Number(f64),
    Text(String),
}

/// One of the fixed choices of an option.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct CommandChoice {
    /// 1-100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Localizations>)]
    pub name_localizations: Option<BTreeMap<String, String>>,
    /// Up to 100 characters for a string option; a number for the others.
    pub value: ChoiceValue,
}

/// An option of a command, or a sub-command (group) with options of its own.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
#[schema(no_recursion)]
pub struct CommandOption {
    #[serde(rename = "type")]
    #[schema(value_type = schema::CommandOptionType)]
    pub kind: i64,
    /// 1-32 lower-case letters, digits, `-` and `_`.
    #[schema(min_length = 1, max_length = 32)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Localizations>)]
    pub name_localizations: Option<BTreeMap<String, String>>,
    /// 1-100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Localizations>)]
    pub description_localizations: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 25)]
    pub choices: Option<Vec<CommandChoice>>,
    /// A sub-command's options, or a group's sub-commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 25)]
    pub options: Option<Vec<CommandOption>>,
    /// A channel option's channel types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_types: Option<Vec<i64>>,
    /// An integer option's bounds are integers (`2`, never `2.0`), as the libraries read them
    /// by the option's type; a number option's are kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub min_value: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub max_value: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 6000)]
    pub min_length: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 6000)]
    pub max_length: Option<i64>,
    /// The application suggests values as the person types (not with `choices`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autocomplete: Option<bool>,
}

/// A command as stored: what the API answers with, less the ids and version.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct CommandDefinition {
    pub kind: i64,
    pub name: String,
    pub name_localizations: Option<BTreeMap<String, String>>,
    pub description: String,
    pub description_localizations: Option<BTreeMap<String, String>>,
    pub options: Vec<CommandOption>,
    /// Permission bits a member needs to see and use it (a decimal string); `None`: anyone.
    pub default_member_permissions: Option<String>,
    pub dm_permission: bool,
    pub contexts: Option<Vec<i64>>,
    pub nsfw: bool,
}

/// Permission bits as Discord's libraries send them: a decimal string or a bare integer.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum PermissionBits {
    Text(String),
    Integer(u64),
}

/// Creating a command (and each entry of a bulk overwrite).
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct CommandRequest {
    /// 1-32 characters; for slash commands lower-case letters, digits, `-` and `_`.
    #[schema(min_length = 1, max_length = 32)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Option<schema::Localizations>)]
    pub name_localizations: Option<BTreeMap<String, String>>,
    /// 1-100 characters for slash commands; empty (or left out) for user and message commands.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<schema::Localizations>)]
    pub description_localizations: Option<BTreeMap<String, String>>,
    /// Up to 25; slash commands only.
    #[serde(default)]
    #[schema(max_items = 25)]
    pub options: Option<Vec<CommandOption>>,
    /// Permission bits a member needs to use it; `"0"`: administrators only; null: anyone.
    #[serde(default)]
    #[schema(value_type = Option<schema::PermissionsInput>)]
    pub default_member_permissions: Option<PermissionBits>,
    /// Whether a global command can be used in DMs with the bot (default true).
    #[serde(default)]
    pub dm_permission: Option<bool>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<schema::InteractionContext>>)]
    pub contexts: Option<Vec<i64>>,
    /// Accepted and ignored: Parley has guild installs only.
    #[serde(default)]
    #[schema(value_type = Option<Vec<i64>>)]
    pub integration_types: Option<Vec<i64>>,
    /// 1 (default) slash command, 2 user command, 3 message command.
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<schema::CommandType>)]
    pub kind: Option<i64>,
    #[serde(default)]
    pub nsfw: Option<bool>,
}

/// Whether `name` is a slash command's or option's name: 1-32 letters, digits, `-`, `_`
/// (and `'`), lower case where a letter has a lower case.
pub fn is_chat_input_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=32).contains(&n)
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '\''))
        && name.chars().all(|c| !c.is_uppercase())
}

struct Checker {
    errors: FieldErrors,
    total: usize,
}

impl Checker {
    fn text(&mut self, path: Vec<String>, value: &str, min: usize, max: usize) {
        let n = value.chars().count();
        self.total += n;
        if n < min || n > max {
            self.errors.add_at(path, "BASE_TYPE_BAD_LENGTH", format!("Must be between {min} and {max} in length."));
        }
    }

    fn localizations(&mut self, path: Vec<String>, map: Option<&BTreeMap<String, String>>, max: usize) {
        let Some(map) = map else { return };
        if map.len() > 34 {
            self.errors.add_at(path.clone(), "BASE_TYPE_MAX_LENGTH", "Must be 34 or fewer in length.");
        }
        for (locale, text) in map {
            let mut at = path.clone();
            at.push(locale.clone());
            if locale.len() > 10 || !locale.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
                self.errors.add_at(at.clone(), "LOCALE_INVALID", "Not a locale (such as en-US).");
            }
            self.text(at, text, 1, max);
        }
    }

    fn options(&mut self, path: &[String], options: &[CommandOption], parent: Option<i64>) {
        let at = |i: usize, field: &str| {
            let mut p = path.to_vec();
            p.extend([i.to_string(), field.to_owned()]);
            p
        };
        if options.len() > MAX_OPTIONS {
            self.errors.add_at(path.to_vec(), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
            return;
        }
        let groups = options.iter().filter(|o| matches!(o.kind, SUB_COMMAND | SUB_COMMAND_GROUP)).count();
        if groups > 0 && groups < options.len() {
            self.errors.add_at(
                path.to_vec(),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-commands and groups cannot sit beside other options.",
            );
        }
        let mut seen_optional = false;
        for (i, o) in options.iter().enumerate() {
            if !(SUB_COMMAND..=ATTACHMENT).contains(&o.kind) {
                self.errors.add_at(at(i, "type"), "BASE_TYPE_CHOICES", "Value must be one of 1-11.");
                continue;
            }
            // A group holds sub-commands; a sub-command holds plain options; nothing deeper.
            let allowed = match parent {
                None => true,
                Some(SUB_COMMAND_GROUP) => o.kind == SUB_COMMAND,
                Some(_) => !matches!(o.kind, SUB_COMMAND | SUB_COMMAND_GROUP),
            };
            if !allowed {
                self.errors.add_at(
                    at(i, "type"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Options nest at most two deep: groups, then sub-commands.",
                );
            }
            if !is_chat_input_name(&o.name) {
                self.errors.add_at(
                    at(i, "name"),
                    "APPLICATION_COMMAND_INVALID_NAME",
                    "1-32 lower-case letters, digits, - and _.",
                );
            }
            self.total += o.name.chars().count();
            if options[..i].iter().any(|p| p.name == o.name) {
                self.errors.add_at(
                    at(i, "name"),
                    "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                    "Option names must be unique.",
                );
            }
            self.text(at(i, "description"), &o.description, 1, 100);
            self.localizations(at(i, "name_localizations"), o.name_localizations.as_ref(), 32);
            self.localizations(at(i, "description_localizations"), o.description_localizations.as_ref(), 100);
            let required = o.required.unwrap_or(false);
            if required && seen_optional {
                self.errors.add_at(
                    at(i, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options.",
                );
            }
            seen_optional |= !required;
            match o.kind {
                SUB_COMMAND | SUB_COMMAND_GROUP => {
                    if o.kind == SUB_COMMAND_GROUP && o.options.as_ref().is_none_or(Vec::is_empty) {
                        self.errors.add_at(at(i, "options"), "BASE_TYPE_REQUIRED", "A group needs sub-commands.");
                    }
                    self.options(&at(i, "options"), o.options.as_deref().unwrap_or_default(), Some(o.kind));
                }
                _ if o.options.as_ref().is_some_and(|v| !v.is_empty()) => {
                    self.errors.add_at(
                        at(i, "options"),
                        "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                        "Only sub-commands and groups have options.",
                    );
                }
                _ => {}
            }
            self.option_values(&|f| at(i, f), o);
        }
    }

    fn option_values(&mut self, at: &dyn Fn(&str) -> Vec<String>, o: &CommandOption) {
        let choices = o.choices.as_deref().unwrap_or_default();
        if !choices.is_empty() {
            if !matches!(o.kind, STRING | INTEGER | NUMBER) {
                self.errors.add_at(
                    at("choices"),
                    "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                    "Only string, integer and number options have choices.",
                );
            }
            if o.autocomplete == Some(true) {
                self.errors.add_at(
                    at("autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "An option with choices cannot autocomplete.",
                );
            }
        }
        if o.autocomplete == Some(true) && !matches!(o.kind, STRING | INTEGER | NUMBER) {
            self.errors.add_at(
                at("autocomplete"),
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Only string, integer and number options autocomplete.",
            );
        }
        if choices.len() > MAX_CHOICES {
            self.errors.add_at(at("choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
        }
        for (c, choice) in choices.iter().enumerate() {
            let mut path = at("choices");
            path.push(c.to_string());
            let mut name = path.clone();
            name.push("name".into());
            self.text(name, &choice.name, 1, 100);
            let mut value = path.clone();
            value.push("value".into());
            let fits = match (&choice.value, o.kind) {
                (ChoiceValue::Text(text), STRING) => {
                    self.text(value.clone(), text, 1, 100);
                    true
                }
                (ChoiceValue::Integer(n), INTEGER) => n.unsigned_abs() as f64 <= MAX_SAFE_NUMBER,
                (ChoiceValue::Integer(n), NUMBER) => n.unsigned_abs() as f64 <= MAX_SAFE_NUMBER,
                (ChoiceValue::Number(n), NUMBER) => n.abs() <= MAX_SAFE_NUMBER,
                _ => false,
            };
            if !fits {
                self.errors.add_at(
                    value,
                    "APPLICATION_COMMAND_OPTION_CHOICE_VALUE_INVALID",
                    "A choice's value has its option's type.",
                );
            }
        }
        let numeric = matches!(o.kind, INTEGER | NUMBER);
        let (min_value, max_value) = o.range();
        if (min_value.is_some() || max_value.is_some()) && !numeric {
            self.errors.add_at(
                at("min_value"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Only integer and number options have a range.",
            );
        }
        for (field, v) in [("min_value", min_value), ("max_value", max_value)] {
            if v.is_some_and(|v| !v.is_finite() || v.abs() > MAX_SAFE_NUMBER || (o.kind == INTEGER && v.fract() != 0.0))
            {
                self.errors.add_at(at(field), "NUMBER_TYPE_MAX", "Must be a whole number for integers, within ±2^53.");
            }
        }
        if let (Some(min), Some(max)) = (min_value, max_value)
            && min > max
        {
            self.errors.add_at(at("max_value"), "NUMBER_TYPE_MIN", "Must be at least min_value.");
        }
        if (o.min_length.is_some() || o.max_length.is_some()) && o.kind != STRING {
            self.errors.add_at(
                at("min_length"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Only string options have lengths.",
            );
        }
        if let (Some(min), Some(max)) = (o.min_length, o.max_length)
            && min > max
        {
            self.errors.add_at(at("max_length"), "NUMBER_TYPE_MIN", "Must be at least min_length.");
        }
        // serenity sends `channel_types: []` (and `choices: []`, `options: []`) with every
        // option: empty is the same as absent.
        if o.channel_types.as_ref().is_some_and(|types| !types.is_empty()) && o.kind != CHANNEL {
            self.errors.add_at(
                at("channel_types"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Only channel options have channel types.",
            );
        }
    }
}

impl CommandOption {
    /// `min_value` and `max_value` as numbers.
    pub fn range(&self) -> (Option<f64>, Option<f64>) {
        (self.min_value.as_ref().and_then(|n| n.as_f64()), self.max_value.as_ref().and_then(|n| n.as_f64()))
    }

    /// The option as kept once checked: empty lists are absent, and an integer option's
    /// bounds are integers (`2.0` sent is kept as `2`).
    fn settle(mut self) -> Self {
        self.choices = self.choices.filter(|c| !c.is_empty());
        self.channel_types = self.channel_types.filter(|t| !t.is_empty());
        self.options = self.options.filter(|o| !o.is_empty()).map(|o| o.into_iter().map(Self::settle).collect());
        if self.kind == INTEGER {
            let whole = |n: serde_json::Number| match n.as_f64() {
                Some(f) if n.as_i64().is_none() && f.fract() == 0.0 => serde_json::Number::from(f as i64),
                _ => n,
            };
            self.min_value = self.min_value.map(whole);
            self.max_value = self.max_value.map(whole);
        }
        self
    }
}

/// Checks a command definition, with each problem at its path (`options.0.choices.2.value`;
/// `prefix` is the entry's place in a bulk overwrite).
pub fn check_command(request: CommandRequest, prefix: &[String]) -> Result<CommandDefinition, FieldErrors> {
    let at = |field: &str| {
        let mut p = prefix.to_vec();
        p.push(field.to_owned());
        p
    };
    let mut check = Checker { errors: FieldErrors::new(), total: 0 };
    let kind = request.kind.unwrap_or(CHAT_INPUT);
    if !(CHAT_INPUT..=MESSAGE).contains(&kind) {
        check.errors.add_at(at("type"), "BASE_TYPE_CHOICES", "Value must be one of 1, 2, 3.");
        return Err(check.errors);
    }
    let description = request.description.unwrap_or_default();
    if kind == CHAT_INPUT {
        if !is_chat_input_name(&request.name) {
            check.errors.add_at(
                at("name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "1-32 lower-case letters, digits, - and _.",
            );
        }
        check.text(at("description"), &description, 1, 100);
    } else {
        check.text(at("name"), &request.name, 1, 32);
        if !description.is_empty() {
            check.errors.add_at(
                at("description"),
                "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                "User and message commands have no description.",
            );
        }
        if request.options.as_ref().is_some_and(|o| !o.is_empty()) {
            check.errors.add_at(
                at("options"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "User and message commands have no options.",
            );
        }
    }
    check.total += request.name.chars().count();
    check.localizations(at("name_localizations"), request.name_localizations.as_ref(), 32);
    check.localizations(at("description_localizations"), request.description_localizations.as_ref(), 100);
    let options = request.options.unwrap_or_default();
    check.options(&at("options"), &options, None);
    if check.total > MAX_TOTAL_CHARS {
        check.errors.add_at(at("options"), "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000).");
    }
    let bits = match request.default_member_permissions {
        None => None,
        Some(PermissionBits::Integer(bits)) => Some(bits),
        Some(PermissionBits::Text(text)) => match text.parse::<u64>() {
            Ok(bits) => Some(bits),
            Err(_) => {
                check.errors.add_at(
                    at("default_member_permissions"),
                    "NUMBER_TYPE_COERCE",
                    "Must be a decimal permission bit string.",
                );
                None
            }
        },
    };
    if bits.is_some_and(|b| b > MAX_PERMISSION_BITS) {
        check.errors.add_at(
            at("default_member_permissions"),
            "NUMBER_TYPE_MAX",
            "Must be 18014398509481983 or less (Discord's limit).",
        );
    }
    let default_member_permissions = bits.map(|b| b.to_string());
    if request.contexts.as_ref().is_some_and(|c| c.iter().any(|v| !(0..=2).contains(v))) {
        check.errors.add_at(at("contexts"), "BASE_TYPE_CHOICES", "Values must be 0, 1 or 2.");
    }
    check.errors.into_result()?;
    Ok(CommandDefinition {
        kind,
        name: request.name,
        name_localizations: request.name_localizations,
        description,
        description_localizations: request.description_localizations,
        options: options.into_iter().map(CommandOption::settle).collect(),
        default_member_permissions,
        dm_permission: request.dm_permission.unwrap_or(true),
        contexts: request.contexts,
        nsfw: request.nsfw.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(value: serde_json::Value) -> Result<CommandDefinition, serde_json::Value> {
        check_command(serde_json::from_value(value).unwrap(), &[]).map_err(|e| e.to_json())
    }

    #[test]
    fn a_slash_command_with_options_and_choices_is_kept_as_sent() {
        let command = check(json!({
            "name": "roll", "description": "Roll dice",
            "options": [
                {"type": 4, "name": "sides", "description": "How many sides", "required": true, "min_value": 2, "max_value": 100},
                {"type": 3, "name": "colour", "description": "Dice colour", "choices": [{"name": "Red", "value": "red"}]}
            ],
            "default_member_permissions": 2048
        }))
        .unwrap();
        assert_eq!(command.kind, CHAT_INPUT);
        assert_eq!(command.options.len(), 2);
        assert_eq!(command.default_member_permissions.as_deref(), Some("2048"));
        assert!(command.dm_permission);
    }

    #[test]
    fn upper_case_or_spaced_slash_command_names_are_refused_but_user_commands_may_have_them() {
        let errors = check(json!({"name": "Roll Dice", "description": "d"})).unwrap_err();
        assert_eq!(errors["name"]["_errors"][0]["code"], "APPLICATION_COMMAND_INVALID_NAME");
        assert!(check(json!({"name": "Show Profile", "type": 2})).is_ok());
    }

    #[test]
    fn a_required_option_after_an_optional_one_is_refused() {
        let errors = check(json!({"name": "x", "description": "d", "options": [
            {"type": 3, "name": "a", "description": "a"},
            {"type": 3, "name": "b", "description": "b", "required": true}
        ]}))
        .unwrap_err();
        assert_eq!(
            errors["options"]["1"]["required"]["_errors"][0]["code"],
            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
        );
    }

    #[test]
    fn options_nest_at_most_groups_then_sub_commands() {
        assert!(check(json!({"name": "x", "description": "d", "options": [
            {"type": 2, "name": "g", "description": "g", "options": [
                {"type": 1, "name": "s", "description": "s", "options": [{"type": 5, "name": "b", "description": "b"}]}
            ]}
        ]}))
        .is_ok());
        let errors = check(json!({"name": "x", "description": "d", "options": [
            {"type": 1, "name": "s", "description": "s", "options": [
                {"type": 1, "name": "t", "description": "t"}
            ]}
        ]}))
        .unwrap_err();
        assert_eq!(
            errors["options"]["0"]["options"]["0"]["type"]["_errors"][0]["code"],
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID"
        );
    }

    #[test]
    fn a_choice_of_the_wrong_type_and_autocomplete_beside_choices_are_refused() {
        let errors = check(json!({"name": "x", "description": "d", "options": [
            {"type": 4, "name": "n", "description": "n", "autocomplete": true, "choices": [{"name": "one", "value": "1"}]}
        ]}))
        .unwrap_err();
        let option = &errors["options"]["0"];
        assert_eq!(
            option["choices"]["0"]["value"]["_errors"][0]["code"],
            "APPLICATION_COMMAND_OPTION_CHOICE_VALUE_INVALID"
        );
        assert_eq!(option["autocomplete"]["_errors"][0]["code"], "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID");
    }

    #[test]
    fn serenitys_empty_lists_are_absent_and_an_integer_options_bounds_are_integers() {
        let command = check(json!({"name": "roll", "description": "d", "options": [
            {"type": 4, "name": "sides", "description": "s", "required": true, "min_value": 2.0, "max_value": 100,
             "choices": [], "options": [], "channel_types": [], "min_length": null, "autocomplete": false}
        ]}))
        .unwrap();
        let shown = serde_json::to_value(&command.options[0]).unwrap();
        assert_eq!((shown["min_value"].as_i64(), shown["max_value"].as_i64()), (Some(2), Some(100)), "{shown}");
        assert!(shown.get("channel_types").is_none() && shown.get("choices").is_none(), "{shown}");
        let errors = check(json!({"name": "x", "description": "d", "options": [
            {"type": 4, "name": "n", "description": "n", "channel_types": [0]}
        ]}))
        .unwrap_err();
        assert_eq!(
            errors["options"]["0"]["channel_types"]["_errors"][0]["code"],
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID"
        );
    }
}
