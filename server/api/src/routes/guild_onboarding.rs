//! A guild's onboarding, in Discord's shapes: the channels newcomers start in, and up to 15
//! questions (prompts) whose options grant roles and channels. Members read it; a member
//! with MANAGE_GUILD and MANAGE_ROLES replaces it, naming only the guild's channels and roles
//! below their own. Audited (166 the first time, 167 after). Parley keeps and serves it for
//! clients and bots; its web client does not yet walk newcomers through it.

use axum::extract::State;
use parley_app::AppState;
use parley_app::access::GuildAccess;
use parley_app::audit::{self, AuditAction, AuditReason};
use parley_app::error::{AppError, AppResult};
use parley_core::{FieldErrors, Permissions, Snowflake};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{AuthUser, Json, Path};
use crate::models::{ErrorBody, JsonBody, SignedIn, TooManyRequests, schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_onboarding, put_onboarding))
}

/// Discord's limits.
const MAX_PROMPTS: usize = 15;
const MAX_OPTIONS: usize = 50;
const MAX_DEFAULT_CHANNELS: usize = 500;
const MAX_OPTION_ROLES_OR_CHANNELS: usize = 50;

/// An option's emoji.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct OnboardingEmoji {
    #[schema(value_type = Option<schema::Snowflake>)]
    pub id: Option<Snowflake>,
    pub name: Option<String>,
    pub animated: bool,
}

/// One answer to a prompt: the roles and channels it grants.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct OnboardingOption {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub title: String,
    pub description: String,
    pub emoji: OnboardingEmoji,
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub role_ids: Vec<Snowflake>,
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub channel_ids: Vec<Snowflake>,
}

/// One question newcomers are asked.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct OnboardingPrompt {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub title: String,
    pub options: Vec<OnboardingOption>,
    pub single_select: bool,
    pub required: bool,
    pub in_onboarding: bool,
    /// 0 multiple choice, 1 a dropdown.
    #[serde(rename = "type")]
    #[schema(value_type = schema::OnboardingPromptType)]
    pub kind: i64,
}

/// A guild's onboarding.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
pub struct Onboarding {
    #[schema(value_type = schema::Snowflake)]
    pub guild_id: Snowflake,
    pub prompts: Vec<OnboardingPrompt>,
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub default_channel_ids: Vec<Snowflake>,
    pub enabled: bool,
    /// 0: only the default channels count towards its rules; 1: the prompts' too.
    #[schema(value_type = schema::OnboardingMode)]
    pub mode: i64,
}

/// The stored onboarding, with roles and channels deleted since left out; never set: empty.
async fn stored(state: &AppState, access: &GuildAccess) -> AppResult<Onboarding> {
    let stored: Option<Onboarding> =
        state.store.onboarding(access.guild.id).await?.and_then(|json| serde_json::from_str(&json).ok());
    let mut onboarding = stored.unwrap_or(Onboarding {
        guild_id: access.guild.id,
        prompts: Vec::new(),
        default_channel_ids: Vec::new(),
        enabled: false,
        mode: 0,
    });
    let channel = |id: &Snowflake| access.channels.iter().any(|c| c.id == *id);
    let role = |id: &Snowflake| access.roles.iter().any(|r| r.id == *id);
    onboarding.default_channel_ids.retain(channel);
    for option in onboarding.prompts.iter_mut().flat_map(|p| p.options.iter_mut()) {
        option.channel_ids.retain(channel);
        option.role_ids.retain(role);
    }
    Ok(onboarding)
}

/// The onboarding as `access`'s member may see it: channels they cannot see left out.
fn as_seen_by(mut onboarding: Onboarding, access: &GuildAccess) -> Onboarding {
    let channel = |id: &Snowflake| visible_channel(access, id);
    onboarding.default_channel_ids.retain(channel);
    for option in onboarding.prompts.iter_mut().flat_map(|p| p.options.iter_mut()) {
        option.channel_ids.retain(channel);
    }
    onboarding
}

/// A channel of the guild the member can see (one they cannot is as good as absent).
fn visible_channel(access: &GuildAccess, id: &Snowflake) -> bool {
    access.channels.iter().any(|c| c.id == *id && access.channel_permissions(c).contains(Permissions::VIEW_CHANNEL))
}

/// The guild's onboarding (members; channels they cannot see left out).
#[utoipa::path(get, path = "/guilds/{guild_id}/onboarding", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)),
    responses(
        (status = 200, description = "OK", body = Onboarding),
        (status = 400, description = "NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        TooManyRequests,
    ))]
async fn get_onboarding(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(guild_id): Path<Snowflake>,
) -> AppResult<Json<Onboarding>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    Ok(Json(as_seen_by(stored(&state, &access).await?, &access)))
}

/// An option as sent: a new one has no id yet.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OnboardingOptionRequest {
    #[schema(value_type = Option<schema::Snowflake>)]
    pub id: Option<Snowflake>,
    #[schema(min_length = 1, max_length = 50)]
    pub title: String,
    #[schema(max_length = 100)]
    pub description: Option<String>,
    #[schema(value_type = Option<schema::Snowflake>)]
    pub emoji_id: Option<Snowflake>,
    #[schema(max_length = 100)]
    pub emoji_name: Option<String>,
    pub emoji_animated: Option<bool>,
    #[schema(value_type = Option<Vec<schema::Snowflake>>, max_items = 50)]
    pub role_ids: Option<Vec<Snowflake>>,
    #[schema(value_type = Option<Vec<schema::Snowflake>>, max_items = 50)]
    pub channel_ids: Option<Vec<Snowflake>>,
}

/// A prompt as sent: a new one may come without an id (Parley gives it one) or with the
/// client's own, as Discord's client sends.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OnboardingPromptRequest {
    #[schema(value_type = Option<schema::Snowflake>)]
    pub id: Option<Snowflake>,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[schema(min_items = 1, max_items = 50)]
    pub options: Vec<OnboardingOptionRequest>,
    pub single_select: Option<bool>,
    pub required: Option<bool>,
    pub in_onboarding: Option<bool>,
    #[serde(rename = "type")]
    #[schema(value_type = Option<schema::OnboardingPromptType>)]
    pub kind: Option<i64>,
}

/// The new onboarding; what is left out (or null) stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OnboardingRequest {
    #[schema(max_items = 15)]
    pub prompts: Option<Vec<OnboardingPromptRequest>>,
    #[schema(value_type = Option<Vec<schema::Snowflake>>, max_items = 500)]
    pub default_channel_ids: Option<Vec<Snowflake>>,
    pub enabled: Option<bool>,
    #[schema(value_type = Option<schema::OnboardingMode>)]
    pub mode: Option<i64>,
}

/// Field errors for a list of ids: too many, one twice, or one `known` rejects.
fn check_ids(
    errors: &mut FieldErrors,
    path: &[String],
    ids: &[Snowflake],
    max: usize,
    known: impl Fn(&Snowflake) -> bool,
    what: &str,
) {
    let at = |tail: Vec<String>| path.iter().cloned().chain(tail).collect::<Vec<_>>();
    if ids.len() > max {
        errors.add_at(at(vec![]), "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length."));
        return;
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) || !known(id) {
            errors.add_at(
                at(vec![i.to_string()]),
                "ONBOARDING_TARGET_UNKNOWN",
                format!("Must be {what} of this server, named once."),
            );
        }
    }
}

fn chars_between(errors: &mut FieldErrors, path: Vec<String>, text: &str, min: usize, max: usize) {
    let n = text.chars().count();
    if n < min || n > max {
        errors.add_at(path, "BASE_TYPE_BAD_LENGTH", format!("Must be between {min} and {max} in length."));
    }
}

/// Replace the onboarding (MANAGE_GUILD and MANAGE_ROLES).
#[utoipa::path(put, path = "/guilds/{guild_id}/onboarding", tag = "guilds", security(("bearer" = [])),
    params(("guild_id" = schema::Snowflake, Path)), request_body = OnboardingRequest,
    responses(
        (status = 200, description = "The onboarding now", body = Onboarding),
        (status = 400, description = "Invalid fields; a channel or role the guild lacks or named twice; a prompt id twice; enabled without a default channel (50035); malformed JSON (50109); a bad X-Audit-Log-Reason header (50035); NUL (%00) in the path or query (50035)", body = ErrorBody),
        SignedIn,
        (status = 403, description = "Missing MANAGE_GUILD or MANAGE_ROLES, or a role at or above the caller's highest (50013); not a member (50001)", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004)", body = ErrorBody),
        JsonBody,
        TooManyRequests,
    ))]
async fn put_onboarding(
    State(state): State<AppState>,
    auth: AuthUser,
    reason: AuditReason,
    Path(guild_id): Path<Snowflake>,
    Json(body): Json<OnboardingRequest>,
) -> AppResult<Json<Onboarding>> {
    let access = GuildAccess::load(&state, guild_id, auth.user_id).await?;
    access.require(Permissions::MANAGE_GUILD | Permissions::MANAGE_ROLES)?;
    let before = stored(&state, &access).await?;
    // Channels the caller cannot see, which someone who could put there: a replaced list
    // keeps them (nobody removes what they cannot see).
    let hidden = |ids: &[Snowflake]| -> Vec<Snowflake> {
        ids.iter().copied().filter(|id| !visible_channel(&access, id)).collect()
    };
    let first = state.store.onboarding(guild_id).await?.is_none();
    let mut next = before.clone();
    let mut errors = FieldErrors::new();
    let channel = |id: &Snowflake| visible_channel(&access, id);
    let role = |id: &Snowflake| *id != guild_id && access.roles.iter().any(|r| r.id == *id);
    if let Some(ids) = body.default_channel_ids {
        check_ids(&mut errors, &["default_channel_ids".into()], &ids, MAX_DEFAULT_CHANNELS, channel, "a channel");
        next.default_channel_ids = ids;
        next.default_channel_ids.extend(hidden(&before.default_channel_ids));
    }
    if let Some(enabled) = body.enabled {
        next.enabled = enabled;
    }
    if let Some(mode) = body.mode {
        if !(0..=1).contains(&mode) {
            errors.add("mode", "BASE_TYPE_CHOICES", "Value must be one of (0, 1).");
        }
        next.mode = mode;
    }
    let mut granted_roles = Vec::new();
    if let Some(prompts) = body.prompts {
        if prompts.len() > MAX_PROMPTS {
            errors.add("prompts", "BASE_TYPE_MAX_LENGTH", "Must be 15 or fewer in length.");
        }
        next.prompts = Vec::with_capacity(prompts.len());
        for (i, prompt) in prompts.into_iter().enumerate().take(MAX_PROMPTS) {
            let at = |tail: &[&str]| {
                ["prompts".to_owned(), i.to_string()]
                    .into_iter()
                    .chain(tail.iter().map(|t| (*t).to_owned()))
                    .collect::<Vec<_>>()
            };
            let id = prompt.id.unwrap_or_else(|| state.ids.next());
            if next.prompts.iter().any(|p| p.id == id) {
                errors.add_at(at(&["id"]), "ONBOARDING_PROMPT_DUPLICATE", "Each prompt's id must be its own.");
            }
            chars_between(&mut errors, at(&["title"]), &prompt.title, 1, 100);
            if prompt.kind.is_some_and(|k| !(0..=1).contains(&k)) {
                errors.add_at(at(&["type"]), "BASE_TYPE_CHOICES", "Value must be one of (0, 1).");
            }
            if prompt.options.is_empty() || prompt.options.len() > MAX_OPTIONS {
                errors.add_at(at(&["options"]), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 50 in length.");
            }
            let mut options = Vec::with_capacity(prompt.options.len());
            for (j, option) in prompt.options.into_iter().enumerate().take(MAX_OPTIONS) {
                let j = j.to_string();
                chars_between(&mut errors, at(&["options", &j, "title"]), &option.title, 1, 50);
                let description = option.description.unwrap_or_default();
                chars_between(&mut errors, at(&["options", &j, "description"]), &description, 0, 100);
                let emoji_name = option.emoji_name.filter(|n| !n.is_empty());
                if let Some(name) = &emoji_name {
                    chars_between(&mut errors, at(&["options", &j, "emoji_name"]), name, 1, 100);
                }
                let (role_ids, channel_ids) =
                    (option.role_ids.unwrap_or_default(), option.channel_ids.unwrap_or_default());
                check_ids(
                    &mut errors,
                    &at(&["options", &j, "role_ids"]),
                    &role_ids,
                    MAX_OPTION_ROLES_OR_CHANNELS,
                    role,
                    "a role",
                );
                check_ids(
                    &mut errors,
                    &at(&["options", &j, "channel_ids"]),
                    &channel_ids,
                    MAX_OPTION_ROLES_OR_CHANNELS,
                    channel,
                    "a channel",
                );
                granted_roles.extend(role_ids.iter().copied());
                let option_id = option.id.unwrap_or_else(|| state.ids.next());
                let mut channel_ids = channel_ids;
                let earlier = before.prompts.iter().flat_map(|p| &p.options).find(|o| o.id == option_id);
                channel_ids.extend(earlier.map(|o| hidden(&o.channel_ids)).unwrap_or_default());
                options.push(OnboardingOption {
                    id: option_id,
                    title: option.title,
                    description,
                    emoji: OnboardingEmoji {
                        id: option.emoji_id,
                        name: emoji_name,
                        animated: option.emoji_animated.unwrap_or(false),
                    },
                    role_ids,
                    channel_ids,
                });
            }
            next.prompts.push(OnboardingPrompt {
                id,
                title: prompt.title,
                options,
                single_select: prompt.single_select.unwrap_or(false),
                required: prompt.required.unwrap_or(false),
                in_onboarding: prompt.in_onboarding.unwrap_or(true),
                kind: prompt.kind.unwrap_or(0),
            });
        }
    }
    if next.enabled && next.default_channel_ids.is_empty() {
        errors.add(
            "default_channel_ids",
            "ONBOARDING_DEFAULT_CHANNELS_REQUIRED",
            "Onboarding needs at least one channel newcomers start in before it is enabled.",
        );
    }
    errors.into_result()?;
    // Options hand out roles: nobody sets one up to hand out a role they could not give.
    for id in granted_roles {
        if let Some(role) = access.roles.iter().find(|r| r.id == id) {
            access.require_below_me(role)?;
        }
    }
    let json = serde_json::to_string(&next).map_err(|e| AppError::internal(format!("onboarding: {e}")))?;
    let action = if first { AuditAction::OnboardingCreate } else { AuditAction::OnboardingUpdate };
    let changes = audit::diff(&before, &next, &["prompts", "default_channel_ids", "enabled", "mode"]);
    let entry = audit::entry(&state, guild_id, auth.user_id, action, Some(guild_id), changes, &reason);
    state.store.set_onboarding(guild_id, &json, Some(&entry)).await?;
    tracing::info!(%guild_id, moderator = %auth.user_id, enabled = next.enabled, prompts = next.prompts.len(), "onboarding set");
    Ok(Json(as_seen_by(next, &access)))
}
