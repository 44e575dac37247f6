//! The OpenAPI document, generated from the route annotations and served at
//! `/api/v10/openapi.json`.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::models::schema;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley API",
        description = "Parley's REST API, in Discord API v10 shapes. Parley's additions (refresh \
                       tokens, device sessions, instance administration) live under the same prefix.",
        license(name = "AGPL-3.0-or-later"),
    ),
    servers((url = "/api/v10")),
    // Path parameters name these by reference; listing them here puts them in the document
    // even where no body mentions them.
    components(schemas(
        schema::Snowflake,
        schema::UserIdOrMe,
        schema::GuildIdOrMe,
        schema::Permissions,
        schema::PermissionsInput,
        schema::Emoji,
        schema::BotScope,
        schema::SearchWords,
        // Recursive option types are named, not expanded, so their parts are listed here.
        parley_app::commands::definition::CommandOption,
        parley_app::commands::definition::CommandChoice,
        parley_app::commands::definition::ChoiceValue,
        parley_app::commands::invocation::UsedOption,
        schema::CommandOptionType
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registration, login, token refresh, logout"),
        (name = "sessions", description = "Signed-in devices"),
        (name = "users", description = "The current user"),
        (name = "instance", description = "Public facts about the instance"),
        (name = "admin", description = "Instance administration"),
        (name = "guilds", description = "Communities"),
        (name = "channels", description = "Channels and their permission overwrites"),
        (name = "invites", description = "Guild invites"),
        (name = "roles", description = "Roles and the role hierarchy"),
        (name = "messages", description = "Messages in channels"),
        (name = "members", description = "Members and moderation"),
        (name = "read states", description = "What is read and unread"),
        (name = "threads", description = "Public threads"),
        (name = "audit log", description = "Who changed what"),
        (name = "voice", description = "ICE servers and TURN credentials for voice"),
        (name = "commands", description = "Applications' slash, user and message commands"),
        (name = "interactions", description = "Using commands, buttons, menus and modals; the application's answer"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}
