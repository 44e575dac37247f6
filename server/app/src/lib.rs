//! Parley's application layer: what REST (`parley-api`), the gateway (`parley-gateway`) and
//! the voice server (`parley-voice`) share, so that none of them imports another.
//!
//! - [`config`]: the application's settings ([`AppConfig`]).
//! - [`state`]: the live state every route and connection shares ([`AppState`]).
//! - [`error`]: the application's one error type and its JSON form.
//! - [`objects`]: the API's objects in Discord's shapes (user, guild, channel, member,
//!   message, read state, application).
//! - [`cache`]: guilds and members in memory, invalidated by the events that change them.
//! - [`accounts`]: ending every session of an account, and deleting an account.
//! - [`access`]: what a member may do in a guild, through the permission function.
//! - [`channel_access`]: what a user may do in any channel, guild or private (DMs).
//! - [`channels`]: changing guild channels: the body of `PATCH /channels/{id}`, threads' rules.
//! - [`private_channels`]: DMs and group DMs: recipients' views, joining, leaving, renaming.
//! - [`message_drafts`]: a message as asked for, checked: content, flags, mentions.
//! - [`notifications`]: notification settings per guild and channel (Discord's user guild settings).
//! - [`relationships`]: blocking, DM privacy, and who may message whom in a DM.
//! - [`joins`]: a member joining a guild: what the guild and the newcomer are told.
//! - [`member_search`]: members whose username or nickname starts with a query.
//! - [`online`]: who is online, for guilds' approximate presence counts.
//! - [`public_widget`]: who a guild's public widget shows online, briefly remembered.
//! - [`audit`]: audit log entries and the reason header.
//! - [`auth`]: passwords, access, refresh and bot tokens, who a credential names, revocation.
//! - [`limits`]: sign-in limits per address and account; REST and IDENTIFY limits.
//! - [`applications`]: making an application with its bot user.
//! - [`commands`]: application commands: definitions, objects, checking a use of one.
//! - [`interactions`]: using commands, components and modals; the application's answers.
//! - [`instance_invites`]: the limits of instance invites.
//! - [`instance_settings`]: registration and guild creation as an admin set them live.
//! - [`files`]: uploaded files: signed download URLs.
//! - [`voice`]: voice grants, voice states, TURN credentials, voice moderation.
//! - [`outbox`]: events kept with their change until the shared event log has them.
//! - [`metrics`]: the process's Prometheus registry and the collectors every layer shares.
//! - [`trace_context`]: W3C trace context for spans that do not start from a request.
//! - [`text`]: rules every stored text follows.
//! - [`patch`]: PATCH bodies: a field left out versus one set to `null`.

pub mod access;
pub mod accounts;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod channel_access;
pub mod channels;
pub mod commands;
pub mod config;
pub mod error;
pub mod files;
pub mod instance_invites;
pub mod instance_settings;
pub mod interactions;
pub mod joins;
pub mod limits;
pub mod member_search;
pub mod message_drafts;
pub mod metrics;
pub mod notifications;
pub mod objects;
pub mod online;
pub mod outbox;
pub mod patch;
pub mod private_channels;
pub mod public_widget;
pub mod relationships;
pub mod state;
pub mod text;
pub mod trace_context;
pub mod voice;

pub use config::{AppConfig, GuildCreation, RegistrationMode};
pub use error::{AppError, AppResult};
pub use state::AppState;
