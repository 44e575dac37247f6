//! The application's one answer to an interaction (`POST /interactions/{id}/{token}/callback`):
//! a message (4), "is thinking..." (5), nothing yet (6), a change to the component's message
//! (7), autocomplete choices (8) or a modal (9). Which answers fit depends on what was used;
//! the body is checked before the answer is taken, so a refused body leaves it unanswered.

use axum::http::StatusCode;
use parley_core::{ErrorCode, FieldErrors, Snowflake};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::interactions::InteractionRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::kind;
use super::messages::{self, InteractionMessage, Which};
use crate::AppState;
use crate::commands::definition::ChoiceValue;
use crate::error::{AppError, AppResult};
use crate::objects::component::{Modal, check_modal};
use crate::objects::message::flags;
use crate::objects::schema;

pub const MESSAGE: i64 = 4;
pub const DEFERRED_MESSAGE: i64 = 5;
pub const DEFERRED_UPDATE: i64 = 6;
pub const UPDATE_MESSAGE: i64 = 7;
pub const AUTOCOMPLETE_RESULT: i64 = 8;
pub const MODAL: i64 = 9;

/// The answer: its `type`, and its `data` by type: a message (4, 7: content, embeds,
/// components, allowed_mentions, flags with EPHEMERAL 64), `{flags}` (5: 64 makes the answer
/// ephemeral), `{choices}` (8: up to 25 `{name, value}`), a modal (9: custom_id, title,
/// components of text inputs).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CallbackRequest {
    #[serde(rename = "type")]
    #[schema(value_type = schema::InteractionCallbackType)]
    pub kind: i64,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
}

/// What `with_response=true` answers with.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackResponse {
    pub interaction: CallbackInteraction,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<CallbackResource>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackInteraction {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// The interaction's type.
    #[serde(rename = "type")]
    pub kind: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub response_message_id: Option<Snowflake>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_message_loading: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_message_ephemeral: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackResource {
    /// The callback type.
    #[serde(rename = "type")]
    pub kind: i64,
    /// The message posted or changed (4, 5, 7).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub message: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Deferred {
    #[serde(default)]
    flags: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize)]
struct Choice {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name_localizations: Option<Value>,
    value: ChoiceValue,
}

#[derive(Debug, Deserialize)]
struct Choices {
    choices: Vec<Choice>,
}

/// The answer, parsed and checked for what was used.
enum Answer {
    Message(InteractionMessage),
    Deferred { ephemeral: bool },
    DeferredUpdate,
    Update(InteractionMessage),
    Choices(Vec<Choice>),
    Modal(Modal),
}

fn data<T: serde::de::DeserializeOwned>(data: Option<Value>) -> AppResult<T> {
    serde_json::from_value(data.unwrap_or(Value::Object(Default::default())))
        .map_err(|e| AppError::field("data", "DICT_TYPE_CONVERT", format!("Not a valid answer for its type: {e}")))
}

fn parse(interaction: &InteractionRecord, request: CallbackRequest) -> AppResult<Answer> {
    let fits = match interaction.kind {
        kind::APPLICATION_COMMAND => matches!(request.kind, MESSAGE | DEFERRED_MESSAGE | MODAL),
        kind::MESSAGE_COMPONENT => {
            matches!(request.kind, MESSAGE | DEFERRED_MESSAGE | DEFERRED_UPDATE | UPDATE_MESSAGE | MODAL)
        }
        kind::AUTOCOMPLETE => request.kind == AUTOCOMPLETE_RESULT,
        kind::MODAL_SUBMIT => matches!(request.kind, MESSAGE | DEFERRED_MESSAGE | DEFERRED_UPDATE),
        _ => false,
    };
    if !fits {
        return Err(AppError::field(
            "type",
            "INTERACTION_CALLBACK_TYPE_INVALID",
            "This kind of answer does not fit what was used (see the interaction's type).",
        ));
    }
    Ok(match request.kind {
        MESSAGE => {
            let body: InteractionMessage = data(request.data)?;
            messages::check(&body, true)?;
            Answer::Message(body)
        }
        DEFERRED_MESSAGE => {
            let deferred: Deferred = data(request.data)?;
            let bits = deferred.flags.unwrap_or(0);
            crate::message_drafts::check_flags(Some(bits), flags::ON_INTERACTION)?;
            Answer::Deferred { ephemeral: bits & flags::EPHEMERAL != 0 }
        }
        DEFERRED_UPDATE => Answer::DeferredUpdate,
        UPDATE_MESSAGE => {
            let body: InteractionMessage = data(request.data)?;
            messages::check(&body, false)?;
            Answer::Update(body)
        }
        AUTOCOMPLETE_RESULT => {
            let Choices { choices } = data(request.data)?;
            let mut errors = FieldErrors::new();
            if choices.len() > 25 {
                errors.add("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
            }
            for choice in choices.iter().take(26) {
                let n = choice.name.chars().count();
                if choice.name_localizations.as_ref().and_then(Value::as_object).is_some_and(|l| l.len() > 34) {
                    errors.add("data.choices", "BASE_TYPE_MAX_LENGTH", "At most 34 localisations.");
                }
                if !(1..=100).contains(&n) || matches!(&choice.value, ChoiceValue::Text(t) if t.chars().count() > 100) {
                    errors.add(
                        "data.choices",
                        "BASE_TYPE_BAD_LENGTH",
                        "Names are 1-100 characters, text values up to 100.",
                    );
                }
            }
            errors.into_result()?;
            Answer::Choices(choices)
        }
        MODAL => Answer::Modal(check_modal(data(request.data)?)?),
        _ => unreachable_type(),
    })
}

/// `fits` above only lets known types through.
fn unreachable_type() -> Answer {
    Answer::DeferredUpdate
}

/// INTERACTION_MODAL_CREATE: the modal, to the person.
#[derive(Serialize)]
struct ModalCreate<'a> {
    id: Snowflake,
    application: ModalApplication,
    #[serde(skip_serializing_if = "Option::is_none")]
    guild_id: Option<Snowflake>,
    channel_id: Snowflake,
    custom_id: &'a str,
    title: &'a str,
    components: &'a [crate::objects::component::ActionRow],
}

/// The application that opened a modal, as its dialog names it.
#[derive(Serialize)]
struct ModalApplication {
    id: Snowflake,
    name: String,
    icon: Option<String>,
}

/// APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE: the suggestions, to the person typing.
#[derive(Serialize)]
struct AutocompleteResponse {
    id: Snowflake,
    application_id: Snowflake,
    choices: Vec<Choice>,
}

/// INTERACTION_SUCCESS: the application answered, to the person.
#[derive(Serialize)]
struct Answered {
    id: Snowflake,
}

/// Answers interaction `id` (whose token is `token`) once.
pub async fn answer(
    state: &AppState,
    id: Snowflake,
    token: &str,
    request: CallbackRequest,
) -> AppResult<CallbackResponse> {
    let interaction = messages::by_id_and_token(state, id, token).await?;
    let kind = request.kind;
    let answer = parse(&interaction, request)?;
    let modal = match &answer {
        Answer::Modal(modal) => Some(serde_json::to_string(modal).unwrap_or_default()),
        _ => None,
    };
    if !state.store.answer_interaction(interaction.id, kind as i32, modal.as_deref()).await? {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::InteractionAlreadyAcknowledged));
    }
    let mut response = CallbackInteraction {
        id: interaction.id,
        kind: interaction.kind,
        response_message_id: None,
        response_message_loading: None,
        response_message_ephemeral: None,
    };
    let message = match answer {
        Answer::Message(body) => {
            let ephemeral = body.flags.unwrap_or(0) & flags::EPHEMERAL != 0;
            let posted = messages::post(state, &interaction, body, false).await?;
            response.response_message_ephemeral = Some(ephemeral);
            response.response_message_loading = Some(false);
            Some(posted)
        }
        Answer::Deferred { ephemeral } => {
            let body = InteractionMessage {
                flags: Some(if ephemeral { flags::EPHEMERAL } else { 0 }),
                ..InteractionMessage::default()
            };
            let posted = messages::post(state, &interaction, body, true).await?;
            response.response_message_ephemeral = Some(ephemeral);
            response.response_message_loading = Some(true);
            Some(posted)
        }
        Answer::Update(body) => Some(messages::edit(state, &interaction, Which::Original, body).await?),
        Answer::DeferredUpdate => None,
        Answer::Choices(choices) => {
            let data = AutocompleteResponse { id: interaction.id, application_id: interaction.application_id, choices };
            state.publish(Event::new(
                EventName::ApplicationCommandAutocompleteResponse,
                Audience::Users(vec![interaction.user_id]),
                Keys::none(),
                &data,
            ));
            None
        }
        Answer::Modal(modal) => {
            let app = state.store.application(interaction.application_id).await?;
            let application = ModalApplication {
                id: interaction.application_id,
                name: app.map(|a| a.name).unwrap_or_default(),
                icon: None,
            };
            let data = ModalCreate {
                id: interaction.id,
                application,
                guild_id: interaction.guild_id.map(Snowflake::from_i64),
                channel_id: interaction.channel_id,
                custom_id: &modal.custom_id,
                title: &modal.title,
                components: &modal.components,
            };
            state.publish(Event::new(
                EventName::InteractionModalCreate,
                Audience::Users(vec![interaction.user_id]),
                Keys::channel(interaction.guild_id.map(Snowflake::from_i64), interaction.channel_id),
                &data,
            ));
            None
        }
    };
    if let Some(id) = message.as_ref().and_then(|m| m["id"].as_str()).and_then(|s| s.parse::<Snowflake>().ok()) {
        if matches!(kind, MESSAGE | DEFERRED_MESSAGE) {
            state.store.set_original_message(interaction.id, id).await?;
        }
        response.response_message_id = Some(id);
    }
    state.publish(Event::new(
        EventName::InteractionSuccess,
        Audience::Users(vec![interaction.user_id]),
        Keys::none(),
        &Answered { id: interaction.id },
    ));
    state.metrics.interactions.answered.with_label_values(&[&kind.to_string()]).inc();
    tracing::info!(interaction_id = %interaction.id, callback = kind, "interaction answered");
    Ok(CallbackResponse { interaction: response, resource: Some(CallbackResource { kind, message }) })
}
