//! Custom emoji objects (Discord's emoji object) and GUILD_EMOJIS_UPDATE.

use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::emojis::EmojiRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::{PublicUser, schema};

/// 404 Unknown Emoji (10014): no such emoji in the guild.
pub fn unknown_emoji() -> crate::error::AppError {
    crate::error::AppError::new(axum::http::StatusCode::NOT_FOUND, parley_core::ErrorCode::UnknownEmoji)
}

/// A guild's custom emoji. Parley has no role-limited emoji (`roles` is always empty) and no
/// emoji managed by integrations.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EmojiObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub roles: Vec<Snowflake>,
    /// Who uploaded it: only in `/guilds/{id}/emojis` answers, to those with
    /// MANAGE_GUILD_EXPRESSIONS or CREATE_GUILD_EXPRESSIONS (as on Discord).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<PublicUser>,
    pub require_colons: bool,
    pub managed: bool,
    pub animated: bool,
    pub available: bool,
}

impl From<&EmojiRecord> for EmojiObject {
    fn from(emoji: &EmojiRecord) -> Self {
        Self {
            id: emoji.id,
            name: emoji.name.clone(),
            roles: Vec::new(),
            user: None,
            require_colons: true,
            managed: false,
            animated: emoji.animated,
            available: true,
        }
    }
}

impl EmojiObject {
    pub fn list(emojis: &[EmojiRecord]) -> Vec<Self> {
        emojis.iter().map(Self::from).collect()
    }
}

#[derive(Debug, Serialize)]
struct EmojisUpdate<'a> {
    guild_id: Snowflake,
    emojis: &'a [EmojiObject],
}

/// GUILD_EMOJIS_UPDATE: the guild's whole emoji list after a change, for its members.
pub fn emojis_update_event(guild_id: Snowflake, emojis: &[EmojiObject]) -> Event {
    Event::new(
        EventName::GuildEmojisUpdate,
        Audience::Guild { guild_id, channel_id: None },
        Keys::guild(guild_id),
        &EmojisUpdate { guild_id, emojis },
    )
}

/// A reaction's emoji as stored: a unicode emoji's own text, or a custom emoji's id in
/// digits (which no unicode emoji is, so the two never meet). Stored by id, a custom emoji's
/// reactions stay together when it is renamed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReactionKey {
    Unicode(String),
    Custom(Snowflake),
}

impl ReactionKey {
    /// An emoji as a URL path names it: a unicode emoji (short, no spaces or control
    /// characters, and not plain ASCII), or a custom one as `name:id` (Discord's form; also
    /// `a:name:id`).
    pub fn parse(raw: &str) -> Option<Self> {
        if let Some((_, id)) = raw.rsplit_once(':') {
            let id: Snowflake = id.parse().ok()?;
            return Some(Self::Custom(id));
        }
        let unicode = !raw.is_empty()
            && raw.chars().count() <= 16
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
            && !raw.is_ascii()
            && !raw.chars().any(|c| c.is_ascii_alphabetic());
        unicode.then(|| Self::Unicode(raw.to_owned()))
    }

    /// The reactions table's form.
    pub fn stored(&self) -> String {
        match self {
            Self::Unicode(text) => text.clone(),
            Self::Custom(id) => id.to_string(),
        }
    }

    pub fn from_stored(stored: &str) -> Self {
        match stored.parse::<Snowflake>() {
            Ok(id) if stored.bytes().all(|b| b.is_ascii_digit()) => Self::Custom(id),
            _ => Self::Unicode(stored.to_owned()),
        }
    }
}

/// The partial emoji objects of these stored reaction emoji, keyed by their stored form: a
/// unicode emoji is `{id: null, name}`; a custom one `{id, name, animated}`, its name `null`
/// once the emoji is deleted (as Discord sends it). One query for all the custom ones.
pub async fn reaction_emojis<'a>(
    state: &crate::AppState,
    stored: impl IntoIterator<Item = &'a str>,
) -> crate::AppResult<std::collections::HashMap<String, super::message::ReactionEmoji>> {
    use super::message::ReactionEmoji;
    let keys: Vec<(String, ReactionKey)> =
        stored.into_iter().map(|s| (s.to_owned(), ReactionKey::from_stored(s))).collect();
    let mut custom: Vec<Snowflake> =
        keys.iter().filter_map(|(_, k)| if let ReactionKey::Custom(id) = k { Some(*id) } else { None }).collect();
    custom.sort();
    custom.dedup();
    let known = state.store.emojis_by_ids(&custom).await?;
    Ok(keys
        .into_iter()
        .map(|(stored, key)| {
            let emoji = match key {
                ReactionKey::Unicode(name) => ReactionEmoji { id: None, name: Some(name), animated: None },
                ReactionKey::Custom(id) => {
                    let found = known.iter().find(|e| e.id == id);
                    ReactionEmoji {
                        id: Some(id.to_string()),
                        name: found.map(|e| e.name.clone()),
                        animated: Some(found.is_some_and(|e| e.animated)),
                    }
                }
            };
            (stored, emoji)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reaction_emoji_is_unicode_or_a_custom_emojis_id() {
        assert_eq!(ReactionKey::parse("👍"), Some(ReactionKey::Unicode("👍".into())));
        assert_eq!(ReactionKey::parse("parrot:123"), Some(ReactionKey::Custom(Snowflake::new(123))));
        assert_eq!(ReactionKey::parse("a:parrot:123"), Some(ReactionKey::Custom(Snowflake::new(123))));
        for refused in ["", "a", "thumbsup", "parrot:", "parrot:x1", "👍 👍", "1"] {
            assert_eq!(ReactionKey::parse(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn stored_forms_read_back_as_they_were() {
        for key in [ReactionKey::Unicode("🎉".into()), ReactionKey::Custom(Snowflake::new(987654321))] {
            assert_eq!(ReactionKey::from_stored(&key.stored()), key);
        }
    }
}
