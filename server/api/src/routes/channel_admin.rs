//! Managing channels: create, modify, delete, reorder (MANAGE_CHANNELS).

use axum::extract::State;
use axum::http::StatusCode;
use parley_app::AppState;
use parley_app::access::{GuildAccess, require, unknown_channel};
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::channel_access::ChannelAccess;
use parley_app::channels::modify::ModifyChannelRequest;
use parley_app::channels::overwrites;
use parley_app::channels::threads::modify_thread;
use parley_app::error::{AppError, AppResult};
use parley_app::objects::guild::ChannelObject;
use parley_app::objects::guild::MAX_POSITION;
use parley_app::objects::private::AnyChannelObject;
use parley_core::permissions::Overwrite;
use parley_core::{FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::EventName;
use parley_store::channels::{ChannelKind, ChannelPatch, ChannelRecord, NewChannel, OverwriteRecord};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, JsonArray, Path, nullable};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};
use parley_app::private_channels;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_channel, reorder_channels))
        .routes(routes!(modify_channel, delete_channel))
}

/// Discord's limit on channels (categories included) per guild.
pub const MAX_CHANNELS_PER_GUILD: usize = 500;

/// Text channel names are folded as Discord folds them: lower case, spaces become dashes.
/// Other channels keep their spaces; white space that is a control character (a tab, a line
/// break) becomes a space, as the document's ChannelName rule promises it is accepted.
fn parse_channel_name(raw: &str, kind: ChannelKind, errors: &mut FieldErrors) -> Option<String> {
    let trimmed = raw.trim();
    let name = if kind == ChannelKind::Text {
        trimmed.to_lowercase().replace(char::is_whitespace, "-")
    } else {
        trimmed.replace(|c: char| c.is_whitespace() && c.is_control(), " ")
    };
    if !(1..=100).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
        return None;
    }
    Some(name)
}

/// Checks the numeric settings shared by create and modify.
fn check_ranges(
    errors: &mut FieldErrors,
    rate_limit: Option<i64>,
    bitrate: Option<i64>,
    user_limit: Option<i64>,
    topic: Option<&str>,
) {
    if rate_limit.is_some_and(|r| !(0..=21_600).contains(&r)) {
        errors.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "Must be between 0 and 21600 seconds.");
    }
    if bitrate.is_some_and(|b| !(8_000..=384_000).contains(&b)) {
        errors.add("bitrate", "NUMBER_TYPE_MAX", "Must be between 8000 and 384000.");
    }
    if user_limit.is_some_and(|u| !(0..=99).contains(&u)) {
        errors.add("user_limit", "NUMBER_TYPE_MAX", "Must be between 0 and 99.");
    }
    if topic.is_some_and(|t| t.chars().count() > 1024) {
        errors.add("topic", "BASE_TYPE_BAD_LENGTH", "Must be 1024 or fewer in length.");
    }
}

/// A parent must be a category of the same guild, and categories have no parent.
/// Where a channel may be put: in a category of the guild that the caller can see and manage
/// channels in (a category they cannot see is answered exactly as one that does not exist,
/// so the answer never confirms it); categories have no parent. An unusable parent is a
/// field error; a visible one the caller may not manage is 403 (50013).
fn check_parent(
    errors: &mut FieldErrors,
    kind: ChannelKind,
    parent: Option<Snowflake>,
    access: &GuildAccess,
) -> AppResult<()> {
    let Some(parent) = parent else { return Ok(()) };
    let category = access
        .channels
        .iter()
        .find(|c| c.id == parent && c.kind == ChannelKind::Category)
        .filter(|c| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL));
    match category {
        Some(category) if kind != ChannelKind::Category => {
            require(access.channel_permissions(category), Permissions::MANAGE_CHANNELS)
        }
        _ => {
            errors.add(
                "parent_id",
                "CHANNEL_PARENT_INVALID",
                "The parent must be a category of this guild (and categories have none).",
            );
            Ok(())
        }
    }
}

/// Moving a channel out of its category needs VIEW_CHANNEL and MANAGE_CHANNELS there too:
/// otherwise a moderator could take a channel out of a private category and expose it.
fn check_leaving_parent(access: &GuildAccess, channel: &ChannelRecord, to: Option<Snowflake>) -> AppResult<()> {
    match channel.parent() {
        Some(from) if to != Some(from) => match access.channels.iter().find(|c| c.id == from) {
            Some(category) => {
                require(access.channel_permissions(category), Permissions::VIEW_CHANNEL | Permissions::MANAGE_CHANNELS)
            }
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateChannelRequest {
    #[schema(value_type = schema::ChannelName)]
    pub name: String,
    /// 0 text (default), 2 voice, 4 category.
    #[serde(rename = "type")]
    #[schema(value_type = Option<schema::NewChannelType>)]
    pub kind: Option<i64>,
    #[schema(max_length = 1024)]
    pub topic: Option<String>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub parent_id: Option<Snowflake>,
    #[schema(minimum = 0, maximum = 2147483647)]
    pub position: Option<i64>,
    pub nsfw: Option<bool>,
    /// Slowmode seconds, 0-21600.
    #[schema(minimum = 0, maximum = 21600)]
    pub rate_limit_per_user: Option<i64>,
    /// Voice: 8000-384000.
    #[schema(minimum = 8000, maximum = 384000)]
    pub bitrate: Option<i64>,
    /// Voice: 0 (unlimited) to 99.
    #[schema(minimum = 0, maximum = 99)]
    pub user_limit: Option<i64>,
    /// Overwrites the channel starts with (MANAGE_ROLES, and only permissions you hold), at
    /// most 100: a channel made private here is never visible to everyone.
    #[schema(max_items = 100)]
    pub permission_overwrites: Option<Vec<NewOverwrite>>,
}

/// One overwrite of a new channel.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOverwrite {
    /// A role id (the guild id for @everyone) or a member's user id.
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// 0 for a role, 1 for a member.
    #[serde(rename = "type")]
    #[schema(value_type = schema::OverwriteType)]
    pub kind: i64,
    #[schema(value_type = Option<schema::PermissionsInput>)]
    pub allow: Option<Permissions>,
    #[schema(value_type = Option<schema::PermissionsInput>)]
    pub deny: Option<Permissions>,
}

/// The most overwrites a channel is created with.
const MAX_NEW_OVERWRITES: usize = 100;

/// Checks a new channel's overwrites as `PUT /channels/{id}/permissions/{overwrite_id}` would
/// one by one: MANAGE_ROLES, a role or member of this guild, each target once, and nothing
/// allowed or denied that the caller does not hold in the guild.
async fn parse_overwrites(
    state: &AppState,
    access: &GuildAccess,
    given: &[NewOverwrite],
    errors: &mut FieldErrors,
) -> AppResult<Vec<Overwrite>> {
    if given.is_empty() {
        return Ok(Vec::new());
    }
    access.require(Permissions::MANAGE_ROLES)?;
    if given.len() > MAX_NEW_OVERWRITES {
        errors.add(
            "permission_overwrites",
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_NEW_OVERWRITES} or fewer in length."),
        );
        return Ok(Vec::new());
    }
    let mut overwrites: Vec<Overwrite> = Vec::with_capacity(given.len());
    for (i, item) in given.iter().enumerate() {
        let field = |name: &str| vec!["permission_overwrites".to_owned(), i.to_string(), name.to_owned()];
        let Some(kind) = overwrites::kind_of(item.kind) else {
            errors.add_at(field("type"), "BASE_TYPE_CHOICES", "Must be 0 (role) or 1 (member).");
            continue;
        };
        if !overwrites::target_exists(state, access, kind, item.id).await? {
            errors.add_at(field("id"), "OVERWRITE_TARGET_UNKNOWN", "Not a role or member of this guild.");
            continue;
        }
        if overwrites.iter().any(|o| o.id == item.id) {
            errors.add_at(field("id"), "DUPLICATE_OVERWRITE", "Each role or member may have one overwrite.");
            continue;
        }
        let (allow, deny) = (item.allow.unwrap_or_default(), item.deny.unwrap_or_default());
        // Nobody hands out, or takes away, a permission they do not hold themselves.
        access.require(allow | deny)?;
        overwrites.push(Overwrite { id: item.id, kind, allow, deny });
    }
    Ok(overwrites)
}

/// Create a channel (MANAGE_CHANNELS; with permission_overwrites, MANAGE_ROLES too). At most
/// 500 per guild.
#[utoipa::path(post, path = "/guilds/{guild_id}/channels", tag = "channels", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = CreateChannelRequest,
    responses(
        (status = 201, description = "Created", body = ChannelObject),
        (status = 400, description = "Invalid fields, a bad parent or 500 channels already (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_CHANNELS, or with permission_overwrites MANAGE_ROLES or a permission they allow or deny (50013); not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn create_channel(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<CreateChannelRequest>,
) -> AppResult<(StatusCode, Json<ChannelObject>)> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_CHANNELS)?;
    let channels = &access.channels;
    let mut errors = FieldErrors::new();
    let kind = match body.kind.unwrap_or(0) {
        code @ (0 | 2 | 4) => ChannelKind::from_code(code).unwrap_or(ChannelKind::Text),
        _ => {
            errors.add("type", "BASE_TYPE_CHOICES", "Must be 0 (text), 2 (voice) or 4 (category).");
            ChannelKind::Text
        }
    };
    let name = parse_channel_name(&body.name, kind, &mut errors);
    check_ranges(&mut errors, body.rate_limit_per_user, body.bitrate, body.user_limit, body.topic.as_deref());
    check_parent(&mut errors, kind, body.parent_id, &access)?;
    if body.position.is_some_and(|p| p < 0) {
        errors.add("position", "NUMBER_TYPE_MIN", "Must be 0 or more.");
    } else if body.position.is_some_and(|p| p > MAX_POSITION) {
        errors.add("position", "NUMBER_TYPE_MAX", format!("Must be {MAX_POSITION} or less."));
    }
    if channels.iter().filter(|c| c.kind != ChannelKind::PublicThread).count() >= MAX_CHANNELS_PER_GUILD {
        errors.add("_guild", "MAX_CHANNELS", format!("A guild can have at most {MAX_CHANNELS_PER_GUILD} channels."));
    }
    let overwrites =
        parse_overwrites(&state, &access, body.permission_overwrites.as_deref().unwrap_or_default(), &mut errors)
            .await?;
    errors.into_result()?;
    let voice = kind == ChannelKind::Voice;
    let text = kind == ChannelKind::Text;
    let new = NewChannel {
        id: state.ids.next(),
        guild_id: access.guild.id,
        kind,
        name: name.ok_or_else(|| AppError::internal("validated name missing"))?,
        // After the last of its kind, but never past Discord's int32 (clients store positions in
        // 32 bits); a tie at the top sorts by id, as Discord's do.
        position: body.position.unwrap_or_else(|| {
            channels.iter().filter(|c| c.kind == kind).map(|c| (c.position + 1).min(MAX_POSITION)).max().unwrap_or(0)
        }),
        parent_id: body.parent_id,
        topic: if text { body.topic.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) } else { None },
        nsfw: body.nsfw.unwrap_or(false),
        rate_limit_per_user: if text { body.rate_limit_per_user.unwrap_or(0) } else { 0 },
        bitrate: voice.then(|| body.bitrate.unwrap_or(64_000)),
        user_limit: voice.then(|| body.user_limit.unwrap_or(0)),
        now: Timestamp::now(),
        overwrites,
    };
    let records: Vec<OverwriteRecord> = new.overwrites.iter().map(|o| OverwriteRecord::of(new.id, o)).collect();
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::ChannelCreate,
        Some(new.id),
        audit::created(
            &ChannelObject::new(&new.record(), &records),
            &[
                "name",
                "type",
                "parent_id",
                "topic",
                "nsfw",
                "rate_limit_per_user",
                "bitrate",
                "user_limit",
                "permission_overwrites",
            ],
        ),
        &reason,
    );
    let channel = state.store.create_channel(&new, Some(&entry)).await?;
    let object = ChannelObject::new(&channel, &records);
    state.publish(object.event(EventName::ChannelCreate));
    Ok((StatusCode::CREATED, Json(object)))
}

/// Change a channel's settings (MANAGE_CHANNELS in it). A thread's own settings follow the
/// thread rules; a group DM's recipients may rename it (`name`).
#[utoipa::path(patch, path = "/channels/{channel_id}", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)), request_body = ModifyChannelRequest,
    responses(
        (status = 200, description = "OK", body = AnyChannelObject),
        (status = 400, description = "Invalid fields or a bad parent (50035); a DM, which has nothing to change (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_CHANNELS or MANAGE_THREADS (50013), or cannot see it (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn modify_channel(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(channel_id): Path<Snowflake>,
    Json(body): Json<ModifyChannelRequest>,
) -> AppResult<Json<AnyChannelObject>> {
    body.check_bounds()?;
    let (access, channel, permissions) = match ChannelAccess::open(&state, channel_id, auth.user_id).await? {
        ChannelAccess::Guild { access, channel, permissions } => (access, channel, permissions),
        ChannelAccess::Private { channel, user_id } => {
            let object = private_channels::rename(&state, &channel, user_id, body.name.as_deref()).await?;
            return Ok(Json(AnyChannelObject::Private(object)));
        }
    };
    if channel.kind == ChannelKind::PublicThread {
        return modify_thread(&state, auth.user_id, &reason, &access, &channel, permissions, &body)
            .await
            .map(|c| Json(AnyChannelObject::Guild(c)));
    }
    require(permissions, Permissions::MANAGE_CHANNELS)?;
    let kind = channel.kind;
    let mut errors = FieldErrors::new();
    let name = body.name.as_deref().and_then(|n| parse_channel_name(n, kind, &mut errors));
    let topic = body.topic.as_ref().map(|t| t.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned));
    check_ranges(
        &mut errors,
        body.rate_limit_per_user,
        body.bitrate,
        body.user_limit,
        topic.clone().flatten().as_deref(),
    );
    if let Some(parent) = body.parent_id {
        check_parent(&mut errors, kind, parent, &access)?;
        check_leaving_parent(&access, &channel, parent)?;
    }
    if body.position.is_some_and(|p| p < 0) {
        errors.add("position", "NUMBER_TYPE_MIN", "Must be 0 or more.");
    } else if body.position.is_some_and(|p| p > MAX_POSITION) {
        errors.add("position", "NUMBER_TYPE_MAX", format!("Must be {MAX_POSITION} or less."));
    }
    errors.into_result()?;
    let voice = kind == ChannelKind::Voice;
    let patch = ChannelPatch {
        name,
        topic,
        nsfw: body.nsfw,
        rate_limit_per_user: body.rate_limit_per_user.filter(|_| !voice),
        bitrate: body.bitrate.filter(|_| voice),
        user_limit: body.user_limit.filter(|_| voice),
        parent_id: body.parent_id,
        position: body.position,
    };
    let overwrites = state.store.guild_overwrites(access.guild.id).await?;
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        AuditAction::ChannelUpdate,
        Some(channel.id),
        audit::diff(
            &ChannelObject::new(&channel, &overwrites),
            &ChannelObject::new(&patch.applied_to(&channel), &overwrites),
            &["name", "topic", "nsfw", "rate_limit_per_user", "bitrate", "user_limit", "parent_id", "position"],
        ),
        &reason,
    );
    let updated = state.store.update_channel(channel.id, &patch, Some(&entry)).await?.ok_or_else(unknown_channel)?;
    let activity = state.store.channel_activity(updated.id).await?;
    let object = ChannelObject::new(&updated, &overwrites).with_activity(Some(&activity));
    state.publish(object.event(EventName::ChannelUpdate));
    Ok(Json(AnyChannelObject::Guild(object)))
}

/// Delete a channel (MANAGE_CHANNELS in it); returns it as it was. A category's channels
/// stay, outside any category. On a DM it closes the DM for me (the next message brings it
/// back); on a group DM it leaves it.
#[utoipa::path(delete, path = "/channels/{channel_id}", tag = "channels", security(("bearer" = [])),
    params(("channel_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "The channel as it was", body = AnyChannelObject),
        (status = 400, description = "a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_CHANNELS (50013) or cannot see it (50001)", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn delete_channel(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(channel_id): Path<Snowflake>,
) -> AppResult<Json<AnyChannelObject>> {
    let (access, channel, permissions) = match ChannelAccess::open(&state, channel_id, auth.user_id).await? {
        ChannelAccess::Guild { access, channel, permissions } => (access, channel, permissions),
        ChannelAccess::Private { channel, user_id } => {
            let object = private_channels::close_or_leave(&state, &channel, user_id).await?;
            return Ok(Json(AnyChannelObject::Private(object)));
        }
    };
    require(permissions, Permissions::MANAGE_CHANNELS)?;
    let overwrites = state.store.guild_overwrites(access.guild.id).await?;
    let object = ChannelObject::new(&channel, &overwrites);
    // Addressed while the channel still exists, so exactly those who could see it hear of it.
    let name =
        if channel.kind == ChannelKind::PublicThread { EventName::ThreadDelete } else { EventName::ChannelDelete };
    let event = object.event(name);
    let action =
        if channel.kind == ChannelKind::PublicThread { AuditAction::ThreadDelete } else { AuditAction::ChannelDelete };
    let entry = audit::entry(
        &state,
        access.guild.id,
        auth.user_id,
        action,
        Some(channel.id),
        audit::deleted(&object, &["name", "type"]),
        &reason,
    );
    state.store.delete_channel(channel.id, Some(&entry)).await?;
    state.publish(event);
    Ok(Json(AnyChannelObject::Guild(object)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChannelPosition {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    #[schema(minimum = 0, maximum = 2147483647)]
    pub position: i64,
    /// Moves it to another category; `null` takes it out of any.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<schema::Snowflake>)]
    pub parent_id: Option<Option<Snowflake>>,
}

/// Reorder channels (MANAGE_CHANNELS): a list of `{id, position, parent_id?}`.
#[utoipa::path(patch, path = "/guilds/{guild_id}/channels", tag = "channels", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = Vec<ChannelPosition>,
    responses(
        (status = 204, description = "Reordered"),
        (status = 400, description = "Invalid entries, unknown channels or parents, more than 1000 entries (50035); malformed JSON or not an array (50109); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_CHANNELS where a channel is or goes (50013) or not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn reorder_channels(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
    JsonArray(body): JsonArray<ChannelPosition>,
) -> AppResult<StatusCode> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_CHANNELS)?;
    let mut errors = FieldErrors::new();
    for (i, entry) in body.iter().enumerate() {
        // A channel the caller cannot see is answered as unknown, as everywhere else.
        let Some(channel) = access
            .channels
            .iter()
            .find(|c| c.id == entry.id)
            .filter(|c| access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL))
        else {
            errors.add_at(vec![i.to_string(), "id".into()], "CHANNEL_UNKNOWN", "Not a channel of this guild.");
            continue;
        };
        require(access.channel_permissions(channel), Permissions::MANAGE_CHANNELS)?;
        if entry.position < 0 {
            errors.add_at(vec![i.to_string(), "position".into()], "NUMBER_TYPE_MIN", "Must be 0 or more.");
        } else if entry.position > MAX_POSITION {
            let message = format!("Must be {MAX_POSITION} or less.");
            errors.add_at(vec![i.to_string(), "position".into()], "NUMBER_TYPE_MAX", message);
        }
        if let Some(parent) = entry.parent_id {
            check_leaving_parent(&access, channel, parent)?;
            let mut e = FieldErrors::new();
            check_parent(&mut e, channel.kind, parent, &access)?;
            if !e.is_empty() {
                errors.add_at(
                    vec![i.to_string(), "parent_id".into()],
                    "CHANNEL_PARENT_INVALID",
                    "The parent must be a category of this guild.",
                );
            }
        }
    }
    errors.into_result()?;
    let moves: Vec<_> = body.iter().map(|e| (e.id, e.position, e.parent_id)).collect();
    state.store.reorder_channels(access.guild.id, &moves).await?;
    let overwrites = state.store.guild_overwrites(access.guild.id).await?;
    for moved in state.store.channels(access.guild.id).await?.iter().filter(|c| moves.iter().any(|m| m.0 == c.id)) {
        state.publish(ChannelObject::new(moved, &overwrites).event(EventName::ChannelUpdate));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_in_a_name_is_folded_and_other_control_characters_are_refused() {
        let mut errors = FieldErrors::new();
        let name = " \u{2001}\u{0101}\t\u{00fd}0\u{2029}";
        assert_eq!(parse_channel_name(name, ChannelKind::Category, &mut errors).as_deref(), Some("\u{0101} \u{00fd}0"));
        assert_eq!(parse_channel_name(name, ChannelKind::Text, &mut errors).as_deref(), Some("\u{0101}-\u{00fd}0"));
        assert_eq!(parse_channel_name("Voice\nRoom", ChannelKind::Voice, &mut errors).as_deref(), Some("Voice Room"));
        assert!(errors.is_empty());
        assert_eq!(parse_channel_name("a\u{0007}b", ChannelKind::Voice, &mut errors), None);
        assert!(!errors.is_empty(), "a bell is no white space");
    }
}
