//! Voice grants: what a VOICE_SERVER_UPDATE token lets its holder do at the voice endpoint.
//!
//! The gateway issues a grant when a member joins (or moves to) a voice channel, updates its
//! media policy as they mute, unmute, or are muted by a moderator, and revokes it when they
//! leave or their session ends. The voice server redeems the token on IDENTIFY, follows the
//! policy while forwarding media, and hangs up when the grant is revoked. Keeping this
//! handshake here, in the crate both depend on, lets the gateway stay free of WebRTC and
//! the voice server free of gateway internals.
//!
//! Every node holds every grant: the node that issues, changes or revokes one publishes the
//! change ([`GrantChange`], the internal PARLEY_VOICE_GRANT event) and the others apply it, so
//! the node that carries the calls (`voice_endpoint`) redeems tokens issued anywhere. Grants are
//! keyed by scope and member, like voice states: the scope is the guild, or `states::PRIVATE`
//! for calls in DMs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use parley_core::Snowflake;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// What a participant's media may do right now; the voice server applies every change at
/// once (a muted participant's audio stops at the server, not only in their client).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MediaPolicy {
    /// SPEAK in the channel: without it, audio is never forwarded.
    pub can_speak: bool,
    /// STREAM in the channel: without it, camera and screen are never forwarded.
    pub can_video: bool,
    /// Muted by themselves or by a moderator.
    pub muted: bool,
    /// Deafened by themselves or by a moderator: receives no audio.
    pub deafened: bool,
    /// PRIORITY_SPEAKER: may set the priority bit when speaking.
    pub priority: bool,
}

impl MediaPolicy {
    pub fn forwards_audio(&self) -> bool {
        self.can_speak && !self.muted
    }
}

/// One member's right to be in one voice channel, from one gateway session.
#[derive(Debug)]
pub struct VoiceGrant {
    pub token: String,
    /// The guild, or the DM channel for calls (what the client identifies with).
    pub server_id: Snowflake,
    pub channel_id: Snowflake,
    pub user_id: Snowflake,
    /// The gateway session that holds the voice state.
    pub session_id: String,
    /// The voice endpoint the holder was given (a move keeps it).
    pub endpoint: String,
    policy: watch::Sender<MediaPolicy>,
    revoked: CancellationToken,
}

impl VoiceGrant {
    fn new(token: String, ticket: GrantTicket<'_>, policy: MediaPolicy) -> Arc<Self> {
        Arc::new(Self {
            token,
            server_id: ticket.server_id,
            channel_id: ticket.channel_id,
            user_id: ticket.user_id,
            session_id: ticket.session_id.to_owned(),
            endpoint: ticket.endpoint.to_owned(),
            policy: watch::Sender::new(policy),
            revoked: CancellationToken::new(),
        })
    }

    pub fn policy(&self) -> watch::Receiver<MediaPolicy> {
        self.policy.subscribe()
    }

    /// Fires when the member left the channel, moved, or lost their session.
    pub fn revoked(&self) -> CancellationToken {
        self.revoked.clone()
    }
}

/// The node's live grants, by token and by (server, user).
#[derive(Debug, Default)]
pub struct VoiceGrants {
    inner: Mutex<Index>,
}

#[derive(Debug, Default)]
struct Index {
    by_token: HashMap<String, Arc<VoiceGrant>>,
    by_member: HashMap<(Snowflake, Snowflake), String>,
}

impl VoiceGrants {
    fn lock(&self) -> std::sync::MutexGuard<'_, Index> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Issues a fresh grant for `user` in `channel_id`, revoking the one they held in this
    /// scope (a move is a new grant: the client reconnects with the new token).
    pub fn issue(&self, scope: Snowflake, ticket: GrantTicket<'_>, policy: MediaPolicy) -> Arc<VoiceGrant> {
        let grant = VoiceGrant::new(fresh_token(), ticket, policy);
        self.insert(scope, grant.clone());
        grant
    }

    /// Puts `grant` in place of the one its holder had in `scope`, which is revoked.
    fn insert(&self, scope: Snowflake, grant: Arc<VoiceGrant>) {
        let mut index = self.lock();
        if let Some(old) = index.by_member.insert((scope, grant.user_id), grant.token.clone())
            && let Some(old) = index.by_token.remove(&old)
        {
            old.revoked.cancel();
        }
        index.by_token.insert(grant.token.clone(), grant);
    }

    /// The grant behind a token, if it is still live.
    pub fn redeem(&self, token: &str) -> Option<Arc<VoiceGrant>> {
        self.lock().by_token.get(token).cloned()
    }

    /// The live grant of `user` in `scope`.
    pub fn of_member(&self, scope: Snowflake, user_id: Snowflake) -> Option<Arc<VoiceGrant>> {
        let index = self.lock();
        index.by_member.get(&(scope, user_id)).and_then(|t| index.by_token.get(t)).cloned()
    }

    /// Sets the media policy of `user`'s grant in `scope`, if they hold one (the voice
    /// server hears of it only if it changed).
    pub fn update_policy(&self, scope: Snowflake, user_id: Snowflake, policy: MediaPolicy) {
        if let Some(grant) = self.of_member(scope, user_id) {
            grant.policy.send_if_modified(|current| std::mem::replace(current, policy) != policy);
        }
    }

    /// Ends `user`'s grant in `scope`: their voice connection is closed.
    pub fn revoke(&self, scope: Snowflake, user_id: Snowflake) {
        let mut index = self.lock();
        if let Some(token) = index.by_member.remove(&(scope, user_id))
            && let Some(grant) = index.by_token.remove(&token)
        {
            grant.revoked.cancel();
        }
    }

    /// How many grants are live (for tests and the voice dashboard).
    pub fn len(&self) -> usize {
        self.lock().by_token.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A change to the grants, as it crosses to the other nodes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum GrantChange {
    Issue {
        scope: Snowflake,
        token: String,
        server_id: Snowflake,
        channel_id: Snowflake,
        user_id: Snowflake,
        session_id: String,
        endpoint: String,
        policy: MediaPolicy,
    },
    Policy {
        scope: Snowflake,
        user_id: Snowflake,
        policy: MediaPolicy,
    },
    Revoke {
        scope: Snowflake,
        user_id: Snowflake,
    },
}

impl GrantChange {
    /// The change that issuing `grant` in `scope` was.
    pub fn issued(scope: Snowflake, grant: &VoiceGrant) -> Self {
        Self::Issue {
            scope,
            token: grant.token.clone(),
            server_id: grant.server_id,
            channel_id: grant.channel_id,
            user_id: grant.user_id,
            session_id: grant.session_id.clone(),
            endpoint: grant.endpoint.clone(),
            policy: *grant.policy.borrow(),
        }
    }
}

impl VoiceGrants {
    /// Applies a change another node made.
    pub fn apply(&self, change: GrantChange) {
        match change {
            GrantChange::Issue { scope, token, server_id, channel_id, user_id, session_id, endpoint, policy } => {
                let ticket =
                    GrantTicket { server_id, channel_id, user_id, session_id: &session_id, endpoint: &endpoint };
                self.insert(scope, VoiceGrant::new(token, ticket, policy));
            }
            GrantChange::Policy { scope, user_id, policy } => self.update_policy(scope, user_id, policy),
            GrantChange::Revoke { scope, user_id } => self.revoke(scope, user_id),
        }
    }
}

/// Who a grant is for and where they connect.
#[derive(Clone, Copy, Debug)]
pub struct GrantTicket<'a> {
    /// The guild, or the DM channel for calls.
    pub server_id: Snowflake,
    pub channel_id: Snowflake,
    pub user_id: Snowflake,
    pub session_id: &'a str,
    pub endpoint: &'a str,
}

/// 128 random bits, hex: unguessable, and never stored anywhere but this node's memory.
fn fresh_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> Snowflake {
        Snowflake::new(n)
    }

    fn ticket(server: u64, channel: u64, user: u64) -> GrantTicket<'static> {
        GrantTicket {
            server_id: id(server),
            channel_id: id(channel),
            user_id: id(user),
            session_id: "s",
            endpoint: "h/voice",
        }
    }

    #[test]
    fn a_move_revokes_the_previous_grant_and_its_token() {
        let grants = VoiceGrants::default();
        let first = grants.issue(id(1), ticket(1, 10, 7), MediaPolicy::default());
        let second = grants.issue(id(1), ticket(1, 11, 7), MediaPolicy::default());
        assert!(first.revoked().is_cancelled());
        assert!(!second.revoked().is_cancelled());
        assert!(grants.redeem(&first.token).is_none());
        assert_eq!(grants.redeem(&second.token).map(|g| g.channel_id), Some(id(11)));
        assert_eq!(grants.len(), 1);
    }

    #[test]
    fn revoking_ends_the_grant_and_policy_changes_reach_its_holder() {
        let grants = VoiceGrants::default();
        let grant = grants.issue(id(1), ticket(1, 10, 7), MediaPolicy { can_speak: true, ..Default::default() });
        let mut policy = grant.policy();
        grants.update_policy(id(1), id(7), MediaPolicy { can_speak: true, ..Default::default() });
        assert!(!policy.has_changed().unwrap(), "an unchanged policy wakes nobody");
        grants.update_policy(id(1), id(7), MediaPolicy { can_speak: true, muted: true, ..Default::default() });
        assert!(policy.has_changed().unwrap());
        assert!(policy.borrow_and_update().muted);
        assert!(!policy.borrow().forwards_audio());
        grants.revoke(id(1), id(7));
        assert!(grant.revoked().is_cancelled());
        assert!(grants.redeem(&grant.token).is_none());
        assert!(grants.is_empty());
    }

    #[test]
    fn another_nodes_issue_policy_and_revocation_are_followed() {
        let origin = VoiceGrants::default();
        let replica = VoiceGrants::default();
        let grant = origin.issue(id(1), ticket(1, 10, 7), MediaPolicy { can_speak: true, ..Default::default() });
        let change = GrantChange::issued(id(1), &grant);
        let wire = serde_json::to_string(&change).unwrap();
        replica.apply(serde_json::from_str(&wire).unwrap());
        let copy = replica.redeem(&grant.token).expect("the token is redeemable on the replica");
        assert_eq!((copy.channel_id, copy.user_id, copy.endpoint.as_str()), (id(10), id(7), "h/voice"));
        let mut policy = copy.policy();
        let muted = MediaPolicy { can_speak: true, muted: true, ..Default::default() };
        replica.apply(GrantChange::Policy { scope: id(1), user_id: id(7), policy: muted });
        assert!(policy.borrow_and_update().muted);
        replica.apply(GrantChange::Revoke { scope: id(1), user_id: id(7) });
        assert!(copy.revoked().is_cancelled());
        assert!(replica.is_empty());
    }

    #[test]
    fn tokens_are_distinct_and_long() {
        let grants = VoiceGrants::default();
        let a = grants.issue(id(1), ticket(1, 10, 7), MediaPolicy::default());
        let b = grants.issue(id(2), ticket(2, 20, 7), MediaPolicy::default());
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 32);
    }
}
