//! Reading the audit log: `GET /guilds/{guild_id}/audit-logs` (VIEW_AUDIT_LOG).

use axum::extract::State;
use parley_app::AppState;
use parley_app::access::GuildAccess;
use parley_app::audit::parse_action;
use parley_app::error::AppResult;
use parley_core::{FieldErrors, Permissions, Snowflake};
use parley_store::audit_log::{AuditEntry, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, PublicUser, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only entries made by this user.
    #[param(value_type = Option<schema::Snowflake>)]
    pub user_id: Option<String>,
    /// Only entries of this Discord action type (e.g. 22 for bans).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub action_type: Option<String>,
    /// Entries older than this entry id.
    #[param(value_type = Option<schema::Snowflake>)]
    pub before: Option<String>,
    /// Entries newer than this entry id.
    #[param(value_type = Option<schema::Snowflake>)]
    pub after: Option<String>,
    /// 1-100, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    #[schema(value_type = schema::Snowflake)]
    pub user_id: Snowflake,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub target_id: Option<Snowflake>,
    pub action_type: i64,
    /// `[{key, old_value?, new_value?}]`
    #[schema(value_type = Vec<Object>)]
    pub changes: serde_json::Value,
    /// Absent when none was given (Discord omits it rather than sending null).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLogObject {
    pub audit_log_entries: Vec<AuditEntryObject>,
    /// The users the entries name.
    pub users: Vec<PublicUser>,
    pub webhooks: Vec<serde_json::Value>,
    pub integrations: Vec<serde_json::Value>,
    pub threads: Vec<serde_json::Value>,
    /// Always empty, but present: discord.js reads these lists unconditionally.
    pub guild_scheduled_events: Vec<serde_json::Value>,
    pub auto_moderation_rules: Vec<serde_json::Value>,
    pub application_commands: Vec<serde_json::Value>,
}

/// The channels an entry is about: its target for channel, overwrite, bulk-delete and thread
/// actions, and any `channel_id` among its changes (invites, deleted messages, voice moves).
fn channels_named(entry: &AuditEntry) -> impl Iterator<Item = Snowflake> + '_ {
    let targets_channel = matches!(entry.action_type, 10..=15 | 73 | 110..=112);
    let target = entry.target_id.filter(|_| targets_channel).map(Snowflake::from_i64);
    let changes: Vec<serde_json::Value> = serde_json::from_str(&entry.changes).unwrap_or_default();
    let from_changes = changes
        .into_iter()
        .filter(|change| change["key"] == "channel_id")
        .flat_map(|change| [change["old_value"].clone(), change["new_value"].clone()])
        .filter_map(|value| match value {
            serde_json::Value::String(text) => text.parse().ok(),
            serde_json::Value::Number(number) => number.as_u64(),
            _ => None,
        })
        .map(Snowflake::new);
    target.into_iter().chain(from_changes)
}

/// Whether the reader may see the channel (one that no longer exists hides nothing).
fn may_see(access: &GuildAccess, id: Snowflake) -> bool {
    access
        .channels
        .iter()
        .find(|c| c.id == id)
        .is_none_or(|c| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL))
}

/// The guild's audit log, newest first (VIEW_AUDIT_LOG). Entries about a channel the reader
/// cannot see are left out.
#[utoipa::path(get, path = "/guilds/{guild_id}/audit-logs", tag = "audit log", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), AuditQuery),
    responses(
        (status = 200, description = "OK", body = AuditLogObject),
        (status = 400, description = "Bad query parameters (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing VIEW_AUDIT_LOG (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn audit_log(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
    Query(params): Query<AuditQuery>,
) -> AppResult<Json<AuditLogObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::VIEW_AUDIT_LOG)?;
    let mut errors = FieldErrors::new();
    let filter_user = query::id(&mut errors, "user_id", params.user_id.as_deref());
    let before = query::id(&mut errors, "before", params.before.as_deref());
    let after = query::id(&mut errors, "after", params.after.as_deref());
    let limit = query::number(&mut errors, "limit", params.limit.as_deref(), 50, 1..=100);
    errors.into_result()?;
    let action_type = params.action_type.as_deref().map(parse_action).transpose()?;
    let mut entries = state
        .store
        .audit_entries(access.guild.id, AuditFilter { user_id: filter_user, action_type, before, after, limit })
        .await?;
    // What happened in a channel the reader cannot see stays as hidden as the channel: its
    // name, topic and invite codes are in those entries.
    entries.retain(|entry| channels_named(entry).all(|id| may_see(&access, id)));
    let mut named: Vec<Snowflake> = entries
        .iter()
        .map(|e| e.user_id)
        .chain(entries.iter().filter_map(|e| e.target_id.map(Snowflake::from_i64)))
        .collect();
    named.sort();
    named.dedup();
    let users = state.store.users_by_ids(&named).await?;
    Ok(Json(AuditLogObject {
        audit_log_entries: entries
            .into_iter()
            .map(|e| AuditEntryObject {
                id: e.id,
                user_id: e.user_id,
                target_id: e.target_id.map(Snowflake::from_i64),
                action_type: e.action_type,
                changes: serde_json::from_str(&e.changes).unwrap_or_default(),
                reason: e.reason,
            })
            .collect(),
        users: users.iter().map(PublicUser::from).collect(),
        webhooks: Vec::new(),
        integrations: Vec::new(),
        threads: Vec::new(),
        guild_scheduled_events: Vec::new(),
        auto_moderation_rules: Vec::new(),
        application_commands: Vec::new(),
    }))
}
