//! Messages in guild channels and private channels (DMs, group DMs): send (idempotent by
//! nonce, replies, mentions, slowmode), read one, read history pages, edit (author only),
//! delete (author or MANAGE_MESSAGES).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_app::AppState;
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::channel_access::ChannelAccess;
use parley_app::channels::thread_members;
use parley_app::error::{AppError, AppResult};
use parley_app::limits::window::RateLimited;
use parley_app::message_drafts::{AllowedMentions, MAX_NONCE_CHARS, check_content, check_flags, resolve_mentions};
use parley_app::objects::attachment::{StoredAttachment, stored_json};
use parley_app::objects::component::{ActionRow, check_message_components, components_json, stored_components};
use parley_app::objects::embed::{Embed, embeds_json, parse_embeds, stored_embeds};
use parley_app::objects::message::{
    MessageObject, find_message, flags, ids, message_object, message_objects, unknown_message,
};
use parley_app::patch::nullable;
use parley_app::relationships::require_dm_reach;
use parley_core::{ChannelKind, ErrorCode, FieldErrors, MessageType, Permissions, Snowflake, Timestamp};
use parley_events::EventName;
use parley_store::messages::{EditOutcome, MessageEdit, NewMessage, Page};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::multipart::{self, FormFile, WithFiles};
use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};
use parley_app::private_channels::announce;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_message, list_messages)).routes(routes!(
        get_message,
        edit_message,
        delete_message
    ))
}

/// Discord sends nonces as strings or integers.
fn nonce<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Str(String),
    }
    Ok(Option::<Raw>::deserialize(d)?.map(|raw| match raw {
        Raw::Int(i) => i.to_string(),
        Raw::Str(s) => s,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReferenceRequest {
    #[schema(value_type = schema::Snowflake)]
    pub message_id: Snowflake,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateMessageRequest {
    /// Up to 4000 characters; not only whitespace.
    #[schema(value_type = schema::MessageContent)]
    pub content: Option<String>,
    /// Makes a retried send idempotent: the same nonce from the same author in the same
    /// channel returns the first message instead of making another. Up to 25 characters.
    #[serde(default, deserialize_with = "nonce")]
    #[schema(value_type = Option<String>, max_length = 25)]
    pub nonce: Option<String>,
    /// Reply to a message in the same channel.
    pub message_reference: Option<ReferenceRequest>,
    pub allowed_mentions: Option<AllowedMentions>,
    pub tts: Option<bool>,
    /// Up to 10 rich embeds, 6000 characters in all (Discord's limits). A message needs
    /// content or an embed.
    pub embeds: Option<Vec<Embed>>,
    /// SUPPRESS_EMBEDS (`1 << 2`) and SUPPRESS_NOTIFICATIONS (`1 << 12`); no other flag may
    /// be set.
    #[schema(value_type = Option<schema::MessageFlagsInput>)]
    pub flags: Option<i64>,
    /// Up to 5 action rows of buttons or a select menu: bots only (people's messages have
    /// none), as on Discord.
    pub components: Option<Vec<ActionRow>>,
    /// With a multipart body: each file's name and alt text, by the index of its `files[n]`
    /// part (`id: n`).
    pub attachments: Option<Vec<AttachmentRequest>>,
}

/// A file's details in a send.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AttachmentRequest {
    /// The index `n` of its `files[n]` part (a number or its digits as a string); for a file
    /// sent ahead, the id given with its upload URL.
    #[schema(value_type = schema::Snowflake)]
    #[serde(default, deserialize_with = "nonce")]
    pub id: Option<String>,
    /// A name to keep it under instead of the part's (a `SPOILER_` prefix hides it).
    pub filename: Option<String>,
    /// Alt text, up to 1024 characters.
    pub description: Option<String>,
    /// A file sent ahead (`POST /channels/{channel_id}/attachments`): the `upload_filename`
    /// its upload URL came with.
    pub uploaded_filename: Option<String>,
}

/// The most characters of a file's alt text.
const MAX_DESCRIPTION_CHARS: usize = 1024;

/// The stored attachments a send or an edit adds: its `files[n]` parts, then the files it
/// names that were sent ahead (the sender's own, in this channel, whole and not yet shown by
/// another message), each named and described as its `attachments` entry says. An edit's
/// entries may also name files the message `keeps`, which count towards the limit.
async fn stored_attachments(
    state: &AppState,
    auth: &AuthUser,
    channel_id: Snowflake,
    requested: Option<&[AttachmentRequest]>,
    files: &[FormFile],
    keeps: &[StoredAttachment],
) -> AppResult<Vec<StoredAttachment>> {
    let requested = requested.unwrap_or_default();
    let mut sent_ahead = Vec::new();
    for (i, entry) in requested.iter().enumerate() {
        if entry.uploaded_filename.is_none() && keeps.iter().any(|kept| entry.id == Some(kept.id.to_string())) {
            continue;
        }
        if entry.description.as_ref().is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
            return Err(AppError::field(
                &format!("attachments.{i}.description"),
                "BASE_TYPE_MAX_LENGTH",
                format!("Must be {MAX_DESCRIPTION_CHARS} or fewer in length."),
            ));
        }
        if let Some(uploaded) = entry.uploaded_filename.as_deref() {
            let upload_id = uploaded.split('/').next().and_then(|id| id.parse::<Snowflake>().ok());
            if upload_id.is_some_and(|id| sent_ahead.iter().any(|s: &StoredAttachment| s.id == id)) {
                return Err(AppError::field(
                    &format!("attachments.{i}.uploaded_filename"),
                    "DUPLICATE_IDS",
                    "This upload is named twice; a message shows each file once.",
                ));
            }
            let waiting = match upload_id {
                Some(id) => state.store.waiting_upload(id, auth.user_id, channel_id, Timestamp::now()).await?,
                None => None,
            };
            let Some(waiting) = waiting else {
                return Err(AppError::field(
                    &format!("attachments.{i}.uploaded_filename"),
                    "ATTACHMENT_NOT_UPLOADED",
                    "No whole upload of yours to this channel has this name: send its bytes to its upload URL first (uploads wait an hour for their message).",
                ));
            };
            let mut stored = StoredAttachment::of_waiting(&waiting, entry.description.clone());
            if let Some(name) = entry.filename.as_deref() {
                stored.filename = parley_app::files::upload::stored_name(name);
            }
            sent_ahead.push(stored);
            continue;
        }
        let known = entry
            .id
            .as_deref()
            .and_then(|id| id.parse::<u64>().ok())
            .is_some_and(|id| files.iter().any(|f| f.index == id));
        if !known {
            return Err(AppError::field(
                &format!("attachments.{i}.id"),
                "ATTACHMENT_UNKNOWN",
                if keeps.is_empty() {
                    "No files[n] part of this request has this id."
                } else {
                    "Neither one of this message's files nor a files[n] part of this request."
                },
            ));
        }
    }
    if keeps.len() + files.len() + sent_ahead.len() > state.config.files.max_files_per_message {
        return Err(AppError::field(
            "attachments",
            "BASE_TYPE_MAX_LENGTH",
            format!("A message may carry at most {} files.", state.config.files.max_files_per_message),
        ));
    }
    let mut files: Vec<&FormFile> = files.iter().collect();
    files.sort_by_key(|f| f.index);
    let mut stored: Vec<StoredAttachment> = files
        .into_iter()
        .map(|file| {
            let entry = requested
                .iter()
                .find(|e| e.uploaded_filename.is_none() && e.id.as_deref() == Some(file.index.to_string().as_str()));
            let mut stored = StoredAttachment::of(&file.upload, entry.and_then(|e| e.description.clone()));
            if let Some(name) = entry.and_then(|e| e.filename.as_deref()) {
                // The object keeps its key; the name shown and linked is the one asked for.
                stored.filename = parley_app::files::upload::stored_name(name);
            }
            stored
        })
        .collect();
    stored.extend(sent_ahead);
    Ok(stored)
}

/// A message's components: a bot's, checked; a person may send none.
fn checked_components(auth: &AuthUser, rows: Option<Vec<ActionRow>>) -> AppResult<Vec<ActionRow>> {
    match rows {
        Some(rows) if !rows.is_empty() => {
            if !auth.is_bot() {
                return Err(AppError::field(
                    "components",
                    "COMPONENTS_BOTS_ONLY",
                    "Only bots' messages have components.",
                ));
            }
            Ok(check_message_components(rows, &[])?)
        }
        _ => Ok(Vec::new()),
    }
}

/// How long `author` must still wait before posting again under the channel's slowmode.
async fn slowmode_wait(
    state: &AppState,
    channel: &ChannelAccess,
    author: Snowflake,
    now: Timestamp,
) -> AppResult<Option<std::time::Duration>> {
    let seconds = channel.rate_limit_per_user();
    if seconds == 0 {
        return Ok(None);
    }
    let Some(last) = state.store.last_message_at(channel.id(), author).await? else { return Ok(None) };
    let wait_ms = last.unix_millis() + seconds * 1000 - now.unix_millis();
    Ok((wait_ms > 0).then(|| std::time::Duration::from_millis(wait_ms as u64)))
}

/// Send a message (VIEW_CHANNEL and SEND_MESSAGES; slowmode applies unless you have
/// MANAGE_MESSAGES or MANAGE_CHANNELS there).
#[utoipa::path(post, path = "/channels/{channel_id}/messages", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)), request_body = CreateMessageRequest,
    responses(
        (status = 200, description = "OK", body = MessageObject),
        (status = 400, description = "Neither content nor embeds (50006); too long or bad fields, embeds beyond Discord's limits, flags other than 4 and 4096 (50035); not a text channel (50008); an archived thread (50083); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing SEND_MESSAGES, or EMBED_LINKS for embeds (50013), cannot see the channel (50001), or a DM with no shared guild (50007)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        JsonBody,
        (status = 429, description = "Slowmode (20016); or a REST rate limit (90006, with `global: true` for the account's overall budget)", body = ErrorBody),
    ))]
async fn create_message(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
    body: WithFiles<CreateMessageRequest>,
) -> Response {
    let with_files = matches!(body, WithFiles::Form(_));
    answer_form(with_files, create(&state, &auth, channel_id, body).await)
}

/// The answer to a send or edit. A refused form may be unread still: the connection cannot
/// carry another request, and the client must not keep it for one.
fn answer_form(with_files: bool, outcome: AppResult<Json<MessageObject>>) -> Response {
    let refused = outcome.is_err();
    let mut response = outcome.into_response();
    if with_files && refused {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

async fn create(
    state: &AppState,
    auth: &AuthUser,
    channel_id: Snowflake,
    body: WithFiles<CreateMessageRequest>,
) -> AppResult<Json<MessageObject>> {
    // Who may send here is settled before a byte of a file is read.
    let channel = ChannelAccess::open(state, channel_id, auth.user_id).await?;
    channel.require_text()?;
    channel.require(Permissions::SEND_MESSAGES)?;
    if channel.archived() {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::ThreadArchived));
    }
    let (body, files) = match body {
        WithFiles::Json(body) => (body, Vec::new()),
        WithFiles::Form(form) => {
            channel.require(Permissions::ATTACH_FILES)?;
            form.receive(state, channel.id(), auth.user_id).await?
        }
    };
    let sent = send(state, auth, &channel, body, &files).await;
    // Files a message did not take (a failed send, or a retry answered with the first
    // message) are removed now, and their quota given back.
    if !matches!(sent, Ok((_, true))) {
        multipart::discard(state, &files).await;
    }
    sent.map(|(object, _)| Json(object))
}

/// The send itself: the message object, and whether this call created it (with `files`).
async fn send(
    state: &AppState,
    auth: &AuthUser,
    channel: &ChannelAccess,
    body: CreateMessageRequest,
    files: &[FormFile],
) -> AppResult<(MessageObject, bool)> {
    if body.nonce.as_ref().is_some_and(|n| n.chars().count() > MAX_NONCE_CHARS) {
        return Err(AppError::field(
            "nonce",
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_NONCE_CHARS} or fewer in length."),
        ));
    }
    // A retried send answers with the message it already made, before any other check can
    // turn the retry into an error.
    if let Some(nonce) = &body.nonce
        && let Some(sent) = state.store.message_by_nonce(channel.id(), auth.user_id, nonce).await?
    {
        republish_if_unannounced(state, sent.id).await?;
        return Ok((message_object(state, &sent, Some(auth.user_id)).await?, false));
    }
    let attachments = stored_attachments(state, auth, channel.id(), body.attachments.as_deref(), files, &[]).await?;
    if !attachments.is_empty() {
        channel.require(Permissions::ATTACH_FILES)?;
    }
    let embeds = parse_embeds(body.embeds.clone().unwrap_or_default())?;
    if !embeds.is_empty() {
        channel.require(Permissions::EMBED_LINKS)?;
    }
    let components = checked_components(auth, body.components.clone())?;
    let content = check_content(
        body.content.as_deref(),
        !embeds.is_empty() || !components.is_empty() || !attachments.is_empty(),
    )?;
    let message_flags = check_flags(body.flags, flags::ON_CREATE)?.unwrap_or(0);
    // A DM needs a guild in common still (as on Discord for people who are not friends), one
    // whose members the partner takes DMs from, and no block either way.
    if let Some(partner) = channel.dm_partner() {
        require_dm_reach(state, auth.user_id, partner).await?;
    }
    let now = Timestamp::now();
    let exempt = channel.permissions().intersects(Permissions::MANAGE_MESSAGES | Permissions::MANAGE_CHANNELS);
    if !exempt && let Some(wait) = slowmode_wait(state, channel, auth.user_id, now).await? {
        let limited = RateLimited { bucket: "slowmode".into(), limit: 1, retry_after: wait, global: false };
        return Err(AppError::SlowmodeLimited(limited));
    }
    let reference = match &body.message_reference {
        Some(r) => Some(state.store.message(channel.id(), r.message_id).await?.ok_or_else(|| {
            AppError::field(
                "message_reference",
                "REPLIES_UNKNOWN_MESSAGE",
                "The message replied to is not in this channel.",
            )
        })?),
        None => None,
    };
    let (mentions, mention_roles, mention_everyone) = resolve_mentions(
        state,
        channel,
        &content,
        body.allowed_mentions.as_ref(),
        reference.as_ref().map(|r| r.author_id),
    )
    .await?;
    let mut new = NewMessage {
        id: state.ids.next(),
        channel_id: channel.id(),
        guild_id: channel.guild_id(),
        author_id: auth.user_id,
        content,
        nonce: body.nonce.clone(),
        kind: if reference.is_some() { MessageType::Reply } else { MessageType::Default },
        reference_message_id: reference.map(|r| r.id),
        mention_everyone,
        mentions,
        mention_roles,
        embeds: embeds_json(&embeds),
        flags: message_flags,
        webhook: None,
        components: components_json(&components),
        application_id: auth.is_bot().then_some(auth.user_id),
        interaction: None,
        attachments: stored_json(&attachments),
        attachment_ids: attachments.iter().map(|a| a.id).collect(),
        now,
        ack_author: !auth.is_bot(),
        outbox: None,
    };
    // The announcement is made before the message is stored and kept with it, so a message
    // acknowledged here is announced even if this node stops before it can publish it.
    let announced =
        message_object(state, &new.record(), None).await?.event(EventName::MessageCreate, channel.audience());
    new.outbox = parley_app::outbox::keep(state, new.id.get(), &announced);
    let (record, created) = state.store.create_message(&new).await?;
    let object = message_object(state, &record, None).await?;
    if !created {
        // Another send with this nonce won the race: its announcement is its own.
        republish_if_unannounced(state, record.id).await?;
    }
    if created {
        if let ChannelAccess::Private { channel: private, .. } = channel {
            // Whoever had closed the conversation gets it back in their list first.
            let reopened = state.store.reopen_private_channel(private.id).await?;
            if !reopened.is_empty() {
                announce(state, EventName::ChannelCreate, private, &reopened).await?;
            }
        }
        state.publish(match &new.outbox {
            Some(kept) => announced.through_outbox(kept.id),
            None => announced,
        });
        if let ChannelAccess::Guild { access, channel: thread, .. } = &channel
            && thread.kind == ChannelKind::PublicThread
        {
            // Writing in a thread joins it, as on Discord. The message is stored and announced
            // already: a failure here is logged, not answered as a failed send.
            if let Err(error) = thread_members::add(state, access.guild.id, thread.id, auth.user_id).await {
                tracing::warn!(%error, thread = %thread.id, "could not add the writer to the thread's members");
            }
        }
    }
    Ok((object, created))
}

/// A send retried with its nonce (perhaps on another node, after the first one stopped): if
/// its MESSAGE_CREATE never reached the shared log, it is published now, from the outbox (the
/// log takes it once, whoever publishes it).
async fn republish_if_unannounced(state: &AppState, id: Snowflake) -> AppResult<()> {
    if let Some(text) = state.store.outbox_event(id.get()).await? {
        parley_app::outbox::publish_kept(state, id.get(), &text);
    }
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// 1-100, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// Messages older than this id.
    #[param(value_type = Option<schema::Snowflake>)]
    pub before: Option<String>,
    /// Messages newer than this id.
    #[param(value_type = Option<schema::Snowflake>)]
    pub after: Option<String>,
    /// Messages around this id.
    #[param(value_type = Option<schema::Snowflake>)]
    pub around: Option<String>,
}

/// A page of history, newest first (VIEW_CHANNEL and READ_MESSAGE_HISTORY). At most one of
/// `before`, `after`, `around`.
#[utoipa::path(get, path = "/channels/{channel_id}/messages", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), HistoryQuery),
    responses(
        (status = 200, description = "OK", body = Vec<MessageObject>),
        (status = 400, description = "Bad paging parameters, or more than one of before, after and around (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing READ_MESSAGE_HISTORY (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_messages(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
    Query(params): Query<HistoryQuery>,
) -> AppResult<Json<Vec<MessageObject>>> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::READ_MESSAGE_HISTORY)?;
    let mut errors = FieldErrors::new();
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), 50, 1..=100);
    let pages: Vec<Page> = [
        query::id(&mut errors, "before", params.before.as_deref()).map(Page::Before),
        query::id(&mut errors, "after", params.after.as_deref()).map(Page::After),
        query::id(&mut errors, "around", params.around.as_deref()).map(Page::Around),
    ]
    .into_iter()
    .flatten()
    .collect();
    if pages.len() > 1 {
        errors.add("_query", "MUTUALLY_EXCLUSIVE", "Use at most one of before, after and around.");
    }
    errors.into_result()?;
    let records = state.store.messages(channel.id(), pages.first().copied().unwrap_or(Page::Latest), limit).await?;
    Ok(Json(message_objects(&state, &records, Some(auth.user_id)).await?))
}

/// One message (VIEW_CHANNEL and READ_MESSAGE_HISTORY).
#[utoipa::path(get, path = "/channels/{channel_id}/messages/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = MessageObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing READ_MESSAGE_HISTORY (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_message(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, message_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<Json<MessageObject>> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require(Permissions::READ_MESSAGE_HISTORY)?;
    let record = find_message(&state, channel.id(), message_id).await?;
    Ok(Json(message_object(&state, &record, Some(auth.user_id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessageRequest {
    /// The new content; left out, it stays. Empty only if the message keeps an embed.
    #[schema(value_type = Option<schema::MessageContent>)]
    pub content: Option<String>,
    /// The new embeds (all of them; `[]` or `null` removes them); left out, they stay.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<Embed>>)]
    pub embeds: Option<Option<Vec<Embed>>>,
    /// Only SUPPRESS_EMBEDS (`1 << 2`) may change; the others stay as they are.
    #[schema(value_type = Option<schema::MessageFlagsInput>)]
    pub flags: Option<i64>,
    pub allowed_mentions: Option<AllowedMentions>,
    /// A bot's message: the new components (`[]` or `null` removes them); left out, they stay.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<ActionRow>>)]
    pub components: Option<Option<Vec<ActionRow>>>,
    /// The files it keeps, by `id`, and the files it adds, named as a send names them (`id: n`
    /// for a multipart body's `files[n]` part, or `uploaded_filename`); `[]` or `null` removes
    /// every file it had. Left out, its files stay, and a multipart body's are added. A removed
    /// file's link stops opening at once.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<AttachmentRequest>>)]
    pub attachments: Option<Option<Vec<AttachmentRequest>>>,
}

/// Which of a message's files an edit keeps (all of them when it names none); those it drops
/// go to `dropped`.
fn kept_attachments(
    stored: Vec<StoredAttachment>,
    asked: Option<&[AttachmentRequest]>,
    dropped: &mut Vec<Snowflake>,
) -> Vec<StoredAttachment> {
    let Some(asked) = asked else { return stored };
    let (kept, gone): (Vec<_>, Vec<_>) = stored.into_iter().partition(|file| {
        asked.iter().any(|e| e.uploaded_filename.is_none() && e.id.as_deref() == Some(file.id.to_string().as_str()))
    });
    dropped.extend(gone.iter().map(|file| file.id));
    kept
}

/// Edit my message's content, embeds, files or flags (any but flags set `edited_timestamp`).
/// Files are kept or dropped by `attachments`, and added as a send adds them: a
/// `multipart/form-data` body's `files[n]` parts, or uploads named by `uploaded_filename`
/// (ATTACH_FILES). Of another's message, one with MANAGE_MESSAGES may change only
/// SUPPRESS_EMBEDS (hiding or showing its embeds).
#[utoipa::path(patch, path = "/channels/{channel_id}/messages/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)), request_body = EditMessageRequest,
    responses(
        (status = 200, description = "OK", body = MessageObject),
        (status = 400, description = "Left with neither content nor embeds nor files (50006); too long or bad fields, an attachment that is neither the message's nor sent, more files than a message may carry (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not the author (50005), flags of another's message without MANAGE_MESSAGES or files without ATTACH_FILES (50013), or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn edit_message(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, message_id)): Path<(Snowflake, Snowflake)>,
    body: WithFiles<EditMessageRequest>,
) -> Response {
    let with_files = matches!(body, WithFiles::Form(_));
    answer_form(with_files, edit(&state, &auth, channel_id, message_id, body).await)
}

async fn edit(
    state: &AppState,
    auth: &AuthUser,
    channel_id: Snowflake,
    message_id: Snowflake,
    body: WithFiles<EditMessageRequest>,
) -> AppResult<Json<MessageObject>> {
    let channel = ChannelAccess::open(state, channel_id, auth.user_id).await?;
    let record = find_message(state, channel.id(), message_id).await?;
    let (body, files) = match body {
        WithFiles::Json(body) => (body, Vec::new()),
        WithFiles::Form(form) => {
            // Only the author adds files, and only where they may attach them: settled
            // before a byte of a file is read.
            if record.author_id != auth.user_id {
                return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::CannotEditOthersMessage));
            }
            channel.require(Permissions::ATTACH_FILES)?;
            form.receive(state, channel.id(), auth.user_id).await?
        }
    };
    let mut record = record;
    let mut attempts = 0;
    let edited = loop {
        attempts += 1;
        match apply_edit(state, auth, &channel, record, &body, &files).await {
            // Another edit changed its files as this one was written: worked out again from
            // the message as it is now (a few times, then the caller is told to send again).
            Ok(None) if attempts < 3 => record = find_message(state, channel.id(), message_id).await?,
            Ok(None) => break Err(parley_app::objects::message::edited(EditOutcome::Changed).unwrap_err()),
            Ok(Some(object)) => break Ok(object),
            Err(error) => break Err(error),
        }
    };
    // Files the edit did not take are removed now, and their quota given back (those it took
    // stay, whatever failed after).
    if edited.is_err() {
        multipart::discard(state, &files).await;
    }
    edited.map(Json)
}

/// The edit itself, with the files a multipart body brought (`files`, already stored); `None`
/// if the message's files changed since `record` was read (nothing was written).
async fn apply_edit(
    state: &AppState,
    auth: &AuthUser,
    channel: &ChannelAccess,
    record: parley_store::messages::MessageRecord,
    body: &EditMessageRequest,
    files: &[FormFile],
) -> AppResult<Option<MessageObject>> {
    let asked = body.attachments.as_ref().map(|a| a.as_deref().unwrap_or_default());
    let adds = !files.is_empty() || asked.is_some_and(|a| a.iter().any(|e| e.uploaded_filename.is_some()));
    let changes_text = body.content.is_some()
        || body.embeds.is_some()
        || body.components.is_some()
        || body.attachments.is_some()
        || !files.is_empty();
    if record.author_id != auth.user_id {
        if changes_text || body.flags.is_none() {
            return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::CannotEditOthersMessage));
        }
        channel.require(Permissions::MANAGE_MESSAGES)?;
    }
    if adds {
        channel.require(Permissions::ATTACH_FILES)?;
        if channel.archived() {
            return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::ThreadArchived));
        }
    }
    let flags_asked = check_flags(body.flags, flags::ON_CREATE)?;
    let message_flags = match flags_asked {
        Some(bits) => (record.flags & !flags::ON_EDIT) | (bits & flags::ON_EDIT),
        None => record.flags,
    };
    let embeds = match body.embeds.clone() {
        Some(new) => {
            let embeds = parse_embeds(new.unwrap_or_default())?;
            if !embeds.is_empty() {
                channel.require(Permissions::EMBED_LINKS)?;
            }
            embeds
        }
        None => stored_embeds(&record.embeds),
    };
    let components = match body.components.clone() {
        Some(rows) => checked_components(auth, rows)?,
        None => stored_components(&record.components),
    };
    let mut dropped = Vec::new();
    let stored: Vec<StoredAttachment> = serde_json::from_str(&record.attachments).unwrap_or_default();
    let mut kept = kept_attachments(stored, asked, &mut dropped);
    let added = stored_attachments(state, auth, channel.id(), asked, files, &kept).await?;
    let added_ids: Vec<Snowflake> = added.iter().map(|file| file.id).collect();
    kept.extend(added);
    let has_other = !embeds.is_empty() || !components.is_empty() || !kept.is_empty();
    let (content, mentions, roles, everyone) = match body.content.as_deref() {
        Some(text) => {
            let content = check_content(Some(text), has_other)?;
            let (mentions, roles, everyone) =
                resolve_mentions(state, channel, &content, body.allowed_mentions.as_ref(), None).await?;
            (content, mentions, roles, everyone)
        }
        None => {
            // The text stays, and so do the mentions it was sent with.
            if record.content.trim().is_empty() && !has_other {
                return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::CannotSendEmptyMessage));
            }
            (record.content.clone(), ids(&record.mentions), ids(&record.mention_roles), record.mention_everyone)
        }
    };
    let now = Timestamp::now();
    let edit = MessageEdit {
        content,
        attachments: stored_json(&kept),
        added_attachments: added_ids,
        // Their links stop opening now; their space returns after the grace period.
        dropped_attachments: dropped,
        released_until: state.config.files.released_until(now),
        previous_attachments: record.attachments.clone(),
        embeds: embeds_json(&embeds),
        components: components_json(&components),
        flags: message_flags,
        mentions,
        mention_roles: roles,
        mention_everyone: everyone,
        edited_at: if changes_text { Some(now) } else { record.edited_at.map(Timestamp::from_unix_millis) },
        now,
    };
    let updated = match state.store.edit_message(channel.id(), record.id, auth.user_id, &edit).await? {
        EditOutcome::Edited(updated) => *updated,
        EditOutcome::Gone => return Err(unknown_message()),
        EditOutcome::Changed => return Ok(None),
    };
    let object = message_object(state, &updated, Some(auth.user_id)).await?;
    state.publish(object.event(EventName::MessageUpdate, channel.audience()));
    Ok(Some(object))
}

/// Delete a message: my own, or anyone's with MANAGE_MESSAGES.
#[utoipa::path(delete, path = "/channels/{channel_id}/messages/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_MESSAGES for another's message (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_message(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((channel_id, message_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    let record = find_message(&state, channel.id(), message_id).await?;
    if record.author_id != auth.user_id {
        channel.require(Permissions::MANAGE_MESSAGES)?;
    }
    // Only moderators deleting others' messages are audited, as on Discord.
    let entry = match channel.guild() {
        Some(access) if record.author_id != auth.user_id => {
            let changes = vec![audit::change("channel_id", None, Some(serde_json::json!(channel.id())))];
            Some(audit::entry(
                &state,
                access.guild.id,
                auth.user_id,
                AuditAction::MessageDelete,
                Some(record.author_id),
                changes,
                &reason,
            ))
        }
        _ => None,
    };
    state.store.delete_message(channel.id(), record.id, entry.as_ref()).await?;
    state.publish(channel.message_deleted(record.id));
    if record.attachments != "[]" {
        // Its files stop opening at once (their message is gone); they leave storage, and
        // their space returns to the uploader, after the grace period. The sweeper finds
        // messages deleted other ways (in bulk, with a channel) on its own.
        state.store.release_message_files(record.id, state.config.files.released_until(Timestamp::now())).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
