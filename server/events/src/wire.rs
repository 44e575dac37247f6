//! The form an event takes between nodes: compact JSON with the payload carried as-is, so it
//! is parsed once on arrival and never re-serialised.
//!
//! Version 1 of the form (this one): `o` origin node, `s` the origin's number for the event,
//! `n` the dispatch name, one audience (`g` guild and channel, `u` users, `m` a channel's
//! managers), `x` an outbox row, `d` the payload. Fields are only ever added, with defaults,
//! so a node reads what an older node wrote; an event it cannot read is skipped and logged.

use std::sync::Arc;

use parley_core::Snowflake;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{Audience, Event, EventName};

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
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
    #[serde(borrow)]
    d: &'a RawValue,
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
        o: event.origin,
        n: event.name.as_str(),
        g,
        u,
        m,
        s: event.node_seq,
        x: event.outbox,
        d: &raw,
    })
    .unwrap_or_else(|_| String::from("{}"))
}

/// `None` for anything that is not an event this build knows (a newer node's, or garbage).
pub fn decode(text: &str, position: u64) -> Option<Event> {
    let wire: Wire<'_> = serde_json::from_str(text).ok()?;
    let audience = match (wire.g, wire.u, wire.m) {
        (Some((guild_id, channel_id)), None, None) => Audience::Guild { guild_id, channel_id },
        (None, Some(users), None) => Audience::Users(users),
        (None, None, Some((guild_id, channel_id))) => Audience::ChannelManagers { guild_id, channel_id },
        _ => return None,
    };
    Some(Event {
        name: EventName::parse(wire.n)?,
        audience,
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

    #[test]
    fn an_event_crosses_the_wire_unchanged() {
        let mut event = Event::new(
            EventName::MessageCreate,
            Audience::Guild { guild_id: Snowflake::new(1), channel_id: Some(Snowflake::new(2)) },
            &serde_json::json!({"content": "héllo \"there\"", "n": [1, 2]}),
        );
        event.origin = 77;
        event.node_seq = 12;
        let event = event.through_outbox(4242);
        let back = decode(&encode(&event), 9).unwrap();
        assert_eq!(
            (back.name, &back.audience, &*back.data, back.position, back.origin, back.node_seq, back.outbox),
            (event.name, &event.audience, &*event.data, 9, 77, 12, Some(4242))
        );
        let users = Event::new(EventName::MessageAck, Audience::Users(vec![Snowflake::new(5)]), &serde_json::json!({}));
        assert_eq!(decode(&encode(&users), 1).unwrap().audience, users.audience);
        let managers = Audience::ChannelManagers { guild_id: Snowflake::new(1), channel_id: Snowflake::new(2) };
        let invite = Event::new(EventName::InviteCreate, managers.clone(), &serde_json::json!({"code": "x"}));
        assert_eq!(decode(&encode(&invite), 1).unwrap().audience, managers);
        assert!(decode("{\"o\":1,\"n\":\"NOT_AN_EVENT\",\"u\":[],\"d\":null}", 1).is_none());
        assert!(decode("garbage", 1).is_none());
    }
}
