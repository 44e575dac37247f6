//! Rich embeds on messages: Discord's embed object, read from a request and checked against
//! Discord's limits, stored as sent, and written back in Discord's shape.
//!
//! One type serves both ways, as on Discord, where a bot sends back what it read. Fields
//! Parley does not keep (`video`, `provider`, an image's `proxy_url`, sizes) are ignored on
//! the way in.

use parley_core::{FieldErrors, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema;

/// At most this many embeds on one message.
pub const MAX_EMBEDS: usize = 10;
/// The characters of every title, description, field name and value, footer text and author
/// name of one message's embeds together.
pub const MAX_TOTAL_CHARS: usize = 6000;
pub const MAX_TITLE_CHARS: usize = 256;
pub const MAX_DESCRIPTION_CHARS: usize = 4096;
pub const MAX_FIELDS: usize = 25;
pub const MAX_FIELD_NAME_CHARS: usize = 256;
pub const MAX_FIELD_VALUE_CHARS: usize = 1024;
pub const MAX_FOOTER_CHARS: usize = 2048;
pub const MAX_AUTHOR_NAME_CHARS: usize = 256;
/// A URL in an embed (link, image, icon).
pub const MAX_URL_CHARS: usize = 2048;

/// A rich embed. `type` is always `rich`: the only kind a message's author makes. It must show
/// something: a title, description, field, image, thumbnail, author or footer (else 50035
/// EMBED_EMPTY).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct Embed {
    /// Always `rich` (what else is sent is ignored).
    #[serde(rename = "type", default = "rich", deserialize_with = "always_rich")]
    #[schema(value_type = String, example = "rich")]
    pub kind: String,
    /// Up to 256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 256)]
    pub title: Option<String>,
    /// Up to 4096 characters, markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4096)]
    pub description: Option<String>,
    /// Where the title links to: an http(s) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::WebUrl>)]
    pub url: Option<String>,
    /// ISO 8601; shown in the footer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub timestamp: Option<String>,
    /// The colour of the left bar, `0xRRGGBB` as a number.
    #[serde(default, deserialize_with = "whole_number", skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 16777215)]
    pub color: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<EmbedFooter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<EmbedMedia>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<EmbedMedia>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<EmbedAuthor>,
    /// Up to 25.
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<EmbedField>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct EmbedFooter {
    /// 1-2048 characters.
    #[schema(min_length = 1, max_length = 2048)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::WebUrl>)]
    pub icon_url: Option<String>,
}

/// An image or thumbnail, by URL.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct EmbedMedia {
    #[schema(value_type = schema::WebUrl)]
    pub url: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct EmbedAuthor {
    /// 1-256 characters.
    #[schema(min_length = 1, max_length = 256)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::WebUrl>)]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::WebUrl>)]
    pub icon_url: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct EmbedField {
    /// 1-256 characters.
    #[schema(min_length = 1, max_length = 256)]
    pub name: String,
    /// 1-1024 characters.
    #[schema(min_length = 1, max_length = 1024)]
    pub value: String,
    /// Whether it may sit beside its neighbours.
    #[serde(default)]
    pub inline: bool,
}

fn rich() -> String {
    "rich".to_owned()
}

fn always_rich<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let _ = serde::de::IgnoredAny::deserialize(d)?;
    Ok(rich())
}

/// A whole number, also when written with a zero fraction (`104950.0`), as JSON allows.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else { return Ok(None) };
    match (number.as_i64(), number.as_f64()) {
        (Some(n), _) => Ok(Some(n)),
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        // Out of any colour's range either way: the range check names the field.
        _ => Ok(Some(i64::MAX)),
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<EmbedField>, D::Error> {
    Ok(Option::<Vec<EmbedField>>::deserialize(d)?.unwrap_or_default())
}

/// Checks a message's embeds against Discord's limits, with each problem at its path
/// (`embeds.0.fields.3.value`), and returns them normalised (timestamps in Discord's form).
pub fn parse_embeds(embeds: Vec<Embed>) -> Result<Vec<Embed>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if embeds.len() > MAX_EMBEDS {
        errors.add("embeds", "BASE_TYPE_MAX_LENGTH", format!("Must be {MAX_EMBEDS} or fewer in length."));
        return Err(errors);
    }
    let mut total = 0;
    let mut parsed = Vec::with_capacity(embeds.len());
    for (i, mut embed) in embeds.into_iter().enumerate() {
        let at = |rest: &[&str]| {
            let mut path = vec!["embeds".to_owned(), i.to_string()];
            path.extend(rest.iter().map(|s| (*s).to_owned()));
            path
        };
        let mut text = |errors: &mut FieldErrors, path: &[&str], value: &str, min: usize, max: usize| {
            let n = value.chars().count();
            total += n;
            if n < min || n > max {
                let message = format!("Must be between {min} and {max} in length.");
                errors.add_at(at(path), "BASE_TYPE_BAD_LENGTH", message);
            }
        };
        if let Some(title) = &embed.title {
            text(&mut errors, &["title"], title, 0, MAX_TITLE_CHARS);
        }
        if let Some(description) = &embed.description {
            text(&mut errors, &["description"], description, 0, MAX_DESCRIPTION_CHARS);
        }
        if let Some(footer) = &embed.footer {
            text(&mut errors, &["footer", "text"], &footer.text, 1, MAX_FOOTER_CHARS);
        }
        if let Some(author) = &embed.author {
            text(&mut errors, &["author", "name"], &author.name, 1, MAX_AUTHOR_NAME_CHARS);
        }
        if embed.fields.len() > MAX_FIELDS {
            errors.add_at(at(&["fields"]), "BASE_TYPE_MAX_LENGTH", format!("Must be {MAX_FIELDS} or fewer in length."));
        }
        for (f, field) in embed.fields.iter().enumerate() {
            let f = f.to_string();
            text(&mut errors, &["fields", &f, "name"], &field.name, 1, MAX_FIELD_NAME_CHARS);
            text(&mut errors, &["fields", &f, "value"], &field.value, 1, MAX_FIELD_VALUE_CHARS);
        }
        let urls = [
            (vec!["url"], embed.url.as_deref()),
            (vec!["image", "url"], embed.image.as_ref().map(|m| m.url.as_str())),
            (vec!["thumbnail", "url"], embed.thumbnail.as_ref().map(|m| m.url.as_str())),
            (vec!["footer", "icon_url"], embed.footer.as_ref().and_then(|f| f.icon_url.as_deref())),
            (vec!["author", "url"], embed.author.as_ref().and_then(|a| a.url.as_deref())),
            (vec!["author", "icon_url"], embed.author.as_ref().and_then(|a| a.icon_url.as_deref())),
        ];
        for (path, url) in urls {
            if let Some(url) = url
                && !is_web_url(url)
            {
                errors.add_at(at(&path), "URL_TYPE_INVALID_URL", "Not a well formed http(s) URL.");
            }
        }
        if let Some(color) = embed.color
            && !(0..=0xFF_FFFF).contains(&color)
        {
            errors.add_at(at(&["color"]), "NUMBER_TYPE_MAX", "Must be a colour from 0 to 16777215 (0xFFFFFF).");
        }
        if let Some(raw) = &embed.timestamp {
            match Timestamp::parse_iso8601(raw) {
                Some(when) => embed.timestamp = Some(when.to_iso8601()),
                None => errors.add_at(at(&["timestamp"]), "DATE_TIME_TYPE_PARSE", "Not an ISO 8601 timestamp."),
            }
        }
        let shows_something =
            [&embed.title, &embed.description].iter().any(|t| t.as_ref().is_some_and(|t| !t.is_empty()))
                || !embed.fields.is_empty()
                || embed.image.is_some()
                || embed.thumbnail.is_some()
                || embed.author.is_some()
                || embed.footer.is_some();
        if !shows_something {
            errors.add_at(
                at(&[]),
                "EMBED_EMPTY",
                "An embed needs a title, description, field, image, thumbnail, author or footer.",
            );
        }
        parsed.push(embed);
    }
    if total > MAX_TOTAL_CHARS {
        errors.add(
            "embeds",
            "BASE_TYPE_MAX_LENGTH",
            format!("Embeds may hold {MAX_TOTAL_CHARS} characters in all (titles, descriptions, fields, footers, authors); these hold {total}."),
        );
    }
    errors.into_result().map(|()| parsed)
}

/// An absolute http(s) URL with a host and no white space, of a sane length (embeds' links
/// and pictures, a webhook message's avatar).
pub fn is_web_url(url: &str) -> bool {
    let scheme = url.split_once("://").map(|(scheme, rest)| (scheme.to_ascii_lowercase(), rest));
    let rest = scheme.and_then(|(scheme, rest)| matches!(scheme.as_str(), "http" | "https").then_some(rest));
    url.chars().count() <= MAX_URL_CHARS
        && rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A message's stored embeds (JSON), or none if unreadable (never written by this version).
pub fn stored_embeds(json: &str) -> Vec<Embed> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The JSON kept for a message's embeds.
pub fn embeds_json(embeds: &[Embed]) -> String {
    serde_json::to_string(embeds).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<Vec<Embed>, serde_json::Value> {
        let embeds: Vec<Embed> = serde_json::from_value(value).unwrap();
        parse_embeds(embeds).map_err(|e| e.to_json())
    }

    #[test]
    fn an_embed_as_discord_py_sends_it_comes_back_in_discords_shape() {
        let sent = json!([{
            "type": "rich", "title": "Status", "description": "all good", "color": 0x2ecc71,
            "timestamp": "2026-12-06T10:00:00Z", "fields": [{"name": "uptime", "value": "3 days", "inline": true}],
            "footer": {"text": "parley", "icon_url": null}, "video": {"url": "https://ignored.example"}
        }]);
        let embeds = parse(sent).unwrap();
        assert_eq!(
            serde_json::to_value(&embeds).unwrap(),
            json!([{
                "type": "rich", "title": "Status", "description": "all good", "color": 0x2ecc71,
                "timestamp": "2026-12-06T10:00:00.000000+00:00",
                "fields": [{"name": "uptime", "value": "3 days", "inline": true}],
                "footer": {"text": "parley"}
            }])
        );
    }

    #[test]
    fn each_of_discords_limits_is_refused_at_its_field() {
        let errors = parse(json!([{"title": "t".repeat(257)}])).unwrap_err();
        assert_eq!(errors["embeds"]["0"]["title"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
        let field = json!({"name": "n", "value": ""});
        let errors = parse(json!([{"fields": [field]}])).unwrap_err();
        assert_eq!(errors["embeds"]["0"]["fields"]["0"]["value"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
        let fields: Vec<_> = (0..26).map(|i| json!({"name": i.to_string(), "value": "v"})).collect();
        let errors = parse(json!([{"fields": fields}])).unwrap_err();
        assert_eq!(errors["embeds"]["0"]["fields"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
        let eleven: Vec<_> = (0..11).map(|_| json!({"title": "x"})).collect();
        assert_eq!(parse(json!(eleven)).unwrap_err()["embeds"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
        let errors = parse(json!([{"title": "x", "url": "javascript:alert(1)"}])).unwrap_err();
        assert_eq!(errors["embeds"]["0"]["url"]["_errors"][0]["code"], "URL_TYPE_INVALID_URL");
        let errors = parse(json!([{"title": "x", "color": 0x1000000}])).unwrap_err();
        assert_eq!(errors["embeds"]["0"]["color"]["_errors"][0]["code"], "NUMBER_TYPE_MAX");
        let errors = parse(json!([{"title": "x", "timestamp": "yesterday"}])).unwrap_err();
        assert_eq!(errors["embeds"]["0"]["timestamp"]["_errors"][0]["code"], "DATE_TIME_TYPE_PARSE");
        assert_eq!(parse(json!([{"color": 5}])).unwrap_err()["embeds"]["0"]["_errors"][0]["code"], "EMBED_EMPTY");
    }

    #[test]
    fn six_thousand_characters_in_all_is_the_most_one_message_may_carry() {
        let full = |n: usize| json!({"description": "d".repeat(n)});
        assert!(parse(json!([full(4000), full(2000)])).is_ok());
        let errors = parse(json!([full(4000), full(2001)])).unwrap_err();
        assert_eq!(errors["embeds"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    }
}
