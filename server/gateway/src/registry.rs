//! Where any node can find a session: with Redis, each session's user, intents, bot flag and
//! current node, kept while it lives (heartbeats refresh it) and for the resume window after.
//! A node that receives a RESUME for a session it does not hold looks here, then replays the
//! shared event log (see `parley_events::redis`). Without Redis there is one node, and the
//! registry keeps nothing.

use std::time::Duration;

use parley_core::Snowflake;
use redis::aio::ConnectionManager;

/// What another node needs to continue a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionMeta {
    pub user_id: Snowflake,
    pub intents: u64,
    pub bot: bool,
    /// The device session that opened it (none for bots): only a token of that same sign-in
    /// may resume it elsewhere.
    pub signed_in_with: Option<Snowflake>,
    /// It got events outside the shared order (Redis was unreachable): only the node that
    /// holds it may resume it.
    pub only_here: bool,
}

/// Deletes a session's entry only if this node still owns it (it may have moved on).
const REMOVE_IF_MINE: &str = r"
if redis.call('HGET', KEYS[1], 'node') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

#[derive(Clone)]
pub struct SessionRegistry {
    redis: Option<ConnectionManager>,
    prefix: String,
    node: String,
    ttl: Duration,
}

impl std::fmt::Debug for SessionRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRegistry").field("shared", &self.redis.is_some()).field("ttl", &self.ttl).finish()
    }
}

impl SessionRegistry {
    /// One node: nothing to share.
    pub fn local() -> Self {
        Self { redis: None, prefix: String::new(), node: String::new(), ttl: Duration::ZERO }
    }

    /// Shared through Redis; entries live `ttl` past their last refresh.
    pub async fn redis(url: &str, prefix: &str, node: u64, ttl: Duration) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        // Back within half a second of Redis answering again, so sessions made meanwhile are
        // recorded promptly.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_min_delay(std::time::Duration::from_millis(50))
            .set_max_delay(std::time::Duration::from_millis(500))
            .set_response_timeout(Some(std::time::Duration::from_secs(1)));
        let manager = ConnectionManager::new_with_config(client, config).await.map_err(|e| e.to_string())?;
        Ok(Self { redis: Some(manager), prefix: prefix.to_owned(), node: node.to_string(), ttl })
    }

    pub fn is_shared(&self) -> bool {
        self.redis.is_some()
    }

    /// How often a live session should refresh its entry.
    pub fn refresh_every(&self) -> Duration {
        self.ttl / 4
    }

    fn key(&self, session_id: &str) -> String {
        format!("{}:session:{session_id}", self.prefix)
    }

    /// Records (or takes over) a session on this node; false if Redis could not be told.
    pub async fn save(&self, session_id: &str, meta: &SessionMeta) -> bool {
        let Some(redis) = &self.redis else { return true };
        let mut conn = redis.clone();
        let result: Result<(), _> = redis::pipe()
            .atomic()
            .hset_multiple(
                self.key(session_id),
                &[
                    ("user", meta.user_id.to_string()),
                    ("intents", meta.intents.to_string()),
                    ("bot", u8::from(meta.bot).to_string()),
                    ("auth", meta.signed_in_with.map(|s| s.to_string()).unwrap_or_default()),
                    ("here", u8::from(meta.only_here).to_string()),
                    ("node", self.node.clone()),
                ],
            )
            .ignore()
            .expire(self.key(session_id), self.ttl.as_secs().max(1) as i64)
            .ignore()
            .query_async(&mut conn)
            .await;
        match result {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, session_id, "cannot record the session in Redis yet; it is recorded when Redis answers again");
                false
            }
        }
    }

    /// Keeps a live session's entry from expiring.
    pub async fn touch(&self, session_id: &str) {
        let Some(redis) = &self.redis else { return };
        let mut conn = redis.clone();
        let result: Result<(), _> =
            redis::cmd("EXPIRE").arg(self.key(session_id)).arg(self.ttl.as_secs().max(1)).query_async(&mut conn).await;
        if let Err(e) = result {
            tracing::warn!(error = %e, session_id, "cannot refresh the session in Redis");
        }
    }

    pub async fn load(&self, session_id: &str) -> Option<SessionMeta> {
        let redis = self.redis.as_ref()?;
        let mut conn = redis.clone();
        let fields: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(self.key(session_id))
            .arg("user")
            .arg("intents")
            .arg("bot")
            .arg("auth")
            .arg("here")
            .query_async(&mut conn)
            .await
            .map_err(|e| tracing::warn!(error = %e, session_id, "cannot look the session up in Redis"))
            .ok()?;
        match fields.as_slice() {
            [Some(user), Some(intents), Some(bot), auth, here] => Some(SessionMeta {
                user_id: user.parse().ok()?,
                intents: intents.parse().ok()?,
                bot: bot == "1",
                signed_in_with: auth.as_deref().filter(|a| !a.is_empty()).and_then(|a| a.parse().ok()),
                only_here: here.as_deref() == Some("1"),
            }),
            _ => None,
        }
    }

    /// Forgets a session this node ended (unless another node has taken it over).
    pub async fn remove(&self, session_id: &str) {
        let Some(redis) = &self.redis else { return };
        let mut conn = redis.clone();
        let result: Result<i64, _> =
            redis::Script::new(REMOVE_IF_MINE).key(self.key(session_id)).arg(&self.node).invoke_async(&mut conn).await;
        if let Err(e) = result {
            tracing::warn!(error = %e, session_id, "cannot remove the session from Redis; it will expire");
        }
    }
}
