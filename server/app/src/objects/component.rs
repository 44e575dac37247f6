//! Message components and modals: Discord's action rows of buttons and select menus on a
//! bot's message, and the text inputs of a modal it opens, read from a request, checked
//! against Discord's limits, stored as checked and written back in Discord's shape.
//!
//! One flat type stands for every component kind (as discord.py and serenity model them on
//! the wire): which fields a kind needs is checked here, with each problem at its path
//! (`components.0.components.2.custom_id`).

use parley_core::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema;

pub const ACTION_ROW: i64 = 1;
pub const BUTTON: i64 = 2;
pub const STRING_SELECT: i64 = 3;
pub const TEXT_INPUT: i64 = 4;
pub const USER_SELECT: i64 = 5;
pub const ROLE_SELECT: i64 = 6;
pub const MENTIONABLE_SELECT: i64 = 7;
pub const CHANNEL_SELECT: i64 = 8;

/// A link button: opens its `url`, sends no interaction.
pub const LINK_STYLE: i64 = 5;

pub const MAX_ROWS: usize = 5;
pub const MAX_BUTTONS_PER_ROW: usize = 5;
pub const MAX_CUSTOM_ID_CHARS: usize = 100;
pub const MAX_LABEL_CHARS: usize = 80;
pub const MAX_SELECT_OPTIONS: usize = 25;
pub const MAX_PLACEHOLDER_CHARS: usize = 150;
pub const MAX_MODAL_TITLE_CHARS: usize = 45;
pub const MAX_TEXT_INPUT_LABEL_CHARS: usize = 45;
pub const MAX_TEXT_INPUT_CHARS: usize = 4000;

/// A top-level component: an action row (type 1) holding up to five buttons or one select
/// menu (on a message), or one text input (in a modal).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct ActionRow {
    /// 1: an action row.
    #[serde(rename = "type")]
    #[schema(value_type = schema::ActionRowType)]
    pub kind: i64,
    /// A number naming the component in the message; assigned (1, 2, ...) when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 2147483647)]
    pub id: Option<i64>,
    /// Up to 5 buttons, or one select menu, or (in a modal) one text input.
    #[schema(min_items = 1, max_items = 5)]
    pub components: Vec<Component>,
}

/// A button (2), a select menu (3 text, 5 user, 6 role, 7 mentionable, 8 channel) or a text
/// input (4, in modals). Which fields a kind takes is Discord's: a button has a `style` and a
/// `custom_id` (styles 1-4) or a `url` (style 5); a select menu has a `custom_id` and, for
/// text, `options`; a text input has a `custom_id`, a `style` (1 short, 2 paragraph) and a
/// `label`. Custom ids are unique in their message.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct Component {
    #[serde(rename = "type")]
    #[schema(value_type = schema::ComponentType)]
    pub kind: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 2147483647)]
    pub id: Option<i64>,
    /// What the application is told was used: 1-100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100)]
    pub custom_id: Option<String>,
    /// Buttons: 1 primary, 2 secondary, 3 success, 4 danger, 5 link. Text inputs: 1 short, 2
    /// paragraph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 5)]
    pub style: Option<i64>,
    /// Up to 80 characters (45 on a text input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 80)]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<ComponentEmoji>,
    /// A link button's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::WebUrl>)]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// A text select menu's choices: 1-25.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 25)]
    pub options: Option<Vec<SelectOption>>,
    /// Up to 150 characters (100 on a text input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 150)]
    pub placeholder: Option<String>,
    /// How few choices a select menu takes: 0-25, default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 25)]
    pub min_values: Option<i64>,
    /// How many choices a select menu takes: 1-25, default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 25)]
    pub max_values: Option<i64>,
    /// A channel select menu's channel types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_types: Option<Vec<i64>>,
    /// A text input's shortest answer: 0-4000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 4000)]
    pub min_length: Option<i64>,
    /// A text input's longest answer: 1-4000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 4000)]
    pub max_length: Option<i64>,
    /// Whether a text input must be filled in (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// A text input's prefilled answer, up to 4000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub value: Option<String>,
}

/// A unicode emoji on a button or select option (custom emoji: its id and name).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct ComponentEmoji {
    #[serde(default)]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub id: Option<String>,
    #[serde(default)]
    #[schema(max_length = 32)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animated: Option<bool>,
}

/// One choice of a text select menu.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct SelectOption {
    /// 1-100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub label: String,
    /// What the application is told was chosen: 1-100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<ComponentEmoji>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
}

fn is_select(kind: i64) -> bool {
    matches!(kind, STRING_SELECT | USER_SELECT | ROLE_SELECT | MENTIONABLE_SELECT | CHANNEL_SELECT)
}

/// Where a problem is: `components.<row>.components.<i>.<field>` under `root`.
struct At<'a> {
    root: &'a [&'a str],
}

impl At<'_> {
    fn path(&self, row: usize, item: Option<usize>, field: &[&str]) -> Vec<String> {
        let mut path: Vec<String> = self.root.iter().map(|s| (*s).to_owned()).collect();
        path.push("components".into());
        path.push(row.to_string());
        if let Some(i) = item {
            path.push("components".into());
            path.push(i.to_string());
        }
        path.extend(field.iter().map(|s| (*s).to_owned()));
        path
    }
}

fn length(errors: &mut FieldErrors, path: Vec<String>, value: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if n < min || n > max {
        errors.add_at(path, "BASE_TYPE_BAD_LENGTH", format!("Must be between {min} and {max} in length."));
    }
}

/// Checks a message's components (`root` is where they are in the request, e.g. `[]` or
/// `["data"]`) and returns them with ids assigned to those that had none.
pub fn check_message_components(rows: Vec<ActionRow>, root: &[&str]) -> Result<Vec<ActionRow>, FieldErrors> {
    let at = At { root };
    let mut errors = FieldErrors::new();
    if rows.len() > MAX_ROWS {
        let mut path: Vec<String> = root.iter().map(|s| (*s).to_owned()).collect();
        path.push("components".into());
        errors.add_at(path, "BASE_TYPE_MAX_LENGTH", format!("Must be {MAX_ROWS} or fewer in length."));
        return Err(errors);
    }
    let mut custom_ids: Vec<String> = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        if row.kind != ACTION_ROW {
            errors.add_at(at.path(r, None, &["type"]), "COMPONENT_LAYOUT_INVALID", "Must be an action row (1).");
            continue;
        }
        let selects = row.components.iter().filter(|c| is_select(c.kind)).count();
        let buttons = row.components.iter().filter(|c| c.kind == BUTTON).count();
        if row.components.is_empty()
            || (selects > 0 && row.components.len() > 1)
            || buttons > MAX_BUTTONS_PER_ROW
            || selects + buttons != row.components.len()
        {
            errors.add_at(
                at.path(r, None, &["components"]),
                "COMPONENT_LAYOUT_INVALID",
                "An action row holds 1-5 buttons or exactly one select menu.",
            );
            continue;
        }
        for (i, c) in row.components.iter().enumerate() {
            let path = |field: &str| at.path(r, Some(i), &[field]);
            if let Some(label) = &c.label {
                length(&mut errors, path("label"), label, 0, MAX_LABEL_CHARS);
            }
            let style = c.style.unwrap_or(0);
            let needs_custom_id = c.kind != BUTTON || style != LINK_STYLE;
            match c.kind {
                BUTTON if !(1..=LINK_STYLE).contains(&style) => {
                    errors.add_at(path("style"), "COMPONENT_INVALID", "A button's style is 1-5.");
                }
                BUTTON if style == LINK_STYLE && c.url.as_deref().is_none_or(|u| !super::embed::is_web_url(u)) => {
                    errors.add_at(path("url"), "COMPONENT_INVALID", "A link button needs an http(s) url.");
                }
                BUTTON if style != LINK_STYLE && c.url.is_some() => {
                    errors.add_at(path("url"), "COMPONENT_INVALID", "Only link buttons (style 5) have a url.");
                }
                BUTTON if c.label.is_none() && c.emoji.is_none() => {
                    errors.add_at(path("label"), "COMPONENT_INVALID", "A button needs a label or an emoji.");
                }
                STRING_SELECT => check_select_options(&mut errors, c, &|f: &[&str]| at.path(r, Some(i), f)),
                _ => {}
            }
            if is_select(c.kind) {
                check_value_counts(&mut errors, c, &path);
                if let Some(placeholder) = &c.placeholder {
                    length(&mut errors, path("placeholder"), placeholder, 0, MAX_PLACEHOLDER_CHARS);
                }
            }
            match (&c.custom_id, needs_custom_id) {
                (Some(_), false) => {
                    errors.add_at(path("custom_id"), "COMPONENT_INVALID", "A link button has no custom_id.");
                }
                (None, true) => errors.add_at(path("custom_id"), "BASE_TYPE_REQUIRED", "This field is required"),
                (Some(id), true) => {
                    length(&mut errors, path("custom_id"), id, 1, MAX_CUSTOM_ID_CHARS);
                    if custom_ids.contains(id) {
                        errors.add_at(
                            path("custom_id"),
                            "COMPONENT_CUSTOM_ID_DUPLICATED",
                            "Component custom id cannot be duplicated.",
                        );
                    }
                    custom_ids.push(id.clone());
                }
                (None, false) => {}
            }
        }
    }
    errors.into_result().map(|()| numbered(rows))
}

fn check_value_counts(errors: &mut FieldErrors, c: &Component, path: &dyn Fn(&str) -> Vec<String>) {
    let (min, max) = (c.min_values.unwrap_or(1), c.max_values.unwrap_or(1));
    if !(0..=25).contains(&min) || !(1..=25).contains(&max) || min > max {
        errors.add_at(
            path("max_values"),
            "COMPONENT_INVALID",
            "Choose 0-25 at least and 1-25 at most, the least first.",
        );
    }
    if c.kind == STRING_SELECT && c.options.as_ref().is_some_and(|o| (max as usize) > o.len()) {
        errors.add_at(path("max_values"), "COMPONENT_INVALID", "Cannot be more than the number of options.");
    }
}

fn check_select_options(errors: &mut FieldErrors, c: &Component, at: &dyn Fn(&[&str]) -> Vec<String>) {
    let options = c.options.as_deref().unwrap_or_default();
    if options.is_empty() || options.len() > MAX_SELECT_OPTIONS {
        errors.add_at(at(&["options"]), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.");
        return;
    }
    for (o, option) in options.iter().enumerate() {
        let o = o.to_string();
        length(errors, at(&["options", &o, "label"]), &option.label, 1, 100);
        length(errors, at(&["options", &o, "value"]), &option.value, 1, 100);
        if let Some(d) = &option.description {
            length(errors, at(&["options", &o, "description"]), d, 0, 100);
        }
        if options[..o.parse::<usize>().unwrap_or(0)].iter().any(|p| p.value == option.value) {
            errors.add_at(
                at(&["options", &o, "value"]),
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Option values must be unique.",
            );
        }
    }
}

/// Gives every component without an `id` the next number, in reading order (as Discord does).
fn numbered(mut rows: Vec<ActionRow>) -> Vec<ActionRow> {
    let mut taken: Vec<i64> =
        rows.iter().flat_map(|r| r.id.into_iter().chain(r.components.iter().filter_map(|c| c.id))).collect();
    let mut next = 0;
    let mut fresh = || {
        next += 1;
        while taken.contains(&next) {
            next += 1;
        }
        taken.push(next);
        next
    };
    for row in &mut rows {
        if row.id.is_none() {
            row.id = Some(fresh());
        }
        for c in &mut row.components {
            if c.id.is_none() {
                c.id = Some(fresh());
            }
            if is_select(c.kind) {
                c.min_values.get_or_insert(1);
                c.max_values.get_or_insert(1);
            }
            keep_own_fields(c);
        }
    }
    rows
}

/// Drops what a component's kind does not have (a button's `options`, a select's `value`...),
/// so nothing beyond its kind's limits is stored and sent to every member.
fn keep_own_fields(c: &mut Component) {
    let button = c.kind == BUTTON;
    let select = is_select(c.kind);
    let input = c.kind == TEXT_INPUT;
    if !button {
        c.url = None;
        c.emoji = None;
    }
    if !button && !input {
        c.style = None;
        c.label = None;
    }
    if c.kind != STRING_SELECT {
        c.options = None;
    }
    if c.kind != CHANNEL_SELECT {
        c.channel_types = None;
    }
    if !select {
        c.min_values = None;
        c.max_values = None;
    }
    if !select && !input {
        c.placeholder = None;
    }
    if !input {
        c.min_length = None;
        c.max_length = None;
        c.required = None;
        c.value = None;
    }
    if let Some(types) = &mut c.channel_types {
        types.truncate(16);
    }
    if let Some(emoji) = &mut c.emoji
        && emoji.name.as_ref().is_some_and(|n| n.chars().count() > 32)
    {
        c.emoji = None;
    }
}

/// A modal an application opens (interaction callback 9).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct Modal {
    /// What the application is told was submitted: 1-100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub custom_id: String,
    /// 1-45 characters.
    #[schema(min_length = 1, max_length = 45)]
    pub title: String,
    /// 1-5 action rows, each holding one text input.
    #[schema(min_items = 1, max_items = 5)]
    pub components: Vec<ActionRow>,
}

/// Checks a modal (`data` of callback 9) and returns it with component ids assigned.
pub fn check_modal(mut modal: Modal) -> Result<Modal, FieldErrors> {
    let at = At { root: &["data"] };
    let mut errors = FieldErrors::new();
    length(&mut errors, vec!["data".into(), "custom_id".into()], &modal.custom_id, 1, MAX_CUSTOM_ID_CHARS);
    length(&mut errors, vec!["data".into(), "title".into()], &modal.title, 1, MAX_MODAL_TITLE_CHARS);
    if modal.components.is_empty() || modal.components.len() > MAX_ROWS {
        errors.add_at(
            vec!["data".into(), "components".into()],
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 5 in length.",
        );
        return Err(errors);
    }
    let mut custom_ids = Vec::new();
    for (r, row) in modal.components.iter().enumerate() {
        let [input] = row.components.as_slice() else {
            errors.add_at(
                at.path(r, None, &["components"]),
                "COMPONENT_LAYOUT_INVALID",
                "Each row of a modal holds one text input.",
            );
            continue;
        };
        let path = |field: &str| at.path(r, Some(0), &[field]);
        if row.kind != ACTION_ROW || input.kind != TEXT_INPUT {
            errors.add_at(path("type"), "COMPONENT_LAYOUT_INVALID", "A modal holds action rows of text inputs (4).");
            continue;
        }
        if !matches!(input.style, Some(1 | 2)) {
            errors.add_at(path("style"), "COMPONENT_INVALID", "A text input's style is 1 (short) or 2 (paragraph).");
        }
        match &input.label {
            Some(label) => length(&mut errors, path("label"), label, 1, MAX_TEXT_INPUT_LABEL_CHARS),
            None => errors.add_at(path("label"), "BASE_TYPE_REQUIRED", "This field is required"),
        }
        match &input.custom_id {
            Some(id) if custom_ids.contains(id) => errors.add_at(
                path("custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated.",
            ),
            Some(id) => {
                length(&mut errors, path("custom_id"), id, 1, MAX_CUSTOM_ID_CHARS);
                custom_ids.push(id.clone());
            }
            None => errors.add_at(path("custom_id"), "BASE_TYPE_REQUIRED", "This field is required"),
        }
        let (min, max) = (input.min_length.unwrap_or(0), input.max_length.unwrap_or(MAX_TEXT_INPUT_CHARS as i64));
        if !(0..=4000).contains(&min) || !(1..=4000).contains(&max) || min > max {
            errors.add_at(
                path("max_length"),
                "COMPONENT_INVALID",
                "Lengths are 0-4000 at least and 1-4000 at most, the least first.",
            );
        }
        if let Some(placeholder) = &input.placeholder {
            length(&mut errors, path("placeholder"), placeholder, 0, 100);
        }
        if let Some(value) = &input.value {
            length(&mut errors, path("value"), value, 0, max.clamp(0, 4000) as usize);
        }
    }
    errors.into_result()?;
    modal.components = numbered(std::mem::take(&mut modal.components));
    Ok(modal)
}

/// A message's stored components, or none if unreadable.
pub fn stored_components(json: &str) -> Vec<ActionRow> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The JSON kept for a message's components.
pub fn components_json(rows: &[ActionRow]) -> String {
    serde_json::to_string(rows).unwrap_or_else(|_| "[]".to_owned())
}

/// The component with `custom_id` on a message, if it has one.
pub fn find_component<'a>(rows: &'a [ActionRow], custom_id: &str) -> Option<&'a Component> {
    rows.iter().flat_map(|r| r.components.iter()).find(|c| c.custom_id.as_deref() == Some(custom_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(value: serde_json::Value) -> Result<serde_json::Value, serde_json::Value> {
        let rows: Vec<ActionRow> = serde_json::from_value(value).unwrap();
        check_message_components(rows, &[]).map(|r| serde_json::to_value(r).unwrap()).map_err(|e| e.to_json())
    }

    #[test]
    fn buttons_and_a_select_come_back_numbered_with_select_defaults() {
        let rows = check(json!([
            {"type": 1, "components": [
                {"type": 2, "style": 1, "label": "Yes", "custom_id": "yes"},
                {"type": 2, "style": 5, "label": "Docs", "url": "https://example.com/docs"}
            ]},
            {"type": 1, "components": [
                {"type": 3, "custom_id": "pick", "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]}
            ]}
        ]))
        .unwrap();
        assert_eq!(rows[0]["id"], 1);
        assert_eq!(rows[0]["components"][0]["id"], 2);
        assert_eq!(rows[0]["components"][1]["id"], 3);
        assert_eq!(rows[1]["id"], 4);
        assert_eq!(rows[1]["components"][0]["min_values"], 1);
        assert_eq!(rows[1]["components"][0]["max_values"], 1);
    }

    #[test]
    fn a_duplicated_custom_id_is_refused_where_it_repeats() {
        let errors = check(json!([
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "A", "custom_id": "x"}]},
            {"type": 1, "components": [{"type": 2, "style": 2, "label": "B", "custom_id": "x"}]}
        ]))
        .unwrap_err();
        assert_eq!(
            errors["components"]["1"]["components"]["0"]["custom_id"]["_errors"][0]["code"],
            "COMPONENT_CUSTOM_ID_DUPLICATED"
        );
    }

    #[test]
    fn a_row_with_a_select_and_a_button_or_six_buttons_is_refused() {
        let button = |id: &str| json!({"type": 2, "style": 1, "label": id, "custom_id": id});
        let six: Vec<_> = (0..6).map(|i| button(&i.to_string())).collect();
        let errors = check(json!([{"type": 1, "components": six}])).unwrap_err();
        assert_eq!(errors["components"]["0"]["components"]["_errors"][0]["code"], "COMPONENT_LAYOUT_INVALID");
        let mixed = json!([{"type": 1, "components": [
            button("a"), {"type": 3, "custom_id": "s", "options": [{"label": "A", "value": "a"}]}
        ]}]);
        assert!(check(mixed).is_err());
    }

    #[test]
    fn a_link_button_needs_a_url_and_no_custom_id_and_others_need_a_custom_id() {
        let errors = check(json!([{"type": 1, "components": [
            {"type": 2, "style": 5, "label": "L", "custom_id": "c"},
            {"type": 2, "style": 1, "label": "P"}
        ]}]))
        .unwrap_err();
        let first = &errors["components"]["0"]["components"]["0"];
        assert_eq!(first["url"]["_errors"][0]["code"], "COMPONENT_INVALID");
        assert_eq!(first["custom_id"]["_errors"][0]["code"], "COMPONENT_INVALID");
        assert_eq!(
            errors["components"]["0"]["components"]["1"]["custom_id"]["_errors"][0]["code"],
            "BASE_TYPE_REQUIRED"
        );
    }

    #[test]
    fn a_select_asking_for_more_choices_than_it_offers_is_refused() {
        let errors = check(json!([{"type": 1, "components": [
            {"type": 3, "custom_id": "s", "max_values": 3, "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]}
        ]}]))
        .unwrap_err();
        assert_eq!(
            errors["components"]["0"]["components"]["0"]["max_values"]["_errors"][0]["code"],
            "COMPONENT_INVALID"
        );
    }

    #[test]
    fn a_modal_of_text_inputs_is_checked_and_numbered() {
        let modal: Modal = serde_json::from_value(json!({
            "custom_id": "feedback", "title": "Feedback",
            "components": [{"type": 1, "components": [{"type": 4, "custom_id": "text", "style": 2, "label": "Say", "max_length": 300}]}]
        }))
        .unwrap();
        let checked = check_modal(modal).unwrap();
        assert_eq!(checked.components[0].components[0].id, Some(2));
        let bad: Modal = serde_json::from_value(json!({
            "custom_id": "f", "title": "T",
            "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "B", "custom_id": "b"}]}]
        }))
        .unwrap();
        let errors = check_modal(bad).unwrap_err().to_json();
        assert_eq!(
            errors["data"]["components"]["0"]["components"]["0"]["type"]["_errors"][0]["code"],
            "COMPONENT_LAYOUT_INVALID"
        );
    }
}
