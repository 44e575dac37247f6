//! What an event is about, typed: its guild, its channel, the users it concerns and, for a
//! deleted channel, what the channel was. Caches and fan-out read these keys and never the
//! payload's JSON, which is serialised once for the receivers and otherwise left alone.
//!
//! [`Keys::from_payload`] reads the same keys out of a payload. Only two places use it: an
//! event from a node of wire version 1 (which sent no keys), and the debug build's check
//! that every event's keys agree with the payload it carries.

use parley_core::permissions::{Overwrite, OverwriteKind};
use parley_core::{ChannelKind, Permissions, Snowflake};
use serde_json::Value;

use crate::EventName;

/// The typed keys of one event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keys {
    /// The guild it happened in (`None`: a private channel's, or not a guild's at all).
    pub guild_id: Option<Snowflake>,
    /// The channel it happened in, or the channel it is (CHANNEL_*, THREAD_*).
    pub channel_id: Option<Snowflake>,
    /// The users it concerns: the member added, changed, removed or banned; the user whose
    /// presence, voice state or reaction it is; a recipient added or removed; who is typing;
    /// a message's author and the users it mentions; who joined or left a thread.
    pub users: Vec<Snowflake>,
    /// A deleted channel, as it was: fan-out needs it to tell exactly those who could see it,
    /// and it is no longer stored anywhere.
    pub deleted_channel: Option<DeletedChannel>,
}

/// A channel that was just deleted: what judging who could see it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletedChannel {
    pub kind: ChannelKind,
    pub parent_id: Option<Snowflake>,
    pub overwrites: Vec<Overwrite>,
}

impl Keys {
    /// About nothing in particular (Parley's own signals between nodes).
    pub fn none() -> Self {
        Self::default()
    }

    /// About a guild as a whole.
    pub fn guild(guild_id: Snowflake) -> Self {
        Self { guild_id: Some(guild_id), ..Self::default() }
    }

    /// About a channel: a guild's (`Some(guild)`) or a private one (`None`).
    pub fn channel(guild_id: Option<Snowflake>, channel_id: Snowflake) -> Self {
        Self { guild_id, channel_id: Some(channel_id), ..Self::default() }
    }

    /// Also about `user`.
    #[must_use]
    pub fn user(mut self, user: Snowflake) -> Self {
        self.users.push(user);
        self
    }

    /// Also about each of `users`.
    #[must_use]
    pub fn users(mut self, users: impl IntoIterator<Item = Snowflake>) -> Self {
        self.users.extend(users);
        self
    }

    /// About a channel that is gone.
    #[must_use]
    pub fn deleted(mut self, channel: DeletedChannel) -> Self {
        self.deleted_channel = Some(channel);
        self
    }

    /// Whether `user` is among the users it concerns. For MESSAGE_CREATE and MESSAGE_UPDATE
    /// that is exactly the author and the users mentioned, and fan-out gives those bots the
    /// message's content without the MESSAGE_CONTENT intent: adding anyone else to a message's
    /// users would hand them its content (the debug build's check against
    /// [`Keys::from_payload`] refuses it).
    pub fn concerns(&self, user: Snowflake) -> bool {
        self.users.contains(&user)
    }

    /// The keys as the payload states them (see the module's note on who uses this).
    pub fn from_payload(name: EventName, data: &Value) -> Self {
        use EventName::*;
        let id = |value: &Value| value.as_str().and_then(|s| s.parse::<Snowflake>().ok());
        let is_guild = matches!(name, GuildCreate | GuildUpdate | GuildDelete);
        let is_channel =
            matches!(name, ChannelCreate | ChannelUpdate | ChannelDelete | ThreadCreate | ThreadUpdate | ThreadDelete);
        let guild_id = if is_guild { id(&data["id"]) } else { id(&data["guild_id"]) };
        let is_thread_members = matches!(name, ThreadMemberUpdate | ThreadMembersUpdate);
        let channel_id = if is_channel || is_thread_members { id(&data["id"]) } else { id(&data["channel_id"]) };
        let users = match name {
            GuildMemberAdd
            | GuildMemberUpdate
            | GuildMemberRemove
            | GuildBanAdd
            | GuildBanRemove
            | PresenceUpdate
            | ChannelRecipientAdd
            | ChannelRecipientRemove => id(&data["user"]["id"]).into_iter().collect(),
            VoiceStateUpdate | MessageReactionAdd | MessageReactionRemove | TypingStart | VoiceMove => {
                id(&data["user_id"]).into_iter().collect()
            }
            ThreadMemberUpdate => id(&data["user_id"]).into_iter().collect(),
            ThreadMembersUpdate => {
                let added = data["added_members"].as_array().into_iter().flatten().filter_map(|m| id(&m["user_id"]));
                let removed = data["removed_member_ids"].as_array().into_iter().flatten().filter_map(id);
                added.chain(removed).collect()
            }
            MessageCreate | MessageUpdate => {
                let mentions = data["mentions"].as_array().into_iter().flatten().filter_map(|u| id(&u["id"]));
                id(&data["author"]["id"]).into_iter().chain(mentions).collect()
            }
            _ => Vec::new(),
        };
        let deleted_channel = if matches!(name, ChannelDelete | ThreadDelete) {
            data["type"].as_i64().and_then(ChannelKind::from_code).map(|kind| DeletedChannel {
                kind,
                parent_id: id(&data["parent_id"]),
                overwrites: data["permission_overwrites"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| {
                        Some(Overwrite {
                            id: id(&o["id"])?,
                            kind: OverwriteKind::try_from(o["type"].as_i64()?).ok()?,
                            allow: Permissions::from_bits_truncate(o["allow"].as_str()?.parse().ok()?),
                            deny: Permissions::from_bits_truncate(o["deny"].as_str()?.parse().ok()?),
                        })
                    })
                    .collect(),
            })
        } else {
            None
        };
        Self { guild_id, channel_id, users, deleted_channel }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_payload_states_the_same_keys_a_publisher_gives() {
        let (guild, channel, author, mentioned) =
            (Snowflake::new(1), Snowflake::new(2), Snowflake::new(3), Snowflake::new(4));
        let message = json!({"id": "9", "guild_id": "1", "channel_id": "2", "author": {"id": "3"},
                             "mentions": [{"id": "4"}], "content": "hi"});
        assert_eq!(
            Keys::from_payload(EventName::MessageCreate, &message),
            Keys::channel(Some(guild), channel).user(author).user(mentioned)
        );
        assert_eq!(Keys::from_payload(EventName::GuildDelete, &json!({"id": "1"})), Keys::guild(guild));
        let deleted = json!({"id": "2", "guild_id": "1", "type": 11, "parent_id": "5",
                             "permission_overwrites": [{"id": "3", "type": 1, "allow": "1024", "deny": "0"}]});
        let keys = Keys::from_payload(EventName::ThreadDelete, &deleted);
        assert_eq!(
            keys.deleted_channel,
            Some(DeletedChannel {
                kind: ChannelKind::PublicThread,
                parent_id: Some(Snowflake::new(5)),
                overwrites: vec![Overwrite {
                    id: author,
                    kind: OverwriteKind::Member,
                    allow: Permissions::VIEW_CHANNEL,
                    deny: Permissions::NONE
                }],
            })
        );
        let members = json!({"id": "2", "guild_id": "1", "member_count": 2,
                             "added_members": [{"id": "2", "user_id": "3"}], "removed_member_ids": ["4"]});
        assert_eq!(
            Keys::from_payload(EventName::ThreadMembersUpdate, &members),
            Keys::channel(Some(guild), channel).user(author).user(mentioned),
            "a thread's members update concerns whoever came and went"
        );
        let own = json!({"id": "2", "user_id": "3", "guild_id": "1", "flags": 0});
        assert_eq!(
            Keys::from_payload(EventName::ThreadMemberUpdate, &own),
            Keys::channel(Some(guild), channel).user(author)
        );
        let dm = json!({"id": "9", "channel_id": "2", "author": {"id": "3"}, "mentions": []});
        assert_eq!(Keys::from_payload(EventName::MessageCreate, &dm), Keys::channel(None, channel).user(author));
    }
}
