//! Message objects in Discord's shape, with their authors, mentions and reactions.

use axum::http::StatusCode;
use parley_core::{ErrorCode, MessageType, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::messages::MessageRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::attachment::{AttachmentObject, attachment_objects};
use super::component::{ActionRow, stored_components};
use super::embed::{Embed, stored_embeds};
use super::{PublicUser, schema};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::interactions::payload::{InteractionMetadata, MessageInteraction, StoredMetadata};

/// The message `id` in channel `channel_id`, or 404 (10008).
pub async fn find_message(state: &AppState, channel_id: Snowflake, id: Snowflake) -> AppResult<MessageRecord> {
    state.store.message(channel_id, id).await?.ok_or_else(unknown_message)
}

pub fn unknown_message() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownMessage, "Unknown Message")
}

/// The edited message, or why there is none: gone (404), or its files changed by another edit
/// at that very moment (503: nothing was written; the edit may be sent again).
pub fn edited(outcome: parley_store::messages::EditOutcome) -> Result<parley_store::messages::MessageRecord, AppError> {
    use parley_store::messages::EditOutcome;
    match outcome {
        EditOutcome::Edited(record) => Ok(*record),
        EditOutcome::Gone => Err(unknown_message()),
        EditOutcome::Changed => Err(AppError::with_message(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            "The message was being edited elsewhere at the same moment; nothing changed. Send the edit again.",
        )),
    }
}

/// Discord's message flags that Parley gives meaning to.
pub mod flags {
    /// Do not show the message's embeds.
    pub const SUPPRESS_EMBEDS: i64 = 1 << 2;
    /// Nobody is notified of it (Discord's `@silent`): unread, but no sound or alert.
    pub const SUPPRESS_NOTIFICATIONS: i64 = 1 << 12;
    /// Only the person who used an interaction sees it, until they reload.
    pub const EPHEMERAL: i64 = 1 << 6;
    /// An interaction's answer still to come: "is thinking...".
    pub const LOADING: i64 = 1 << 7;
    /// What a new message may carry.
    pub const ON_CREATE: i64 = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS;
    /// What an interaction's answer or follow-up may carry.
    pub const ON_INTERACTION: i64 = ON_CREATE | EPHEMERAL;
    /// What an edit may change: the rest stay as they were.
    pub const ON_EDIT: i64 = SUPPRESS_EMBEDS;
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageReference {
    /// 0: a reply (Discord's DEFAULT reference); Parley has no forwards.
    #[serde(rename = "type")]
    pub kind: u8,
    #[schema(value_type = schema::Snowflake)]
    pub message_id: Snowflake,
    #[schema(value_type = schema::Snowflake)]
    pub channel_id: Snowflake,
    /// Absent in a DM, as on Discord.
    #[schema(value_type = Option<schema::Snowflake>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<Snowflake>,
}

/// A message, in Discord's shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    #[schema(value_type = schema::Snowflake)]
    pub channel_id: Snowflake,
    #[schema(value_type = Option<schema::Snowflake>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<Snowflake>,
    pub author: PublicUser,
    /// A webhook's message: the webhook's id (also the author's).
    #[schema(value_type = Option<schema::Snowflake>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<Snowflake>,
    pub content: String,
    #[schema(value_type = String, format = DateTime)]
    pub timestamp: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub edited_timestamp: Option<Timestamp>,
    pub tts: bool,
    pub mention_everyone: bool,
    pub mentions: Vec<PublicUser>,
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub mention_roles: Vec<Snowflake>,
    pub attachments: Vec<AttachmentObject>,
    /// Rich embeds; none while the message has SUPPRESS_EMBEDS (they are kept, and come back
    /// when the flag is cleared).
    pub embeds: Vec<Embed>,
    pub pinned: bool,
    /// Discord's message flags: `1 << 2` SUPPRESS_EMBEDS, `1 << 12` SUPPRESS_NOTIFICATIONS.
    pub flags: i64,
    /// 0 default, 19 reply.
    #[serde(rename = "type")]
    #[schema(value_type = i64)]
    pub kind: MessageType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_reference: Option<MessageReference>,
    /// Present when the message has reactions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionObject>,
    /// Action rows of buttons and select menus (an application's messages only).
    pub components: Vec<ActionRow>,
    /// The application whose bot or interaction posted it.
    #[schema(value_type = Option<schema::Snowflake>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_id: Option<Snowflake>,
    /// An interaction's answer: who used what.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction_metadata: Option<InteractionMetadata>,
    /// A command's answer, as Discord's older field has it: who used which command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction: Option<MessageInteraction>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReactionEmoji {
    /// A custom emoji's id; null for a unicode emoji.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub id: Option<String>,
    /// The unicode emoji, or the custom emoji's name (null once it was deleted).
    pub name: Option<String>,
    /// Custom emoji only: whether it moves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub animated: Option<bool>,
}

/// A reaction's count split by kind, as Discord sends it (Parley has no super reactions).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionCountDetails {
    pub burst: i64,
    pub normal: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionObject {
    pub count: i64,
    pub count_details: ReactionCountDetails,
    /// Whether the viewer is among them.
    pub me: bool,
    /// Always false: no super reactions.
    pub me_burst: bool,
    pub emoji: ReactionEmoji,
    /// Always empty: no super reactions.
    pub burst_colors: Vec<String>,
}

/// The ids in a stored JSON array of ids (a message's mentions or mentioned roles).
pub fn ids(json: &str) -> Vec<Snowflake> {
    serde_json::from_str(json).unwrap_or_default()
}

impl MessageObject {
    /// Its event keys: its channel (and guild), its author and the users it mentions (who, as
    /// bots, get its content without the MESSAGE_CONTENT intent; nobody else may be added, see
    /// `Keys::concerns`).
    pub fn keys(&self) -> Keys {
        Keys::channel(self.guild_id, self.channel_id).user(self.author.id).users(self.mentions.iter().map(|u| u.id))
    }

    /// A MESSAGE_CREATE or MESSAGE_UPDATE (`name`) of it, to `audience`.
    pub fn event(&self, name: EventName, audience: Audience) -> Event {
        Event::new(name, audience, self.keys(), self)
    }
}

/// Who a message shows as written by: its author; a webhook's message shows the name it was
/// posted under (as Discord shows it: the webhook's id, `bot`, discriminator `0000`).
fn author(m: &MessageRecord, stored: Option<PublicUser>) -> PublicUser {
    let mut author = stored.unwrap_or_else(|| PublicUser {
        id: m.author_id,
        username: "deleted_user".into(),
        discriminator: "0",
        global_name: None,
        avatar: None,
        bot: false,
        public_flags: 0,
        flags: 0,
        primary_guild: None,
    });
    if let Some(name) = &m.webhook_name {
        author.username = name.clone();
        author.global_name = None;
        author.discriminator = "0000";
        author.bot = true;
    }
    author
}

/// Builds message objects with their authors and mentioned users (one query) and their
/// reactions as `viewer` sees them (one more).
/// `viewer: None` skips loading reactions, for a message just created (it has none yet).
pub async fn message_objects(
    state: &AppState,
    records: &[MessageRecord],
    viewer: Option<Snowflake>,
) -> AppResult<Vec<MessageObject>> {
    let metadata: Vec<Option<StoredMetadata>> =
        records.iter().map(|m| m.interaction.as_deref().and_then(StoredMetadata::from_json)).collect();
    let mut wanted: Vec<Snowflake> = records.iter().map(|m| m.author_id).collect();
    wanted.extend(records.iter().flat_map(|m| ids(&m.mentions)));
    wanted.extend(metadata.iter().flatten().flat_map(|i| [Some(i.user_id), i.target_user_id]).flatten());
    wanted.sort();
    wanted.dedup();
    let users = state.store.users_by_ids(&wanted).await?;
    let reactions = match viewer {
        Some(viewer) => state.store.reaction_counts(&records.iter().map(|m| m.id).collect::<Vec<_>>(), viewer).await?,
        None => Vec::new(),
    };
    let emojis = super::emoji::reaction_emojis(state, reactions.iter().map(|r| r.emoji.as_str())).await?;
    let user = |id: Snowflake| users.iter().find(|u| u.id == id).map(PublicUser::from);
    Ok(records
        .iter()
        .zip(&metadata)
        .map(|(m, interaction)| MessageObject {
            id: m.id,
            channel_id: m.channel_id,
            guild_id: m.guild_id.map(Snowflake::from_i64),
            author: author(m, user(m.author_id)),
            webhook_id: m.webhook_id.map(Snowflake::from_i64),
            content: m.content.clone(),
            timestamp: m.created_at,
            edited_timestamp: m.edited_at.map(Timestamp::from_unix_millis),
            tts: false,
            mention_everyone: m.mention_everyone,
            mentions: ids(&m.mentions).into_iter().filter_map(user).collect(),
            mention_roles: ids(&m.mention_roles),
            attachments: attachment_objects(state, m.channel_id, &m.attachments),
            embeds: if m.flags & flags::SUPPRESS_EMBEDS != 0 { Vec::new() } else { stored_embeds(&m.embeds) },
            pinned: m.pinned,
            flags: m.flags,
            kind: m.kind,
            nonce: m.nonce.clone(),
            message_reference: m.reference_message_id.map(|id| MessageReference {
                kind: 0,
                message_id: Snowflake::from_i64(id),
                channel_id: m.channel_id,
                guild_id: m.guild_id.map(Snowflake::from_i64),
            }),
            reactions: reactions
                .iter()
                .filter(|r| r.message_id == m.id)
                .map(|r| ReactionObject {
                    count: r.count,
                    count_details: ReactionCountDetails { burst: 0, normal: r.count },
                    me: r.me,
                    me_burst: false,
                    emoji: emojis.get(&r.emoji).cloned().unwrap_or(ReactionEmoji {
                        id: None,
                        name: Some(r.emoji.clone()),
                        animated: None,
                    }),
                    burst_colors: Vec::new(),
                })
                .collect(),
            components: stored_components(&m.components),
            application_id: m.application_id.map(Snowflake::from_i64),
            interaction_metadata: interaction.as_ref().and_then(|i| {
                Some(InteractionMetadata {
                    id: i.id,
                    kind: i.kind,
                    user: user(i.user_id)?,
                    authorizing_integration_owners: i.owners(),
                    interacted_message_id: i.interacted_message_id,
                    target_user: i.target_user_id.and_then(user),
                    target_message_id: i.target_message_id,
                })
            }),
            interaction: interaction.as_ref().and_then(|i| {
                Some(MessageInteraction { id: i.id, kind: i.kind, name: i.name.clone()?, user: user(i.user_id)? })
            }),
        })
        .collect())
}

pub async fn message_object(
    state: &AppState,
    record: &MessageRecord,
    viewer: Option<Snowflake>,
) -> AppResult<MessageObject> {
    message_objects(state, std::slice::from_ref(record), viewer).await?.pop().ok_or_else(unknown_message)
}

/// MESSAGE_DELETE_BULK's body: the messages gone from one channel (`guild_id` absent in a DM,
/// as Discord sends it).
#[derive(Debug, Serialize)]
pub struct MessageDeleteBulk {
    pub ids: Vec<Snowflake>,
    pub channel_id: Snowflake,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<Snowflake>,
}
