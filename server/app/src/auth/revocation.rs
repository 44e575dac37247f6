//! Ended sign-ins reach every open connection. REST checks a session on every request, but
//! gateway and voice connections were authenticated once, when they opened; so every
//! revocation (logout, a session ended from the list, a password change, a reused refresh
//! token, a device signed in again, a reset bot token) is announced on the bus as the
//! internal PARLEY_SESSIONS_REVOKED event. Every node's gateway closes the matching
//! connections with 4004, forgets their sessions (so RESUME is refused) and hangs up their
//! calls (their voice grants are revoked).

use parley_core::Snowflake;
use parley_events::{Audience, Event, EventName, Keys};
use serde::{Deserialize, Serialize};

use crate::AppState;

/// Which sign-ins of one user ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub user_id: Snowflake,
    /// The device sessions that ended; `None`: every connection of the user (a bot's token
    /// was reset, and bots have no sessions).
    pub sessions: Option<Vec<Snowflake>>,
}

impl Revocation {
    /// Whether a connection opened with device session `session` (none for a bot) ended.
    pub fn covers(&self, session: Option<Snowflake>) -> bool {
        match (&self.sessions, session) {
            (None, _) => true,
            (Some(ended), Some(session)) => ended.contains(&session),
            (Some(_), None) => false,
        }
    }
}

/// Announces that `sessions` of `user_id` ended (nothing, if none did).
pub fn sessions_ended(state: &AppState, user_id: Snowflake, sessions: Vec<Snowflake>) {
    if !sessions.is_empty() {
        announce(state, Revocation { user_id, sessions: Some(sessions) });
    }
}

/// Announces that every connection of `user_id` must close (a bot token was reset).
pub fn every_connection_ended(state: &AppState, user_id: Snowflake) {
    announce(state, Revocation { user_id, sessions: None });
}

fn announce(state: &AppState, revocation: Revocation) {
    // No audience: never dispatched, only observed by each node's gateway.
    state.publish(Event::new(EventName::SessionsRevoked, Audience::Users(Vec::new()), Keys::none(), &revocation));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revocation_covers_exactly_the_sessions_it_names_or_every_connection() {
        let (a, b) = (Snowflake::new(1), Snowflake::new(2));
        let some = Revocation { user_id: Snowflake::new(9), sessions: Some(vec![a]) };
        assert!(some.covers(Some(a)));
        assert!(!some.covers(Some(b)));
        assert!(!some.covers(None), "a bot's connections are not a person's session");
        let all = Revocation { user_id: Snowflake::new(9), sessions: None };
        assert!(all.covers(Some(b)) && all.covers(None));
    }
}
