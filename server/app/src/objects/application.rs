//! Application objects in Discord's shape, and the flags that grant privileged intents.

use parley_core::Snowflake;
use parley_store::applications::ApplicationRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::{PublicUser, schema};
use crate::AppState;
use crate::error::AppResult;

/// Application flags that switch on privileged gateway intents (each has a "limited"
/// twin Discord gives small bots; Parley treats both alike).
pub const GATEWAY_PRESENCE: i64 = (1 << 12) | (1 << 13);
pub const GATEWAY_GUILD_MEMBERS: i64 = (1 << 14) | (1 << 15);
pub const GATEWAY_MESSAGE_CONTENT: i64 = (1 << 18) | (1 << 19);
/// An application in Discord's shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationObject {
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    pub name: String,
    pub icon: Option<String>,
    pub description: String,
    pub summary: String,
    pub bot_public: bool,
    pub bot_require_code_grant: bool,
    /// The hex of the Ed25519 public key its HTTP interactions are signed with.
    pub verify_key: String,
    /// Where its interactions are POSTed; null: over its bot's gateway connection.
    pub interactions_endpoint_url: Option<String>,
    /// Discord's application flags (GATEWAY_PRESENCE 1<<12, GATEWAY_GUILD_MEMBERS 1<<14,
    /// GATEWAY_MESSAGE_CONTENT 1<<18, and their "limited" twins).
    pub flags: i64,
    pub owner: Option<PublicUser>,
    pub team: Option<serde_json::Value>,
    /// The bot user.
    pub bot: Option<PublicUser>,
    /// `flags` as a decimal string, as Discord also sends them.
    pub flags_new: String,
    /// The guilds the bot is in.
    pub approximate_guild_count: i64,
    /// Parley has no user-installed apps: always 0.
    pub approximate_user_install_count: i64,
    pub approximate_user_authorization_count: i64,
    /// The scopes a bot can be added with here.
    pub eligible_oauth2_scopes: Vec<&'static str>,
    /// 0: Discord's INHERIT (the guild's content filter applies); Parley has no filter.
    pub explicit_content_filter: u8,
    /// No OAuth2 redirects, role connections or application type in Parley.
    pub redirect_uris: Vec<String>,
    pub role_connections_verification_url: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<u8>,
    /// Parley: the bot token, only in the answer that creates or resets it. Keep it secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

pub async fn application_object(
    state: &AppState,
    app: &ApplicationRecord,
    token: Option<String>,
) -> AppResult<ApplicationObject> {
    let users = state.store.users_by_ids(&[app.owner_id, app.id]).await?;
    let user = |id: Snowflake| users.iter().find(|u| u.id == id).map(PublicUser::from);
    Ok(ApplicationObject {
        id: app.id,
        name: app.name.clone(),
        icon: None,
        description: app.description.clone(),
        summary: String::new(),
        bot_public: app.bot_public,
        bot_require_code_grant: false,
        verify_key: crate::interactions::endpoint::verify_key(state, app.id),
        interactions_endpoint_url: app.interactions_endpoint_url.clone(),
        flags: app.flags,
        flags_new: app.flags.to_string(),
        approximate_guild_count: state.store.guilds_of_member(app.id).await?.len() as i64,
        approximate_user_install_count: 0,
        approximate_user_authorization_count: 0,
        eligible_oauth2_scopes: vec!["bot", "applications.commands"],
        explicit_content_filter: 0,
        redirect_uris: Vec::new(),
        role_connections_verification_url: None,
        kind: None,
        owner: user(app.owner_id),
        team: None,
        bot: user(app.id),
        token,
    })
}
