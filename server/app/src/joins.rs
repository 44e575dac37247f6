//! A member joining a guild, by any path (an invite, registration through an invite, a bot
//! being added): the guild hears GUILD_MEMBER_ADD and the newcomer GUILD_CREATE; and one
//! removed (kicked, banned, pruned): GUILD_MEMBER_REMOVE, and GUILD_DELETE to them.

use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::users::UserRecord;
use serde::Serialize;

use crate::AppState;
use crate::access::unknown_guild;
use crate::error::AppResult;
use crate::objects::PublicUser;
use crate::objects::guild::guild_create_payload;
use crate::objects::member::{member_add_event, unknown_member};

/// Tells the guild that `user_id` joined it (GUILD_MEMBER_ADD) and `user_id` their new guild
/// (GUILD_CREATE). Call it once the membership is stored.
pub async fn announce_join(state: &AppState, guild_id: Snowflake, user_id: Snowflake) -> AppResult<()> {
    // Someone who takes no DMs from the members of guilds they join gets this one listed too.
    state.store.restrict_joined_guild(user_id, guild_id).await?;
    state.publish(member_add_event(state, guild_id, user_id).await?);
    let guild = state.store.guild(guild_id).await?.ok_or_else(unknown_guild)?;
    let payload = guild_create_payload(state, &guild).await?;
    state.publish(Event::new(
        EventName::GuildCreate,
        Audience::Users(vec![user_id]),
        Keys::guild(payload.guild.id),
        &payload,
    ));
    Ok(())
}

/// Tells the guild a member is gone, and the member that the guild is gone for them. Call it
/// once the removal is stored.
pub async fn announce_removal(state: &AppState, guild_id: Snowflake, user_id: Snowflake) -> AppResult<()> {
    let user = state.store.user_by_id(user_id).await?.ok_or_else(unknown_member)?;
    announce_removal_of(state, guild_id, &user);
    Ok(())
}

/// GUILD_MEMBER_REMOVE's payload, as Discord sends it.
#[derive(Debug, Serialize)]
struct MemberRemove {
    guild_id: Snowflake,
    user: PublicUser,
}

/// GUILD_DELETE's payload for a member the guild is gone for: the guild's id alone
/// (`unavailable` is left out, which is how Discord says "you were removed", not an outage).
#[derive(Debug, Serialize)]
pub struct GuildGone {
    pub id: Snowflake,
}

/// [`announce_removal`] for a user already loaded (a prune loads its members at once).
pub fn announce_removal_of(state: &AppState, guild_id: Snowflake, user: &UserRecord) {
    state.publish(Event::new(
        EventName::GuildMemberRemove,
        Audience::Guild { guild_id, channel_id: None },
        Keys::guild(guild_id).user(user.id),
        &MemberRemove { guild_id, user: PublicUser::from(user) },
    ));
    state.publish(Event::new(
        EventName::GuildDelete,
        Audience::Users(vec![user.id]),
        Keys::guild(guild_id),
        &GuildGone { id: guild_id },
    ));
}
