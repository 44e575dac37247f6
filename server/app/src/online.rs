//! Who is online, for `approximate_presence_count` (guild preview, `GET /guilds/{id}` with
//! counts) and prunes (someone online is not inactive): the gateway marks each user whose presence others see change between offline and
//! anything else. A node knows the users of its own sessions, so with several nodes the count
//! is the answering node's (Discord's count is approximate too).

use std::collections::HashSet;
use std::sync::Mutex;

use parley_core::Snowflake;

#[derive(Debug, Default)]
pub struct OnlineUsers {
    users: Mutex<HashSet<Snowflake>>,
}

impl OnlineUsers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<Snowflake>> {
        self.users.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `user` is now seen online (any status but offline or invisible), or not.
    pub fn set(&self, user: Snowflake, online: bool) {
        if online {
            self.lock().insert(user);
        } else {
            self.lock().remove(&user);
        }
    }

    /// Whether `user` is online (on this node).
    pub fn is_online(&self, user: Snowflake) -> bool {
        self.lock().contains(&user)
    }

    /// How many users are online (on this node).
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// How many of `users` are online.
    pub fn count_among(&self, users: &[Snowflake]) -> usize {
        let online = self.lock();
        users.iter().filter(|u| online.contains(u)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_users_marked_online_are_counted() {
        let online = OnlineUsers::default();
        let (ann, bo, cy) = (Snowflake::new(1), Snowflake::new(2), Snowflake::new(3));
        online.set(ann, true);
        online.set(bo, true);
        online.set(bo, false);
        online.set(cy, true);
        assert_eq!(online.count_among(&[ann, bo]), 1);
        assert_eq!(online.count_among(&[]), 0);
    }
}
