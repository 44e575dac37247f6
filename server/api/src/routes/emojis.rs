//! A guild's custom emoji (Discord's `/guilds/{id}/emojis`): listed by its members; made by
//! those with CREATE_GUILD_EXPRESSIONS (or MANAGE_GUILD_EXPRESSIONS); renamed or deleted by
//! whoever made them, or by anyone with MANAGE_GUILD_EXPRESSIONS. Each change is audited
//! and announced with GUILD_EMOJIS_UPDATE. The image is served at `/emojis/{id}.png` (and
//! `.gif` when it moves); messages and reactions use it as `<:name:id>` and `name:id`.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::GuildAccess;
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::error::{AppError, AppResult};
use parley_app::files::assets::keep_data_uri;
use parley_app::files::image_asset::AssetKind;
use parley_app::objects::PublicUser;
use parley_app::objects::emoji::{EmojiObject, emojis_update_event, unknown_emoji};
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_store::emojis::{EmojiRecord, NewEmoji};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

/// Emoji a guild may have of each kind, still and animated (Discord's, for a guild without
/// boosts).
pub const MAX_EMOJIS_OF_A_KIND: i64 = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_emojis, create_emoji))
        .routes(routes!(get_emoji, modify_emoji, delete_emoji))
        // An emoji's image arrives inside the JSON, as a data URI (at most 256 KiB).
        .layer(axum::extract::DefaultBodyLimit::max(512 * 1024))
}

fn parse_name(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    let fits = (2..=32).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !fits {
        errors.add("name", "STRING_TYPE_REGEX", "Must be 2-32 letters, digits or underscores.");
        return None;
    }
    Some(raw.to_owned())
}

/// Whether the caller sees who made each emoji (as on Discord: those who may make them).
fn sees_creators(access: &GuildAccess) -> bool {
    let have = access.guild_permissions();
    have.contains(Permissions::MANAGE_GUILD_EXPRESSIONS) || have.contains(Permissions::CREATE_GUILD_EXPRESSIONS)
}

async fn with_creators(state: &AppState, access: &GuildAccess, emojis: &[EmojiRecord]) -> AppResult<Vec<EmojiObject>> {
    let mut objects = EmojiObject::list(emojis);
    if sees_creators(access) {
        let ids: Vec<Snowflake> = emojis.iter().map(|e| e.creator_id).collect();
        let users = state.store.users_by_ids(&ids).await?;
        for (object, emoji) in objects.iter_mut().zip(emojis) {
            object.user = users.iter().find(|u| u.id == emoji.creator_id).map(PublicUser::from);
        }
    }
    Ok(objects)
}

/// GUILD_EMOJIS_UPDATE with the guild's whole list, as it now is.
async fn announce(state: &AppState, guild_id: Snowflake) -> AppResult<()> {
    let emojis = EmojiObject::list(&state.store.guild_emojis(guild_id).await?);
    state.publish(emojis_update_event(guild_id, &emojis));
    Ok(())
}

/// One of the guild's emoji that the caller may rename or delete: their own with
/// CREATE_GUILD_EXPRESSIONS, anyone's with MANAGE_GUILD_EXPRESSIONS.
async fn managed_emoji(
    state: &AppState,
    access: &GuildAccess,
    emoji_id: Snowflake,
    user_id: Snowflake,
) -> AppResult<EmojiRecord> {
    let emoji =
        state.store.emoji(emoji_id).await?.filter(|e| e.guild_id == access.guild.id).ok_or_else(unknown_emoji)?;
    let have = access.guild_permissions();
    let own = emoji.creator_id == user_id && have.contains(Permissions::CREATE_GUILD_EXPRESSIONS);
    if !own {
        access.require(Permissions::MANAGE_GUILD_EXPRESSIONS)?;
    }
    Ok(emoji)
}

/// The guild's custom emoji, oldest first.
#[utoipa::path(get, path = "/guilds/{guild_id}/emojis", tag = "emojis", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK; `user` (who made each) for those who may make emoji", body = Vec<EmojiObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn list_emojis(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<Vec<EmojiObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let emojis = state.store.guild_emojis(access.guild.id).await?;
    Ok(Json(with_creators(&state, &access, &emojis).await?))
}

/// One of the guild's custom emoji.
#[utoipa::path(get, path = "/guilds/{guild_id}/emojis/{emoji_id}", tag = "emojis", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("emoji_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = EmojiObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or emoji (10014)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_emoji(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((guild_id, emoji_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<Json<EmojiObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let emoji =
        state.store.emoji(emoji_id).await?.filter(|e| e.guild_id == access.guild.id).ok_or_else(unknown_emoji)?;
    Ok(Json(with_creators(&state, &access, std::slice::from_ref(&emoji)).await?.remove(0)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateEmojiRequest {
    #[schema(value_type = schema::EmojiName)]
    pub name: String,
    /// The image as a data URI: PNG, JPEG, GIF (animated or not) or WebP, at most 256 KiB;
    /// kept at most 128 pixels a side.
    #[schema(value_type = schema::ImageDataUri)]
    pub image: String,
    /// Roles allowed to use it: Parley has no role-limited emoji, so only an empty list.
    #[serde(default)]
    #[schema(value_type = Option<Vec<schema::Snowflake>>, max_items = 0)]
    pub roles: Option<Vec<serde_json::Value>>,
}

fn refuse_roles(roles: Option<&Vec<serde_json::Value>>, errors: &mut FieldErrors) {
    if roles.is_some_and(|r| !r.is_empty()) {
        errors.add("roles", "BASE_TYPE_MAX_LENGTH", "Parley has no role-limited emoji: leave roles empty.");
    }
}

/// Make a custom emoji (CREATE_GUILD_EXPRESSIONS or MANAGE_GUILD_EXPRESSIONS). At most 50 still
/// and 50 animated per guild.
#[utoipa::path(post, path = "/guilds/{guild_id}/emojis", tag = "emojis", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = CreateEmojiRequest,
    responses(
        (status = 201, description = "Created", body = EmojiObject),
        (status = 400, description = "A bad name, an image that is not one or is larger than 256 KiB, or roles (50035); the guild has its most emoji of that kind (30008); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing CREATE_GUILD_EXPRESSIONS (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_emoji(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<CreateEmojiRequest>,
) -> AppResult<(StatusCode, Json<EmojiObject>)> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    if !access.guild_permissions().contains(Permissions::MANAGE_GUILD_EXPRESSIONS) {
        access.require(Permissions::CREATE_GUILD_EXPRESSIONS)?;
    }
    let mut errors = FieldErrors::new();
    let name = parse_name(&body.name, &mut errors);
    refuse_roles(body.roles.as_ref(), &mut errors);
    errors.into_result()?;
    let name = name.ok_or_else(|| AppError::internal("validated name missing"))?;
    let id = state.ids.next();
    let kept = keep_data_uri(&state, "image", AssetKind::Emoji, id, &body.image).await?;
    let emoji = NewEmoji {
        id,
        guild_id: access.guild.id,
        name,
        creator_id: auth.user_id,
        animated: kept.animated(),
        now: Timestamp::now(),
    };
    let changes = vec![audit::change("name", None, Some(json!(emoji.name)))];
    let entry =
        audit::entry(&state, access.guild.id, auth.user_id, AuditAction::EmojiCreate, Some(id), changes, &reason);
    let Some(record) = state.store.create_emoji(&emoji, MAX_EMOJIS_OF_A_KIND, Some(&entry)).await? else {
        state.images.forget(&kept).await;
        let kind = if emoji.animated { "animated" } else { "still" };
        return Err(AppError::with_message(
            StatusCode::BAD_REQUEST,
            ErrorCode::MaxEmojis,
            format!("Maximum number of emojis reached: this guild has its {MAX_EMOJIS_OF_A_KIND} {kind} emoji"),
        ));
    };
    tracing::info!(guild_id = %record.guild_id, emoji_id = %record.id, "emoji made");
    announce(&state, record.guild_id).await?;
    Ok((StatusCode::CREATED, Json(with_creators(&state, &access, std::slice::from_ref(&record)).await?.remove(0))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyEmojiRequest {
    #[schema(value_type = Option<schema::EmojiName>)]
    pub name: Option<String>,
    /// As when making it: only an empty list (or `null`).
    #[serde(default)]
    #[schema(value_type = Option<Vec<schema::Snowflake>>, max_items = 0)]
    pub roles: Option<Vec<serde_json::Value>>,
}

/// Rename a custom emoji: your own with CREATE_GUILD_EXPRESSIONS, anyone's with
/// MANAGE_GUILD_EXPRESSIONS.
#[utoipa::path(patch, path = "/guilds/{guild_id}/emojis/{emoji_id}", tag = "emojis", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("emoji_id" = schema::Snowflake, Path)), request_body = ModifyEmojiRequest,
    responses(
        (status = 200, description = "OK", body = EmojiObject),
        (status = 400, description = "A bad name or roles (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD_EXPRESSIONS for another's emoji (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or emoji (10014)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_emoji(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((guild_id, emoji_id)): Path<(Snowflake, Snowflake)>,
    Json(body): Json<ModifyEmojiRequest>,
) -> AppResult<Json<EmojiObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let emoji = managed_emoji(&state, &access, emoji_id, auth.user_id).await?;
    let mut errors = FieldErrors::new();
    let name = body.name.as_deref().and_then(|n| parse_name(n, &mut errors));
    refuse_roles(body.roles.as_ref(), &mut errors);
    errors.into_result()?;
    let Some(name) = name.filter(|n| *n != emoji.name) else {
        return Ok(Json(with_creators(&state, &access, std::slice::from_ref(&emoji)).await?.remove(0)));
    };
    let changes = vec![audit::change("name", Some(json!(emoji.name)), Some(json!(name)))];
    let entry =
        audit::entry(&state, access.guild.id, auth.user_id, AuditAction::EmojiUpdate, Some(emoji.id), changes, &reason);
    let renamed =
        state.store.rename_emoji(access.guild.id, emoji.id, &name, Some(&entry)).await?.ok_or_else(unknown_emoji)?;
    announce(&state, access.guild.id).await?;
    Ok(Json(with_creators(&state, &access, std::slice::from_ref(&renamed)).await?.remove(0)))
}

/// Delete a custom emoji: your own with CREATE_GUILD_EXPRESSIONS, anyone's with
/// MANAGE_GUILD_EXPRESSIONS. Reactions with it stay, shown by name.
#[utoipa::path(delete, path = "/guilds/{guild_id}/emojis/{emoji_id}", tag = "emojis", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), ("emoji_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD_EXPRESSIONS for another's emoji (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or emoji (10014)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_emoji(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path((guild_id, emoji_id)): Path<(Snowflake, Snowflake)>,
) -> AppResult<StatusCode> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let emoji = managed_emoji(&state, &access, emoji_id, auth.user_id).await?;
    let changes = vec![audit::change("name", Some(json!(emoji.name)), None)];
    let entry =
        audit::entry(&state, access.guild.id, auth.user_id, AuditAction::EmojiDelete, Some(emoji.id), changes, &reason);
    if !state.store.delete_emoji(access.guild.id, emoji.id, Some(&entry)).await? {
        return Err(unknown_emoji());
    }
    state.images.forget(&parley_app::files::AssetRef::emoji(emoji.id, emoji.animated)).await;
    announce(&state, access.guild.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
