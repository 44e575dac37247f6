//! Instance administration: invite codes for `invite_only` registration.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::auth::refresh_token::random_code;
use parley_app::error::{AppError, AppResult};
use parley_app::instance_invites::invite_limits;
use parley_core::{ErrorCode, Snowflake, Timestamp};
use parley_store::StoreError;
use parley_store::invites::InstanceInvite;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AdminUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_invites, create_invite)).routes(routes!(delete_invite))
}

#[derive(Debug, Deserialize, ToSchema)]
// Named apart from the guild invite's request, which has other limits.
#[schema(as = CreateInstanceInviteRequest)]
pub struct CreateInviteRequest {
    /// Seconds until it expires; 0 means never. Default 86400 (a day), at most a year.
    #[schema(minimum = 0, maximum = 31536000)]
    pub max_age: Option<i64>,
    /// How many accounts it may create; 0 means unlimited. Default 1, at most 10000.
    #[schema(minimum = 0, maximum = 10000)]
    pub max_uses: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceInviteInfo {
    pub code: String,
    pub uses: i64,
    pub max_uses: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub created_by: Option<Snowflake>,
}

impl From<InstanceInvite> for InstanceInviteInfo {
    fn from(i: InstanceInvite) -> Self {
        Self {
            code: i.code,
            uses: i.uses,
            max_uses: i.max_uses,
            expires_at: i.expires_at.map(Timestamp::from_unix_millis),
            created_at: i.created_at,
            created_by: i.created_by.map(Snowflake::from_i64),
        }
    }
}

/// Create an instance invite (admins only).
#[utoipa::path(post, path = "/admin/invites", tag = "admin", security(("bearer" = [])), request_body = CreateInviteRequest,
    responses(
        (status = 201, description = "Created", body = InstanceInviteInfo),
        (status = 400, description = "Invalid fields (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_invite(
    State(state): State<AppState>,
    admin: AdminUser,
    Json(body): Json<CreateInviteRequest>,
) -> AppResult<(StatusCode, Json<InstanceInviteInfo>)> {
    let (max_age, max_uses) = invite_limits(body.max_age, body.max_uses)?;
    let now = Timestamp::now();
    let expires_at = (max_age > 0).then(|| now.plus_millis(max_age * 1000));
    let invite = loop {
        // 9 random bytes: 12 URL-safe characters, too many to guess.
        match state.store.create_instance_invite(&random_code(9), Some(admin.user.id), max_uses, expires_at, now).await
        {
            Err(StoreError::Conflict(_)) => continue,
            other => break other?,
        }
    };
    // Not the code: logs travel further than the people who may use it.
    tracing::info!(admin = %admin.user.id, max_uses = ?invite.max_uses, "instance invite created");
    Ok((StatusCode::CREATED, Json(invite.into())))
}

/// Every instance invite, newest first (admins only).
#[utoipa::path(get, path = "/admin/invites", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<InstanceInviteInfo>),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_invites(State(state): State<AppState>, _admin: AdminUser) -> AppResult<Json<Vec<InstanceInviteInfo>>> {
    Ok(Json(state.store.instance_invites().await?.into_iter().map(Into::into).collect()))
}

/// Delete an instance invite (admins only).
#[utoipa::path(delete, path = "/admin/invites/{code}", tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not an instance admin (50013)", body = ErrorBody),
        (status = 404, description = "Unknown invite (10006)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_invite(
    State(state): State<AppState>,
    _admin: AdminUser,
    Path(code): Path<String>,
) -> AppResult<StatusCode> {
    if state.store.delete_instance_invite(&code).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownInvite))
    }
}
