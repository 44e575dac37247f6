//! The messages an application posts through an interaction: its answer (callback 4, or the
//! "is thinking..." of 5 filled in later), follow-ups, and edits and deletions of them
//! through the token. An ephemeral one (flag 64) goes to the person alone and is never in the
//! channel's history; it is kept with the interaction, for its edits and components, until
//! the interaction expires.

use axum::http::StatusCode;
use parley_core::{ErrorCode, MessageType, Permissions, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName};
use parley_store::interactions::InteractionRecord;
use parley_store::messages::{MessageEdit, NewMessage};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::payload::StoredMetadata;
use super::{kind, token, unknown_interaction};
use crate::AppState;
use crate::access::{GuildAccess, unknown_channel};
use crate::channel_access::ChannelAccess;
use crate::error::{AppError, AppResult};
use crate::message_drafts::{AllowedMentions, POSTER_PERMISSIONS, check_content, check_flags, resolve_mentions};
use crate::objects::component::{ActionRow, check_message_components, components_json, stored_components};
use crate::objects::embed::{Embed, embeds_json, parse_embeds, stored_embeds};
use crate::objects::message::{self, MessageObject, flags, message_object, unknown_message};
use crate::objects::schema;
use crate::patch::nullable;

/// A message an application posts or edits through an interaction. In an edit, what is left
/// out stays; `embeds` or `components` set to `null` or `[]` are removed.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct InteractionMessage {
    /// Up to 4000 characters; a message needs content, an embed or a component.
    #[serde(default)]
    #[schema(value_type = Option<schema::MessageContent>)]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<Embed>>)]
    pub embeds: Option<Option<Vec<Embed>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<ActionRow>>)]
    pub components: Option<Option<Vec<ActionRow>>>,
    #[serde(default)]
    pub allowed_mentions: Option<AllowedMentions>,
    /// EPHEMERAL (64), SUPPRESS_EMBEDS (4), SUPPRESS_NOTIFICATIONS (4096).
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub flags: Option<i64>,
    #[serde(default)]
    pub tts: Option<bool>,
}

/// The interaction `id` if `token` is its own and it has not expired.
pub async fn by_id_and_token(state: &AppState, id: Snowflake, token: &str) -> AppResult<InteractionRecord> {
    let record = state.store.interaction(id).await?.ok_or_else(unknown_interaction)?;
    if !token::matches(token, &record.token_hash) || expired(&record) {
        return Err(unknown_interaction());
    }
    Ok(record)
}

/// The interaction of `application_id` whose token this is, if it has not expired.
pub async fn by_token(state: &AppState, application_id: Snowflake, token: &str) -> AppResult<InteractionRecord> {
    let hash = crate::auth::refresh_token::hash(token);
    let record = state.store.interaction_by_token_hash(&hash).await?.ok_or_else(unknown_interaction)?;
    if record.application_id != application_id || expired(&record) {
        return Err(unknown_interaction());
    }
    Ok(record)
}

fn expired(record: &InteractionRecord) -> bool {
    Timestamp::now().unix_millis() - record.created_at.unix_millis() > token::LIFETIME.as_millis() as i64
}

/// Where the application's bot posts its answers: it may post there even without SEND_MESSAGES
/// (as an interaction's answer may on Discord), but its mentions are its own: @everyone and
/// roles others cannot mention only with MENTION_EVERYONE in the channel. A bot no longer in
/// the guild answers nothing (its interactions end with it).
async fn destination(state: &AppState, interaction: &InteractionRecord) -> AppResult<ChannelAccess> {
    let app_id = interaction.application_id;
    if interaction.guild_id.is_none() {
        let channel = state.store.private_channel(interaction.channel_id).await?.ok_or_else(unknown_channel)?;
        return Ok(ChannelAccess::Private { channel, user_id: app_id });
    }
    let (snapshot, channel) =
        state.cache.channel(&state.store, interaction.channel_id).await?.ok_or_else(unknown_channel)?;
    let member = state.cache.member(&state.store, snapshot.guild.id, app_id).await?.ok_or_else(unknown_interaction)?;
    let access = GuildAccess::with_member(snapshot, member);
    let own = access.channel_permissions(&channel);
    let permissions = if own.contains(Permissions::MENTION_EVERYONE) {
        POSTER_PERMISSIONS
    } else {
        Permissions::from_bits_truncate(POSTER_PERMISSIONS.bits() & !Permissions::MENTION_EVERYONE.bits())
    };
    Ok(ChannelAccess::Guild { access, channel, permissions })
}

fn metadata(interaction: &InteractionRecord) -> StoredMetadata {
    StoredMetadata::from_json(&interaction.metadata).unwrap_or_default()
}

/// The message type of the interaction's answers: 20 for a slash command's, 23 for a user or
/// message command's, 0 otherwise.
fn answer_type(interaction: &InteractionRecord) -> MessageType {
    match (interaction.kind, metadata(interaction).command_kind) {
        (kind::APPLICATION_COMMAND, Some(1)) => MessageType::ChatInputCommand,
        (kind::APPLICATION_COMMAND, Some(_)) => MessageType::ContextMenuCommand,
        _ => MessageType::Default,
    }
}

/// Checks a message body as [`post`] (`whole`) or [`edit`] will, without posting: so a refused
/// body leaves the interaction unanswered. An edit may leave content out (it stays).
pub fn check(body: &InteractionMessage, whole: bool) -> AppResult<()> {
    let embeds = parse_embeds(body.embeds.clone().flatten().unwrap_or_default())?;
    let components = check_message_components(body.components.clone().flatten().unwrap_or_default(), &[])?;
    check_flags(body.flags, flags::ON_INTERACTION)?;
    let has_other = !embeds.is_empty() || !components.is_empty();
    if whole || body.content.is_some() {
        check_content(body.content.as_deref(), has_other || !whole)?;
    }
    Ok(())
}

/// Posts a message for the interaction: its answer or a follow-up. `loading`: the "is
/// thinking..." placeholder of a deferred answer.
pub async fn post(
    state: &AppState,
    interaction: &InteractionRecord,
    body: InteractionMessage,
    loading: bool,
) -> AppResult<Value> {
    let channel = destination(state, interaction).await?;
    let embeds = parse_embeds(body.embeds.clone().flatten().unwrap_or_default())?;
    let components = check_message_components(body.components.clone().flatten().unwrap_or_default(), &[])?;
    let message_flags = check_flags(body.flags, flags::ON_INTERACTION)?.unwrap_or(0);
    let content = if loading {
        String::new()
    } else {
        check_content(body.content.as_deref(), !embeds.is_empty() || !components.is_empty())?
    };
    let (mentions, mention_roles, mention_everyone) =
        resolve_mentions(state, &channel, &content, body.allowed_mentions.as_ref(), None).await?;
    let mut new = NewMessage {
        id: state.ids.next(),
        channel_id: channel.id(),
        guild_id: channel.guild_id(),
        author_id: interaction.application_id,
        content,
        nonce: None,
        kind: answer_type(interaction),
        reference_message_id: None,
        mention_everyone,
        mentions,
        mention_roles,
        embeds: embeds_json(&embeds),
        flags: message_flags | if loading { flags::LOADING } else { 0 },
        webhook: None,
        components: components_json(&components),
        application_id: Some(interaction.application_id),
        interaction: Some(interaction.metadata.clone()),
        attachments: "[]".to_owned(),
        attachment_ids: Vec::new(),
        now: Timestamp::now(),
        ack_author: false,
        outbox: None,
    };
    if message_flags & flags::EPHEMERAL != 0 {
        let object = message_object(state, &new.record(), None).await?;
        let value = serde_json::to_value(&object).unwrap_or_default();
        state.store.put_ephemeral_message(interaction.id, new.id, &value.to_string()).await?;
        state.publish(to_the_person(interaction, &object, EventName::MessageCreate));
        return Ok(value);
    }
    let announced =
        message_object(state, &new.record(), None).await?.event(EventName::MessageCreate, channel.audience());
    new.outbox = crate::outbox::keep(state, new.id.get(), &announced);
    let (record, _) = state.store.create_message(&new).await?;
    state.publish(match &new.outbox {
        Some(kept) => announced.through_outbox(kept.id),
        None => announced,
    });
    Ok(serde_json::to_value(message_object(state, &record, None).await?).unwrap_or_default())
}

/// An ephemeral message's MESSAGE_CREATE or MESSAGE_UPDATE: to the person alone.
fn to_the_person(interaction: &InteractionRecord, object: &MessageObject, name: EventName) -> Event {
    Event::new(name, Audience::Users(vec![interaction.user_id]), object.keys(), object)
}

/// Which message of the interaction: `@original`, or one by id.
#[derive(Clone, Copy, Debug)]
pub enum Which {
    Original,
    Id(Snowflake),
}

/// The message `which` names, if the interaction may touch it: its answer or a follow-up (an
/// ephemeral one is looked up among its own), or a component's message for `@original`.
enum Found {
    Stored(Box<parley_store::messages::MessageRecord>),
    Ephemeral(Value),
}

async fn find(state: &AppState, interaction: &InteractionRecord, which: Which) -> AppResult<Found> {
    let id = match which {
        Which::Original => interaction.original_message_id.map(Snowflake::from_i64).ok_or_else(unknown_message)?,
        Which::Id(id) => id,
    };
    if let Some(json) = state.store.ephemeral_message(interaction.id, id).await? {
        return Ok(Found::Ephemeral(serde_json::from_str(&json).unwrap_or_default()));
    }
    // A component's @original may be an ephemeral message of an earlier interaction.
    if let Some((_, json)) = state.store.ephemeral_message_of(id, interaction.user_id).await?
        && interaction.original_message_id == Some(id.as_i64())
    {
        return Ok(Found::Ephemeral(serde_json::from_str(&json).unwrap_or_default()));
    }
    let record = state.store.message(interaction.channel_id, id).await?.ok_or_else(unknown_message)?;
    let ours =
        record.interaction.as_deref().and_then(StoredMetadata::from_json).is_some_and(|m| m.id == interaction.id);
    let component_message = interaction.original_message_id == Some(id.as_i64())
        && record.application_id.is_none_or(|a| a == interaction.application_id.as_i64())
        && record.author_id == interaction.application_id;
    if !ours && !component_message {
        return Err(unknown_message());
    }
    Ok(Found::Stored(Box::new(record)))
}

pub async fn get(state: &AppState, interaction: &InteractionRecord, which: Which) -> AppResult<Value> {
    Ok(match find(state, interaction, which).await? {
        Found::Ephemeral(value) => value,
        Found::Stored(record) => serde_json::to_value(message_object(state, &record, None).await?).unwrap_or_default(),
    })
}

/// Edits a message of the interaction: content, embeds, components, SUPPRESS_EMBEDS. A
/// deferred answer's placeholder becomes the answer (its LOADING flag goes).
pub async fn edit(
    state: &AppState,
    interaction: &InteractionRecord,
    which: Which,
    body: InteractionMessage,
) -> AppResult<Value> {
    let found = find(state, interaction, which).await?;
    let channel = destination(state, interaction).await?;
    match found {
        Found::Stored(record) => {
            let embeds = match body.embeds.clone() {
                Some(new) => parse_embeds(new.unwrap_or_default())?,
                None => stored_embeds(&record.embeds),
            };
            let components = match body.components.clone() {
                Some(new) => check_message_components(new.unwrap_or_default(), &[])?,
                None => stored_components(&record.components),
            };
            let has_other = !embeds.is_empty() || !components.is_empty();
            let (content, mentions, mention_roles, mention_everyone) = match body.content.as_deref() {
                Some(text) => {
                    let content = check_content(Some(text), has_other)?;
                    let (mentions, roles, everyone) =
                        resolve_mentions(state, &channel, &content, body.allowed_mentions.as_ref(), None).await?;
                    (content, mentions, roles, everyone)
                }
                None if record.content.trim().is_empty() && !has_other => {
                    return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::CannotSendEmptyMessage));
                }
                None => (
                    record.content.clone(),
                    message::ids(&record.mentions),
                    message::ids(&record.mention_roles),
                    record.mention_everyone,
                ),
            };
            let was_loading = record.flags & flags::LOADING != 0;
            let suppress = check_flags(body.flags.map(|f| f & !flags::EPHEMERAL), flags::ON_EDIT)?
                .map_or(record.flags & flags::SUPPRESS_EMBEDS, |f| f & flags::SUPPRESS_EMBEDS);
            let edit = MessageEdit {
                content,
                attachments: record.attachments.clone(),
                added_attachments: Vec::new(),
                dropped_attachments: Vec::new(),
                released_until: Timestamp::now(),
                previous_attachments: record.attachments.clone(),
                embeds: embeds_json(&embeds),
                components: components_json(&components),
                flags: (record.flags & !(flags::LOADING | flags::SUPPRESS_EMBEDS)) | suppress,
                mentions,
                mention_roles,
                mention_everyone,
                // Filling in "is thinking..." is the answer arriving, not an edit of it.
                edited_at: if was_loading { None } else { Some(Timestamp::now()) },
                now: Timestamp::now(),
            };
            let updated = message::edited(
                state.store.edit_message(record.channel_id, record.id, record.author_id, &edit).await?,
            )?;
            let object = message_object(state, &updated, None).await?;
            state.publish(object.event(EventName::MessageUpdate, channel.audience()));
            Ok(serde_json::to_value(object).unwrap_or_default())
        }
        Found::Ephemeral(mut value) => {
            if let Some(text) = body.content.as_deref() {
                value["content"] = Value::String(check_content(Some(text), true)?);
            }
            if let Some(embeds) = body.embeds.clone() {
                value["embeds"] = serde_json::to_value(parse_embeds(embeds.unwrap_or_default())?).unwrap_or_default();
            }
            if let Some(components) = body.components.clone() {
                let checked = check_message_components(components.unwrap_or_default(), &[])?;
                value["components"] = serde_json::to_value(checked).unwrap_or_default();
            }
            let was_loading = value["flags"].as_i64().unwrap_or(0) & flags::LOADING != 0;
            value["flags"] = Value::from(value["flags"].as_i64().unwrap_or(0) & !flags::LOADING);
            if !was_loading {
                value["edited_timestamp"] = serde_json::to_value(Timestamp::now()).unwrap_or_default();
            }
            let empty = value["content"].as_str().unwrap_or_default().trim().is_empty()
                && value["embeds"].as_array().is_none_or(Vec::is_empty)
                && value["components"].as_array().is_none_or(Vec::is_empty);
            if empty {
                return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::CannotSendEmptyMessage));
            }
            let id = value["id"].as_str().and_then(|s| s.parse::<Snowflake>().ok()).ok_or_else(unknown_message)?;
            let owner = state.store.ephemeral_message_of(id, interaction.user_id).await?.map(|(i, _)| i);
            let owner = owner.map(Snowflake::from_i64).unwrap_or(interaction.id);
            state.store.put_ephemeral_message(owner, id, &value.to_string()).await?;
            let keys = parley_events::Keys::channel(channel.guild_id(), channel.id()).user(interaction.user_id);
            state.publish(Event::new(
                EventName::MessageUpdate,
                Audience::Users(vec![interaction.user_id]),
                keys,
                &value,
            ));
            Ok(value)
        }
    }
}

/// Deletes a message of the interaction.
pub async fn delete(state: &AppState, interaction: &InteractionRecord, which: Which) -> AppResult<()> {
    let channel = destination(state, interaction).await?;
    match find(state, interaction, which).await? {
        Found::Stored(record) => {
            state.store.delete_message(record.channel_id, record.id, None).await?;
            state.publish(channel.message_deleted(record.id));
        }
        Found::Ephemeral(value) => {
            let id = value["id"].as_str().and_then(|s| s.parse::<Snowflake>().ok()).ok_or_else(unknown_message)?;
            let owner = state.store.ephemeral_message_of(id, interaction.user_id).await?.map(|(i, _)| i);
            state.store.delete_ephemeral_message(owner.map(Snowflake::from_i64).unwrap_or(interaction.id), id).await?;
            // The one MESSAGE_DELETE, to the person alone.
            let mut deleted = channel.message_deleted(id);
            deleted.audience = Audience::Users(vec![interaction.user_id]);
            state.publish(deleted);
        }
    }
    Ok(())
}

/// An ephemeral message `user_id` was shown, as the message object (for its components).
pub async fn ephemeral_for(state: &AppState, id: Snowflake, user_id: Snowflake) -> AppResult<Option<Value>> {
    Ok(state.store.ephemeral_message_of(id, user_id).await?.and_then(|(_, json)| serde_json::from_str(&json).ok()))
}

/// Whether a message of this interaction is still "is thinking...": the first follow-up of a
/// deferred answer fills it in, as on Discord.
pub async fn still_loading(state: &AppState, interaction: &InteractionRecord) -> AppResult<bool> {
    if interaction.response != 5 {
        return Ok(false);
    }
    Ok(match find(state, interaction, Which::Original).await {
        Ok(Found::Stored(record)) => record.flags & flags::LOADING != 0,
        Ok(Found::Ephemeral(value)) => value["flags"].as_i64().unwrap_or(0) & flags::LOADING != 0,
        Err(_) => false,
    })
}
