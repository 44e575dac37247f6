//! Read states: acknowledge a message, and where I stand in every channel I can see.

use axum::extract::State;
use parley_app::AppState;
use parley_app::channel_access::ChannelAccess;
use parley_app::error::AppResult;
use parley_app::objects::message::find_message;
use parley_app::objects::read_state::{ReadStateObject, read_states_of};
use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName, Keys};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ack_message)).routes(routes!(my_read_states))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AckResponse {
    /// Always null (Discord's field, kept for clients that read it).
    pub token: Option<String>,
}

/// Mark a channel read up to this message (or back to it: "mark unread").
#[utoipa::path(post, path = "/channels/{channel_id}/messages/{message_id}/ack", tag = "read states", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("message_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = AckResponse),
        (status = 400, description = "Not a text channel (50008); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or message (10008)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn ack_message(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((channel_id, message_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<Json<AckResponse>> {
    let channel = ChannelAccess::open(&state, channel_id, auth.user_id).await?;
    channel.require_text()?;
    let message = find_message(&state, channel.id(), message_id).await?;
    state.store.ack(auth.user_id, channel.id(), message.id).await?;
    state.publish(Event::new(
        EventName::MessageAck,
        Audience::Users(vec![auth.user_id]),
        // MESSAGE_ACK names no guild, even in a guild's channel.
        Keys::channel(None, channel.id()),
        &serde_json::json!({ "channel_id": channel.id(), "message_id": message.id }),
    ));
    Ok(Json(AckResponse { token: None }))
}

/// My read state in every text channel I can see and every open DM and group DM (Parley;
/// Discord sends the same facts in READY's `read_state`).
#[utoipa::path(get, path = "/users/@me/read-states", tag = "read states", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<ReadStateObject>),
        SignedIn,
        TooManyRequests,
    ))]
async fn my_read_states(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<Vec<ReadStateObject>>> {
    Ok(Json(read_states_of(&state, auth.user_id).await?))
}
