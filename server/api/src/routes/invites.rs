//! Guild invites: create one on a channel, look one up (no sign-in needed), accept it to
//! join, delete it, and list a guild's or a channel's.

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, require};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::auth::refresh_token::random_code;
use parley_app::channel_access::load_channel;
use parley_app::error::{AppError, AppResult};
use parley_app::joins::announce_join;
use parley_core::{ChannelKind, ErrorCode, FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::StoreError;
use parley_store::guild_invites::{Acceptance, GuildInviteRecord, NewGuildInvite};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, PublicUser, SignedIn, TooManyRequests, Unavailable, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_invite, channel_invites))
        .routes(routes!(get_invite, accept_invite, delete_invite))
        .routes(routes!(guild_invites))
}

/// Discord's limits: an invite lives at most 7 days (0 = forever) and admits at most 100.
pub const MAX_AGE_SECS: i64 = 604_800;
pub const MAX_USES: i64 = 100;

fn unknown_invite() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownInvite, "Unknown Invite")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteGuild {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    pub icon: Option<String>,
    pub description: Option<String>,
    // Always present in Discord's invite guild; constant in Parley (no banners, splash
    // images, vanity URLs, features, boosts, NSFW or verification levels).
    pub banner: Option<String>,
    pub splash: Option<String>,
    pub vanity_url_code: Option<String>,
    pub features: Vec<String>,
    pub nsfw: bool,
    pub nsfw_level: u8,
    pub verification_level: u8,
    pub premium_subscription_count: u32,
}

impl InviteGuild {
    fn new(guild: parley_store::guilds::GuildRecord) -> Self {
        Self {
            id: guild.id,
            name: guild.name,
            icon: guild.icon,
            description: guild.description,
            banner: None,
            splash: None,
            vanity_url_code: None,
            features: Vec::new(),
            nsfw: false,
            nsfw_level: 0,
            verification_level: 0,
            premium_subscription_count: 0,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteChannel {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    #[serde(rename = "type")]
    #[schema(value_type = i64)]
    pub kind: ChannelKind,
}

/// An invite with its guild, channel, inviter and counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteObject {
    /// 0: a guild invite.
    #[serde(rename = "type")]
    pub kind: u8,
    pub code: String,
    #[schema(value_type = schema::Snowflake)]
    pub guild_id: Snowflake,
    pub guild: InviteGuild,
    pub channel: InviteChannel,
    pub inviter: Option<PublicUser>,
    pub approximate_member_count: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    pub max_age: i64,
    pub max_uses: i64,
    pub uses: i64,
    pub temporary: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// INVITE_CREATE's body: the invite as its channel's managers need it.
#[derive(Debug, Serialize)]
struct InviteCreateDispatch<'a> {
    code: &'a str,
    guild_id: Snowflake,
    channel_id: Snowflake,
    #[serde(skip_serializing_if = "Option::is_none")]
    inviter: Option<&'a PublicUser>,
    max_age: i64,
    max_uses: i64,
    uses: i64,
    temporary: bool,
    created_at: Timestamp,
    expires_at: Option<Timestamp>,
}

async fn invite_object(state: &AppState, invite: &GuildInviteRecord) -> AppResult<InviteObject> {
    let guild = state.store.guild(invite.guild_id).await?.ok_or_else(unknown_invite)?;
    let channel = state.store.channel(invite.channel_id).await?.ok_or_else(unknown_invite)?;
    let inviter = match invite.inviter_id {
        Some(id) => state.store.user_by_id(Snowflake::from_i64(id)).await?.map(|u| PublicUser::from(&u)),
        None => None,
    };
    Ok(InviteObject {
        kind: 0,
        code: invite.code.clone(),
        guild_id: guild.id,
        guild: InviteGuild::new(guild),
        channel: InviteChannel { id: channel.id, name: channel.name, kind: channel.kind },
        inviter,
        approximate_member_count: state.store.member_count(invite.guild_id).await?,
        expires_at: invite.expires_at.map(Timestamp::from_unix_millis),
        max_age: invite.max_age,
        max_uses: invite.max_uses,
        uses: invite.uses,
        temporary: false,
        created_at: invite.created_at,
    })
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CreateInviteRequest {
    /// Seconds until it expires, 0-604800; 0 means never. Default 86400.
    #[schema(minimum = 0, maximum = 604800)]
    pub max_age: Option<i64>,
    /// How many may join with it, 0-100; 0 means unlimited. Default 0.
    #[schema(minimum = 0, maximum = 100)]
    pub max_uses: Option<i64>,
}

/// Create an invite to this channel's guild (CREATE_INSTANT_INVITE in the channel).
#[utoipa::path(post, path = "/channels/{channel_id}/invites", tag = "invites", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)), request_body = CreateInviteRequest,
    responses(
        (status = 200, description = "OK", body = InviteObject),
        (status = 400, description = "Invalid fields (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing CREATE_INSTANT_INVITE (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_invite(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(channel_id): Path<Snowflake>,
    Json(body): Json<CreateInviteRequest>,
) -> AppResult<Json<InviteObject>> {
    let (access, channel, permissions) = load_channel(&state, channel_id, auth.user_id).await?;
    require(permissions, Permissions::CREATE_INSTANT_INVITE)?;
    let mut errors = FieldErrors::new();
    let max_age = body.max_age.unwrap_or(86_400);
    let max_uses = body.max_uses.unwrap_or(0);
    if !(0..=MAX_AGE_SECS).contains(&max_age) {
        errors.add("max_age", "NUMBER_TYPE_MAX", format!("Must be between 0 and {MAX_AGE_SECS}."));
    }
    if !(0..=MAX_USES).contains(&max_uses) {
        errors.add("max_uses", "NUMBER_TYPE_MAX", format!("Must be between 0 and {MAX_USES}."));
    }
    errors.into_result()?;
    let invite = loop {
        // 6 random bytes: 8 URL-safe characters, like Discord's codes.
        let new = NewGuildInvite {
            code: random_code(6),
            guild_id: access.guild.id,
            channel_id: channel.id,
            inviter_id: auth.user_id,
            max_age,
            max_uses,
            now: Timestamp::now(),
        };
        let changes = vec![
            audit::change("code", None, Some(serde_json::json!(new.code))),
            audit::change("channel_id", None, Some(serde_json::json!(channel.id))),
            audit::change("max_uses", None, Some(serde_json::json!(max_uses))),
            audit::change("max_age", None, Some(serde_json::json!(max_age))),
        ];
        let entry =
            audit::entry(&state, access.guild.id, auth.user_id, AuditAction::InviteCreate, None, changes, &reason);
        match state.store.create_guild_invite(&new, Some(&entry)).await {
            Err(StoreError::Conflict(_)) => continue,
            other => break other?,
        }
    };
    let object = invite_object(&state, &invite).await?;
    state.publish(Event::new(
        EventName::InviteCreate,
        Audience::ChannelManagers { guild_id: access.guild.id, channel_id: channel.id },
        Keys::channel(Some(access.guild.id), channel.id),
        &InviteCreateDispatch {
            code: &object.code,
            guild_id: access.guild.id,
            channel_id: channel.id,
            inviter: object.inviter.as_ref(),
            max_age,
            max_uses,
            uses: 0,
            temporary: object.temporary,
            created_at: object.created_at,
            expires_at: object.expires_at,
        },
    ));
    Ok(Json(object))
}

/// An invite, with its guild and member count. Needs no sign-in, so an invite link can be
/// previewed before joining.
#[utoipa::path(get, path = "/invites/{code}", tag = "invites", params(("code" = String, Path)),
    responses(
        (status = 200, description = "OK", body = InviteObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        (status = 404, description = "Unknown, expired or used up (10006)", body = ErrorBody),
        Unavailable,
        TooManyRequests,
    ))]
async fn get_invite(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<InviteObject>> {
    let invite = state
        .store
        .guild_invite(&code)
        .await?
        .filter(|i| i.is_usable_at(Timestamp::now()))
        .ok_or_else(unknown_invite)?;
    Ok(Json(invite_object(&state, &invite).await?))
}

/// Accept an invite: join its guild. Accepting one for a guild you are already in changes
/// nothing and spends no use.
#[utoipa::path(post, path = "/invites/{code}", tag = "invites", security(("bearer" = [])), params(("code" = String, Path)),
    responses(
        (status = 200, description = "OK", body = InviteObject),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Banned from the guild (40007), or a bot (20001)", body = ErrorBody),
        (status = 404, description = "Unknown, expired or used up (10006)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn accept_invite(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(code): Path<String>,
) -> AppResult<Json<InviteObject>> {
    if auth.is_bot() {
        // Bots join guilds when a manager adds them (OAuth2), never through invites.
        return Err(AppError::with_message(
            StatusCode::FORBIDDEN,
            ErrorCode::BotsCannotUse,
            "Bots cannot use this endpoint: a bot joins a guild when someone with Manage Server adds it",
        ));
    }
    let now = Timestamp::now();
    match state.store.accept_guild_invite(&code, auth.user_id, now).await? {
        Acceptance::Unusable => Err(unknown_invite()),
        Acceptance::Banned => Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::UserBanned)),
        Acceptance::AlreadyMember { .. } => {
            let invite = state.store.guild_invite(&code).await?.ok_or_else(unknown_invite)?;
            Ok(Json(invite_object(&state, &invite).await?))
        }
        Acceptance::Joined { guild_id } => {
            let user = state.store.user_by_id(auth.user_id).await?.ok_or_else(AppError::unauthorized)?;
            // Not the code: logs travel further than the people who may use it.
            tracing::info!(%guild_id, user_id = %auth.user_id, "member joined through an invite");
            announce_join(&state, guild_id, user.id).await?;
            let invite = state.store.guild_invite(&code).await?.ok_or_else(unknown_invite)?;
            Ok(Json(invite_object(&state, &invite).await?))
        }
    }
}

/// Delete an invite (MANAGE_CHANNELS in its channel, or MANAGE_GUILD). Returns it as it was.
#[utoipa::path(delete, path = "/invites/{code}", tag = "invites", security(("bearer" = [])), params(("code" = String, Path)),
    responses(
        (status = 200, description = "The invite as it was", body = InviteObject),
        (status = 400, description = "a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_CHANNELS and MANAGE_GUILD (50013), or cannot see its channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown invite (10006) or channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_invite(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(code): Path<String>,
) -> AppResult<Json<InviteObject>> {
    let invite = state.store.guild_invite(&code).await?.ok_or_else(unknown_invite)?;
    let (access, channel, permissions) = load_channel(&state, invite.channel_id, auth.user_id).await?;
    if !permissions.contains(Permissions::MANAGE_CHANNELS) {
        access.require(Permissions::MANAGE_GUILD)?;
    }
    let object = invite_object(&state, &invite).await?;
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::InviteDelete,
        None,
        vec![audit::change("code", Some(serde_json::json!(code)), None)],
        &reason,
    );
    state.store.delete_guild_invite(&code, Some(&entry)).await?;
    state.publish(Event::new(
        EventName::InviteDelete,
        Audience::ChannelManagers { guild_id: access.guild.id, channel_id: channel.id },
        Keys::channel(Some(access.guild.id), channel.id),
        &serde_json::json!({ "code": code, "guild_id": access.guild.id, "channel_id": channel.id }),
    ));
    Ok(Json(object))
}

/// The guild's invites (MANAGE_GUILD), to the channels the caller can see.
#[utoipa::path(get, path = "/guilds/{guild_id}/invites", tag = "invites", security(("bearer" = [])), params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<InviteObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn guild_invites(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<Vec<InviteObject>>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_GUILD)?;
    let mut out = Vec::new();
    for invite in state.store.guild_invites(access.guild.id, None).await? {
        // An invite to a channel the caller cannot see stays as hidden as the channel.
        let visible = access
            .channels
            .iter()
            .find(|c| c.id == invite.channel_id)
            .is_some_and(|c| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL));
        if visible {
            out.push(invite_object(&state, &invite).await?);
        }
    }
    Ok(Json(out))
}

/// The channel's invites (MANAGE_CHANNELS in it).
#[utoipa::path(get, path = "/channels/{channel_id}/invites", tag = "invites", security(("bearer" = [])), params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Vec<InviteObject>),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_CHANNELS (50013) or cannot see the channel (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn channel_invites(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<Json<Vec<InviteObject>>> {
    let (access, channel, permissions) = load_channel(&state, channel_id, auth.user_id).await?;
    require(permissions, Permissions::MANAGE_CHANNELS)?;
    let mut out = Vec::new();
    for invite in state.store.guild_invites(access.guild.id, Some(channel.id)).await? {
        out.push(invite_object(&state, &invite).await?);
    }
    Ok(Json(out))
}
