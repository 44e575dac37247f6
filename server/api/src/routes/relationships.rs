//! Relationships in Discord's routes, for blocking: list mine, block someone
//! (`PUT /users/@me/relationships/{user_id}` with `{"type": 2}`), unblock (`DELETE`).
//! Parley has no friends list, so type 2 is the only one. People only: bots get 20001.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::error::{AppError, AppResult};
use parley_app::private_channels::unknown_user;
use parley_app::relationships::{MAX_RELATIONSHIPS, RelationshipObject, RelationshipRemoved, relationships_of};
use parley_core::{ErrorCode, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::relationships::{BLOCKED, Blocked};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_relationships)).routes(routes!(block_user, remove_relationship))
}

/// The body of `PUT /users/@me/relationships/{user_id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RelationshipRequest {
    /// 2: block. Parley has no friends list, so no other type is accepted.
    #[serde(rename = "type")]
    #[schema(minimum = 2, maximum = 2)]
    pub kind: i64,
}

/// The people I block.
#[utoipa::path(get, path = "/users/@me/relationships", tag = "relationships", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<RelationshipObject>),
        SignedIn,
        (status = 403, description = "Bots have no relationships (20001)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn my_relationships(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<Vec<RelationshipObject>>> {
    auth.session()?;
    Ok(Json(relationships_of(&state, auth.user_id).await?))
}

/// Block someone: neither of us can then message the other in a DM, nor open one, nor add
/// the other to a group DM; my client collapses their messages. My sessions get
/// RELATIONSHIP_ADD. Blocking someone already blocked changes nothing.
#[utoipa::path(put, path = "/users/@me/relationships/{user_id}", tag = "relationships", security(("bearer" = [])),
    params(("user_id" = schema::Snowflake, Path)),
    request_body = RelationshipRequest,
    responses(
        (status = 204, description = "Blocked"),
        (status = 400, description = "No type or a type other than 2 (Parley has no friends list), or myself (50035); 1000 relationships already (30002); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Bots have no relationships (20001)", body = ErrorBody),
        (status = 404, description = "Unknown user (10013): none, or one I share no guild or DM with", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn block_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(user_id): Path<Snowflake>,
    Json(body): Json<RelationshipRequest>,
) -> AppResult<StatusCode> {
    auth.session()?;
    if body.kind != i64::from(BLOCKED) {
        return Err(AppError::field(
            "type",
            "RELATIONSHIP_TYPE_UNSUPPORTED",
            "Only 2 (block) is accepted: Parley has no friends list.",
        ));
    }
    if user_id == auth.user_id {
        return Err(AppError::field("user_id", "RELATIONSHIP_SELF", "You cannot block yourself."));
    }
    // Only someone the caller may already see (as `GET /users/{id}` says: a shared guild or
    // DM), so a block cannot be used to read any account's profile.
    let known = state.store.share_a_guild(auth.user_id, user_id).await?
        || state.store.share_a_private_channel(auth.user_id, user_id).await?;
    let user = if known { state.store.users_by_ids(&[user_id]).await?.into_iter().next() } else { None };
    let Some(user) = user else {
        return Err(unknown_user());
    };
    let (outcome, relationship) = state.store.block(auth.user_id, user_id, Timestamp::now(), MAX_RELATIONSHIPS).await?;
    match outcome {
        Blocked::TooMany => Err(AppError::with_message(
            StatusCode::BAD_REQUEST,
            ErrorCode::MaxRelationships,
            format!("Maximum number of relationships reached ({MAX_RELATIONSHIPS}); unblock someone first"),
        )),
        Blocked::Already => Ok(StatusCode::NO_CONTENT),
        Blocked::Now => {
            state.publish(Event::new(
                EventName::RelationshipAdd,
                Audience::Users(vec![auth.user_id]),
                Keys::none(),
                &RelationshipObject::new(&relationship, &user),
            ));
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

/// Unblock someone. My sessions get RELATIONSHIP_REMOVE.
#[utoipa::path(delete, path = "/users/@me/relationships/{user_id}", tag = "relationships", security(("bearer" = [])),
    params(("user_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Unblocked"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Bots have no relationships (20001)", body = ErrorBody),
        (status = 404, description = "No relationship with this user (10013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn remove_relationship(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(user_id): Path<Snowflake>,
) -> AppResult<StatusCode> {
    auth.session()?;
    if !state.store.remove_relationship(auth.user_id, user_id).await? {
        return Err(unknown_user());
    }
    state.publish(Event::new(
        EventName::RelationshipRemove,
        Audience::Users(vec![auth.user_id]),
        Keys::none(),
        &RelationshipRemoved { id: user_id, kind: BLOCKED },
    ));
    Ok(StatusCode::NO_CONTENT)
}
