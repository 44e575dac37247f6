//! Joining and leaving threads: the step the thread-members routes, starting a thread and
//! writing in one share, with what it tells whom (THREAD_MEMBERS_UPDATE to the thread's
//! viewers, THREAD_MEMBER_UPDATE to the one who joined).

use parley_core::{Snowflake, Timestamp};
use parley_store::thread_members::ThreadMemberRecord;

use crate::AppState;
use crate::error::AppResult;
use crate::objects::member::member_object;
use crate::objects::thread_member::{ThreadMemberObject, member_update_event, members_update_event};

/// Adds `user_id` to the thread `thread_id` of `guild_id` and tells; false (and nothing told)
/// if they were in it already.
pub async fn add(state: &AppState, guild_id: Snowflake, thread_id: Snowflake, user_id: Snowflake) -> AppResult<bool> {
    let Some(record) = state.store.add_thread_member(thread_id, user_id, Timestamp::now()).await? else {
        return Ok(false);
    };
    announce_added(state, guild_id, &record).await?;
    Ok(true)
}

/// Tells of `record`, a membership just stored (a thread's starter is stored with the thread).
pub async fn announce_added(state: &AppState, guild_id: Snowflake, record: &ThreadMemberRecord) -> AppResult<()> {
    let own = ThreadMemberObject::from(record);
    let mut added = ThreadMemberObject::from(record);
    // Discord's added members carry their guild member; someone who just left the guild has none.
    if let Some(member) = state.store.member(guild_id, record.user_id).await? {
        added.member = Some(member_object(state, &member).await?);
    }
    let count = state.store.thread_member_count(record.thread_id).await?;
    state.publish(members_update_event(guild_id, record.thread_id, count, vec![added], Vec::new()));
    state.publish(member_update_event(guild_id, &own));
    Ok(())
}

/// Takes `user_id` out of the thread and tells; false (and nothing told) if they were not in it.
pub async fn remove(
    state: &AppState,
    guild_id: Snowflake,
    thread_id: Snowflake,
    user_id: Snowflake,
) -> AppResult<bool> {
    if !state.store.remove_thread_member(thread_id, user_id).await? {
        return Ok(false);
    }
    let count = state.store.thread_member_count(thread_id).await?;
    state.publish(members_update_event(guild_id, thread_id, count, Vec::new(), vec![user_id]));
    Ok(true)
}
