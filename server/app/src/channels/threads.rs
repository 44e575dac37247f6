//! Public threads' own rules: how long one waits before archiving itself, and changing one
//! (`PATCH /channels/{channel_id}` on a thread: rename, archive, lock). Their permissions are
//! the parent channel's (see `docs/permissions.md`).

use parley_core::{FieldErrors, Permissions, Snowflake, Timestamp};
use parley_events::EventName;
use parley_store::channels::{ChannelRecord, ThreadPatch};

use super::modify::ModifyChannelRequest;
use crate::AppState;
use crate::access::{GuildAccess, require, unknown_channel};
use crate::audit::{self, AuditAction, AuditReason};
use crate::error::AppResult;
use crate::objects::guild::ChannelObject;

/// Discord's choices for auto-archiving, in minutes.
pub const ARCHIVE_DURATIONS: [i64; 4] = [60, 1440, 4320, 10080];

/// `PATCH /channels/{id}` on a thread: its owner or MANAGE_THREADS may rename, archive and
/// unarchive it (a locked thread: MANAGE_THREADS only); locking needs MANAGE_THREADS.
pub async fn modify_thread(
    state: &AppState,
    user_id: Snowflake,
    reason: &AuditReason,
    access: &GuildAccess,
    thread: &ChannelRecord,
    permissions: Permissions,
    body: &ModifyChannelRequest,
) -> AppResult<ChannelObject> {
    // Its owner may change an unlocked thread, all but its lock; anything else needs MANAGE_THREADS.
    let owner_may = thread.owner_id == Some(user_id.as_i64()) && !thread.locked && body.locked.is_none();
    if !owner_may {
        require(permissions, Permissions::MANAGE_THREADS)?;
    }
    let mut errors = FieldErrors::new();
    let name = body.name.as_deref().map(str::trim).map(str::to_owned);
    if name.as_deref().is_some_and(|n| !(1..=100).contains(&n.chars().count())) {
        errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
    }
    // The archive duration's choices were checked with the request's other bounds.
    errors.into_result()?;
    let patch = ThreadPatch {
        name,
        archived: body.archived,
        locked: body.locked,
        auto_archive_duration: body.auto_archive_duration,
    };
    let now = Timestamp::now();
    let entry = audit::entry(
        state,
        access.guild.id,
        user_id,
        AuditAction::ThreadUpdate,
        Some(thread.id),
        audit::diff(
            &ChannelObject::new(thread, &access.overwrites),
            &ChannelObject::new(&patch.applied_to(thread, now), &access.overwrites),
            &["name", "thread_metadata"],
        ),
        reason,
    );
    let updated = state.store.update_thread(thread.id, &patch, now, Some(&entry)).await?.ok_or_else(unknown_channel)?;
    let activity = state.store.channel_activity(updated.id).await?;
    let object = ChannelObject::new(&updated, &access.overwrites).with_activity(Some(&activity));
    state.publish(object.event(EventName::ThreadUpdate));
    Ok(object)
}
