//! The API's routes, one module per resource. Each `router()` returns an `OpenApiRouter`,
//! so a route cannot be served without also appearing in the OpenAPI document.

pub mod admin;
pub mod applications;
pub mod audit_logs;
pub mod auth;
pub mod channel_admin;
pub mod channels;
pub mod gateway;
pub mod guilds;
pub mod health;
pub mod instance;
pub mod invites;
pub mod members;
pub mod messages;
pub mod overwrites;
pub mod private_channels;
pub mod reactions;
pub mod read_states;
pub mod roles;
pub mod search;
pub mod sessions;
pub mod threads;
pub mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Everything served under `/api/v10`.
pub fn api_router(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router(state))
        .merge(sessions::router())
        .merge(users::router())
        .merge(instance::router())
        .merge(admin::router())
        .merge(guilds::router())
        .merge(channels::router())
        .merge(invites::router())
        .merge(channel_admin::router())
        .merge(overwrites::router())
        .merge(roles::router())
        .merge(messages::router())
        .merge(members::router())
        .merge(reactions::router())
        .merge(read_states::router())
        .merge(threads::router())
        .merge(audit_logs::router())
        .merge(search::router())
        .merge(private_channels::router())
        .merge(gateway::router())
        .merge(applications::router())
        .merge(crate::voice::routes::router())
}
