//! What private channels (DMs and group DMs) share between the REST routes: each recipient's
//! view of one, telling them of a change, a recipient joining or leaving, closing, renaming.

use axum::http::StatusCode;
use parley_core::{ErrorCode, Snowflake};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::private_channels::{Departure, PrivateChannelRecord, PrivateKind};

use crate::AppState;
use crate::access::unknown_channel;
use crate::error::{AppError, AppResult};
use crate::objects::PublicUser;
use crate::objects::private::PrivateChannelObject;

/// 404 (10013).
pub fn unknown_user() -> AppError {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::UnknownUser, "Unknown User")
}

/// 400 (50035): what only group DMs have, asked of a DM.
pub fn not_a_group() -> AppError {
    AppError::with_message(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidFormBody,
        "Only group DMs have recipients to add or remove; a DM is always its two people",
    )
}

/// Each recipient's view of `channel` (the others as `recipients`), loading their users once.
pub async fn views(
    state: &AppState,
    channel: &PrivateChannelRecord,
    viewers: &[Snowflake],
) -> AppResult<Vec<(Snowflake, PrivateChannelObject)>> {
    let users = state.store.users_by_ids(&channel.recipients).await?;
    Ok(viewers.iter().map(|v| (*v, PrivateChannelObject::for_viewer(channel, &users, *v))).collect())
}

/// Tells each of `viewers` about `channel` in their own view.
pub async fn announce(
    state: &AppState,
    name: EventName,
    channel: &PrivateChannelRecord,
    viewers: &[Snowflake],
) -> AppResult<()> {
    for (viewer, object) in views(state, channel, viewers).await? {
        state.publish(Event::new(name, Audience::Users(vec![viewer]), Keys::channel(None, channel.id), &object));
    }
    Ok(())
}

/// CHANNEL_RECIPIENT_ADD and _REMOVE's body: the group DM and who joined or left it.
#[derive(Debug, serde::Serialize)]
struct RecipientDispatch {
    channel_id: Snowflake,
    user: PublicUser,
}

/// CHANNEL_RECIPIENT_ADD or _REMOVE (`name`) of `user`, told to `to`.
pub fn recipient_event(name: EventName, channel: &PrivateChannelRecord, user: PublicUser, to: Vec<Snowflake>) -> Event {
    let keys = Keys::channel(None, channel.id).user(user.id);
    Event::new(name, Audience::Users(to), keys, &RecipientDispatch { channel_id: channel.id, user })
}

/// Leaves a group DM (or removes `user_id` from it) and tells everyone concerned.
pub async fn depart(state: &AppState, channel: &PrivateChannelRecord, user_id: Snowflake) -> AppResult<()> {
    let departure = state.store.remove_recipient(channel.id, user_id).await?;
    let user = state.store.users_by_ids(&[user_id]).await?.first().map(PublicUser::from);
    match departure {
        Departure::NotThere => return Err(unknown_user()),
        Departure::ChannelDeleted => {}
        Departure::Left { new_owner } => {
            let rest = state.store.private_channel(channel.id).await?.ok_or_else(unknown_channel)?;
            if let Some(user) = user {
                state.publish(recipient_event(EventName::ChannelRecipientRemove, &rest, user, rest.recipients.clone()));
            }
            if new_owner.is_some() {
                announce(state, EventName::ChannelUpdate, &rest, &rest.recipients).await?;
            }
        }
    }
    // The one who left sees it go, as it was.
    announce(state, EventName::ChannelDelete, channel, &[user_id]).await?;
    Ok(())
}

/// DELETE on a private channel: closes a DM (it comes back with the next message) or leaves
/// a group DM. Returns the channel as it was.
pub async fn close_or_leave(
    state: &AppState,
    channel: &PrivateChannelRecord,
    me: Snowflake,
) -> AppResult<PrivateChannelObject> {
    let (_, object) = views(state, channel, &[me]).await?.pop().ok_or_else(unknown_channel)?;
    match channel.kind {
        PrivateKind::Dm => {
            state.store.close_private_channel(channel.id, me).await?;
            announce(state, EventName::ChannelDelete, channel, &[me]).await?;
        }
        PrivateKind::GroupDm => depart(state, channel, me).await?,
    }
    Ok(object)
}

/// PATCH on a private channel: any recipient renames a group DM (an empty name clears it); a
/// DM has nothing to change.
pub async fn rename(
    state: &AppState,
    channel: &PrivateChannelRecord,
    me: Snowflake,
    name: Option<&str>,
) -> AppResult<PrivateChannelObject> {
    if channel.kind != PrivateKind::GroupDm {
        return Err(not_a_group());
    }
    // Absent: unchanged; empty: named after its people again.
    if let Some(name) = name {
        let name = Some(name.trim()).filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > 100 || n.chars().any(char::is_control)) {
            return Err(AppError::field("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."));
        }
        state.store.rename_group_dm(channel.id, name).await?;
    }
    let updated = state.store.private_channel(channel.id).await?.ok_or_else(unknown_channel)?;
    announce(state, EventName::ChannelUpdate, &updated, &updated.recipients).await?;
    let (_, object) = views(state, &updated, &[me]).await?.pop().ok_or_else(unknown_channel)?;
    Ok(object)
}
