//! Fan-out: every event on the bus reaches exactly the sessions allowed to see it. A guild
//! event goes to the guild's sessions whose member may see its channel (VIEW_CHANNEL through
//! the one permission function) and who asked for its intent; a user-addressed event (DMs,
//! a guild gained or lost) to those users' sessions. The payload is the event's shared bytes;
//! each session only adds its envelope.
//!
//! Membership changes take effect here: a GUILD_CREATE to a user subscribes their sessions
//! to the guild (each gets the guild as they may see it), a GUILD_DELETE unsubscribes them,
//! and a session whose user is no longer a member is dropped from the guild on the spot.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;

use parley_app::access::GuildAccess;
use parley_app::cache::GuildSnapshot;
use parley_app::objects::guild::ChannelObject;
use parley_core::permissions::OverwriteKind;
use parley_core::{Permissions, Snowflake};
use parley_events::{Audience, Event, EventName};
use parley_store::channels::{ChannelKind, ChannelRecord, OverwriteRecord};
use parley_store::members::MemberRecord;
use serde_json::Value;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::Gateway;
use crate::intents::Intents;
use crate::protocol::{self, CloseCode};
use crate::session::{Delivery, SEQ_SHIFT, Session};

pub(crate) async fn run(gateway: Gateway, mut events: broadcast::Receiver<Arc<Event>>) {
    loop {
        let received = tokio::select! {
            () = gateway.shutdown.cancelled() => return,
            received = events.recv() => received,
        };
        match received {
            Ok(event) => {
                // Another node's change: forget what it changed here too, before anyone
                // (these sessions, this node's REST) reads it.
                if event.origin != gateway.state.bus.node() {
                    gateway.state.cache.observe(&event);
                }
                crate::voice::observe(&gateway, &event).await;
                crate::revocation::observe(&gateway, &event).await;
                let started = std::time::Instant::now();
                fan_out(&gateway, &event, None).await;
                gateway.metrics.fanout_seconds.observe(started.elapsed().as_secs_f64());
            }
            Err(RecvError::Lagged(missed)) => {
                // Every session missed those events, and no replay buffer holds them: they
                // must start over. Raise PARLEY_EVENT_BUS_CAPACITY if this is logged.
                tracing::error!(missed, "the gateway fell behind the event bus; every session must reconnect");
                gateway.metrics.bus_lagged.inc();
                for session in gateway.hub.all() {
                    session.kick(CloseCode::UnknownError);
                    gateway.end_session(&session.id).await;
                }
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// Delivers `data`, built for this session alone (its own GUILD_CREATE).
fn deliver_own(gateway: &Gateway, session: &Session, event: &Event, data: &Arc<str>) {
    let delivery = session.deliver(event.name.as_str(), data, position_of(session, event));
    count(gateway, session, event.name, delivery);
}

/// The event's place in the shared order, or `None` for one delivered while Redis was
/// unreachable: the session numbers it as its own, and may then resume only on this node.
fn position_of(session: &Session, event: &Event) -> Option<u64> {
    if event.is_ordered() {
        Some(event.position)
    } else {
        session.only_here.store(true, std::sync::atomic::Ordering::Relaxed);
        None
    }
}

/// Delivers a dispatch this session needs because of `event` but under another name (a
/// channel it can now see, or no longer can). Numbered as the session's own.
fn deliver_derived(gateway: &Gateway, session: &Session, name: EventName, data: &Arc<str>) {
    let delivery = session.deliver(name.as_str(), data, None);
    count(gateway, session, name, delivery);
}

/// What a session is told about a channel it can no longer see: that it went.
fn gone(channel: &ChannelRecord) -> Arc<str> {
    Arc::from(
        serde_json::json!({ "id": channel.id, "guild_id": channel.guild_id, "type": channel.kind,
                            "parent_id": channel.parent().map(|p| p.to_string()) })
        .to_string(),
    )
}

/// After a change of roles or of someone's roles: tells the session about each channel it
/// can now see and did not, and each it knew and can no longer see.
fn resync(gateway: &Gateway, session: &Session, access: &GuildAccess) {
    for channel in access.channels.iter() {
        if channel.kind == ChannelKind::PublicThread && channel.archived {
            continue;
        }
        let visible = access.channel_permissions(channel).contains(Permissions::VIEW_CHANNEL);
        let known = session.knows_channel(channel.id);
        let thread = channel.kind == ChannelKind::PublicThread;
        if visible && !known {
            session.know_channel(channel.id, true);
            let object = ChannelObject::new(channel, &access.overwrites);
            let data: Arc<str> = Arc::from(serde_json::to_string(&object).unwrap_or_default());
            deliver_derived(
                gateway,
                session,
                if thread { EventName::ThreadCreate } else { EventName::ChannelCreate },
                &data,
            );
        } else if !visible && known {
            session.know_channel(channel.id, false);
            deliver_derived(
                gateway,
                session,
                if thread { EventName::ThreadDelete } else { EventName::ChannelDelete },
                &gone(channel),
            );
        }
    }
}

/// Delivers one of the event's shared payloads.
fn deliver(gateway: &Gateway, session: &Session, event: &Event, payload: &(Arc<str>, Bytes)) {
    let delivery = match position_of(session, event) {
        Some(position) => session.deliver_shared(event.name.as_str(), &payload.0, position, &payload.1),
        None => session.deliver(event.name.as_str(), &payload.0, None),
    };
    count(gateway, session, event.name, delivery);
}

fn count(gateway: &Gateway, session: &Session, event: EventName, delivery: Delivery) {
    gateway.metrics.dispatched(event).inc();
    if delivery == Delivery::Overflowed {
        gateway.metrics.overflow_closes.inc();
        tracing::info!(session_id = %session.id, "closed a gateway connection that fell behind (resumable)");
    }
}

fn wants(session: &Session, intent: Option<u64>) -> bool {
    intent.is_none_or(|bits| session.intents.has(bits))
}

/// Delivers `event` to every session allowed to see it, or, with `only`, to that session if
/// it is allowed (a session resumed from another node catching up on the log).
pub async fn fan_out(gateway: &Gateway, event: &Event, only: Option<&Arc<Session>>) {
    match &event.audience {
        Audience::Users(users) => to_users(gateway, event, users, only).await,
        Audience::Guild { guild_id, channel_id } => {
            to_guild(gateway, event, *guild_id, *channel_id, Permissions::VIEW_CHANNEL, only).await
        }
        Audience::ChannelManagers { guild_id, channel_id } => {
            let needed = Permissions::VIEW_CHANNEL | Permissions::MANAGE_CHANNELS;
            to_guild(gateway, event, *guild_id, Some(*channel_id), needed, only).await
        }
    }
}

/// The sessions to consider: `all`, or just `only` if it is among them.
fn candidates(all: Arc<Vec<Arc<Session>>>, only: Option<&Arc<Session>>) -> Arc<Vec<Arc<Session>>> {
    match only {
        None => all,
        Some(one) => Arc::new(all.iter().filter(|s| s.id == one.id).cloned().collect()),
    }
}

async fn to_users(gateway: &Gateway, event: &Event, users: &[Snowflake], only: Option<&Arc<Session>>) {
    match event.name {
        EventName::GuildCreate => {
            let Some(guild_id) = event.keys.guild_id else { return };
            for user in users {
                for session in candidates(gateway.hub.of_user(*user), only).iter() {
                    gateway.hub.join_guild(session, guild_id);
                    if !wants(session, Some(Intents::GUILDS)) {
                        continue;
                    }
                    // Each member gets the guild as they may see it, not the event's copy.
                    match crate::ready::guild_create(gateway, guild_id, session.user_id).await {
                        Ok(Some((payload, shown))) => {
                            for channel in shown {
                                session.know_channel(channel, true);
                            }
                            deliver_own(gateway, session, event, &payload)
                        }
                        Ok(None) => gateway.hub.leave_guild(session, guild_id),
                        Err(e) => tracing::warn!(error = %e, %guild_id, "could not build GUILD_CREATE"),
                    }
                }
            }
        }
        EventName::GuildDelete => {
            let Some(guild_id) = event.keys.guild_id else { return };
            let payload = Payloads::new(event).full();
            for user in users {
                for session in candidates(gateway.hub.of_user(*user), only).iter() {
                    if wants(session, Some(Intents::GUILDS)) {
                        deliver(gateway, session, event, &payload);
                    }
                    gateway.hub.leave_guild(session, guild_id);
                }
            }
        }
        _ => {
            let private = event.keys.guild_id.is_none();
            let intent = Intents::required_for(event.name, private);
            let payload = Payloads::new(event).full();
            // Discord stopped telling bots of private channels opening (API v8): serenity
            // refuses a CHANNEL_CREATE without a guild channel's name. Their messages still
            // come, with the channel's id.
            let skip_bots = private && event.name == EventName::ChannelCreate;
            for user in users {
                for session in candidates(gateway.hub.of_user(*user), only).iter() {
                    if skip_bots && session.bot {
                        continue;
                    }
                    if wants(session, intent) {
                        deliver(gateway, session, event, &payload);
                    }
                }
            }
        }
    }
}

/// The channel an event is about: from the guild's snapshot, or, for a channel deleted a
/// moment ago, rebuilt from the event's keys (its type, parent and overwrites), so exactly
/// those who could see it hear that it went.
fn channel_of(
    snapshot: &GuildSnapshot,
    channel_id: Snowflake,
    event: &Event,
) -> Option<(ChannelRecord, Vec<OverwriteRecord>)> {
    if let Some(channel) = snapshot.channels.iter().find(|c| c.id == channel_id) {
        return Some((channel.clone(), Vec::new()));
    }
    let deleted = event.keys.deleted_channel.as_ref()?;
    let overwrites = deleted
        .overwrites
        .iter()
        .map(|o| OverwriteRecord {
            channel_id,
            target_id: o.id,
            kind: o.kind,
            allow_bits: o.allow.bits() as i64,
            deny_bits: o.deny.bits() as i64,
        })
        .collect();
    let channel = ChannelRecord {
        id: channel_id,
        guild_id: snapshot.guild.id,
        kind: deleted.kind,
        name: String::new(),
        position: 0,
        parent_id: deleted.parent_id.map(Snowflake::as_i64),
        topic: None,
        nsfw: false,
        rate_limit_per_user: 0,
        bitrate: None,
        user_limit: None,
        archived: false,
        owner_id: None,
        created_at: parley_core::Timestamp::from_unix_millis(0),
        auto_archive_duration: None,
        archive_timestamp: None,
        locked: false,
    };
    Some((channel, overwrites))
}

/// `needed`: what a member must hold in the event's channel to receive it (at least
/// VIEW_CHANNEL).
async fn to_guild(
    gateway: &Gateway,
    event: &Event,
    guild_id: Snowflake,
    channel_id: Option<Snowflake>,
    needed: Permissions,
    only: Option<&Arc<Session>>,
) {
    let sessions = candidates(gateway.hub.in_guild(guild_id), only);
    if sessions.is_empty() {
        return;
    }
    let state = &gateway.state;
    let snapshot = match state.cache.guild(&state.store, guild_id).await {
        Ok(Some(snapshot)) => snapshot,
        // The guild is gone: its members hear of it through GUILD_DELETE, addressed to them.
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, %guild_id, event = event.name.as_str(), "fan-out could not load the guild");
            return;
        }
    };
    let channel = match channel_id {
        Some(channel_id) => match channel_of(&snapshot, channel_id, event) {
            Some(found) => Some(found),
            None => return,
        },
        None => None,
    };
    // A deleted channel's overwrites are no longer in the snapshot: judge it by a copy that
    // has them back.
    let snapshot = match &channel {
        Some((channel, overwrites))
            if !overwrites.is_empty() || !snapshot.channels.iter().any(|c| c.id == channel.id) =>
        {
            Arc::new(GuildSnapshot {
                guild: snapshot.guild.clone(),
                roles: snapshot.roles.clone(),
                channels: snapshot.channels.iter().cloned().chain(std::iter::once(channel.clone())).collect(),
                overwrites: snapshot.overwrites.iter().copied().chain(overwrites.iter().copied()).collect(),
            })
        }
        _ => snapshot,
    };
    let intent = Intents::required_for(event.name, false);
    let mut payloads = Payloads::new(event);
    // Nobody is told their own presence.
    let subject = (event.name == EventName::PresenceUpdate).then(|| event.keys.users.first().copied()).flatten();
    // Members with the same roles and no overwrite of their own see the same channels, so
    // each role set is judged once per event.
    let personal = channel.as_ref().map(|(c, _)| personal_overwrites(&snapshot, c)).unwrap_or_default();
    let mut verdicts: HashMap<Vec<Snowflake>, bool> = HashMap::new();
    // Whose view of the channels this event may change: everyone's (roles), or one member's.
    let resync_for: Option<Option<Snowflake>> = match event.name {
        EventName::GuildRoleUpdate | EventName::GuildRoleDelete => Some(None),
        EventName::GuildMemberUpdate => event.keys.users.first().copied().map(Some),
        _ => None,
    };
    // Channel changes are tracked per session: a channel that became visible arrives as
    // CHANNEL_CREATE, one that became hidden as CHANNEL_DELETE.
    let tracked = matches!(
        event.name,
        EventName::ChannelCreate | EventName::ChannelUpdate | EventName::ThreadCreate | EventName::ThreadUpdate
    );
    for session in sessions.iter() {
        if let Some(whom) = resync_for
            && whom.is_none_or(|user| user == session.user_id)
            && wants(session, Some(Intents::GUILDS))
            && let Ok(Some(member)) = state.cache.member(&state.store, guild_id, session.user_id).await
        {
            resync(gateway, session, &GuildAccess::with_member(snapshot.clone(), member));
        }
        // Those added to or removed from a thread hear of it without GUILD_MEMBERS.
        let own_thread_membership =
            event.name == EventName::ThreadMembersUpdate && event.keys.concerns(session.user_id);
        let intent = if own_thread_membership { Some(Intents::GUILDS) } else { intent };
        if !wants(session, intent) || subject == Some(session.user_id) {
            continue;
        }
        let member = match state.cache.member(&state.store, guild_id, session.user_id).await {
            Ok(Some(member)) => member,
            Ok(None) => {
                // No longer a member (kicked, banned, left): nothing more from this guild.
                gateway.hub.leave_guild(session, guild_id);
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "fan-out could not load a member");
                continue;
            }
        };
        if let Some((channel, _)) = &channel {
            let judge = |member: Arc<MemberRecord>| {
                GuildAccess::with_member(snapshot.clone(), member).channel_permissions(channel).contains(needed)
            };
            let visible = if member.user_id == snapshot.guild.owner_id || personal.contains(&member.user_id) {
                judge(member.clone())
            } else if let Some(verdict) = verdicts.get(member.role_ids.as_slice()) {
                *verdict
            } else {
                let verdict = judge(member.clone());
                verdicts.insert(member.role_ids.clone(), verdict);
                verdict
            };
            if !visible {
                if tracked && session.know_channel(channel.id, false) {
                    let name = if channel.kind == ChannelKind::PublicThread {
                        EventName::ThreadDelete
                    } else {
                        EventName::ChannelDelete
                    };
                    deliver_derived(gateway, session, name, &gone(channel));
                }
                continue;
            }
            if tracked && !session.know_channel(channel.id, true) && event.name == EventName::ChannelUpdate {
                // New to this session (an overwrite now lets it see the channel).
                deliver_derived(gateway, session, EventName::ChannelCreate, &event.data);
                continue;
            }
            if matches!(event.name, EventName::ChannelDelete | EventName::ThreadDelete) {
                session.know_channel(channel.id, false);
            }
        }
        let payload = payloads.for_session(session);
        deliver(gateway, session, event, &payload);
    }
}

/// The members with an overwrite of their own where `channel`'s permissions are decided
/// (the channel, or a thread's parent, and its category).
fn personal_overwrites(snapshot: &GuildSnapshot, channel: &ChannelRecord) -> HashSet<Snowflake> {
    let scoped = if channel.kind == ChannelKind::PublicThread {
        channel.parent().and_then(|p| snapshot.channels.iter().find(|c| c.id == p)).unwrap_or(channel)
    } else {
        channel
    };
    let category = scoped.parent();
    snapshot
        .overwrites
        .iter()
        .filter(|o| o.kind == OverwriteKind::Member && (o.channel_id == scoped.id || Some(o.channel_id) == category))
        .map(|o| o.target_id)
        .collect()
}

/// The bytes an event goes out as, each built at most once: the payload and its frame (for
/// the sequence number most sessions use), and, under Discord's MESSAGE_CONTENT rule, a
/// copy with `content`, `embeds`, `attachments`, `components` and `poll` emptied for bots
/// without that intent, except for their own messages and those that mention them.
struct Payloads<'a> {
    event: &'a Event,
    applies: bool,
    full: Option<(Arc<str>, Bytes)>,
    withheld: Option<(Arc<str>, Bytes)>,
}

impl<'a> Payloads<'a> {
    fn new(event: &'a Event) -> Self {
        let applies = matches!(event.name, EventName::MessageCreate | EventName::MessageUpdate);
        Self { event, applies, full: None, withheld: None }
    }

    fn frame(event: &Event, data: &Arc<str>) -> Bytes {
        Bytes::from(protocol::dispatch(event.position << SEQ_SHIFT, event.name.as_str(), data))
    }

    fn full(&mut self) -> (Arc<str>, Bytes) {
        let event = self.event;
        self.full.get_or_insert_with(|| (event.data.clone(), Self::frame(event, &event.data))).clone()
    }

    fn for_session(&mut self, session: &Session) -> (Arc<str>, Bytes) {
        if !self.applies || !session.intents.withholds_content(session.bot) {
            return self.full();
        }
        // Their own messages and those that mention them: the keys name exactly those users.
        if self.event.keys.concerns(session.user_id) {
            return self.full();
        }
        let event = self.event;
        self.withheld
            .get_or_insert_with(|| {
                // The one place fan-out reads a payload: a copy without the content, built once
                // per message and only when a bot without the intent is listening.
                let mut redacted = event.json();
                if let Some(object) = redacted.as_object_mut() {
                    object.insert("content".into(), Value::String(String::new()));
                    for list in ["embeds", "attachments", "components"] {
                        object.insert(list.into(), Value::Array(Vec::new()));
                    }
                    object.remove("poll");
                }
                let data: Arc<str> = Arc::from(redacted.to_string());
                let frame = Self::frame(event, &data);
                (data, frame)
            })
            .clone()
    }
}
