//! Channel permission overwrites: set one, delete one (MANAGE_ROLES in the channel).

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{require, unknown_overwrite_target};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::channel_access::load_channel;
use parley_app::channels::overwrites;
use parley_app::error::AppResult;
use parley_app::objects::guild::ChannelObject;
use parley_core::permissions::Overwrite;
use parley_core::{FieldErrors, Permissions, Snowflake};
use parley_events::EventName;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_overwrite, delete_overwrite))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OverwriteRequest {
    /// 0 for a role, 1 for a member.
    #[serde(rename = "type")]
    #[schema(value_type = schema::OverwriteType)]
    pub kind: i64,
    /// Permission bits to allow, as a decimal string. Default none.
    #[schema(value_type = Option<schema::PermissionsInput>)]
    pub allow: Option<Permissions>,
    /// Permission bits to deny, as a decimal string. Default none.
    #[schema(value_type = Option<schema::PermissionsInput>)]
    pub deny: Option<Permissions>,
}

/// Set the overwrite for a role or member on a channel (MANAGE_ROLES in the channel). You can
/// only allow or deny permissions you have yourself there.
#[utoipa::path(put, path = "/channels/{channel_id}/permissions/{overwrite_id}", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("overwrite_id" = schema::Snowflake, Path, description = "A role id (the guild id for @everyone) or a user id")),
    request_body = OverwriteRequest,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Invalid fields, or no such role or member (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_ROLES or the permissions given (50013), or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn set_overwrite(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((channel_id, overwrite_id)): Path<(Snowflake, Snowflake)>,
    Json(body): Json<OverwriteRequest>,
) -> AppResult<StatusCode> {
    let (access, channel, permissions) = load_channel(&state, channel_id, auth.user_id).await?;
    require(permissions, Permissions::MANAGE_ROLES)?;
    let Some(kind) = overwrites::kind_of(body.kind) else {
        return Err(FieldErrors::single("type", "BASE_TYPE_CHOICES", "Must be 0 (role) or 1 (member).").into());
    };
    let target = overwrite_id;
    if !overwrites::target_exists(&state, &access, kind, target).await? {
        return Err(unknown_overwrite_target());
    }
    let (allow, deny) = (body.allow.unwrap_or_default(), body.deny.unwrap_or_default());
    // Nobody hands out, or takes away, a permission they do not hold themselves.
    require(permissions, allow | deny)?;
    let existed = access.overwrites.iter().any(|o| o.channel_id == channel.id && o.target_id == target);
    let action = if existed { AuditAction::ChannelOverwriteUpdate } else { AuditAction::ChannelOverwriteCreate };
    let changes = vec![
        audit::change("allow", None, Some(serde_json::json!(allow))),
        audit::change("deny", None, Some(serde_json::json!(deny))),
    ];
    let entry = audit::entry(&state, access.guild.id, auth.user_id, action, Some(channel.id), changes, &reason);
    state.store.set_overwrite(channel.id, &Overwrite { id: target, kind, allow, deny }, Some(&entry)).await?;
    publish_update(&state, access.guild.id, channel.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a role's or member's overwrite from a channel (MANAGE_ROLES in the channel).
#[utoipa::path(delete, path = "/channels/{channel_id}/permissions/{overwrite_id}", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path), ("overwrite_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Removed (or there was none)"),
        (status = 400, description = "An overwrite id that is no snowflake (50035); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_ROLES (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_overwrite(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((channel_id, overwrite_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    let (access, channel, permissions) = load_channel(&state, channel_id, auth.user_id).await?;
    require(permissions, Permissions::MANAGE_ROLES)?;
    let target = overwrite_id;
    let changes = vec![audit::change("id", Some(serde_json::json!(target)), None)];
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::ChannelOverwriteDelete,
        Some(channel.id),
        changes,
        &reason,
    );
    if state.store.delete_overwrite(channel.id, target, Some(&entry)).await? {
        publish_update(&state, access.guild.id, channel.id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn publish_update(state: &AppState, guild_id: Snowflake, channel_id: Snowflake) -> AppResult<()> {
    let channel = state.store.channel(channel_id).await?.ok_or_else(parley_app::access::unknown_channel)?;
    let overwrites = state.store.guild_overwrites(guild_id).await?;
    state.publish(ChannelObject::new(&channel, &overwrites).event(EventName::ChannelUpdate));
    Ok(())
}
