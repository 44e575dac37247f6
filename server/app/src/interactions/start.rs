//! A person uses an application: their command, component or modal is checked where they
//! used it (they may use commands there, the application's bot is in the guild or is their
//! DM partner, what they used exists and takes what they gave), the interaction is kept with
//! a new token, and the application's bot hears of it in INTERACTION_CREATE.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::applications::ApplicationRecord;
use parley_store::interactions::NewInteraction;
use serde::Serialize;
use serde_json::Value;

use super::payload::{ATTACHMENT_SIZE_LIMIT, InteractionGuild, InteractionObject, StoredMetadata};
use super::request::{InteractionRequest, InteractionRequestData};
use super::{kind, token, unknown_command, unknown_interaction};
use crate::AppState;
use crate::access::GuildAccess;
use crate::applications::unknown_application;
use crate::channel_access::ChannelAccess;
use crate::commands::definition::{CHAT_INPUT, CommandDefinition, MESSAGE, USER};
use crate::commands::invocation::{Resolved, UsedOption, check_invocation};
use crate::commands::object::definition;
use crate::commands::permissions::{self, GuildPermissionsIndex};
use crate::error::{AppError, AppResult};
use crate::objects::PublicUser;
use crate::objects::component::{self, Component, Modal, find_component};
use crate::objects::guild::ChannelObject;
use crate::objects::member::member_objects;
use crate::objects::message::{find_message, message_object};
use crate::objects::private::PrivateChannelObject;

/// What the person is told at once: their interaction's id, with the nonce they sent.
#[derive(Serialize)]
struct Started<'a> {
    id: Snowflake,
    nonce: Option<&'a str>,
}

/// Starts an interaction for `user_id`; the application answers through its callback.
pub async fn start(state: &AppState, user_id: Snowflake, request: InteractionRequest) -> AppResult<Snowflake> {
    let kind = i32::try_from(request.kind).unwrap_or(0);
    if request.nonce.as_ref().is_some_and(|n| n.chars().count() > crate::message_drafts::MAX_NONCE_CHARS) {
        return Err(AppError::field("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."));
    }
    let app = state.store.application(request.application_id).await?.ok_or_else(unknown_application)?;
    let channel = ChannelAccess::open(state, request.channel_id, user_id).await?;
    if request.guild_id.is_some_and(|g| Some(g) != channel.guild_id()) {
        return Err(AppError::field("guild_id", "CHANNEL_GUILD_MISMATCH", "Not the channel's guild."));
    }
    channel.require_text()?;
    installed_here(state, &app, &channel).await?;
    if channel.guild().is_some() {
        channel.require(Permissions::USE_APPLICATION_COMMANDS)?;
    }
    let id = state.ids.next();
    let (data, message, metadata) = match kind {
        kind::APPLICATION_COMMAND | kind::AUTOCOMPLETE => {
            command(state, &app, &channel, &request.data, kind == kind::AUTOCOMPLETE, id, user_id).await?
        }
        kind::MESSAGE_COMPONENT => {
            let message_id = request.message_id.ok_or_else(|| {
                AppError::field("message_id", "BASE_TYPE_REQUIRED", "A component's message is required.")
            })?;
            used_component(state, &app, &channel, message_id, &request.data, id, user_id).await?
        }
        kind::MODAL_SUBMIT => {
            modal_submit(state, &app, user_id, &request.data, id, channel.guild_id(), channel.id()).await?
        }
        _ => return Err(AppError::field("type", "BASE_TYPE_CHOICES", "Value must be one of 2, 3, 4, 5.")),
    };
    let (token, token_hash) = token::generate();
    let now = Timestamp::now();
    let expired_before = Timestamp::from_unix_millis(now.unix_millis() - token::LIFETIME.as_millis() as i64);
    state
        .store
        .create_interaction(
            &NewInteraction {
                id,
                application_id: app.id,
                kind,
                user_id,
                guild_id: channel.guild_id(),
                channel_id: channel.id(),
                token_hash,
                metadata: metadata.to_json(),
                original_message_id: message.as_ref().and(request.message_id),
                now,
            },
            expired_before,
        )
        .await?;
    let object = payload(state, &app, &channel, user_id, id, kind, data, message, token.clone()).await?;
    let nonce = request.nonce.as_deref();
    state.publish(Event::new(
        EventName::InteractionCreate,
        Audience::Users(vec![user_id]),
        Keys::none(),
        &Started { id, nonce },
    ));
    match &app.interactions_endpoint_url {
        // Over HTTP, as the application chose: its answer is the callback.
        Some(url) => match super::endpoint::deliver(state, app.id, url, &object).await {
            Ok(answer) => {
                let answer = match crate::text::nul_at(&answer) {
                    // Nothing stored may hold NUL; an answer that does is no answer.
                    Some(_) => Value::Null,
                    None => answer,
                };
                let request = serde_json::from_value(answer).map_err(|e| {
                    tracing::warn!(interaction_id = %id, application_id = %app.id, error = %e, "the interactions endpoint answered no callback");
                    AppError::internal("the application's answer was not a callback")
                });
                if let Ok(request) = request
                    && let Err(e) = super::answer::answer(state, id, &token, request).await
                {
                    tracing::warn!(interaction_id = %id, application_id = %app.id, error = %e, "the interactions endpoint's answer was refused");
                }
            }
            // The person sees "did not respond"; the operator sees why.
            Err(e) => {
                state.metrics.interactions.endpoint_failures.with_label_values(&[e.kind()]).inc();
                tracing::warn!(interaction_id = %id, application_id = %app.id, kind = e.kind(), error = %e, "the interactions endpoint did not answer")
            }
        },
        None => {
            // Keys as the payload states them (see `Keys::from_payload`): the audience says who.
            let keys = Keys::channel(channel.guild_id(), channel.id());
            state.publish(Event::new(EventName::InteractionCreate, Audience::Users(vec![app.id]), keys, &object));
        }
    }
    let kind_name = match kind {
        kind::APPLICATION_COMMAND => "command",
        kind::MESSAGE_COMPONENT => "component",
        kind::AUTOCOMPLETE => "autocomplete",
        _ => "modal_submit",
    };
    state.metrics.interactions.started.with_label_values(&[kind_name]).inc();
    tracing::info!(interaction_id = %id, application_id = %app.id, %user_id, kind, "interaction started");
    Ok(id)
}

/// The application is installed where the person is: its bot is a member of the guild, or
/// the channel is the person's DM with it.
async fn installed_here(state: &AppState, app: &ApplicationRecord, channel: &ChannelAccess) -> AppResult<()> {
    let installed = match channel.guild() {
        Some(guild) => state.cache.member(&state.store, guild.guild.id, app.id).await?.is_some(),
        None => channel.dm_partner() == Some(app.id),
    };
    if installed { Ok(()) } else { Err(unknown_command()) }
}

/// A command (or an autocomplete request for one): checked against its definition.
#[allow(clippy::too_many_arguments)]
async fn command(
    state: &AppState,
    app: &ApplicationRecord,
    channel: &ChannelAccess,
    data: &InteractionRequestData,
    autocomplete: bool,
    id: Snowflake,
    user_id: Snowflake,
) -> AppResult<(Value, Option<Value>, StoredMetadata)> {
    let command_id =
        data.id.ok_or_else(|| AppError::field("data.id", "BASE_TYPE_REQUIRED", "The command's id is required."))?;
    let record = state.store.command(app.id, command_id).await?.ok_or_else(unknown_command)?;
    let usable_here = match (record.guild_id, channel.guild_id()) {
        (Some(g), Some(here)) => g == here.as_i64(),
        (Some(_), None) => false,
        (None, _) => true,
    };
    let definition = definition(&record).ok_or_else(unknown_command)?;
    if !usable_here || !context_allows(&definition, channel) {
        return Err(unknown_command());
    }
    if autocomplete && definition.kind != CHAT_INPUT {
        return Err(AppError::field("type", "BASE_TYPE_CHOICES", "Only slash commands autocomplete."));
    }
    may_use(state, app.id, record.id, &definition, channel).await?;
    let used = data.options.clone().unwrap_or_default();
    let resolved = check_invocation(state, channel, &definition, &used, data.target_id, autocomplete).await?;
    let name = full_name(&definition.name, &used);
    let metadata = StoredMetadata {
        id,
        kind: if autocomplete { kind::AUTOCOMPLETE } else { kind::APPLICATION_COMMAND },
        user_id,
        guild_id: channel.guild_id(),
        interacted_message_id: None,
        target_user_id: data.target_id.filter(|_| definition.kind == USER),
        target_message_id: data.target_id.filter(|_| definition.kind == MESSAGE),
        name: Some(name),
        command_kind: Some(definition.kind),
    };
    let data = CommandData {
        id: record.id,
        name: &definition.name,
        kind: definition.kind,
        options: (!used.is_empty()).then_some(&used),
        resolved: (!resolved.is_empty()).then_some(&resolved),
        guild_id: record.guild_id.map(Snowflake::from_i64),
        target_id: data.target_id,
    };
    Ok((serde_json::to_value(&data).unwrap_or_default(), None, metadata))
}

/// A command's `data` as its application receives it.
#[derive(Serialize)]
struct CommandData<'a> {
    id: Snowflake,
    name: &'a str,
    #[serde(rename = "type")]
    kind: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<&'a Vec<UsedOption>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved: Option<&'a Resolved>,
    #[serde(skip_serializing_if = "Option::is_none")]
    guild_id: Option<Snowflake>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_id: Option<Snowflake>,
}

/// A component's `data` as its application receives it (`values` for select menus).
#[derive(Serialize)]
struct ComponentData<'a> {
    custom_id: &'a str,
    component_type: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Vec<String>>,
}

/// A modal submission's `data`: the modal's rows, each input with what was typed.
#[derive(Serialize)]
struct ModalSubmitData<'a> {
    custom_id: &'a str,
    components: Vec<component::ActionRow>,
}

/// "roll d20": the command with the sub-command path that was used.
fn full_name(name: &str, used: &[UsedOption]) -> String {
    let mut full = name.to_owned();
    let mut level = used;
    while let [only] = level {
        if !matches!(only.kind, 1 | 2) {
            break;
        }
        full.push(' ');
        full.push_str(&only.name);
        level = only.options.as_deref().unwrap_or_default();
    }
    full
}

/// Whether the command may be used in this kind of channel: its `contexts` (0 guild, 1 the
/// bot's DM), or for older definitions, `dm_permission`.
fn context_allows(definition: &CommandDefinition, channel: &ChannelAccess) -> bool {
    let here = if channel.guild().is_some() { 0 } else { 1 };
    match &definition.contexts {
        Some(contexts) => contexts.contains(&here),
        None => here == 0 || definition.dm_permission,
    }
}

/// The person may use the command where they are: its guild's command permissions, then its
/// `default_member_permissions` (`commands::permissions`). Parley has no NSFW channels, so an
/// NSFW command is used like any other.
async fn may_use(
    state: &AppState,
    application_id: Snowflake,
    command_id: Snowflake,
    definition: &CommandDefinition,
    channel: &ChannelAccess,
) -> AppResult<()> {
    let ChannelAccess::Guild { access, channel: record, permissions } = channel else { return Ok(()) };
    let index = GuildPermissionsIndex::load_for(state, access.guild.id, application_id).await?;
    let channels = permissions::channel_ids(record);
    let member = permissions::Member::of(access);
    let place = permissions::Place { guild: access.guild_permissions(), here: *permissions, channels: Some(&channels) };
    let bits = definition.default_member_permissions.as_deref();
    if permissions::may_use(index.for_command(application_id, command_id), &member, &place, bits) {
        Ok(())
    } else {
        Err(AppError::with_message(
            StatusCode::FORBIDDEN,
            ErrorCode::MissingPermissions,
            "You may not use this command here: its permissions in this server, or the permissions it asks of its users",
        ))
    }
}

/// A component on one of the application's messages: it exists, is enabled, and the values
/// chosen are among its options.
#[allow(clippy::too_many_arguments)]
async fn used_component(
    state: &AppState,
    app: &ApplicationRecord,
    channel: &ChannelAccess,
    message_id: Snowflake,
    data: &InteractionRequestData,
    id: Snowflake,
    user_id: Snowflake,
) -> AppResult<(Value, Option<Value>, StoredMetadata)> {
    let message = match super::messages::ephemeral_for(state, message_id, user_id).await? {
        Some(message) => message,
        None => {
            let record = find_message(state, channel.id(), message_id).await?;
            serde_json::to_value(message_object(state, &record, Some(user_id)).await?).unwrap_or_default()
        }
    };
    let author = message["author"]["id"].as_str().and_then(|a| a.parse::<Snowflake>().ok());
    let application = message["application_id"].as_str().and_then(|a| a.parse::<Snowflake>().ok());
    if author != Some(app.id) && application != Some(app.id) {
        return Err(AppError::field("message_id", "COMPONENT_UNKNOWN", "That message is not the application's."));
    }
    let components: Vec<component::ActionRow> =
        serde_json::from_value(message["components"].clone()).unwrap_or_default();
    let custom_id = data.custom_id.as_deref().unwrap_or_default();
    let Some(used) = find_component(&components, custom_id) else {
        return Err(AppError::field("data.custom_id", "COMPONENT_UNKNOWN", "The message has no such component."));
    };
    if data.component_type != Some(used.kind) {
        return Err(AppError::field("data.component_type", "COMPONENT_TYPE_MISMATCH", "Not that component's type."));
    }
    if used.disabled == Some(true) || (used.kind == component::BUTTON && used.style == Some(component::LINK_STYLE)) {
        return Err(AppError::field("data.custom_id", "COMPONENT_DISABLED", "That component cannot be used."));
    }
    let values = check_values(used, data.values.as_deref())?;
    let metadata = StoredMetadata {
        id,
        kind: kind::MESSAGE_COMPONENT,
        user_id,
        guild_id: channel.guild_id(),
        interacted_message_id: Some(message_id),
        ..StoredMetadata::default()
    };
    let data = ComponentData { custom_id, component_type: used.kind, values };
    Ok((serde_json::to_value(&data).unwrap_or_default(), Some(message), metadata))
}

/// A select menu's chosen values: as many as it takes, each one of its options (text menus)
/// or an id (user, role, mentionable and channel menus).
fn check_values(used: &Component, values: Option<&[String]>) -> AppResult<Option<Vec<String>>> {
    if used.kind == component::BUTTON {
        return Ok(None);
    }
    let values = values.unwrap_or_default();
    let (min, max) = (used.min_values.unwrap_or(1), used.max_values.unwrap_or(1));
    let mut errors = FieldErrors::new();
    if (values.len() as i64) < min || (values.len() as i64) > max {
        errors.add("data.values", "BASE_TYPE_BAD_LENGTH", format!("Must be between {min} and {max} in length."));
        return Err(errors.into());
    }
    for value in values {
        let known = match used.kind {
            component::STRING_SELECT => used.options.iter().flatten().any(|o| o.value == *value),
            _ => value.parse::<Snowflake>().is_ok(),
        };
        if !known {
            errors.add("data.values", "COMPONENT_VALUE_INVALID", "Not one of the menu's options.");
        }
    }
    errors.into_result()?;
    Ok(Some(values.to_vec()))
}

/// A modal submitted: the one the application opened for this person, with every required
/// input filled in within its lengths.
async fn modal_submit(
    state: &AppState,
    app: &ApplicationRecord,
    user_id: Snowflake,
    data: &InteractionRequestData,
    id: Snowflake,
    guild_id: Option<Snowflake>,
    channel_id: Snowflake,
) -> AppResult<(Value, Option<Value>, StoredMetadata)> {
    let opened_by = data
        .id
        .ok_or_else(|| AppError::field("data.id", "BASE_TYPE_REQUIRED", "The modal's interaction id is required."))?;
    let opener = state.store.interaction(opened_by).await?.ok_or_else(unknown_interaction)?;
    let Some(modal) = opener.modal.as_deref().and_then(|m| serde_json::from_str::<Modal>(m).ok()) else {
        return Err(unknown_interaction());
    };
    let expired = Timestamp::now().unix_millis() - opener.created_at.unix_millis() > token::LIFETIME.as_millis() as i64;
    if opener.user_id != user_id || opener.application_id != app.id || expired || opener.channel_id != channel_id {
        return Err(unknown_interaction());
    }
    if data.custom_id.as_deref() != Some(modal.custom_id.as_str()) {
        return Err(AppError::field("data.custom_id", "COMPONENT_UNKNOWN", "Not the modal's custom id."));
    }
    let submitted: BTreeMap<&str, &str> = data
        .components
        .iter()
        .flatten()
        .flat_map(|row| row.components.iter())
        .map(|input| (input.custom_id.as_str(), input.value.as_deref().unwrap_or_default()))
        .collect();
    let mut errors = FieldErrors::new();
    let mut rows = Vec::new();
    // Where each input was submitted, so a problem is named at its own path.
    let place: BTreeMap<&str, usize> = data
        .components
        .iter()
        .flatten()
        .enumerate()
        .flat_map(|(r, row)| row.components.iter().map(move |input| (input.custom_id.as_str(), r)))
        .collect();
    for row in &modal.components {
        for input in &row.components {
            let custom_id = input.custom_id.as_deref().unwrap_or_default();
            let value = submitted.get(custom_id).copied().unwrap_or_default();
            let n = value.chars().count() as i64;
            let required = input.required.unwrap_or(true);
            let (min, max) = (input.min_length.unwrap_or(0), input.max_length.unwrap_or(4000));
            if (required && n == 0) || (n > 0 && (n < min || n > max)) {
                let path = match place.get(custom_id) {
                    Some(r) => vec![
                        "data".into(),
                        "components".into(),
                        r.to_string(),
                        "components".into(),
                        "0".into(),
                        "value".into(),
                    ],
                    None => vec!["data".into(), "components".into()],
                };
                let rule = if required { ", required" } else { "" };
                errors.add_at(
                    path,
                    "BASE_TYPE_BAD_LENGTH",
                    format!("{custom_id}: between {min} and {max} characters{rule}."),
                );
            }
            // The modal's own rows and inputs, each with what was typed into it.
            let answered = Component {
                kind: component::TEXT_INPUT,
                id: input.id,
                custom_id: Some(custom_id.to_owned()),
                value: Some(value.to_owned()),
                ..Component::default()
            };
            rows.push(component::ActionRow { kind: component::ACTION_ROW, id: row.id, components: vec![answered] });
        }
    }
    if submitted.keys().any(|k| component::find_component(&modal.components, k).is_none()) {
        errors.add("data.components", "COMPONENT_UNKNOWN", "The modal has no such input.");
    }
    errors.into_result()?;
    // Submitted once: a second submission finds it gone.
    if state.store.take_modal(opened_by, user_id).await?.is_none() {
        return Err(unknown_interaction());
    }
    let metadata = StoredMetadata { id, kind: kind::MODAL_SUBMIT, user_id, guild_id, ..StoredMetadata::default() };
    let data = ModalSubmitData { custom_id: &modal.custom_id, components: rows };
    Ok((serde_json::to_value(&data).unwrap_or_default(), None, metadata))
}

/// The interaction as its application receives it.
#[allow(clippy::too_many_arguments)]
async fn payload(
    state: &AppState,
    app: &ApplicationRecord,
    channel: &ChannelAccess,
    user_id: Snowflake,
    id: Snowflake,
    kind: i32,
    data: Value,
    message: Option<Value>,
    token: String,
) -> AppResult<InteractionObject> {
    let (channel_object, member, user, app_permissions) = match channel {
        ChannelAccess::Guild { access, channel: record, permissions } => {
            let overwrites: Vec<_> = access.overwrites.iter().filter(|o| o.channel_id == record.id).cloned().collect();
            let mut member = serde_json::to_value(member_objects(state, &[(*access.member).clone()]).await?.pop())
                .unwrap_or_default();
            if let Some(object) = member.as_object_mut() {
                object.insert("permissions".into(), Value::String(permissions.bits().to_string()));
                object.insert("avatar".into(), Value::Null);
                object.insert("premium_since".into(), Value::Null);
            }
            let bot = GuildAccess::load(state, access.guild.id, app.id).await?;
            let app_permissions = bot.channel_permissions(record).bits().to_string();
            (
                serde_json::to_value(ChannelObject::new(record, &overwrites)).unwrap_or_default(),
                Some(member),
                None,
                app_permissions,
            )
        }
        ChannelAccess::Private { channel: record, .. } => {
            let users = state.store.users_by_ids(&record.recipients).await?;
            let object = PrivateChannelObject::for_viewer(record, &users, app.id);
            let user = users.iter().find(|u| u.id == user_id).map(PublicUser::from);
            let permissions = crate::channel_access::PRIVATE_PERMISSIONS.bits().to_string();
            (serde_json::to_value(object).unwrap_or_default(), None, user, permissions)
        }
    };
    let guild_id = channel.guild_id();
    let owners = match guild_id {
        Some(g) => BTreeMap::from([("0".to_owned(), g)]),
        None => BTreeMap::from([("1".to_owned(), user_id)]),
    };
    Ok(InteractionObject {
        id,
        application_id: app.id,
        kind,
        data,
        guild_id,
        guild: guild_id.map(|id| InteractionGuild { id, locale: "en-US", features: Vec::new() }),
        channel_id: channel.id(),
        channel: channel_object,
        member,
        user,
        token,
        version: 1,
        message,
        app_permissions,
        locale: "en-US",
        guild_locale: guild_id.map(|_| "en-US"),
        entitlements: Vec::new(),
        entitlement_sku_ids: Vec::new(),
        authorizing_integration_owners: owners,
        context: if guild_id.is_some() { 0 } else { 1 },
        attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
    })
}
