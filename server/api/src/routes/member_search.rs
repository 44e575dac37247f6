//! Member search: a guild's members whose username or nickname starts with a query, for
//! members of the guild (as discord.py's `query_members` falls back to it, and discord.js's
//! `GuildMemberManager.search` calls it).

use axum::extract::State;
use parley_app::AppState;
use parley_app::access::GuildAccess;
use parley_app::error::AppResult;
use parley_app::member_search::members_named;
use parley_app::objects::member::{MemberObject, member_objects};
use parley_core::{FieldErrors, Snowflake};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_members))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MemberSearchQuery {
    /// Required: 1-100 characters, matched against the start of usernames and nicknames,
    /// case-insensitively.
    #[param(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub query: Option<String>,
    /// 1-1000, default 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// Members whose username or nickname starts with `query`, by user id.
#[utoipa::path(get, path = "/guilds/{guild_id}/members/search", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), MemberSearchQuery),
    responses(
        (status = 200, description = "OK", body = Vec<MemberObject>),
        (status = 400, description = "A missing or bad query, or a bad limit (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn search_members(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
    Query(params): Query<MemberSearchQuery>,
) -> AppResult<Json<Vec<MemberObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let mut errors = FieldErrors::new();
    match params.query.as_deref() {
        None => errors.add("query", "BASE_TYPE_REQUIRED", "This field is required"),
        Some(q) if !(1..=100).contains(&q.chars().count()) => {
            errors.add("query", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        }
        Some(_) => {}
    }
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), 1, 1..=1000);
    errors.into_result()?;
    let found =
        members_named(&state, access.guild.id, params.query.as_deref().unwrap_or_default(), limit as usize).await?;
    Ok(Json(member_objects(&state, &found).await?))
}
