//! The API's routes, one module per resource. Each `router()` returns an `OpenApiRouter`,
//! so a route cannot be served without also appearing in the OpenAPI document.
//!
//! - [`admin`]: instance administration: invite codes for `invite_only` registration.
//! - [`admin_settings`]: registration and guild creation, changed live by an admin.
//! - [`admin_users`]: the admin console: the overview, accounts, disabling, promoting, signing out.
//! - [`applications`]: applications and bots, their tokens, and adding a bot to a guild.
//! - [`application_commands`]: an application's commands, global and per guild; the picker's index.
//! - [`command_permissions`]: who may use an application's commands in a guild.
//! - [`archived_threads`]: a channel's archived threads (public; the private lists are empty).
//! - [`attachments`]: downloading a message's file through its signed link, and previews
//!   (thumbnails) of its images.
//! - [`audit_logs`]: reading the audit log.
//! - [`auth`]: registration, login, token refresh and logout.
//! - [`cdn`]: avatars, guild icons and banners, and emoji at Discord's CDN paths, in any size.
//! - [`channel_admin`]: creating, modifying, deleting and reordering channels.
//! - [`channels`]: channels as their viewers see them.
//! - [`emojis`]: a guild's custom emoji: list, make, rename, delete.
//! - [`export`]: "export my data": everything kept of a person, as one streamed JSON file.
//! - [`gateway`]: where the gateway is (`GET /gateway`, `GET /gateway/bot`).
//! - [`guild_onboarding`]: a guild's onboarding: newcomers' channels and questions.
//! - [`guild_welcome`]: a guild's welcome screen and widget settings.
//! - [`guild_widget`]: a guild's public widget (`widget.json`), for anyone.
//! - [`guilds`]: create, get (with counts), modify, delete, list mine, leave, preview.
//! - [`health`]: `/health`, `/ready` and `/metrics`.
//! - [`interactions`]: using commands, components and modals, and the application's answer.
//! - [`instance`]: public facts about this instance that a client needs before anyone signs in.
//! - [`invites`]: guild invites: create, look up, accept, list, delete.
//! - [`members`]: members and moderation: nicknames, timeouts, voice, kicks and bans.
//! - [`member_search`]: members whose username or nickname starts with a query.
//! - [`notification_settings`]: what I want to hear of, per guild and channel (and my DMs).
//! - [`relationships`]: blocking people (Discord's relationships, type 2).
//! - [`user_settings`]: whose guild members may DM me.
//! - [`messages`]: messages in guild channels and private channels (DMs, group DMs).
//! - [`overwrites`]: channel permission overwrites: set and delete.
//! - [`private_channels`]: DMs and group DMs: open, start, list, add and remove recipients.
//! - [`prune`]: removing members not seen for some days.
//! - [`reactions`]: reactions, pins, the typing indicator and bulk deletion.
//! - [`read_states`]: acknowledging messages, and where I stand in every channel.
//! - [`roles`]: roles: list, create, modify, delete, reorder, give and take.
//! - [`search`]: message search in a guild, returning only what the searcher may read.
//! - [`sessions`]: the signed-in user's device sessions: list, end one, end the others.
//! - [`threads`]: public threads: start, and list a guild's active ones.
//! - [`thread_members`]: join and leave threads, add and remove others, list them.
//! - [`uploads`]: Discord's two-step upload: upload URLs for files sent ahead of their message.
//! - [`users`]: the current user's account: `GET` and `PATCH /users/@me`.
//! - [`voice`]: `GET /voice/ice-servers`: STUN and TURN with fresh credentials.
//! - [`webhooks`]: channel webhooks: made and managed by members, or with their token.
//! - [`webhook_messages`]: posting through a webhook, and its messages: read, edit, delete.

pub mod admin;
pub mod admin_settings;
pub mod admin_users;
pub mod application_commands;
pub mod applications;
pub mod archived_threads;
pub mod attachments;
pub mod audit_logs;
pub mod auth;
pub mod cdn;
pub mod channel_admin;
pub mod channels;
pub mod command_permissions;
pub mod emojis;
pub mod export;
pub mod gateway;
pub mod guild_onboarding;
pub mod guild_welcome;
pub mod guild_widget;
pub mod guilds;
pub mod health;
pub mod instance;
pub mod interactions;
pub mod invites;
pub mod member_search;
pub mod members;
pub mod messages;
pub mod notification_settings;
pub mod overwrites;
pub mod private_channels;
pub mod prune;
pub mod reactions;
pub mod read_states;
pub mod relationships;
pub mod roles;
pub mod search;
pub mod sessions;
pub mod thread_members;
pub mod threads;
pub mod uploads;
pub mod user_settings;
pub mod users;
pub mod voice;
pub mod webhook_messages;
pub mod webhooks;

use parley_app::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Everything served under `/api/v10`.
pub fn api_router(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router(state))
        .merge(sessions::router())
        .merge(users::router())
        .merge(export::router())
        .merge(user_settings::router())
        .merge(notification_settings::router())
        .merge(relationships::router())
        .merge(instance::router())
        .merge(admin::router())
        .merge(admin_users::router())
        .merge(admin_settings::router())
        .merge(guilds::router())
        .merge(guild_onboarding::router())
        .merge(guild_welcome::router())
        .merge(guild_widget::router())
        .merge(channels::router())
        .merge(invites::router())
        .merge(channel_admin::router())
        .merge(overwrites::router())
        .merge(roles::router())
        .merge(messages::router())
        .merge(uploads::router())
        .merge(member_search::router())
        .merge(members::router())
        .merge(reactions::router())
        .merge(read_states::router())
        .merge(threads::router())
        .merge(thread_members::router())
        .merge(archived_threads::router())
        .merge(audit_logs::router())
        .merge(webhooks::router())
        .merge(emojis::router())
        .merge(webhook_messages::router())
        .merge(search::router())
        .merge(private_channels::router())
        .merge(prune::router())
        .merge(gateway::router())
        .merge(applications::router())
        .merge(application_commands::router())
        .merge(command_permissions::router())
        .merge(interactions::router())
        .merge(voice::router())
}
