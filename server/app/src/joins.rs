//! A member joining a guild, by any path (an invite, registration through an invite, a bot
//! being added): the guild hears GUILD_MEMBER_ADD and the newcomer GUILD_CREATE.

use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName, Keys};

use crate::AppState;
use crate::access::unknown_guild;
use crate::error::AppResult;
use crate::objects::guild::guild_create_payload;
use crate::objects::member::member_add_event;

/// Tells the guild that `user_id` joined it (GUILD_MEMBER_ADD) and `user_id` their new guild
/// (GUILD_CREATE). Call it once the membership is stored.
pub async fn announce_join(state: &AppState, guild_id: Snowflake, user_id: Snowflake) -> AppResult<()> {
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
