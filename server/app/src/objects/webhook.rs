//! Channel webhooks in Discord's shape, their tokens, and WEBHOOKS_UPDATE.

use axum::http::StatusCode;
use parley_core::{ErrorCode, Snowflake};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::webhooks::WebhookRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::{PublicUser, schema};
use crate::error::AppError;

/// At most this many webhooks in one channel (Discord's limit).
pub const MAX_WEBHOOKS_PER_CHANNEL: i64 = 15;
/// A webhook's name: 1-80 characters.
pub const MAX_WEBHOOK_NAME_CHARS: usize = 80;

/// A new webhook token: 68 characters of base64url (51 random bytes), the length and alphabet
/// of Discord's, which discord.py's `Webhook.from_url` and discord.js's `WebhookClient` check.
pub fn new_token() -> String {
    crate::auth::refresh_token::random_code(51)
}

/// 404 (10015): no such webhook, or a token that is not its own (not told apart, so a token
/// cannot be guessed one webhook at a time).
pub fn unknown_webhook() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownWebhook)
}

/// Whether `given` is the webhook's token, compared in constant time.
pub fn token_matches(webhook: &WebhookRecord, given: &str) -> bool {
    let (a, b) = (webhook.token.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A webhook, in Discord's shape. `token` is shown to members with MANAGE_WEBHOOKS and on the
/// token routes (as on Discord: serenity's `Webhook::from_url` executes with the token that
/// `GET /webhooks/{id}/{token}` answers with).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// 1: an incoming webhook (the only kind Parley has).
    #[serde(rename = "type")]
    pub kind: u8,
    #[schema(value_type = schema::Snowflake)]
    pub guild_id: Snowflake,
    #[schema(value_type = schema::Snowflake)]
    pub channel_id: Snowflake,
    /// Who made it (not on the token routes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<PublicUser>,
    pub name: String,
    /// Always null: webhook avatars come with the files issue.
    pub avatar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Always null: no application made it.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub application_id: Option<Snowflake>,
}

impl WebhookObject {
    /// As a manager sees it: with its token and maker.
    pub fn managed(record: &WebhookRecord, creator: Option<PublicUser>) -> Self {
        Self { user: creator, ..Self::for_token_holder(record) }
    }

    /// As the token routes show it: with its token (the caller's own), without its maker.
    pub fn for_token_holder(record: &WebhookRecord) -> Self {
        Self {
            id: record.id,
            kind: 1,
            guild_id: record.guild_id,
            channel_id: record.channel_id,
            user: None,
            name: record.name.clone(),
            avatar: None,
            token: Some(record.token.clone()),
            application_id: None,
        }
    }
}

#[derive(Debug, Serialize)]
struct WebhooksUpdate {
    guild_id: Snowflake,
    channel_id: Snowflake,
}

/// WEBHOOKS_UPDATE: the channel's webhooks changed (to those who can see it, with the
/// GUILD_WEBHOOKS intent).
pub fn webhooks_update(guild_id: Snowflake, channel_id: Snowflake) -> Event {
    Event::new(
        EventName::WebhooksUpdate,
        Audience::Guild { guild_id, channel_id: Some(channel_id) },
        Keys::channel(Some(guild_id), channel_id),
        &WebhooksUpdate { guild_id, channel_id },
    )
}

/// A webhook's name: 1-80 characters, not only white space, with no control characters and no
/// invisible formatting ones (zero-width spaces, direction overrides), which would let a name
/// pass for another or scramble the text beside it.
pub fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_WEBHOOK_NAME_CHARS || name.chars().any(|c| c.is_control() || is_invisible_format(c)) {
        return Err(AppError::field(
            "name",
            "BASE_TYPE_BAD_LENGTH",
            format!(
                "Must be between 1 and {MAX_WEBHOOK_NAME_CHARS} in length, without control or invisible characters."
            ),
        ));
    }
    Ok(name.to_owned())
}

/// Unicode's invisible format characters that matter in a name: zero-width ones, direction
/// marks, embeddings, overrides and isolates, the word joiner and the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// The webhook `id` if `token` is its token; 404 (10015) otherwise.
pub async fn by_token(state: &crate::AppState, id: Snowflake, token: &str) -> Result<WebhookRecord, AppError> {
    match state.store.webhook(id).await? {
        Some(webhook) if token_matches(&webhook, token) => Ok(webhook),
        _ => Err(unknown_webhook()),
    }
}
