//! Posting through a webhook with its token (`POST /webhooks/{id}/{token}`, with `wait` and
//! `thread_id`, and a `username` or `avatar_url` for this message), and reading, editing or
//! deleting what it posted. The webhook may post where its channel is, in the channel or one
//! of its threads, whoever made it and whatever became of them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parley_app::AppState;
use parley_app::access::{GuildAccess, unknown_channel};
use parley_app::channel_access::ChannelAccess;
use parley_app::error::{AppError, AppResult};
use parley_app::interactions::messages::{self as interaction_messages, InteractionMessage, Which};
use parley_app::interactions::token;
use parley_app::message_drafts::{AllowedMentions, POSTER_PERMISSIONS, check_content, check_flags, resolve_mentions};
use parley_app::objects::component::ActionRow;
use parley_app::objects::embed::{Embed, embeds_json, is_web_url, parse_embeds, stored_embeds};
use parley_app::objects::message::{self, MessageObject, find_message, flags, message_object, unknown_message};
use parley_app::objects::webhook::by_token;
use parley_app::patch::nullable;
use parley_core::{ChannelKind, ErrorCode, FieldErrors, MessageType, Snowflake, Timestamp};
use parley_events::EventName;
use parley_store::interactions::InteractionRecord;
use parley_store::members::MemberRecord;
use parley_store::messages::{MessageEdit, MessageRecord, NewMessage, WebhookAuthor};
use parley_store::webhooks::WebhookRecord;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::{self, Query};
use crate::extract::{Json, Path};
use crate::models::{ErrorBody, JsonBody, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(execute_webhook))
        .routes(routes!(get_webhook_message, edit_webhook_message, delete_webhook_message))
        .routes(routes!(get_original_message, edit_original_message, delete_original_message))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExecuteQuery {
    /// `true`: answer with the message made (200) instead of 204.
    #[param(value_type = Option<bool>)]
    pub wait: Option<String>,
    /// Post in this thread of the webhook's channel.
    #[param(value_type = Option<schema::Snowflake>)]
    pub thread_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ThreadQuery {
    /// The message is in this thread of the webhook's channel.
    #[param(value_type = Option<schema::Snowflake>)]
    pub thread_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExecuteWebhookRequest {
    /// Up to 4000 characters; needed unless there is an embed.
    #[schema(value_type = Option<schema::MessageContent>)]
    pub content: Option<String>,
    /// This message's author name instead of the webhook's (1-80 characters).
    #[schema(value_type = Option<schema::WebhookName>)]
    pub username: Option<String>,
    /// This message's author picture (an http(s) URL; shown as a link for now).
    #[schema(value_type = Option<schema::WebUrl>)]
    pub avatar_url: Option<String>,
    pub tts: Option<bool>,
    /// Up to 10 embeds, as on messages.
    pub embeds: Option<Vec<Embed>>,
    pub allowed_mentions: Option<AllowedMentions>,
    /// SUPPRESS_EMBEDS (4) and SUPPRESS_NOTIFICATIONS (4096); an interaction's follow-up may
    /// also be EPHEMERAL (64).
    #[schema(value_type = Option<schema::FollowUpFlags>)]
    pub flags: Option<i64>,
    /// Buttons and select menus: an interaction's follow-ups only (plain webhooks post none).
    pub components: Option<Vec<ActionRow>>,
}

impl ExecuteWebhookRequest {
    fn into_interaction_message(self) -> InteractionMessage {
        InteractionMessage {
            content: self.content,
            embeds: self.embeds.map(Some),
            components: self.components.map(Some),
            allowed_mentions: self.allowed_mentions,
            flags: self.flags,
            tts: self.tts,
        }
    }
}

/// Where the webhook posts: its channel, or a thread of it (`thread_id`), as a guild channel
/// access in which the webhook acts with [`POSTER_PERMISSIONS`].
async fn destination(state: &AppState, webhook: &WebhookRecord, thread_id: Option<&str>) -> AppResult<ChannelAccess> {
    let mut errors = FieldErrors::new();
    let thread = query::id(&mut errors, "thread_id", thread_id);
    errors.into_result()?;
    let target = thread.unwrap_or(webhook.channel_id);
    let (snapshot, channel) = state.cache.channel(&state.store, target).await?.ok_or_else(unknown_channel)?;
    let belongs = match thread {
        None => channel.id == webhook.channel_id,
        Some(_) => channel.kind == ChannelKind::PublicThread && channel.parent() == Some(webhook.channel_id),
    };
    if !belongs {
        return Err(AppError::field(
            "thread_id",
            "WEBHOOK_THREAD_INVALID",
            "Must be a thread of the webhook's channel.",
        ));
    }
    // The webhook is no member: it stands in the guild as one with no roles, for mentions.
    let member = MemberRecord {
        guild_id: snapshot.guild.id,
        user_id: webhook.id,
        nick: None,
        joined_at: webhook.created_at,
        communication_disabled_until: None,
        role_ids: Vec::new(),
        mute: false,
        deaf: false,
    };
    let access = GuildAccess::with_member(snapshot, Arc::new(member));
    Ok(ChannelAccess::Guild { access, channel, permissions: POSTER_PERMISSIONS })
}

fn check_username(name: Option<&str>, webhook: &WebhookRecord) -> AppResult<String> {
    match name {
        None => Ok(webhook.name.clone()),
        Some(name) => parley_app::objects::webhook::check_name(name)
            .map_err(|_| AppError::field("username", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length.")),
    }
}

fn check_avatar_url(url: Option<&str>) -> AppResult<Option<String>> {
    let Some(url) = url else { return Ok(None) };
    if is_web_url(url) {
        Ok(Some(url.to_owned()))
    } else {
        Err(AppError::field("avatar_url", "URL_TYPE_INVALID_URL", "Not a well formed http(s) URL."))
    }
}

/// Post a message through the webhook (no sign-in: the token is the credential). `wait=true`
/// answers with the message; otherwise 204.
#[utoipa::path(post, path = "/webhooks/{webhook_id}/{webhook_token}", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path), ExecuteQuery),
    request_body = ExecuteWebhookRequest,
    responses(
        (status = 200, description = "Posted (with `wait=true`)", body = MessageObject),
        (status = 204, description = "Posted"),
        (status = 400, description = "Neither content nor embeds (50006); bad fields, a thread_id not of its channel (50035); an archived thread (50083); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown webhook, or not its token (10015)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn execute_webhook(
    State(state): State<AppState>,
    Path((id, token)): Path<(Snowflake, String)>,
    Query(params): Query<ExecuteQuery>,
    Json(body): Json<ExecuteWebhookRequest>,
) -> AppResult<Response> {
    let wait = match params.wait.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(AppError::field("wait", "BOOLEAN_TYPE_COERCE", "Must be true or false.")),
    };
    if token::is_interaction_token(&token) {
        let interaction = interaction_messages::by_token(&state, id, &token).await?;
        // Follow-ups come after the answer (Discord says the same).
        if interaction.response == 0 {
            return Err(parley_app::objects::webhook::unknown_webhook());
        }
        let body = body.into_interaction_message();
        let message = if interaction_messages::still_loading(&state, &interaction).await? {
            // The first follow-up of a deferred answer fills in "is thinking...".
            interaction_messages::edit(&state, &interaction, Which::Original, body).await?
        } else {
            interaction_messages::post(&state, &interaction, body, false).await?
        };
        return Ok(if wait { Json(message).into_response() } else { StatusCode::NO_CONTENT.into_response() });
    }
    if body.components.as_ref().is_some_and(|c| !c.is_empty()) {
        return Err(AppError::field(
            "components",
            "COMPONENTS_NOT_INTERACTION",
            "Only an application's interaction follow-ups post components.",
        ));
    }
    if body.flags.is_some_and(|f| f & flags::EPHEMERAL != 0) {
        return Err(AppError::field(
            "flags",
            "EPHEMERAL_NOT_INTERACTION",
            "Only an interaction's follow-ups can be ephemeral.",
        ));
    }
    let webhook = by_token(&state, id, &token).await?;
    let channel = destination(&state, &webhook, params.thread_id.as_deref()).await?;
    if channel.archived() {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::ThreadArchived));
    }
    let embeds = parse_embeds(body.embeds.clone().unwrap_or_default())?;
    let content = check_content(body.content.as_deref(), !embeds.is_empty())?;
    let message_flags = check_flags(body.flags, flags::ON_CREATE)?.unwrap_or(0);
    let name = check_username(body.username.as_deref(), &webhook)?;
    let avatar_url = check_avatar_url(body.avatar_url.as_deref())?;
    let (mentions, mention_roles, mention_everyone) =
        resolve_mentions(&state, &channel, &content, body.allowed_mentions.as_ref(), None).await?;
    let mut new = NewMessage {
        id: state.ids.next(),
        channel_id: channel.id(),
        guild_id: channel.guild_id(),
        author_id: webhook.id,
        content,
        nonce: None,
        kind: MessageType::Default,
        reference_message_id: None,
        mention_everyone,
        mentions,
        mention_roles,
        embeds: embeds_json(&embeds),
        flags: message_flags,
        webhook: Some(WebhookAuthor { id: webhook.id, name, avatar_url }),
        components: "[]".to_owned(),
        application_id: None,
        interaction: None,
        attachments: "[]".to_owned(),
        attachment_ids: Vec::new(),
        now: Timestamp::now(),
        ack_author: false,
        outbox: None,
    };
    // As for any message: announced from the outbox if this node stops before publishing.
    let announced =
        message_object(&state, &new.record(), None).await?.event(EventName::MessageCreate, channel.audience());
    new.outbox = parley_app::outbox::keep(&state, new.id.get(), &announced);
    let (record, _) = state.store.create_message(&new).await?;
    state.publish(match &new.outbox {
        Some(kept) => announced.through_outbox(kept.id),
        None => announced,
    });
    if wait {
        Ok(Json(message_object(&state, &record, None).await?).into_response())
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

/// One of the webhook's own messages, where it is.
async fn own_message(
    state: &AppState,
    ids: (Snowflake, String, Snowflake),
    thread_id: Option<&str>,
) -> AppResult<(ChannelAccess, MessageRecord)> {
    let (id, token, message_id) = ids;
    let webhook = by_token(state, id, &token).await?;
    let channel = destination(state, &webhook, thread_id).await?;
    let record = find_message(state, channel.id(), message_id).await?;
    if record.webhook_id != Some(webhook.id.as_i64()) {
        return Err(unknown_message());
    }
    Ok((channel, record))
}

/// A message the webhook posted.
#[utoipa::path(get, path = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path), ("message_id" = schema::Snowflake, Path), ThreadQuery),
    responses(
        (status = 200, description = "OK", body = MessageObject),
        (status = 400, description = "A thread_id not of its channel (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown webhook or token (10015); a message it did not post (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_webhook_message(
    State(state): State<AppState>,
    Path(ids): Path<(Snowflake, String, Snowflake)>,
    Query(params): Query<ThreadQuery>,
) -> AppResult<Json<serde_json::Value>> {
    if token::is_interaction_token(&ids.1) {
        let interaction = interaction_messages::by_token(&state, ids.0, &ids.1).await?;
        return Ok(Json(interaction_messages::get(&state, &interaction, Which::Id(ids.2)).await?));
    }
    let (_, record) = own_message(&state, ids, params.thread_id.as_deref()).await?;
    Ok(Json(serde_json::to_value(message_object(&state, &record, None).await?).unwrap_or_default()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditWebhookMessageRequest {
    /// The new content; left out, it stays.
    #[schema(value_type = Option<schema::MessageContent>)]
    pub content: Option<String>,
    /// The new embeds (`[]` or `null` removes them); left out, they stay.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<Embed>>)]
    pub embeds: Option<Option<Vec<Embed>>>,
    pub allowed_mentions: Option<AllowedMentions>,
    /// An interaction's messages: the new components (`[]` or `null` removes them).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<ActionRow>>)]
    pub components: Option<Option<Vec<ActionRow>>>,
    /// An interaction's messages: SUPPRESS_EMBEDS (4) on or off.
    #[schema(value_type = Option<schema::MessageFlagsInput>)]
    pub flags: Option<i64>,
}

impl EditWebhookMessageRequest {
    fn into_interaction_message(self) -> InteractionMessage {
        InteractionMessage {
            content: self.content,
            embeds: self.embeds,
            components: self.components,
            allowed_mentions: self.allowed_mentions,
            flags: self.flags,
            tts: None,
        }
    }
}

/// Edit a message the webhook posted (content and embeds; sets `edited_timestamp`).
#[utoipa::path(patch, path = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path), ("message_id" = schema::Snowflake, Path), ThreadQuery),
    request_body = EditWebhookMessageRequest,
    responses(
        (status = 200, description = "OK", body = MessageObject),
        (status = 400, description = "Left with neither content nor embeds (50006); bad fields (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown webhook or token (10015); a message it did not post (10008)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn edit_webhook_message(
    State(state): State<AppState>,
    Path(ids): Path<(Snowflake, String, Snowflake)>,
    Query(params): Query<ThreadQuery>,
    Json(body): Json<EditWebhookMessageRequest>,
) -> AppResult<Json<serde_json::Value>> {
    if token::is_interaction_token(&ids.1) {
        let interaction = interaction_messages::by_token(&state, ids.0, &ids.1).await?;
        let body = body.into_interaction_message();
        return Ok(Json(interaction_messages::edit(&state, &interaction, Which::Id(ids.2), body).await?));
    }
    if body.components.as_ref().is_some_and(|c| c.as_ref().is_some_and(|c| !c.is_empty())) {
        return Err(AppError::field(
            "components",
            "COMPONENTS_NOT_INTERACTION",
            "Only an application's interaction follow-ups post components.",
        ));
    }
    let (channel, record) = own_message(&state, ids, params.thread_id.as_deref()).await?;
    let embeds = match body.embeds.clone() {
        Some(new) => parse_embeds(new.unwrap_or_default())?,
        None => stored_embeds(&record.embeds),
    };
    let (content, mentions, mention_roles, mention_everyone) = match body.content.as_deref() {
        Some(text) => {
            let content = check_content(Some(text), !embeds.is_empty())?;
            let (mentions, roles, everyone) =
                resolve_mentions(&state, &channel, &content, body.allowed_mentions.as_ref(), None).await?;
            (content, mentions, roles, everyone)
        }
        None if record.content.trim().is_empty() && embeds.is_empty() => {
            return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::CannotSendEmptyMessage));
        }
        // The text stays, and so do the mentions it was posted with.
        None => {
            let (users, roles) = (message::ids(&record.mentions), message::ids(&record.mention_roles));
            (record.content.clone(), users, roles, record.mention_everyone)
        }
    };
    let edit = MessageEdit {
        content,
        attachments: record.attachments.clone(),
        added_attachments: Vec::new(),
        dropped_attachments: Vec::new(),
        released_until: Timestamp::now(),
        previous_attachments: record.attachments.clone(),
        embeds: embeds_json(&embeds),
        components: record.components.clone(),
        flags: record.flags,
        mentions,
        mention_roles,
        mention_everyone,
        edited_at: Some(Timestamp::now()),
        now: Timestamp::now(),
    };
    let updated = parley_app::objects::message::edited(
        state.store.edit_message(channel.id(), record.id, record.author_id, &edit).await?,
    )?;
    let object = message_object(&state, &updated, None).await?;
    state.publish(object.event(EventName::MessageUpdate, channel.audience()));
    Ok(Json(serde_json::to_value(object).unwrap_or_default()))
}

/// Delete a message the webhook posted.
#[utoipa::path(delete, path = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path), ("message_id" = schema::Snowflake, Path), ThreadQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A thread_id not of its channel (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown webhook or token (10015); a message it did not post (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_webhook_message(
    State(state): State<AppState>,
    Path(ids): Path<(Snowflake, String, Snowflake)>,
    Query(params): Query<ThreadQuery>,
) -> AppResult<StatusCode> {
    if token::is_interaction_token(&ids.1) {
        let interaction = interaction_messages::by_token(&state, ids.0, &ids.1).await?;
        interaction_messages::delete(&state, &interaction, Which::Id(ids.2)).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    let (channel, record) = own_message(&state, ids, params.thread_id.as_deref()).await?;
    state.store.delete_message(channel.id(), record.id, None).await?;
    state.publish(channel.message_deleted(record.id));
    Ok(StatusCode::NO_CONTENT)
}

/// The interaction whose token this is: `@original` names its answer (or, for a component,
/// the component's message); a plain webhook has no `@original`.
async fn original_of(state: &AppState, id: Snowflake, token: &str) -> AppResult<InteractionRecord> {
    if !token::is_interaction_token(token) {
        return Err(unknown_message());
    }
    interaction_messages::by_token(state, id, token).await
}

/// An interaction's answer (`webhook_id` is the application's id, the token the
/// interaction's).
#[utoipa::path(get, path = "/webhooks/{webhook_id}/{webhook_token}/messages/@original", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path), ThreadQuery),
    responses(
        (status = 200, description = "OK", body = MessageObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown interaction or token, or older than 15 minutes (10062); no answer yet, or not an interaction's token (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_original_message(
    State(state): State<AppState>,
    Path((id, token)): Path<(Snowflake, String)>,
    Query(_thread): Query<ThreadQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let interaction = original_of(&state, id, &token).await?;
    Ok(Json(interaction_messages::get(&state, &interaction, Which::Original).await?))
}

/// Edit an interaction's answer: content, embeds, components; fills in "is thinking...".
#[utoipa::path(patch, path = "/webhooks/{webhook_id}/{webhook_token}/messages/@original", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path), ThreadQuery),
    request_body = EditWebhookMessageRequest,
    responses(
        (status = 200, description = "OK", body = MessageObject),
        (status = 400, description = "Left with nothing to show (50006); bad fields (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown interaction or token, or older than 15 minutes (10062); no answer yet, or not an interaction's token (10008)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn edit_original_message(
    State(state): State<AppState>,
    Path((id, token)): Path<(Snowflake, String)>,
    Query(_thread): Query<ThreadQuery>,
    Json(body): Json<EditWebhookMessageRequest>,
) -> AppResult<Json<serde_json::Value>> {
    let interaction = original_of(&state, id, &token).await?;
    let body = body.into_interaction_message();
    Ok(Json(interaction_messages::edit(&state, &interaction, Which::Original, body).await?))
}

/// Delete an interaction's answer.
#[utoipa::path(delete, path = "/webhooks/{webhook_id}/{webhook_token}/messages/@original", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path), ThreadQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown interaction or token, or older than 15 minutes (10062); no answer yet, or not an interaction's token (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_original_message(
    State(state): State<AppState>,
    Path((id, token)): Path<(Snowflake, String)>,
    Query(_thread): Query<ThreadQuery>,
) -> AppResult<StatusCode> {
    let interaction = original_of(&state, id, &token).await?;
    interaction_messages::delete(&state, &interaction, Which::Original).await?;
    Ok(StatusCode::NO_CONTENT)
}
