//! Pruning a guild (Discord's): removing members who have not been seen for some days and
//! hold no roles (or only the roles the moderator includes). Counting and pruning both need
//! MANAGE_GUILD and KICK_MEMBERS; included roles must be below the caller's highest (members
//! with no role are pruned whatever the caller's rank, as on Discord). Never the owner, never
//! a bot, never someone online. Removed in batches, each checked again as it is removed;
//! audited as one MEMBER_PRUNE (21) when anyone was; each member removed is a
//! GUILD_MEMBER_REMOVE.

use axum::extract::State;
use parley_app::AppState;
use parley_app::access::GuildAccess;
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::error::AppResult;
use parley_app::joins::announce_removal_of;
use parley_core::{FieldErrors, Permissions, Snowflake, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(count_prune, begin_prune))
}

/// Days without being seen, by default and at most (Discord's).
const DEFAULT_DAYS: i64 = 7;
const MAX_DAYS: i64 = 30;
/// Roles a prune may include.
const MAX_INCLUDE_ROLES: usize = 100;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Members removed per write transaction: SQLite has one writer, which a prune must not hold
/// for long.
const PRUNE_BATCH: usize = 100;

/// How many a prune removed (or would remove); null when the count was not asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct PruneResult {
    pub pruned: Option<usize>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PruneQuery {
    /// Days without being seen: 1-30, default 7.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 30)]
    pub days: Option<String>,
    /// Roles whose holders are pruned too (comma-separated ids); otherwise only members with
    /// no role are.
    #[param(value_type = Option<String>, pattern = r"^([0-9]{1,19}(,[0-9]{1,19}){0,99})?$")]
    pub include_roles: Option<String>,
}

/// What a moderator may prune: checked days and included roles.
struct Prune {
    inactive_before: Timestamp,
    days: i64,
    include_roles: Vec<Snowflake>,
}

/// Checks the request against the guild: permissions, days, roles of the guild below the
/// caller's highest (not @everyone), at most 100.
fn checked(
    access: &GuildAccess,
    days: Option<i64>,
    include_roles: Vec<Snowflake>,
    mut errors: FieldErrors,
) -> AppResult<Prune> {
    access.require(Permissions::MANAGE_GUILD | Permissions::KICK_MEMBERS)?;
    let days = days.unwrap_or(DEFAULT_DAYS);
    if days < 1 {
        errors.add("days", "NUMBER_TYPE_MIN", "Must be 1 or more.");
    } else if days > MAX_DAYS {
        errors.add("days", "NUMBER_TYPE_MAX", format!("Must be {MAX_DAYS} or fewer."));
    }
    if include_roles.len() > MAX_INCLUDE_ROLES {
        errors.add("include_roles", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.");
    }
    let mut roles = Vec::with_capacity(include_roles.len());
    for (i, id) in include_roles.iter().enumerate() {
        match access.roles.iter().find(|r| r.id == *id && r.id != access.guild.id) {
            Some(role) => roles.push(role),
            None => errors.add_at(
                vec!["include_roles".into(), i.to_string()],
                "ROLE_UNKNOWN",
                "Must be a role of this server other than @everyone.",
            ),
        }
    }
    errors.into_result()?;
    for role in roles {
        access.require_below_me(role)?;
    }
    let now = Timestamp::now().unix_millis();
    Ok(Prune { inactive_before: Timestamp::from_unix_millis(now - days * DAY_MS), days, include_roles })
}

/// Whom the prune removes: those the store finds unseen, less anyone online now (the gateway
/// does not mark sessions seen; being connected is being seen).
async fn candidates(state: &AppState, guild_id: Snowflake, prune: &Prune) -> AppResult<Vec<Snowflake>> {
    let mut found = state.store.prune_candidates(guild_id, prune.inactive_before, &prune.include_roles).await?;
    found.retain(|user| !state.online.is_online(*user));
    Ok(found)
}

/// How many members a prune would remove.
#[utoipa::path(get, path = "/guilds/{guild_id}/prune", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), PruneQuery),
    responses(
        (status = 200, description = "OK", body = PruneResult),
        (status = 400, description = "Days outside 1-30, or an included role the guild lacks (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD or KICK_MEMBERS, or an included role at or above the caller's highest (50013); not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn count_prune(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
    Query(params): Query<PruneQuery>,
) -> AppResult<Json<PruneResult>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let mut errors = FieldErrors::new();
    let days = match params.days.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(days)) => Some(days),
        Some(Err(_)) => {
            errors.add("days", "NUMBER_TYPE_COERCE", "Must be a whole number of days.");
            None
        }
    };
    let mut include_roles = Vec::new();
    let listed = params.include_roles.as_deref().unwrap_or_default();
    for raw in listed.split(',').filter(|_| !listed.is_empty()) {
        include_roles.extend(query::id(&mut errors, "include_roles", Some(raw)));
    }
    let prune = checked(&access, days, include_roles, errors)?;
    Ok(Json(PruneResult { pruned: Some(candidates(&state, guild_id, &prune).await?.len()) }))
}

/// A prune.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PruneRequest {
    /// Days without being seen: 1-30, default 7.
    #[schema(minimum = 1, maximum = 30)]
    pub days: Option<i64>,
    /// Whether to answer with how many were removed (default true).
    pub compute_prune_count: Option<bool>,
    /// Roles whose holders are pruned too; otherwise only members with no role are.
    #[schema(value_type = Option<Vec<schema::Snowflake>>, max_items = 100)]
    pub include_roles: Option<Vec<Snowflake>>,
}

/// Remove the members a prune finds (MANAGE_GUILD and KICK_MEMBERS).
#[utoipa::path(post, path = "/guilds/{guild_id}/prune", tag = "members", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = PruneRequest,
    responses(
        (status = 200, description = "Pruned", body = PruneResult),
        (status = 400, description = "Days outside 1-30, or an included role the guild lacks (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD or KICK_MEMBERS, or an included role at or above the caller's highest (50013); not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn begin_prune(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<PruneRequest>,
) -> AppResult<Json<PruneResult>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let prune = checked(&access, body.days, body.include_roles.unwrap_or_default(), FieldErrors::new())?;
    let candidates = candidates(&state, guild_id, &prune).await?;
    let entry = audit::entry(&state, guild_id, auth.user_id, AuditAction::MemberPrune, None, Vec::new(), &reason);
    let mut removed = Vec::with_capacity(candidates.len());
    for batch in candidates.chunks(PRUNE_BATCH) {
        // Someone who came online since the count stays.
        let batch: Vec<Snowflake> = batch.iter().copied().filter(|u| !state.online.is_online(*u)).collect();
        let audit = removed.is_empty().then_some(&entry);
        let gone =
            state.store.prune_members(guild_id, &batch, prune.inactive_before, &prune.include_roles, audit).await?;
        // Each removal is stored; a failure to load them for the announcement loses no other.
        match state.store.users_by_ids(&gone).await {
            Ok(users) => users.iter().for_each(|user| announce_removal_of(&state, guild_id, user)),
            Err(e) => tracing::error!(%guild_id, error = %e, "pruned members could not be announced"),
        }
        removed.extend(gone);
    }
    tracing::info!(%guild_id, moderator = %auth.user_id, days = prune.days, removed = removed.len(), "guild pruned");
    let pruned = body.compute_prune_count.unwrap_or(true).then_some(removed.len());
    Ok(Json(PruneResult { pruned }))
}
