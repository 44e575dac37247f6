//! Blocking and DM privacy: the relationship object (Discord's, type 2 only), the DM
//! settings object (`restricted_guilds`, `default_guilds_restricted`), and the one rule that
//! says whether one person may message another in a DM.
//!
//! Who may message whom in a DM: people who share a guild whose members the recipient takes
//! DMs from, when neither blocks the other. A block is never revealed to the blocked person:
//! they get the same 50007 as for someone they share no guild with.

use axum::http::StatusCode;
use parley_core::{ErrorCode, Snowflake};
use parley_store::relationships::{DmPrivacy, DmReach, Relationship};
use parley_store::users::UserRecord;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::objects::{PublicUser, schema};

/// The most relationships (blocks) one person may hold, as Discord's friend limit.
pub const MAX_RELATIONSHIPS: i64 = 1000;

/// Someone the person has a relationship with (in Parley: someone they block).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RelationshipObject {
    /// The other person's id.
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    /// Discord's relationship type: always 2 (blocked) in Parley.
    #[serde(rename = "type")]
    pub kind: i16,
    /// Always null (Parley has no friend nicknames).
    pub nickname: Option<String>,
    pub user: PublicUser,
    #[schema(value_type = String, format = DateTime)]
    pub since: String,
}

impl RelationshipObject {
    pub fn new(relationship: &Relationship, user: &UserRecord) -> Self {
        Self {
            id: relationship.other_id,
            kind: relationship.kind,
            nickname: None,
            user: PublicUser::from(user),
            since: relationship.since.to_iso8601(),
        }
    }
}

/// RELATIONSHIP_REMOVE's body: whom the relationship was with, and its type.
#[derive(Clone, Debug, Serialize)]
pub struct RelationshipRemoved {
    pub id: Snowflake,
    #[serde(rename = "type")]
    pub kind: i16,
}

/// The person's settings that others' actions depend on: whose guild members may DM them
/// (the fields of Discord's user settings that Parley keeps).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserSettingsObject {
    /// Guilds whose members may not start a DM with me.
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub restricted_guilds: Vec<Snowflake>,
    /// Guilds I join are added to `restricted_guilds`.
    pub default_guilds_restricted: bool,
}

impl From<DmPrivacy> for UserSettingsObject {
    fn from(p: DmPrivacy) -> Self {
        Self { restricted_guilds: p.restricted_guilds, default_guilds_restricted: p.default_guilds_restricted }
    }
}

/// The person's relationships with the other users, for REST and READY.
pub async fn relationships_of(state: &AppState, user_id: Snowflake) -> AppResult<Vec<RelationshipObject>> {
    let relationships = state.store.relationships_of(user_id).await?;
    let ids: Vec<Snowflake> = relationships.iter().map(|r| r.other_id).collect();
    let users = state.store.users_by_ids(&ids).await?;
    Ok(relationships
        .iter()
        .filter_map(|r| users.iter().find(|u| u.id == r.other_id).map(|u| RelationshipObject::new(r, u)))
        .collect())
}

fn cannot_message(message: &str) -> AppError {
    AppError::with_message(StatusCode::FORBIDDEN, ErrorCode::CannotMessageUser, message)
}

/// 403 (50007) unless `sender` may message `recipient` in a DM (see the module's rule).
pub async fn require_dm_reach(state: &AppState, sender: Snowflake, recipient: Snowflake) -> AppResult<()> {
    match state.store.dm_reach(sender, recipient).await? {
        DmReach::Open => Ok(()),
        DmReach::NoSharedGuild => {
            Err(cannot_message("Cannot send messages to this user: you share no guild with them"))
        }
        // The same words whichever side blocks or restricts: a block is not told to the
        // blocked, and who restricts what is the recipient's business.
        DmReach::Blocked | DmReach::Restricted => Err(cannot_message("Cannot send messages to this user")),
    }
}
