//! Guilds: create (with their default layout), get (with counts), modify, delete, list mine,
//! leave, and a member's preview.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::access::{GuildAccess, unknown_guild};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::error::{AppError, AppResult};
use parley_app::files::AssetRef;
use parley_app::files::assets::{DATA_URI_BODY_BYTES, keep_data_uri};
use parley_app::files::image_asset::AssetKind;
use parley_app::objects::emoji::EmojiObject;
use parley_app::objects::guild::{
    GuildObject, GuildPreview, PartialGuild, approximate_counts, guild_create_payload, guild_update_event,
};
use parley_app::{AppState, GuildCreation, instance_settings, joins};
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::guilds::{DefaultLayout, GuildPatch, NewGuild};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::query::{self, Query};
use crate::extract::{AuthUser, Json, Path, nullable};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_guild, modify_guild, delete_guild))
        // An icon or banner arrives inside the JSON, as a data URI (routes added below keep
        // max_body_bytes).
        .layer(axum::extract::DefaultBodyLimit::max(DATA_URI_BODY_BYTES))
        .routes(routes!(create_guild))
        .routes(routes!(my_guilds))
        .routes(routes!(leave_guild))
        .routes(routes!(guild_preview))
}

/// Guild names: 2-100 characters after trimming, no control characters (Discord's limits).
fn parse_name(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    let name = raw.trim();
    let length = name.chars().count();
    if !(2..=100).contains(&length) || name.chars().any(char::is_control) {
        errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.");
        return None;
    }
    Some(name.to_owned())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateGuildRequest {
    /// 2-100 characters.
    #[schema(value_type = schema::GuildName)]
    pub name: String,
}

/// Create a guild. The caller owns it; it starts with @everyone (id = the guild's id) and the
/// categories "Text Channels" and "Voice Channels" holding #general and General.
#[utoipa::path(post, path = "/guilds", tag = "guilds", security(("bearer" = [])), request_body = CreateGuildRequest,
    responses(
        (status = 201, description = "Created", body = GuildObject),
        (status = 400, description = "Invalid fields (50035); malformed JSON (50109)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Only instance admins may create guilds here (50013)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<CreateGuildRequest>,
) -> AppResult<(StatusCode, Json<GuildObject>)> {
    let mut errors = FieldErrors::new();
    let name = parse_name(&body.name, &mut errors);
    errors.into_result()?;
    let name = name.ok_or_else(|| AppError::internal("validated name missing"))?;
    if instance_settings::guild_creation(&state).await? == GuildCreation::Admins {
        let user = state.store.user_by_id(auth.user_id).await?.ok_or_else(AppError::unauthorized)?;
        if !user.is_admin {
            return Err(AppError::with_message(
                StatusCode::FORBIDDEN,
                ErrorCode::MissingPermissions,
                "Only instance admins may create guilds on this instance",
            ));
        }
    }
    let ids = &state.ids;
    let guild = NewGuild {
        id: ids.next(),
        name,
        owner_id: auth.user_id,
        everyone_permissions: Permissions::DEFAULT_EVERYONE,
        layout: DefaultLayout {
            text_category: ids.next(),
            voice_category: ids.next(),
            general_text: ids.next(),
            general_voice: ids.next(),
        },
        now: Timestamp::now(),
    };
    let record = state.store.create_guild(&guild).await?;
    // Its owner joined it: one who takes no DMs from the members of guilds they join gets it
    // listed too, as for any other guild joined.
    state.store.restrict_joined_guild(auth.user_id, record.id).await?;
    tracing::info!(guild_id = %record.id, owner = %auth.user_id, "guild created");
    let payload = guild_create_payload(&state, &record).await?;
    state.publish(Event::new(
        EventName::GuildCreate,
        Audience::Users(vec![auth.user_id]),
        Keys::guild(payload.guild.id),
        &payload,
    ));
    Ok((StatusCode::CREATED, Json(payload.guild)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct GetGuildQuery {
    /// `true` adds `approximate_member_count` and `approximate_presence_count`.
    #[param(value_type = Option<bool>)]
    pub with_counts: Option<String>,
}

/// A guild I am a member of.
#[utoipa::path(get, path = "/guilds/{guild_id}", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path), GetGuildQuery),
    responses(
        (status = 200, description = "OK", body = GuildObject),
        (status = 400, description = "A bad with_counts (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
    Query(params): Query<GetGuildQuery>,
) -> AppResult<Json<GuildObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    let mut errors = FieldErrors::new();
    let with_counts = query::boolean(&mut errors, "with_counts", params.with_counts.as_deref());
    errors.into_result()?;
    let emojis = state.store.guild_emojis(access.guild.id).await?;
    let mut guild = GuildObject::new(&access.guild, &access.roles).with_emojis(&emojis);
    if with_counts {
        let (members, online) = approximate_counts(&state, access.guild.id).await?;
        guild.approximate_member_count = Some(members);
        guild.approximate_presence_count = Some(online);
    }
    Ok(Json(guild))
}

/// A guild's preview, for its members. Discord also shows discoverable guilds to anyone;
/// Parley has no discovery, so to anyone else the guild is unknown (404, 10004), as a guild
/// that does not exist is.
#[utoipa::path(get, path = "/guilds/{guild_id}/preview", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = GuildPreview),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 404, description = "Unknown guild, or not a member (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn guild_preview(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<GuildPreview>> {
    let snapshot = state.cache.guild(&state.store, guild_id).await?.ok_or_else(unknown_guild)?;
    if state.cache.member(&state.store, snapshot.guild.id, auth.user_id).await?.is_none() {
        return Err(unknown_guild());
    }
    let counts = approximate_counts(&state, snapshot.guild.id).await?;
    let emojis = EmojiObject::list(&state.store.guild_emojis(snapshot.guild.id).await?);
    Ok(Json(GuildPreview::new(&snapshot.guild, emojis, counts)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyGuildRequest {
    #[schema(value_type = Option<schema::GuildName>)]
    pub name: Option<String>,
    /// `null` clears it. At most 120 characters.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::GuildDescription>)]
    pub description: Option<Option<String>>,
    /// A new icon as a data URI (PNG, JPEG, GIF or WebP, at most 10 MiB; kept at most 1024
    /// a side, served at `/icons/{guild_id}/{icon}.png`). `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::ImageDataUri>)]
    pub icon: Option<Option<String>>,
    /// A new banner as a data URI (as `icon`; kept at most 2048 a side, served at
    /// `/banners/{guild_id}/{banner}.png`). `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::ImageDataUri>)]
    pub banner: Option<Option<String>>,
}

/// An image field of a guild change: kept, and its hash to store; `null`, removed.
async fn guild_image(
    state: &AppState,
    field: &str,
    kind: AssetKind,
    guild_id: Snowflake,
    value: Option<Option<String>>,
) -> AppResult<Option<Option<String>>> {
    Ok(match value {
        Some(Some(uri)) => Some(Some(keep_data_uri(state, field, kind, guild_id, &uri).await?.hash)),
        Some(None) => Some(None),
        None => None,
    })
}

/// Change a guild's name, description, icon or banner (MANAGE_GUILD).
#[utoipa::path(patch, path = "/guilds/{guild_id}", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = ModifyGuildRequest,
    responses(
        (status = 200, description = "OK", body = GuildObject),
        (status = 400, description = "Invalid fields, or an icon or banner that is not an image or too large (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<ModifyGuildRequest>,
) -> AppResult<Json<GuildObject>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_GUILD)?;
    let mut errors = FieldErrors::new();
    let name = body.name.as_deref().and_then(|n| parse_name(n, &mut errors));
    let description = body.description.map(|d| {
        d.map(|d| d.trim().to_owned()).filter(|d| {
            let fits = d.chars().count() <= 120;
            if !fits {
                errors.add("description", "BASE_TYPE_BAD_LENGTH", "Must be 120 or fewer in length.");
            }
            fits && !d.is_empty()
        })
    });
    errors.into_result()?;
    let icon = guild_image(&state, "icon", AssetKind::GuildIcon, access.guild.id, body.icon).await?;
    let banner = guild_image(&state, "banner", AssetKind::GuildBanner, access.guild.id, body.banner).await?;
    let patch = GuildPatch { name, description, icon, banner };
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::GuildUpdate,
        Some(access.guild.id),
        audit::diff(
            &GuildObject::new(&access.guild, &access.roles),
            &GuildObject::new(&patch.applied_to(&access.guild), &access.roles),
            &["name", "description", "icon", "banner"],
        ),
        &reason,
    );
    let updated = state.store.update_guild(access.guild.id, &patch, Some(&entry)).await?.ok_or_else(unknown_guild)?;
    // A replaced or removed icon or banner leaves storage (and its public URL) at once.
    let replaced = [
        (AssetKind::GuildIcon, &access.guild.icon, &updated.icon),
        (AssetKind::GuildBanner, &access.guild.banner, &updated.banner),
    ];
    for (kind, before, after) in replaced {
        if let Some(old) = before.as_ref().filter(|old| after.as_ref() != Some(*old)) {
            state.images.forget(&AssetRef { kind, owner: updated.id, hash: old.clone() }).await;
        }
    }
    let emojis = state.store.guild_emojis(updated.id).await?;
    let guild = GuildObject::new(&updated, &access.roles).with_emojis(&emojis);
    state.publish(guild_update_event(&guild));
    Ok(Json(guild))
}

/// Delete a guild and everything in it (owner only).
#[utoipa::path(delete, path = "/guilds/{guild_id}", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not the owner (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<StatusCode> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    if !access.is_owner() {
        return Err(AppError::with_message(
            StatusCode::FORBIDDEN,
            ErrorCode::MissingPermissions,
            "Only the owner can delete a guild",
        ));
    }
    // Address the members before the membership rows vanish with the guild.
    let members = state.store.member_ids(access.guild.id).await?;
    let emojis = state.store.guild_emojis(access.guild.id).await?;
    state.store.delete_guild(access.guild.id).await?;
    // Its images go with it: icon, banner and every emoji.
    let images = [(AssetKind::GuildIcon, &access.guild.icon), (AssetKind::GuildBanner, &access.guild.banner)];
    for (kind, hash) in images {
        if let Some(hash) = hash {
            state.images.forget(&AssetRef { kind, owner: access.guild.id, hash: hash.clone() }).await;
        }
    }
    for emoji in emojis {
        state.images.forget(&AssetRef::emoji(emoji.id, emoji.animated)).await;
    }
    tracing::info!(guild_id = %access.guild.id, "guild deleted");
    state.publish(Event::new(
        EventName::GuildDelete,
        Audience::Users(members),
        Keys::guild(access.guild.id),
        &joins::GuildGone { id: access.guild.id },
    ));
    Ok(StatusCode::NO_CONTENT)
}

/// The guilds I am in, with whether I own each and my guild-wide permissions.
#[utoipa::path(get, path = "/users/@me/guilds", tag = "guilds", security(("bearer" = [])),
    responses(
        (status = 200, description = "OK", body = Vec<PartialGuild>),
        SignedIn,
        TooManyRequests,
    ))]
async fn my_guilds(State(state): State<AppState>, auth: AuthUser) -> AppResult<Json<Vec<PartialGuild>>> {
    let mut out = Vec::new();
    for guild in state.store.guilds_of_member(auth.user_id).await? {
        // The membership was just listed; a guild deleted in between is simply skipped.
        let Ok(access) = GuildAccess::load(&state, guild.id, auth.user_id).await else { continue };
        out.push(PartialGuild {
            id: guild.id,
            name: guild.name.clone(),
            icon: guild.icon.clone(),
            owner: access.is_owner(),
            permissions: access.guild_permissions(),
            features: Vec::new(),
            banner: guild.banner.clone(),
        });
    }
    Ok(Json(out))
}

/// Leave a guild. The owner cannot: they transfer it or delete it.
#[utoipa::path(delete, path = "/users/@me/guilds/{guild_id}", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 204, description = "Left"),
        (status = 400, description = "The owner cannot leave (90009); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn leave_guild(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<StatusCode> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    if access.is_owner() {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::OwnerCannotLeave));
    }
    state.store.remove_member(access.guild.id, auth.user_id, None).await?;
    let user = state.store.user_by_id(auth.user_id).await?.ok_or_else(AppError::unauthorized)?;
    joins::announce_removal_of(&state, access.guild.id, &user);
    Ok(StatusCode::NO_CONTENT)
}
