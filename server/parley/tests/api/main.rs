//! The integration suite: the real server on port 0 against SQLite and PostgreSQL. Every
//! scenario runs twice, as `sqlite::…` and `postgres::…` (see `helpers::on_both_backends`).

mod fault_proxy;
mod gateway;
mod gateway_client;
mod helpers;

mod audit_log;
mod auth;
mod bad_input;
mod bot_libraries;
mod bot_process;
mod bots;
mod channels;
mod cli;
mod embeds;
mod guilds;
mod http;
mod invites;
mod limits;
mod members;
mod messages;
mod metrics;
mod multi_node;
mod nginx;
mod outages;
mod private_channels;
mod reactions;
mod read_states;
mod registration;
mod revocation;
mod roles;
mod search;
mod sessions;
mod telemetry;
mod thread_members;
mod threads;
mod tls;
mod tokens;
mod turn;
mod users;
mod voice;
mod voice_calls;
mod voice_moderation;
mod voice_state;
mod voice_support;
mod webhooks;
