//! Who is online on this node: each user's status (the last one they set, from any of their
//! sessions) while they have at least one session. `invisible` is shown to others as
//! offline. A change others can see becomes one PRESENCE_UPDATE per guild of theirs.

use std::collections::HashMap;
use std::sync::Mutex;

use parley_core::Snowflake;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Online,
    Idle,
    Dnd,
    Invisible,
    Offline,
}

impl Status {
    /// What a client may set (op 3, or IDENTIFY's presence).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "online" => Some(Self::Online),
            "idle" => Some(Self::Idle),
            "dnd" => Some(Self::Dnd),
            "invisible" => Some(Self::Invisible),
            "offline" => Some(Self::Invisible),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Idle => "idle",
            Self::Dnd => "dnd",
            Self::Invisible => "invisible",
            Self::Offline => "offline",
        }
    }

    /// How others see it.
    pub fn public(self) -> Self {
        if self == Self::Invisible { Self::Offline } else { self }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct UserPresence {
    status: Status,
    activities: Vec<Value>,
    sessions: usize,
}

/// A user's presence as others see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub status: Status,
    pub activities: Vec<Value>,
}

#[derive(Debug, Default)]
pub struct Presences {
    users: Mutex<HashMap<Snowflake, UserPresence>>,
}

impl Presences {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Snowflake, UserPresence>> {
        self.users.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn seen(p: Option<&UserPresence>) -> Seen {
        match p {
            Some(p) if p.status != Status::Invisible => Seen { status: p.status, activities: p.activities.clone() },
            _ => Seen { status: Status::Offline, activities: Vec::new() },
        }
    }

    /// Applies `change` to the user's presence and returns what others now see, if that changed.
    fn update(&self, user: Snowflake, change: impl FnOnce(&mut Option<UserPresence>)) -> Option<Seen> {
        let mut users = self.lock();
        let mut entry = users.remove(&user);
        let before = Self::seen(entry.as_ref());
        change(&mut entry);
        let after = Self::seen(entry.as_ref());
        if let Some(entry) = entry {
            users.insert(user, entry);
        }
        (before != after).then_some(after)
    }

    /// A session of `user` started, with the status it identified with (online if none).
    pub fn connect(&self, user: Snowflake, status: Option<Status>, activities: Vec<Value>) -> Option<Seen> {
        self.update(user, |entry| match entry {
            Some(p) => {
                p.sessions += 1;
                if let Some(status) = status {
                    p.status = status;
                    p.activities = stamped(activities, &p.activities);
                }
            }
            None => {
                let activities = stamped(activities, &[]);
                *entry = Some(UserPresence { status: status.unwrap_or(Status::Online), activities, sessions: 1 })
            }
        })
    }

    /// op 3 from one of the user's sessions.
    pub fn set(&self, user: Snowflake, status: Status, activities: Vec<Value>) -> Option<Seen> {
        self.update(user, |entry| {
            if let Some(p) = entry {
                p.status = status;
                p.activities = stamped(activities, &p.activities);
            }
        })
    }

    /// A session of `user` ended for good; the last one takes them offline.
    pub fn disconnect(&self, user: Snowflake) -> Option<Seen> {
        self.update(user, |entry| {
            if let Some(p) = entry {
                p.sessions = p.sessions.saturating_sub(1);
                if p.sessions == 0 {
                    *entry = None;
                }
            }
        })
    }

    pub fn of(&self, user: Snowflake) -> Seen {
        Self::seen(self.lock().get(&user))
    }
}

/// A PRESENCE_UPDATE payload for one guild.
/// The activities a client set, with what the server adds on Discord: an `id` ("custom" for
/// a custom status) and `created_at` (Unix milliseconds). An activity the user already had
/// (same type and name) keeps both, so sending it again changes nothing others see.
fn stamped(activities: Vec<Value>, before: &[Value]) -> Vec<Value> {
    let same = |a: &Value, b: &Value| a["type"] == b["type"] && a["name"] == b["name"];
    let now = parley_core::Timestamp::now().unix_millis();
    activities
        .into_iter()
        .map(|mut activity| {
            let earlier = before.iter().find(|b| same(b, &activity));
            if let Value::Object(fields) = &mut activity {
                let id = match earlier.and_then(|e| e.get("id")) {
                    Some(id) => id.clone(),
                    None if fields.get("type").and_then(Value::as_u64) == Some(4) => Value::from("custom"),
                    None => {
                        use std::hash::{Hash, Hasher};
                        let mut hash = std::collections::hash_map::DefaultHasher::new();
                        (fields.get("name").map(Value::to_string), now).hash(&mut hash);
                        Value::from(format!("{:016x}", hash.finish()))
                    }
                };
                fields.entry("id").or_insert(id);
                let created_at = earlier.and_then(|e| e.get("created_at")).cloned().unwrap_or(Value::from(now));
                fields.entry("created_at").or_insert(created_at);
            }
            activity
        })
        .collect()
}

pub fn presence_payload(user: Snowflake, guild_id: Option<Snowflake>, seen: &Seen) -> Value {
    let mut payload = json!({
        "user": { "id": user },
        "status": seen.status.as_str(),
        "activities": seen.activities,
        "client_status": if seen.status == Status::Offline { json!({}) } else { json!({ "web": seen.status.as_str() }) },
    });
    if let Some(guild_id) = guild_id {
        payload["guild_id"] = json!(guild_id);
    }
    payload
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn others_see_a_change_only_when_what_they_see_changes() {
        let p = Presences::default();
        let ann = Snowflake::new(1);
        assert_eq!(p.connect(ann, None, vec![]).map(|s| s.status), Some(Status::Online));
        assert_eq!(p.connect(ann, None, vec![]), None, "a second session changes nothing visible");
        assert_eq!(p.set(ann, Status::Invisible, vec![]).map(|s| s.status), Some(Status::Offline));
        assert_eq!(p.set(ann, Status::Invisible, vec![]), None);
        assert_eq!(p.set(ann, Status::Dnd, vec![]).map(|s| s.status), Some(Status::Dnd));
        assert_eq!(p.disconnect(ann), None, "one session is left");
        assert_eq!(p.disconnect(ann).map(|s| s.status), Some(Status::Offline));
        assert_eq!(p.of(ann).status, Status::Offline);
        assert!(Status::parse("away").is_none());
    }
}
