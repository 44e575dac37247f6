//! A message as its author asks for it, checked before it is stored: content and flags
//! within Discord's limits, and the mentions that take effect (from the text, the author's
//! permissions where it is posted, and `allowed_mentions`). Message sends and edits, and
//! webhook executions, share these rules.

use axum::http::StatusCode;
use parley_core::mentions::parse_mentions;
use parley_core::{ErrorCode, FieldErrors, Permissions, Snowflake};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::channel_access::ChannelAccess;
use crate::error::{AppError, AppResult};
use crate::objects::message::flags;
use crate::objects::schema;

/// What a webhook, or an application answering an interaction, may do where it posts: speak,
/// embed, and mention anyone (as on Discord); `allowed_mentions` narrows it, and an
/// interaction's answer loses MENTION_EVERYONE where its bot lacks it.
pub const POSTER_PERMISSIONS: Permissions = Permissions::from_bits_truncate(
    Permissions::VIEW_CHANNEL.bits()
        | Permissions::SEND_MESSAGES.bits()
        | Permissions::SEND_MESSAGES_IN_THREADS.bits()
        | Permissions::READ_MESSAGE_HISTORY.bits()
        | Permissions::EMBED_LINKS.bits()
        | Permissions::MENTION_EVERYONE.bits(),
);

/// Discord's limit for message content (Nitro's; Parley has no tiers).
pub const MAX_CONTENT_CHARS: usize = 4000;
/// Discord's limit for a nonce.
pub const MAX_NONCE_CHARS: usize = 25;

/// Which mentions in the text take effect (Discord's `allowed_mentions`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AllowedMentions {
    /// Any of "users", "roles", "everyone": mention every one of that kind found in the text.
    #[schema(value_type = Option<Vec<schema::MentionKind>>)]
    pub parse: Option<Vec<String>>,
    /// Only these users (cannot be combined with "users" in `parse`).
    #[schema(value_type = Option<Vec<schema::Snowflake>>)]
    pub users: Option<Vec<Snowflake>>,
    /// Only these roles (cannot be combined with "roles" in `parse`).
    #[schema(value_type = Option<Vec<schema::Snowflake>>)]
    pub roles: Option<Vec<Snowflake>>,
    /// For replies: whether the replied-to author is mentioned. Default true.
    pub replied_user: Option<bool>,
}

/// The mentions that take effect, from the text, the permissions and `allowed_mentions`.
pub async fn resolve_mentions(
    state: &AppState,
    channel: &ChannelAccess,
    content: &str,
    allowed: Option<&AllowedMentions>,
    replied_author: Option<Snowflake>,
) -> AppResult<(Vec<Snowflake>, Vec<Snowflake>, bool)> {
    let found = parse_mentions(content);
    let parse = |kind: &str| allowed.is_none_or(|a| a.parse.as_ref().is_some_and(|p| p.iter().any(|k| k == kind)));
    let mut errors = FieldErrors::new();
    if let Some(a) = allowed {
        // Discord refuses a list beside its kind in `parse` only when the list names someone;
        // serenity sends empty lists with every reply.
        if a.users.as_ref().is_some_and(|u| !u.is_empty()) && parse("users") {
            errors.add_at(
                vec!["allowed_mentions".into(), "users".into()],
                "MUTUALLY_EXCLUSIVE",
                "Cannot list users and also parse them.",
            );
        }
        if a.roles.as_ref().is_some_and(|r| !r.is_empty()) && parse("roles") {
            errors.add_at(
                vec!["allowed_mentions".into(), "roles".into()],
                "MUTUALLY_EXCLUSIVE",
                "Cannot list roles and also parse them.",
            );
        }
        if a.parse.as_ref().is_some_and(|p| p.iter().any(|k| !["users", "roles", "everyone"].contains(&k.as_str()))) {
            errors.add_at(
                vec!["allowed_mentions".into(), "parse".into()],
                "BASE_TYPE_CHOICES",
                "Must be users, roles or everyone.",
            );
        }
    }
    errors.into_result()?;
    let listed_users = allowed.and_then(|a| a.users.as_ref());
    let mut users: Vec<Snowflake> =
        found.users.into_iter().filter(|u| parse("users") || listed_users.is_some_and(|l| l.contains(u))).collect();
    if let Some(author) = replied_author
        && allowed.and_then(|a| a.replied_user).unwrap_or(true)
        && !users.contains(&author)
    {
        users.push(author);
    }
    // Only those the channel reaches (guild members, or a private channel's recipients) are
    // mentioned.
    let mut mentioned = Vec::new();
    for user in users {
        if channel.reaches(state, user).await? {
            mentioned.push(user);
        }
    }
    let permissions = channel.permissions();
    let listed_roles = allowed.and_then(|a| a.roles.as_ref());
    let may_mention_any_role = permissions.contains(Permissions::MENTION_EVERYONE);
    let roles = match channel.guild() {
        Some(access) => found
            .roles
            .into_iter()
            .filter(|r| parse("roles") || listed_roles.is_some_and(|l| l.contains(r)))
            .filter(|r| {
                access.roles.iter().any(|role| {
                    role.id == *r && role.id != access.guild.id && (role.mentionable || may_mention_any_role)
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let everyone = found.everyone && parse("everyone") && permissions.contains(Permissions::MENTION_EVERYONE);
    Ok((mentioned, roles, everyone))
}

/// The content, at most 4000 characters; empty only beside an embed.
pub fn check_content(content: Option<&str>, has_embeds: bool) -> AppResult<String> {
    let content = content.unwrap_or_default();
    if content.trim().is_empty() && !has_embeds {
        return Err(AppError::new(StatusCode::BAD_REQUEST, ErrorCode::CannotSendEmptyMessage));
    }
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(AppError::field(
            "content",
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_CONTENT_CHARS} or fewer in length."),
        ));
    }
    Ok(content.to_owned())
}

/// The flags asked for, when every one of them is among `settable`.
pub fn check_flags(asked: Option<i64>, settable: i64) -> AppResult<Option<i64>> {
    match asked {
        Some(bits) if bits & !settable != 0 => Err(AppError::field(
            "flags",
            "MESSAGE_FLAGS_INVALID",
            format!(
                "Only SUPPRESS_EMBEDS (4){}{} may be set.",
                if settable & flags::SUPPRESS_NOTIFICATIONS != 0 { ", SUPPRESS_NOTIFICATIONS (4096)" } else { "" },
                if settable & flags::EPHEMERAL != 0 { ", EPHEMERAL (64)" } else { "" }
            ),
        )),
        other => Ok(other),
    }
}
