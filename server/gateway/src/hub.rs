//! The node's sessions, indexed by id, by user and by guild, so fan-out finds an event's
//! possible receivers without scanning everyone. The guild index holds shared snapshots
//! (copy on write): an event takes the list with one reference count, however many sessions
//! it holds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use parley_core::Snowflake;

use crate::session::Session;

type SessionList = Arc<Vec<Arc<Session>>>;

#[derive(Debug, Default)]
struct Maps {
    by_id: HashMap<String, Arc<Session>>,
    by_user: HashMap<Snowflake, SessionList>,
    by_guild: HashMap<Snowflake, SessionList>,
}

#[derive(Debug, Default)]
pub struct Hub {
    maps: Mutex<Maps>,
}

fn add(map: &mut HashMap<Snowflake, SessionList>, key: Snowflake, session: &Arc<Session>) {
    let list = Arc::make_mut(map.entry(key).or_default());
    if !list.iter().any(|s| s.id == session.id) {
        list.push(session.clone());
    }
}

fn remove(map: &mut HashMap<Snowflake, SessionList>, key: Snowflake, session_id: &str) {
    if let Some(list) = map.get_mut(&key) {
        Arc::make_mut(list).retain(|s| s.id != session_id);
        if list.is_empty() {
            map.remove(&key);
        }
    }
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a session and the guilds it is in.
    pub fn insert(&self, session: Arc<Session>, guilds: &[Snowflake]) {
        self.insert_within(session, guilds, 0);
    }

    /// Inserts `session` unless its account already holds `cap` sessions here (0: no cap);
    /// counted and added under one lock, so IDENTIFYs racing each other cannot pass the cap.
    pub fn insert_within(&self, session: Arc<Session>, guilds: &[Snowflake], cap: usize) -> bool {
        let mut maps = self.lock();
        if cap > 0 && maps.by_user.get(&session.user_id).is_some_and(|held| held.len() >= cap) {
            return false;
        }
        for guild in guilds {
            session.set_guild(*guild, true);
            add(&mut maps.by_guild, *guild, &session);
        }
        add(&mut maps.by_user, session.user_id, &session);
        maps.by_id.insert(session.id.clone(), session);
        true
    }

    pub fn remove(&self, session_id: &str) -> Option<Arc<Session>> {
        let mut maps = self.lock();
        let session = maps.by_id.remove(session_id)?;
        for guild in session.guilds() {
            remove(&mut maps.by_guild, guild, session_id);
        }
        remove(&mut maps.by_user, session.user_id, session_id);
        Some(session)
    }

    pub fn get(&self, session_id: &str) -> Option<Arc<Session>> {
        self.lock().by_id.get(session_id).cloned()
    }

    pub fn join_guild(&self, session: &Arc<Session>, guild_id: Snowflake) {
        let mut maps = self.lock();
        if maps.by_id.contains_key(&session.id) {
            session.set_guild(guild_id, true);
            add(&mut maps.by_guild, guild_id, session);
        }
    }

    pub fn leave_guild(&self, session: &Session, guild_id: Snowflake) {
        let mut maps = self.lock();
        session.set_guild(guild_id, false);
        remove(&mut maps.by_guild, guild_id, &session.id);
    }

    pub fn of_user(&self, user_id: Snowflake) -> SessionList {
        self.lock().by_user.get(&user_id).cloned().unwrap_or_default()
    }

    pub fn in_guild(&self, guild_id: Snowflake) -> SessionList {
        self.lock().by_guild.get(&guild_id).cloned().unwrap_or_default()
    }

    pub fn all(&self) -> Vec<Arc<Session>> {
        self.lock().by_id.values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intents::Intents;

    fn session(id: &str, user: u64) -> Arc<Session> {
        Arc::new(Session::new(id.into(), Snowflake::new(user), false, Intents(0), 8, 0))
    }

    #[test]
    fn the_indexes_follow_sessions_in_and_out_of_guilds() {
        let hub = Hub::default();
        let (g1, g2) = (Snowflake::new(100), Snowflake::new(200));
        let a = session("a", 1);
        let b = session("b", 1);
        hub.insert(a.clone(), &[g1]);
        hub.insert(b.clone(), &[g1, g2]);
        let before = hub.in_guild(g1);
        assert_eq!((before.len(), hub.of_user(Snowflake::new(1)).len()), (2, 2));
        hub.leave_guild(&a, g1);
        assert_eq!(hub.in_guild(g1).len(), 1);
        assert_eq!(before.len(), 2, "a snapshot taken earlier is not changed under its reader");
        hub.join_guild(&a, g2);
        assert!(a.in_guild(g2));
        hub.remove("b");
        assert_eq!((hub.in_guild(g1).len(), hub.in_guild(g2).len(), hub.len()), (0, 1, 1));
        hub.remove("a");
        assert!(hub.is_empty() && hub.of_user(Snowflake::new(1)).is_empty());
    }

    #[test]
    fn an_account_at_its_cap_gets_no_more_sessions_and_others_are_not_counted_with_it() {
        let hub = Hub::default();
        assert!(hub.insert_within(session("a", 1), &[], 2));
        assert!(hub.insert_within(session("b", 1), &[], 2));
        assert!(!hub.insert_within(session("c", 1), &[], 2), "a third for the same account");
        assert!(hub.get("c").is_none());
        assert!(hub.insert_within(session("d", 2), &[], 2), "another account has its own cap");
        hub.remove("a");
        assert!(hub.insert_within(session("c", 1), &[], 2), "room again once one ends");
        assert!(hub.insert_within(session("e", 1), &[], 0), "0 is no cap");
    }
}
