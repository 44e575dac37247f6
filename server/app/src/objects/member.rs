//! Member objects in Discord's shape, and the GUILD_MEMBER_ADD every path into a guild sends.

use axum::http::StatusCode;
use parley_core::{ErrorCode, Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::members::MemberRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::{PublicUser, schema};
use crate::AppState;
use crate::error::{AppError, AppResult};

pub fn unknown_member() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownMember, "Unknown Member")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberObject {
    pub user: PublicUser,
    pub nick: Option<String>,
    #[schema(value_type = Vec<schema::Snowflake>)]
    pub roles: Vec<Snowflake>,
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub communication_disabled_until: Option<Timestamp>,
    pub deaf: bool,
    pub mute: bool,
    pub pending: bool,
    pub flags: u64,
    /// Guild-specific avatar, banner and boosting: Parley has none, so always `null`.
    pub avatar: Option<String>,
    pub banner: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub premium_since: Option<Timestamp>,
}

/// Member objects with their users (one query).
pub async fn member_objects(state: &AppState, members: &[MemberRecord]) -> AppResult<Vec<MemberObject>> {
    let ids: Vec<Snowflake> = members.iter().map(|m| m.user_id).collect();
    let users = state.store.users_by_ids(&ids).await?;
    Ok(members
        .iter()
        .filter_map(|m| {
            let user = users.iter().find(|u| u.id == m.user_id)?;
            Some(MemberObject {
                user: PublicUser::from(user),
                nick: m.nick.clone(),
                roles: m.role_ids.clone(),
                joined_at: m.joined_at,
                communication_disabled_until: m
                    .communication_disabled_until
                    .filter(|until| *until > Timestamp::now().unix_millis())
                    .map(Timestamp::from_unix_millis),
                deaf: m.deaf,
                mute: m.mute,
                pending: false,
                flags: 0,
                avatar: None,
                banner: None,
                premium_since: None,
            })
        })
        .collect())
}

pub async fn member_object(state: &AppState, member: &MemberRecord) -> AppResult<MemberObject> {
    member_objects(state, std::slice::from_ref(member)).await?.pop().ok_or_else(unknown_member)
}

/// GUILD_MEMBER_ADD for a member who just joined: the REST member object (every field a
/// library expects, `flags` included) with `guild_id`, built the one way for every path in.
pub async fn member_add_event(state: &AppState, guild_id: Snowflake, user_id: Snowflake) -> AppResult<Event> {
    let member = state.store.member(guild_id, user_id).await?.ok_or_else(unknown_member)?;
    let data = MemberAddDispatch { member: member_object(state, &member).await?, guild_id };
    let keys = Keys::guild(guild_id).user(user_id);
    Ok(Event::new(EventName::GuildMemberAdd, Audience::Guild { guild_id, channel_id: None }, keys, &data))
}

/// GUILD_MEMBER_UPDATE's body: the whole member object with its guild, as Discord sends it.
#[derive(Debug, Serialize)]
pub struct MemberUpdateDispatch<'a> {
    pub guild_id: Snowflake,
    #[serde(flatten)]
    pub member: &'a MemberObject,
}

/// GUILD_MEMBER_ADD's body: the member object with its guild.
#[derive(Debug, Serialize)]
struct MemberAddDispatch {
    #[serde(flatten)]
    member: MemberObject,
    guild_id: Snowflake,
}

/// After a user changed their name or avatar: USER_UPDATE to their own sessions, and in every
/// guild they are in a GUILD_MEMBER_UPDATE carrying the new user, as Discord tells members
/// (so member lists and message authors show the new avatar without a reload).
pub async fn announce_profile_change(state: &AppState, user: &parley_store::users::UserRecord) -> AppResult<()> {
    state.publish(Event::new(
        EventName::UserUpdate,
        Audience::Users(vec![user.id]),
        Keys::none(),
        &super::CurrentUser::from(user),
    ));
    for guild in state.store.guilds_of_member(user.id).await? {
        // A guild left in between is simply skipped.
        let Some(member) = state.store.member(guild.id, user.id).await? else { continue };
        let object = member_object(state, &member).await?;
        state.publish(Event::new(
            EventName::GuildMemberUpdate,
            Audience::Guild { guild_id: guild.id, channel_id: None },
            Keys::guild(guild.id).user(user.id),
            &MemberUpdateDispatch { guild_id: guild.id, member: &object },
        ));
    }
    Ok(())
}
