//! Channel webhooks, managed by members with MANAGE_WEBHOOKS (make, list, rename, move,
//! delete; each audited and announced with WEBHOOKS_UPDATE), and read, renamed or deleted by
//! whoever holds the token. Posting through one is in `webhook_messages`.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, require};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::channel_access::load_channel;
use parley_app::error::{AppError, AppResult};
use parley_app::objects::PublicUser;
use parley_app::objects::webhook::{
    MAX_WEBHOOKS_PER_CHANNEL, WebhookObject, by_token, check_name, new_token, unknown_webhook, webhooks_update,
};
use parley_core::{ChannelKind, ErrorCode, Permissions, Snowflake, Timestamp};
use parley_store::webhooks::{NewWebhook, WebhookPatch, WebhookRecord, WebhookUpdate};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, channel_webhooks))
        .routes(routes!(guild_webhooks))
        .routes(routes!(get_webhook, modify_webhook, delete_webhook))
        .routes(routes!(get_webhook_with_token, modify_webhook_with_token, delete_webhook_with_token))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWebhookRequest {
    /// 1-80 characters.
    #[schema(value_type = schema::WebhookName)]
    pub name: String,
}

/// The makers of these webhooks, as public users.
async fn creators(state: &AppState, webhooks: &[WebhookRecord]) -> AppResult<Vec<PublicUser>> {
    let ids: Vec<Snowflake> = webhooks.iter().filter_map(|w| w.creator_id.map(Snowflake::from_i64)).collect();
    Ok(state.store.users_by_ids(&ids).await?.iter().map(PublicUser::from).collect())
}

async fn managed(state: &AppState, webhooks: Vec<WebhookRecord>) -> AppResult<Vec<WebhookObject>> {
    let users = creators(state, &webhooks).await?;
    Ok(webhooks
        .iter()
        .map(|w| {
            let creator = users.iter().find(|u| Some(u.id.as_i64()) == w.creator_id).cloned();
            WebhookObject::managed(w, creator)
        })
        .collect())
}

/// A text channel (not a thread) where the caller holds MANAGE_WEBHOOKS.
async fn managed_channel(
    state: &AppState,
    channel_id: Snowflake,
    user: Snowflake,
) -> AppResult<(GuildAccess, Snowflake)> {
    let (access, channel, permissions) = load_channel(state, channel_id, user).await?;
    require(permissions, Permissions::MANAGE_WEBHOOKS)?;
    if channel.kind != ChannelKind::Text {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::NonTextChannel));
    }
    Ok((access, channel.id))
}

/// The webhook `id`, for a caller with MANAGE_WEBHOOKS in its channel; 404 (10015) for one
/// they cannot manage or see, so webhooks elsewhere are not revealed.
async fn managed_webhook(state: &AppState, id: Snowflake, user: Snowflake) -> AppResult<(WebhookRecord, GuildAccess)> {
    let webhook = state.store.webhook(id).await?.ok_or_else(unknown_webhook)?;
    match managed_channel(state, webhook.channel_id, user).await {
        Ok((access, _)) => Ok((webhook, access)),
        Err(missing @ AppError::Client { code: ErrorCode::MissingPermissions, .. }) => Err(missing),
        Err(_) => Err(unknown_webhook()),
    }
}

/// Make a webhook in a text channel (MANAGE_WEBHOOKS there). At most 15 per channel. The
/// answer carries its token; its URL is `/api/webhooks/{id}/{token}`.
#[utoipa::path(post, path = "/channels/{channel_id}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)), request_body = CreateWebhookRequest,
    responses(
        (status = 200, description = "Made", body = WebhookObject),
        (status = 400, description = "A bad name (50035); 15 webhooks already (30007); not a text channel (50008); a bad X-Audit-Log-Reason header (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_WEBHOOKS (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_webhook(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(channel_id): Path<Snowflake>,
    Json(body): Json<CreateWebhookRequest>,
) -> AppResult<Json<WebhookObject>> {
    let (access, channel_id) = managed_channel(&state, channel_id, auth.user_id).await?;
    let name = check_name(&body.name)?;
    let webhook = NewWebhook {
        id: state.ids.next(),
        guild_id: access.guild.id,
        channel_id,
        creator_id: auth.user_id,
        name,
        token: new_token(),
        now: Timestamp::now(),
    };
    let changes = vec![
        audit::change("name", None, Some(serde_json::json!(webhook.name))),
        audit::change("channel_id", None, Some(serde_json::json!(channel_id))),
        audit::change("type", None, Some(serde_json::json!(1))),
    ];
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::WebhookCreate,
        Some(webhook.id),
        changes,
        &reason,
    );
    let record = state
        .store
        .create_webhook(&webhook, MAX_WEBHOOKS_PER_CHANNEL, Some(&entry))
        .await?
        .ok_or_else(|| AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MaxWebhooks))?;
    state.publish(webhooks_update(record.guild_id, record.channel_id));
    Ok(Json(managed(&state, vec![record]).await?.remove(0)))
}

/// A channel's webhooks (MANAGE_WEBHOOKS there).
#[utoipa::path(get, path = "/channels/{channel_id}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<WebhookObject>),
        (status = 400, description = "Not a text channel (50008); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_WEBHOOKS (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn channel_webhooks(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<Json<Vec<WebhookObject>>> {
    let (_, channel_id) = managed_channel(&state, channel_id, auth.user_id).await?;
    let webhooks = state.store.channel_webhooks(channel_id).await?;
    Ok(Json(managed(&state, webhooks).await?))
}

/// A guild's webhooks (MANAGE_WEBHOOKS in the guild).
#[utoipa::path(get, path = "/guilds/{guild_id}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<WebhookObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_WEBHOOKS (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn guild_webhooks(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<Vec<WebhookObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_WEBHOOKS)?;
    // Only those of channels where the caller could manage them one by one: a channel's
    // overwrites may hide it, or take MANAGE_WEBHOOKS away there, and its tokens with it.
    let needed = Permissions::VIEW_CHANNEL | Permissions::MANAGE_WEBHOOKS;
    let webhooks = state.store.guild_webhooks(access.guild.id).await?;
    let manageable = webhooks
        .into_iter()
        .filter(|w| {
            access
                .channels
                .iter()
                .find(|c| c.id == w.channel_id)
                .is_some_and(|c| access.channel_permissions(c).contains(needed))
        })
        .collect();
    Ok(Json(managed(&state, manageable).await?))
}

/// One webhook (MANAGE_WEBHOOKS in its channel).
#[utoipa::path(get, path = "/webhooks/{webhook_id}", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = WebhookObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_WEBHOOKS (50013)", body = ErrorBody),
        (status = 404, description = "Unknown webhook, or one in a channel you cannot see (10015)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_webhook(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Snowflake>,
) -> AppResult<Json<WebhookObject>> {
    let (webhook, _) = managed_webhook(&state, id, auth.user_id).await?;
    Ok(Json(managed(&state, vec![webhook]).await?.remove(0)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyWebhookRequest {
    /// 1-80 characters.
    #[schema(value_type = Option<schema::WebhookName>)]
    pub name: Option<String>,
    /// Move it to another text channel of the guild (MANAGE_WEBHOOKS there too).
    #[schema(value_type = Option<schema::Snowflake>)]
    pub channel_id: Option<Snowflake>,
}

async fn apply_change(
    state: &AppState,
    webhook: &WebhookRecord,
    patch: WebhookPatch,
    actor: Option<(Snowflake, &AuditReason)>,
) -> AppResult<WebhookRecord> {
    let mut changes = Vec::new();
    if let Some(name) = &patch.name {
        changes.push(audit::change("name", Some(serde_json::json!(webhook.name)), Some(serde_json::json!(name))));
    }
    // Always names its channel, so the audit log hides it from those who cannot see that
    // channel (as it hides every entry about a channel).
    let target = patch.channel_id.unwrap_or(webhook.channel_id);
    changes.push(audit::change(
        "channel_id",
        Some(serde_json::json!(webhook.channel_id)),
        Some(serde_json::json!(target)),
    ));
    // Changes made with the token have no member to audit them to (as on Discord).
    let entry = actor.map(|(user, reason)| {
        audit::entry(state, webhook.guild_id, user, AuditAction::WebhookUpdate, Some(webhook.id), changes, reason)
    });
    let updated = match state.store.update_webhook(webhook.id, &patch, MAX_WEBHOOKS_PER_CHANNEL, entry.as_ref()).await?
    {
        WebhookUpdate::Updated(record) => record,
        WebhookUpdate::Unknown => return Err(unknown_webhook()),
        WebhookUpdate::ChannelFull => return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MaxWebhooks)),
    };
    state.publish(webhooks_update(updated.guild_id, webhook.channel_id));
    if updated.channel_id != webhook.channel_id {
        state.publish(webhooks_update(updated.guild_id, updated.channel_id));
    }
    Ok(updated)
}

/// Rename a webhook or move it to another text channel of its guild (MANAGE_WEBHOOKS in both).
#[utoipa::path(patch, path = "/webhooks/{webhook_id}", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = schema::Snowflake, Path)), request_body = ModifyWebhookRequest,
    responses(
        (status = 200, description = "OK", body = WebhookObject),
        (status = 400, description = "A bad name or a channel of another guild (50035); a bad X-Audit-Log-Reason header (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_WEBHOOKS here or in the new channel (50013)", body = ErrorBody),
        (status = 404, description = "Unknown webhook (10015) or channel (10003)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_webhook(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(id): Path<Snowflake>,
    Json(body): Json<ModifyWebhookRequest>,
) -> AppResult<Json<WebhookObject>> {
    let (webhook, _) = managed_webhook(&state, id, auth.user_id).await?;
    let name = body.name.as_deref().map(check_name).transpose()?;
    let channel_id = match body.channel_id {
        Some(target) => {
            let (access, channel) = managed_channel(&state, target, auth.user_id).await?;
            if access.guild.id != webhook.guild_id {
                return Err(AppError::field(
                    "channel_id",
                    "WEBHOOK_CHANNEL_INVALID",
                    "Must be a channel of the webhook's guild.",
                ));
            }
            Some(channel)
        }
        None => None,
    };
    let updated =
        apply_change(&state, &webhook, WebhookPatch { name, channel_id }, Some((auth.user_id, &reason))).await?;
    Ok(Json(managed(&state, vec![updated]).await?.remove(0)))
}

async fn remove(
    state: &AppState,
    webhook: &WebhookRecord,
    actor: Option<(Snowflake, &AuditReason)>,
) -> AppResult<StatusCode> {
    let entry = actor.map(|(user, reason)| {
        let changes = vec![
            audit::change("name", Some(serde_json::json!(webhook.name)), None),
            audit::change("channel_id", Some(serde_json::json!(webhook.channel_id)), None),
        ];
        audit::entry(state, webhook.guild_id, user, AuditAction::WebhookDelete, Some(webhook.id), changes, reason)
    });
    if state.store.delete_webhook(webhook.id, entry.as_ref()).await? {
        state.publish(webhooks_update(webhook.guild_id, webhook.channel_id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a webhook (MANAGE_WEBHOOKS in its channel): its token stops working at once; what it
/// posted stays.
#[utoipa::path(delete, path = "/webhooks/{webhook_id}", tag = "webhooks", security(("bearer" = [])),
    params(("webhook_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_WEBHOOKS (50013)", body = ErrorBody),
        (status = 404, description = "Unknown webhook (10015)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_webhook(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(id): Path<Snowflake>,
) -> AppResult<StatusCode> {
    let (webhook, _) = managed_webhook(&state, id, auth.user_id).await?;
    remove(&state, &webhook, Some((auth.user_id, &reason))).await
}

/// The webhook, for whoever holds its token (with the token, without its maker).
#[utoipa::path(get, path = "/webhooks/{webhook_id}/{webhook_token}", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path)),
    responses(
        (status = 200, description = "OK", body = WebhookObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown webhook, or not its token (10015)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_webhook_with_token(
    State(state): State<AppState>,
    Path((id, token)): Path<(Snowflake, String)>,
) -> AppResult<Json<WebhookObject>> {
    Ok(Json(WebhookObject::for_token_holder(&by_token(&state, id, &token).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyWebhookWithTokenRequest {
    /// 1-80 characters.
    #[schema(value_type = Option<schema::WebhookName>)]
    pub name: Option<String>,
}

/// Rename the webhook with its token (it cannot move with it).
#[utoipa::path(patch, path = "/webhooks/{webhook_id}/{webhook_token}", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path)), request_body = ModifyWebhookWithTokenRequest,
    responses(
        (status = 200, description = "OK", body = WebhookObject),
        (status = 400, description = "A bad name (50035); malformed JSON (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown webhook, or not its token (10015)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_webhook_with_token(
    State(state): State<AppState>,
    Path((id, token)): Path<(Snowflake, String)>,
    Json(body): Json<ModifyWebhookWithTokenRequest>,
) -> AppResult<Json<WebhookObject>> {
    let webhook = by_token(&state, id, &token).await?;
    let name = body.name.as_deref().map(check_name).transpose()?;
    let updated = apply_change(&state, &webhook, WebhookPatch { name, channel_id: None }, None).await?;
    Ok(Json(WebhookObject::for_token_holder(&updated)))
}

/// Delete the webhook with its token.
#[utoipa::path(delete, path = "/webhooks/{webhook_id}/{webhook_token}", tag = "webhooks",
    params(("webhook_id" = schema::Snowflake, Path), ("webhook_token" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown webhook, or not its token (10015)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_webhook_with_token(
    State(state): State<AppState>,
    Path((id, token)): Path<(Snowflake, String)>,
) -> AppResult<StatusCode> {
    let webhook = by_token(&state, id, &token).await?;
    remove(&state, &webhook, None).await
}
