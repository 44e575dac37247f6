//! Voice states: who is in which voice channel, muted or deafened, with camera or screen on.
//!
//! Every node keeps the whole picture: its own sessions' states as the gateway changes
//! them, and other nodes' as their VOICE_STATE_UPDATE events arrive on the bus. So any node
//! can list a guild's voice states in GUILD_CREATE and the REST API can tell whether a
//! member is in voice (to move or disconnect them). The node whose session holds a state
//! is the only one that changes it.
//!
//! States are keyed by scope and user: the scope is the guild, or [`PRIVATE`] for calls in
//! DMs and group DMs (a person is in at most one private call at a time).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use parley_core::Snowflake;
use parley_events::Keys;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::objects::schema;

/// The scope of calls in DMs and group DMs.
pub const PRIVATE: Snowflake = Snowflake::new(0);

/// One person's voice state, as Discord's voice state object (VOICE_STATE_UPDATE's payload).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoiceState {
    /// `None` for a call in a DM or group DM.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub guild_id: Option<Snowflake>,
    /// `None` when they left.
    #[schema(value_type = Option<schema::Snowflake>)]
    pub channel_id: Option<Snowflake>,
    #[schema(value_type = schema::Snowflake)]
    pub user_id: Snowflake,
    pub session_id: String,
    /// Deafened and muted by a moderator.
    pub deaf: bool,
    pub mute: bool,
    pub self_deaf: bool,
    pub self_mute: bool,
    /// Camera on.
    pub self_video: bool,
    /// Sharing their screen.
    #[serde(default)]
    pub self_stream: bool,
    pub suppress: bool,
    /// Always `null`: Parley has no stage channels.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub request_to_speak_timestamp: Option<String>,
}

impl VoiceState {
    pub fn scope(&self) -> Snowflake {
        self.guild_id.unwrap_or(PRIVATE)
    }

    /// Its VOICE_STATE_UPDATE's keys: where it is (nowhere once they left) and whose it is.
    pub fn keys(&self) -> Keys {
        Keys { guild_id: self.guild_id, channel_id: self.channel_id, ..Keys::none() }.user(self.user_id)
    }
}

/// Every voice state this node knows of.
#[derive(Debug, Default)]
pub struct VoiceStates {
    states: Mutex<HashMap<(Snowflake, Snowflake), VoiceState>>,
}

pub type StateMap = HashMap<(Snowflake, Snowflake), VoiceState>;

impl VoiceStates {
    /// The map itself, for changes that must check and write under one lock.
    pub fn lock(&self) -> MutexGuard<'_, StateMap> {
        self.states.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A guild's voice states, for GUILD_CREATE.
    pub fn in_guild(&self, guild_id: Snowflake) -> Vec<VoiceState> {
        self.lock().values().filter(|s| s.guild_id == Some(guild_id)).cloned().collect()
    }

    /// Who is in `channel_id` now.
    pub fn in_channel(&self, channel_id: Snowflake) -> Vec<VoiceState> {
        self.lock().values().filter(|s| s.channel_id == Some(channel_id)).cloned().collect()
    }

    /// `user_id`'s state in `scope` (a guild, or [`PRIVATE`]).
    pub fn of_member(&self, scope: Snowflake, user_id: Snowflake) -> Option<VoiceState> {
        self.lock().get(&(scope, user_id)).cloned()
    }

    /// Applies a state another node announced.
    pub fn observe(&self, state: VoiceState) {
        let mut states = self.lock();
        let key = (state.scope(), state.user_id);
        if state.channel_id.is_none() {
            // Only if it is the state that ended: a later join from another session stays.
            if states.get(&key).is_some_and(|s| s.session_id == state.session_id) {
                states.remove(&key);
            }
        } else {
            states.insert(key, state);
        }
    }

    /// Takes out every state a session holds (it ended), as they were.
    pub fn take_session(&self, session_id: &str) -> Vec<VoiceState> {
        let mut states = self.lock();
        let keys: Vec<_> = states.iter().filter(|(_, s)| s.session_id == session_id).map(|(k, _)| *k).collect();
        keys.into_iter().filter_map(|k| states.remove(&k)).collect()
    }

    /// Takes out `user_id`'s state in `scope` if `session_id` still holds it.
    pub fn take(&self, scope: Snowflake, user_id: Snowflake, session_id: &str) -> Option<VoiceState> {
        let mut states = self.lock();
        if states.get(&(scope, user_id)).is_some_and(|s| s.session_id == session_id) {
            return states.remove(&(scope, user_id));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(user: u64, channel: Option<u64>, session: &str) -> VoiceState {
        VoiceState {
            guild_id: Some(Snowflake::new(1)),
            channel_id: channel.map(Snowflake::new),
            user_id: Snowflake::new(user),
            session_id: session.to_owned(),
            deaf: false,
            mute: false,
            self_deaf: false,
            self_mute: false,
            self_video: false,
            self_stream: false,
            suppress: false,
            request_to_speak_timestamp: None,
        }
    }

    #[test]
    fn another_nodes_join_and_leave_are_followed() {
        let states = VoiceStates::default();
        states.observe(state(7, Some(10), "a"));
        assert_eq!(states.in_channel(Snowflake::new(10)).len(), 1);
        states.observe(state(7, None, "a"));
        assert!(states.in_guild(Snowflake::new(1)).is_empty());
    }

    #[test]
    fn a_late_leave_from_an_old_session_does_not_end_a_newer_join() {
        let states = VoiceStates::default();
        states.observe(state(7, Some(10), "new"));
        states.observe(state(7, None, "old"));
        assert_eq!(states.of_member(Snowflake::new(1), Snowflake::new(7)).unwrap().session_id, "new");
    }

    #[test]
    fn private_calls_have_their_own_scope() {
        let mut dm = state(7, Some(99), "a");
        dm.guild_id = None;
        assert_eq!(dm.scope(), PRIVATE);
        let states = VoiceStates::default();
        states.observe(dm);
        states.observe(state(7, Some(10), "a"));
        assert!(states.of_member(PRIVATE, Snowflake::new(7)).is_some());
        assert_eq!(states.take_session("a").len(), 2);
    }
}
