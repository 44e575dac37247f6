//! Read states: acknowledge a message, and where I stand in every channel I can see.

use axum::extract::{Path, State};
use parley_core::{Permissions, Snowflake};
use parley_events::{Audience, Event, EventName};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::access::GuildAccess;
use crate::channel_access::ChannelAccess;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Json};
use crate::models::{ErrorBody, SignedIn, TooManyRequests, schema};
use crate::routes::messages::find_message;
use parley_store::channels::ChannelKind;

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
    Path((channel_id, message_id)): Path<(String, String)>,
) -> ApiResult<Json<AckResponse>> {
    let channel = ChannelAccess::open(&state, &channel_id, auth.user_id).await?;
    channel.require_text()?;
    let message = find_message(&state, channel.id(), &message_id).await?;
    state.store.ack(auth.user_id, channel.id(), message.id).await?;
    state.publish(Event::new(
        EventName::MessageAck,
        Audience::Users(vec![auth.user_id]),
        &serde_json::json!({ "channel_id": channel.id(), "message_id": message.id }),
    ));
    Ok(Json(AckResponse { token: None }))
}

/// Where I stand in one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadStateObject {
    #[schema(value_type = schema::Snowflake)]
    pub channel_id: Snowflake,
    /// Absent for DMs and group DMs.
    #[schema(value_type = Option<schema::Snowflake>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<Snowflake>,
    /// The last message I acknowledged, if any.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub last_read_message_id: Option<Snowflake>,
    /// The channel's newest message, if any.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub last_message_id: Option<Snowflake>,
    /// Whether there are messages after the last one I acknowledged.
    pub unread: bool,
    /// Unread messages by others that mention me, one of my roles or @everyone; in a DM or
    /// group DM, every unread message by others.
    pub mention_count: i64,
}

/// My read state in every text channel I can see and every open DM and group DM (Parley;
/// Discord sends the same facts in READY's `read_state`).
#[utoipa::path(get, path = "/users/@me/read-states", tag = "read states", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<ReadStateObject>),
        SignedIn,
        TooManyRequests,
    ))]
async fn my_read_states(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<Vec<ReadStateObject>>> {
    Ok(Json(read_states_of(&state, auth.user_id).await?))
}

/// `user_id`'s read state in every text channel they can see and every open private
/// channel (also sent in the gateway's READY).
pub async fn read_states_of(state: &AppState, user_id: Snowflake) -> ApiResult<Vec<ReadStateObject>> {
    let mut visible: Vec<(Snowflake, Option<Snowflake>)> = Vec::new();
    let mut role_ids: Vec<Snowflake> = Vec::new();
    for guild in state.store.guilds_of_member(user_id).await? {
        let Ok(access) = GuildAccess::load(state, guild.id, user_id).await else { continue };
        role_ids.extend(access.member.role_ids.iter().copied());
        for channel in
            access.channels.iter().filter(|c| matches!(c.kind(), ChannelKind::Text | ChannelKind::PublicThread))
        {
            if access.channel_permissions(channel).contains(Permissions::VIEW_CHANNEL) {
                visible.push((channel.id, Some(guild.id)));
            }
        }
    }
    visible.extend(state.store.private_channels_of(user_id).await?.iter().map(|c| (c.id, None)));
    let ids: Vec<Snowflake> = visible.iter().map(|(c, _)| *c).collect();
    let states = state.store.read_states(user_id, &ids, &role_ids).await?;
    Ok(visible
        .iter()
        .filter_map(|(channel_id, guild_id)| {
            let s = states.iter().find(|s| s.channel_id == *channel_id)?;
            Some(ReadStateObject {
                channel_id: *channel_id,
                guild_id: *guild_id,
                last_read_message_id: s.last_read_message_id,
                last_message_id: s.last_message_id,
                unread: s.last_message_id.is_some_and(|last| s.last_read_message_id.is_none_or(|read| last > read)),
                mention_count: s.mention_count,
            })
        })
        .collect())
}
