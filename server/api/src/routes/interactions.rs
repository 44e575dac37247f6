//! Interactions: a person uses an application's command, component or modal (`POST
//! /interactions`, as Discord's own client does), and the application answers once through
//! the interaction's callback, with no sign-in: the interaction's token is the credential.
//! Follow-ups go through `/webhooks/{application_id}/{token}` (see [`super::webhook_messages`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parley_app::AppState;
use parley_app::error::{AppError, AppResult};
use parley_app::interactions::answer::{CallbackRequest, CallbackResponse, answer};
use parley_app::interactions::request::InteractionRequest;
use parley_app::interactions::start::start;
use parley_core::{ErrorCode, Snowflake};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::Query;
use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_interaction)).routes(routes!(interaction_callback))
}

/// *Parley* (Discord's client sends it): use a command (type 2), a component on an
/// application's message (3), ask for autocomplete suggestions (4), or submit a modal (5). The
/// application's bot receives INTERACTION_CREATE; you receive INTERACTION_CREATE `{id, nonce}`
/// at once and INTERACTION_SUCCESS `{id}` when it answers.
#[utoipa::path(post, path = "/interactions", tag = "interactions", security(("bearer" = [])),
    request_body = InteractionRequest,
    responses(
        (status = 204, description = "Sent to the application"),
        (status = 400, description = "Options, values or inputs that do not fit what was used (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Cannot see the channel (50001); missing USE_APPLICATION_COMMANDS or the command's permissions (50013); a bot (20001)", body = ErrorBody),
        (status = 404, description = "Unknown application (10002), channel (10003), message (10008), command or one not usable here (10063), or a modal already submitted (10062)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_interaction(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<InteractionRequest>,
) -> AppResult<StatusCode> {
    if auth.is_bot() {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::BotsCannotUse));
    }
    start(&state, auth.user_id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CallbackQuery {
    /// `true`: answer 200 with what the answer made (the interaction and its message).
    #[param(value_type = Option<bool>)]
    pub with_response: Option<String>,
}

/// Answer an interaction, once (no sign-in: the token is the credential).
#[utoipa::path(post, path = "/interactions/{interaction_id}/{interaction_token}/callback", tag = "interactions",
    params(("interaction_id" = schema::Snowflake, Path), ("interaction_token" = String, Path), CallbackQuery),
    request_body = CallbackRequest,
    responses(
        (status = 200, description = "Answered (with `with_response=true`)", body = CallbackResponse),
        (status = 204, description = "Answered"),
        (status = 400, description = "An answer that does not fit the interaction, or bad data (50035); already answered (40060); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown interaction, not its token, or older than 15 minutes (10062)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn interaction_callback(
    State(state): State<AppState>,
    Path((id, token)): Path<(Snowflake, String)>,
    Query(params): Query<CallbackQuery>,
    Json(body): Json<CallbackRequest>,
) -> AppResult<Response> {
    let with_response = match params.with_response.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(AppError::field("with_response", "BOOLEAN_TYPE_COERCE", "Must be true or false.")),
    };
    let response = answer(&state, id, &token, body).await?;
    Ok(if with_response { Json(response).into_response() } else { StatusCode::NO_CONTENT.into_response() })
}
