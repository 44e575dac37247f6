//! Thread member objects in Discord's shape, and the two dispatches about them:
//! THREAD_MEMBERS_UPDATE (people added to or removed from a thread) and THREAD_MEMBER_UPDATE
//! (the recipient's own membership).

use parley_core::{Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::thread_members::ThreadMemberRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::member::MemberObject;
use super::schema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadMemberObject {
    /// The thread's id.
    #[schema(value_type = schema::Snowflake)]
    pub id: Snowflake,
    #[schema(value_type = schema::Snowflake)]
    pub user_id: Snowflake,
    /// When they last joined the thread.
    #[schema(value_type = String, format = DateTime)]
    pub join_timestamp: Timestamp,
    /// Discord's notification settings for the member: always 0 here.
    pub flags: i64,
    /// Their guild member object, when asked for with `with_member=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberObject>,
}

impl From<&ThreadMemberRecord> for ThreadMemberObject {
    fn from(record: &ThreadMemberRecord) -> Self {
        Self {
            id: record.thread_id,
            user_id: record.user_id,
            join_timestamp: record.join_timestamp,
            flags: record.flags,
            member: None,
        }
    }
}

/// An entry of THREAD_MEMBERS_UPDATE's `added_members`: the thread member with their guild
/// member and presence, as Discord sends it (Parley sends no presence here: `null`, which
/// Discord allows).
#[derive(Debug, Serialize)]
struct AddedThreadMember {
    #[serde(flatten)]
    member: ThreadMemberObject,
    presence: Option<()>,
}

/// THREAD_MEMBERS_UPDATE's body.
#[derive(Debug, Serialize)]
struct ThreadMembersDispatch {
    id: Snowflake,
    guild_id: Snowflake,
    /// Its members after the change, counted up to 50.
    member_count: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    added_members: Vec<AddedThreadMember>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    removed_member_ids: Vec<Snowflake>,
}

/// THREAD_MEMBERS_UPDATE for the thread `thread_id` of `guild_id`: to those who can see the
/// thread (fan-out asks GUILD_MEMBERS of all but the people added or removed).
pub fn members_update_event(
    guild_id: Snowflake,
    thread_id: Snowflake,
    member_count: i64,
    added: Vec<ThreadMemberObject>,
    removed: Vec<Snowflake>,
) -> Event {
    let users: Vec<Snowflake> = added.iter().map(|m| m.user_id).chain(removed.iter().copied()).collect();
    let data = ThreadMembersDispatch {
        id: thread_id,
        guild_id,
        member_count,
        added_members: added.into_iter().map(|member| AddedThreadMember { member, presence: None }).collect(),
        removed_member_ids: removed,
    };
    let keys = Keys::channel(Some(guild_id), thread_id).users(users);
    Event::new(EventName::ThreadMembersUpdate, Audience::Guild { guild_id, channel_id: Some(thread_id) }, keys, &data)
}

/// THREAD_MEMBER_UPDATE's body: the thread member with its guild.
#[derive(Debug, Serialize)]
struct ThreadMemberDispatch<'a> {
    #[serde(flatten)]
    member: &'a ThreadMemberObject,
    guild_id: Snowflake,
}

/// THREAD_MEMBER_UPDATE of `member` (theirs alone) in `guild_id`.
pub fn member_update_event(guild_id: Snowflake, member: &ThreadMemberObject) -> Event {
    let keys = Keys::channel(Some(guild_id), member.id).user(member.user_id);
    Event::new(
        EventName::ThreadMemberUpdate,
        Audience::Users(vec![member.user_id]),
        keys,
        &ThreadMemberDispatch { member, guild_id },
    )
}
