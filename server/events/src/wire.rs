//! The form an event takes between nodes: compact JSON with the payload carried as-is, so it
//! is parsed once on arrival and never re-serialised.
//!
//! Fields: `v` the form's version, `o` origin node, `s` the origin's number for the event,
//! `n` the dispatch name, one audience (`g` guild and channel, `u` users, `m` a channel's
//! managers), `x` an outbox row, `k` the event's typed keys, `d` the payload.
//!
//! Versions: 1 had no `v` and no `k`; an event of version 1 has its keys read from its
//! payload on arrival (once, here), so a node reads what an older node wrote during a rolling
//! upgrade. Version 2 (this one) adds `v` and `k`, which version 1 readers ignore. Fields are
//! otherwise only ever added, with defaults; the version goes up only when an older reader
//! would misread an event, and a reader skips (and logs) a version newer than it knows.

use std::sync::Arc;

use parley_core::permissions::{Overwrite, OverwriteKind};
use parley_core::{ChannelKind, Permissions, Snowflake};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{Audience, DeletedChannel, Event, EventName, Keys};

/// The version this build writes, and the newest it reads.
pub const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    /// The form's version (absent: 1).
    #[serde(default = "version_one")]
    v: u32,
    /// Origin node.
    o: u64,
    /// Dispatch name.
    n: &'a str,
    /// Guild audience: guild and optional channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    g: Option<(Snowflake, Option<Snowflake>)>,
    /// User audience.
    #[serde(skip_serializing_if = "Option::is_none")]
    u: Option<Vec<Snowflake>>,
    /// Channel managers' audience: guild and channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<(Snowflake, Snowflake)>,
    /// The origin node's own number for it (0 from versions that did not number events).
    #[serde(default)]
    s: u64,
    /// Its outbox row, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x: Option<u64>,
    /// Its keys (version 2 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<WireKeys>,
    #[serde(borrow)]
    d: &'a RawValue,
}

fn version_one() -> u32 {
    1
}

/// An overwrite between nodes: target, type, allow bits, deny bits.
type WireOverwrite = (Snowflake, i64, u64, u64);
/// A deleted channel between nodes: type, parent, overwrites.
type WireDeletedChannel = (i64, Option<Snowflake>, Vec<WireOverwrite>);

/// [`Keys`] between nodes: `g` guild, `c` channel, `u` users, `dc` a deleted channel as its
/// type, parent and overwrites (target, type, allow bits, deny bits).
#[derive(Serialize, Deserialize)]
struct WireKeys {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    g: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    u: Vec<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dc: Option<WireDeletedChannel>,
}

impl WireKeys {
    fn new(keys: &Keys) -> Self {
        Self {
            g: keys.guild_id,
            c: keys.channel_id,
            u: keys.users.clone(),
            dc: keys.deleted_channel.as_ref().map(|channel| {
                let overwrites =
                    channel.overwrites.iter().map(|o| (o.id, o.kind.code(), o.allow.bits(), o.deny.bits())).collect();
                (channel.kind.code(), channel.parent_id, overwrites)
            }),
        }
    }

    /// `None` if any part is not something this build knows.
    fn keys(self) -> Option<Keys> {
        let deleted_channel = match self.dc {
            None => None,
            Some((kind, parent_id, overwrites)) => Some(DeletedChannel {
                kind: ChannelKind::try_from(kind).ok()?,
                parent_id,
                overwrites: overwrites
                    .into_iter()
                    .map(|(id, kind, allow, deny)| {
                        Some(Overwrite {
                            id,
                            kind: OverwriteKind::try_from(kind).ok()?,
                            allow: Permissions::from_bits_truncate(allow),
                            deny: Permissions::from_bits_truncate(deny),
                        })
                    })
                    .collect::<Option<_>>()?,
            }),
        };
        Some(Keys { guild_id: self.g, channel_id: self.c, users: self.u, deleted_channel })
    }
}

pub fn encode(event: &Event) -> String {
    let (g, u, m) = match &event.audience {
        Audience::Guild { guild_id, channel_id } => (Some((*guild_id, *channel_id)), None, None),
        Audience::Users(users) => (None, Some(users.clone()), None),
        Audience::ChannelManagers { guild_id, channel_id } => (None, None, Some((*guild_id, *channel_id))),
    };
    let raw = RawValue::from_string(event.data.to_string()).unwrap_or_else(|_| {
        // Payloads are built by serde_json; this cannot fail, but never panic on the bus.
        RawValue::from_string("null".into()).expect("null is JSON")
    });
    serde_json::to_string(&Wire {
        v: VERSION,
        o: event.origin,
        n: event.name.as_str(),
        g,
        u,
        m,
        s: event.node_seq,
        x: event.outbox,
        k: Some(WireKeys::new(&event.keys)),
        d: &raw,
    })
    .unwrap_or_else(|_| String::from("{}"))
}

/// `None` for anything that is not an event this build knows (a newer version's, an unknown
/// name, or garbage).
pub fn decode(text: &str, position: u64) -> Option<Event> {
    let wire: Wire<'_> = serde_json::from_str(text).ok()?;
    if wire.v > VERSION {
        return None;
    }
    let audience = match (wire.g, wire.u, wire.m) {
        (Some((guild_id, channel_id)), None, None) => Audience::Guild { guild_id, channel_id },
        (None, Some(users), None) => Audience::Users(users),
        (None, None, Some((guild_id, channel_id))) => Audience::ChannelManagers { guild_id, channel_id },
        _ => return None,
    };
    let name = EventName::parse(wire.n)?;
    let keys = match wire.k {
        Some(keys) => keys.keys()?,
        // Version 1: read once, here, from the payload.
        None => Keys::from_payload(name, &serde_json::from_str(wire.d.get()).ok()?),
    };
    Some(Event {
        name,
        audience,
        keys,
        data: Arc::from(wire.d.get()),
        position,
        origin: wire.o,
        node_seq: wire.s,
        outbox: wire.x,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deleted_thread() -> Event {
        let overwrite = Overwrite {
            id: Snowflake::new(8),
            kind: OverwriteKind::Member,
            allow: Permissions::VIEW_CHANNEL,
            deny: Permissions::SEND_MESSAGES,
        };
        let keys = Keys::channel(Some(Snowflake::new(1)), Snowflake::new(2)).deleted(DeletedChannel {
            kind: ChannelKind::PublicThread,
            parent_id: Some(Snowflake::new(3)),
            overwrites: vec![overwrite],
        });
        Event::new(
            EventName::ThreadDelete,
            Audience::Guild { guild_id: Snowflake::new(1), channel_id: Some(Snowflake::new(2)) },
            keys,
            &serde_json::json!({"id": "2", "guild_id": "1", "type": 11, "parent_id": "3"}),
        )
    }

    #[test]
    fn an_event_written_by_this_version_is_read_back_identically() {
        let mut event = Event::new(
            EventName::MessageCreate,
            Audience::Guild { guild_id: Snowflake::new(1), channel_id: Some(Snowflake::new(2)) },
            Keys::channel(Some(Snowflake::new(1)), Snowflake::new(2)).user(Snowflake::new(6)).user(Snowflake::new(7)),
            &serde_json::json!({"content": "héllo \"there\"", "n": [1, 2]}),
        );
        event.origin = 77;
        event.node_seq = 12;
        let event = event.through_outbox(4242);
        let back = decode(&encode(&event), 9).unwrap();
        assert_eq!(
            (
                back.name,
                &back.audience,
                &back.keys,
                &*back.data,
                back.position,
                back.origin,
                back.node_seq,
                back.outbox
            ),
            (event.name, &event.audience, &event.keys, &*event.data, 9, 77, 12, Some(4242))
        );
        let thread = deleted_thread();
        assert_eq!(decode(&encode(&thread), 1).unwrap().keys, thread.keys);
        let users = Event::new(
            EventName::MessageAck,
            Audience::Users(vec![Snowflake::new(5)]),
            Keys::none(),
            &serde_json::json!({}),
        );
        let back = decode(&encode(&users), 1).unwrap();
        assert_eq!((&back.audience, &back.keys), (&users.audience, &users.keys));
        let managers = Audience::ChannelManagers { guild_id: Snowflake::new(1), channel_id: Snowflake::new(2) };
        let invite = Event::new(
            EventName::InviteCreate,
            managers.clone(),
            Keys::channel(Some(Snowflake::new(1)), Snowflake::new(2)),
            &serde_json::json!({"code": "x", "guild_id": "1", "channel_id": "2"}),
        );
        assert_eq!(decode(&encode(&invite), 1).unwrap().audience, managers);
    }

    #[test]
    fn an_event_from_a_version_one_node_gets_its_keys_from_its_payload() {
        // What a node of the previous release wrote for a member's update.
        let old = r#"{"o":3,"n":"GUILD_MEMBER_UPDATE","g":["10",null],"s":4,"d":{"guild_id":"10","user":{"id":"20"},"roles":[]}}"#;
        let event = decode(old, 5).unwrap();
        assert_eq!(event.keys, Keys::guild(Snowflake::new(10)).user(Snowflake::new(20)));
        assert_eq!((event.origin, event.node_seq, event.position), (3, 4, 5));
    }

    #[test]
    fn what_this_build_cannot_read_is_skipped() {
        let newer = r#"{"v":3,"o":1,"n":"GUILD_UPDATE","g":["1",null],"k":{},"d":{}}"#;
        assert!(decode(newer, 1).is_none(), "a newer version is not guessed at");
        assert!(decode(r#"{"o":1,"n":"NOT_AN_EVENT","u":[],"d":null}"#, 1).is_none());
        let bad_kind = r#"{"v":2,"o":1,"n":"CHANNEL_DELETE","g":["1","2"],"k":{"dc":[99,null,[]]},"d":{}}"#;
        assert!(decode(bad_kind, 1).is_none(), "an unknown channel type is not read as another");
        assert!(decode("garbage", 1).is_none());
    }
}
