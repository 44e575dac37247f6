//! Ending an account's presence: every session at once (an admin signing someone out, or
//! disabling them), and deleting the account, by its owner or an instance admin, with its
//! messages kept under "Deleted User" or deleted too.

use std::collections::BTreeMap;

use parley_core::{Snowflake, Timestamp};
use parley_events::{Audience, Event, EventName, Keys};
use parley_store::administration::AccountChange;
use parley_store::private_channels::PrivateKind;
use parley_store::sessions::RevokeReason;
use parley_store::users::UserRecord;

use crate::AppState;
use crate::auth::revocation;
use crate::error::{AppError, AppResult};
use crate::joins::announce_removal_of;
use crate::objects::message::MessageDeleteBulk;
use crate::private_channels::depart;

/// What becomes of a deleted account's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// Kept, under "Deleted User".
    Keep,
    /// Deleted with the account (their files follow with the sweeper).
    Delete,
}

/// What a deletion did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Deleted {
    /// Guilds the account left.
    pub guilds_left: usize,
    /// Messages deleted with it (0 when they were kept).
    pub messages_deleted: usize,
}

/// Ends every session of the account and closes its connections on every node (a bot's
/// too); how many sessions ended.
pub async fn end_every_session(state: &AppState, user: &UserRecord, now: Timestamp) -> AppResult<usize> {
    // No session has id 0, so "every session but 0" is every session.
    let ended =
        state.store.revoke_other_sessions(user.id, Snowflake::new(0), RevokeReason::RevokedByAdmin, now).await?;
    let count = ended.len();
    if user.bot {
        revocation::every_connection_ended(state, user.id);
    } else {
        revocation::sessions_ended(state, user.id, ended);
    }
    Ok(count)
}

/// Messages deleted per transaction (and per MESSAGE_DELETE_BULK).
const DELETE_PAGE: i64 = 100;

/// Deletes the person's account: refused (400) while they own a guild or an application,
/// which they must hand over or delete first. Their sessions end, they leave every guild
/// (each told), their messages are kept under "Deleted User" or deleted (each channel told
/// in bulk), and the row is anonymised. `by_admin`: the instance admin deleting it, who must
/// still be an enabled admin when it starts (two admins deleting each other: one wins).
pub async fn delete_account(
    state: &AppState,
    user: &UserRecord,
    content: Content,
    by_admin: Option<Snowflake>,
) -> AppResult<Deleted> {
    if user.bot {
        return Err(AppError::field(
            "user_id",
            "ACCOUNT_IS_BOT",
            "A bot is deleted with its application (DELETE /applications/{id}).",
        ));
    }
    let guilds = state.store.guilds_of_member(user.id).await?;
    let owned: Vec<&str> = guilds.iter().filter(|g| g.owner_id == user.id).map(|g| g.name.as_str()).collect();
    if !owned.is_empty() {
        return Err(AppError::field(
            "guilds",
            "ACCOUNT_OWNS_GUILDS",
            format!("Transfer or delete the guilds this account owns first: {}.", owned.join(", ")),
        ));
    }
    if !state.store.applications_of(user.id).await?.is_empty() {
        return Err(AppError::field(
            "applications",
            "ACCOUNT_OWNS_APPLICATIONS",
            "Delete the applications (bots) this account owns first.",
        ));
    }
    let now = Timestamp::now();
    if let Some(actor) = by_admin
        && state.store.change_account(actor, user.id, None, Some(Some(now))).await? == AccountChange::ActorNotAdmin
    {
        return Err(AppError::forbidden());
    }
    // First, so nothing new can start: disabled, no password, marked deleted.
    if !state.store.begin_deletion(user.id, now).await? {
        return Err(AppError::field("user_id", "ACCOUNT_DELETED", "This account was deleted already."));
    }
    end_every_session(state, user, now).await?;
    // The rest runs to its end even if the request that asked is dropped (a client gone, a
    // proxy's timeout): a deletion is never left half done.
    let (state, user) = (state.clone(), user.clone());
    tokio::spawn(async move { finish_deletion(&state, &user, content, now).await })
        .await
        .map_err(|e| AppError::internal(format!("account deletion task: {e}")))?
}

/// Everything after the account was marked and signed out: its guilds (read again, so one
/// joined meanwhile is left too), its group DMs, its messages if asked, its row.
async fn finish_deletion(state: &AppState, user: &UserRecord, content: Content, now: Timestamp) -> AppResult<Deleted> {
    let guilds = state.store.guilds_of_member(user.id).await?;
    for guild in &guilds {
        state.store.remove_member(guild.id, user.id, None).await?;
        announce_removal_of(state, guild.id, user);
    }
    // Group DMs lose the account (ownership passes on); a DM keeps its two people.
    for channel in state.store.private_channels_of(user.id).await? {
        if channel.kind == PrivateKind::GroupDm {
            depart(state, &channel, user.id).await?;
        }
    }
    let mut deleted = Deleted { guilds_left: guilds.len(), messages_deleted: 0 };
    if content == Content::Delete {
        deleted.messages_deleted = delete_messages_of(state, user.id).await?;
    }
    state.store.anonymise_user(user.id, now).await?;
    tracing::warn!(user_id = %user.id, ?content, guilds_left = deleted.guilds_left, messages_deleted = deleted.messages_deleted, "account deleted");
    Ok(deleted)
}

/// Deletes every message the person wrote, a page at a time, telling each channel's viewers.
async fn delete_messages_of(state: &AppState, author: Snowflake) -> AppResult<usize> {
    let mut total = 0;
    loop {
        let page = state.store.message_ids_written_by(author, DELETE_PAGE).await?;
        if page.is_empty() {
            return Ok(total);
        }
        let before = total;
        let mut by_channel: BTreeMap<i64, Vec<Snowflake>> = BTreeMap::new();
        for (channel, id) in &page {
            by_channel.entry(*channel).or_default().push(Snowflake::from_i64(*id));
        }
        for (channel, ids) in by_channel {
            let channel_id = Snowflake::from_i64(channel);
            let gone = state.store.delete_messages(channel_id, &ids, |_| None).await?;
            total += gone.len();
            if gone.is_empty() {
                continue;
            }
            let (audience, guild_id) = match state.store.channel(channel_id).await? {
                Some(c) => (Audience::Guild { guild_id: c.guild_id, channel_id: Some(channel_id) }, Some(c.guild_id)),
                None => match state.store.private_channel(channel_id).await? {
                    Some(dm) => (Audience::Users(dm.recipients.clone()), None),
                    None => continue,
                },
            };
            state.publish(Event::new(
                EventName::MessageDeleteBulk,
                audience,
                Keys::channel(guild_id, channel_id),
                &MessageDeleteBulk { ids: gone, channel_id, guild_id },
            ));
        }
        if total == before {
            // Nothing of the page could be deleted (gone meanwhile): never loop on it.
            return Ok(total);
        }
    }
}
