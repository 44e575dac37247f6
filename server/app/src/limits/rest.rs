//! REST rate limits per account, in Discord's shape: every API request counts against a
//! bucket for its route (with its major parameter: a message send in one channel does not
//! slow sends in another) and against the account's global budget; every answer carries the
//! bucket's `X-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Reset-After` and `-Bucket`; a
//! request over a limit gets 429 with `retry_after`, and `global: true` (and
//! `X-RateLimit-Global`) when it was the account's global budget. Requests without a valid
//! token count against their client address instead.
//!
//! The buckets (each a setting; 0 switches one off):
//! - global: `rest_global_per_second` requests per second per account (Discord: 50);
//! - message sends: `rest_messages_per_5s` per account per channel (Discord: 5 per 5 s);
//! - guild creation: `rest_guild_creates_per_hour` per account;
//! - exports of one's data: `rest_exports_per_hour` per account;
//! - every other route: `rest_route_per_10s` per account per route and major parameter.
//!
//! Limits are GCRA (a token bucket without timers): on one node, `governor`'s keyed limiters;
//! with Redis configured, one small Lua script evaluates the route's bucket and the global one
//! together, atomically, so every node shares each account's budget (no maintained crate
//! offers a shared GCRA over Redis).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The limits, from settings (see `docs/configuration.md`); 0 switches a bucket off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestLimitConfig {
    pub global_per_second: u32,
    pub messages_per_5s: u32,
    pub guild_creates_per_hour: u32,
    /// Exports of one's data (`GET /users/@me/export`) per account per hour: each reads every
    /// message the person wrote.
    pub exports_per_hour: u32,
    pub route_per_10s: u32,
    /// Gateway IDENTIFYs per account per 5 seconds (Discord's `max_concurrency`).
    pub identifies_per_5s: u32,
    /// Gateway IDENTIFYs per account per day (Discord's `session_start_limit.total`).
    pub identifies_per_day: u32,
}

impl RestLimitConfig {
    /// The defaults, which Parley's settings table takes as the settings' defaults.
    pub const DEFAULT: Self = Self {
        global_per_second: 50,
        messages_per_5s: 5,
        guild_creates_per_hour: 10,
        exports_per_hour: 2,
        route_per_10s: 50,
        identifies_per_5s: 2,
        identifies_per_day: 1000,
    };
}

impl Default for RestLimitConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A kind of bucket, with its limit per period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Global,
    Messages,
    GuildCreates,
    Exports,
    Route,
    IdentifyBurst,
    IdentifyDaily,
}

impl Kind {
    fn quota(self, config: &RestLimitConfig) -> Option<(u32, Duration)> {
        let (limit, period) = match self {
            Self::Global => (config.global_per_second, Duration::from_secs(1)),
            Self::Messages => (config.messages_per_5s, Duration::from_secs(5)),
            Self::GuildCreates => (config.guild_creates_per_hour, Duration::from_secs(3600)),
            Self::Exports => (config.exports_per_hour, Duration::from_secs(3600)),
            Self::Route => (config.route_per_10s, Duration::from_secs(10)),
            Self::IdentifyBurst => (config.identifies_per_5s, Duration::from_secs(5)),
            Self::IdentifyDaily => (config.identifies_per_day, Duration::from_secs(86_400)),
        };
        (limit > 0).then_some((limit, period))
    }
}

/// One bucket a request counts against: its kind, its public name (`X-RateLimit-Bucket`, the
/// same for every account, as Discord's hashes are), and the key it is counted under.
#[derive(Clone, Debug)]
struct Bucket {
    kind: Kind,
    name: String,
    key: String,
}

/// What a bucket said of one request.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub limit: u32,
    pub remaining: u32,
    /// Until the bucket is full again.
    pub reset_after: Duration,
    /// When refused: how long to wait.
    pub refused: Option<Duration>,
}

type LocalLimiter = DefaultKeyedRateLimiter<String, StateInformationMiddleware>;

enum Backend {
    Local(HashMap<Kind, LocalLimiter>),
    Redis { conn: redis::aio::ConnectionManager, prefix: String, script: redis::Script },
}

/// The node's REST limits.
pub struct RestLimits {
    config: RestLimitConfig,
    backend: Backend,
    /// Each account's session starts left at its last IDENTIFY (one node), for
    /// `GET /gateway/bot`.
    identified: std::sync::Mutex<HashMap<parley_core::Snowflake, (u32, std::time::Instant)>>,
}

impl std::fmt::Debug for RestLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestLimits").field("config", &self.config).finish_non_exhaustive()
    }
}

/// GCRA over several buckets at once: KEYS are the buckets' keys; ARGV[1] is now (ms), then
/// for each bucket its emission interval and period (ms). All are checked before any is
/// spent: a refused request costs nothing. Returns, per bucket, allowed (1/0), remaining,
/// reset-after (ms) and retry-after (ms).
const GCRA: &str = r"
local now = tonumber(ARGV[1])
local verdicts = {}
local tats = {}
local refused = false
for i, key in ipairs(KEYS) do
  local t = tonumber(ARGV[i * 2])
  local period = tonumber(ARGV[i * 2 + 1])
  local tat = math.max(tonumber(redis.call('GET', key) or '0'), now)
  local new_tat = tat + t
  tats[i] = new_tat
  if new_tat - now > period then
    refused = true
    verdicts[i] = {0, 0, tat - now, new_tat - now - period}
  else
    verdicts[i] = {1, math.floor((period - (new_tat - now)) / t), new_tat - now, 0}
  end
end
if not refused then
  for i, key in ipairs(KEYS) do
    redis.call('SET', key, tats[i], 'PX', tonumber(ARGV[i * 2 + 1]) + 1000)
  end
end
local flat = {}
for i, v in ipairs(verdicts) do
  for _, x in ipairs(v) do table.insert(flat, x) end
end
return flat
";

impl RestLimits {
    /// Limits kept in this process.
    pub fn local(config: RestLimitConfig) -> Self {
        let mut limiters = HashMap::new();
        for kind in [
            Kind::Global,
            Kind::Messages,
            Kind::GuildCreates,
            Kind::Exports,
            Kind::Route,
            Kind::IdentifyBurst,
            Kind::IdentifyDaily,
        ] {
            if let Some((limit, period)) = kind.quota(&config) {
                let burst = NonZeroU32::new(limit).unwrap_or(NonZeroU32::MIN);
                let quota = Quota::with_period(period / limit).unwrap_or(Quota::per_second(burst)).allow_burst(burst);
                limiters.insert(kind, RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>());
            }
        }
        Self { config, backend: Backend::Local(limiters), identified: Default::default() }
    }

    /// Limits every node shares, in Redis (`prefix` keeps deployments apart).
    pub async fn shared(config: RestLimitConfig, url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        let conn = redis::aio::ConnectionManager::new(client).await.map_err(|e| e.to_string())?;
        Ok(Self {
            config,
            backend: Backend::Redis { conn, prefix: format!("{prefix}:ratelimit:"), script: redis::Script::new(GCRA) },
            identified: Default::default(),
        })
    }

    /// Forgets buckets that are full again, so memory follows the accounts active lately.
    pub fn forget_idle(&self) {
        if let Backend::Local(limiters) = &self.backend {
            for limiter in limiters.values() {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
        let day = Duration::from_secs(86_400);
        self.identified.lock().unwrap_or_else(|p| p.into_inner()).retain(|_, (_, at)| at.elapsed() < day);
    }

    /// Counts one request against `buckets` (the route's, then the global one); the verdicts
    /// in the same order. With Redis unreachable, requests are let through (and logged):
    /// limits must not take the API down with them.
    async fn check(&self, buckets: &[Bucket]) -> Vec<Option<Verdict>> {
        let quotas: Vec<Option<(u32, Duration)>> = buckets.iter().map(|b| b.kind.quota(&self.config)).collect();
        match &self.backend {
            Backend::Local(limiters) => {
                // Each bucket is checked in turn; one refusal stops the rest from being spent.
                let mut verdicts = Vec::new();
                for (bucket, quota) in buckets.iter().zip(&quotas) {
                    let (Some((limit, period)), Some(limiter)) = (quota, limiters.get(&bucket.kind)) else {
                        verdicts.push(None);
                        continue;
                    };
                    let verdict = match limiter.check_key(&bucket.key) {
                        Ok(snapshot) => {
                            let remaining = snapshot.remaining_burst_capacity();
                            let used = limit.saturating_sub(remaining);
                            Verdict { limit: *limit, remaining, reset_after: *period / *limit * used, refused: None }
                        }
                        Err(not_until) => {
                            let wait = not_until
                                .wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
                            Verdict { limit: *limit, remaining: 0, reset_after: *period, refused: Some(wait) }
                        }
                    };
                    let refused = verdict.refused.is_some();
                    verdicts.push(Some(verdict));
                    if refused {
                        break;
                    }
                }
                verdicts.resize(buckets.len(), None);
                verdicts
            }
            Backend::Redis { conn, prefix, script } => {
                let active: Vec<(usize, u32, Duration)> = quotas
                    .iter()
                    .enumerate()
                    .filter_map(|(i, q)| q.map(|(limit, period)| (i, limit, period)))
                    .collect();
                if active.is_empty() {
                    return vec![None; buckets.len()];
                }
                let mut invocation = script.prepare_invoke();
                invocation.arg(unix_millis());
                for (i, limit, period) in &active {
                    invocation.key(format!("{prefix}{}", buckets[*i].key));
                    invocation
                        .arg((period.as_millis() as u64 / u64::from(*limit)).max(1))
                        .arg(period.as_millis() as u64);
                }
                let mut conn = conn.clone();
                let answer: Result<Vec<i64>, _> =
                    tokio::time::timeout(Duration::from_millis(500), invocation.invoke_async(&mut conn))
                        .await
                        .unwrap_or_else(|_| Err(redis::RedisError::from((redis::ErrorKind::Io, "timed out"))));
                let mut verdicts = vec![None; buckets.len()];
                match answer {
                    Ok(flat) if flat.len() == active.len() * 4 => {
                        for ((i, limit, _), v) in active.iter().zip(flat.chunks(4)) {
                            let ms = |x: i64| Duration::from_millis(x.max(0) as u64);
                            verdicts[*i] = Some(Verdict {
                                limit: *limit,
                                remaining: v[1].max(0) as u32,
                                reset_after: ms(v[2]),
                                refused: (v[0] == 0).then(|| ms(v[3]).max(Duration::from_millis(1))),
                            });
                        }
                    }
                    Ok(_) | Err(_) => {
                        tracing::warn!("rate limits could not be checked in Redis; the request is let through")
                    }
                }
                verdicts
            }
        }
    }
}

/// What `GET /gateway/bot` tells an account of its session starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionStarts {
    pub total: u32,
    pub remaining: u32,
    pub reset_after: Duration,
    pub max_concurrency: u32,
}

impl RestLimits {
    /// Counts an IDENTIFY of `account`: refused (with how long to wait) past the burst
    /// (`identifies_per_5s`) or the day's total (`identifies_per_day`).
    pub async fn identify(&self, account: parley_core::Snowflake) -> Result<(), Duration> {
        let buckets = [
            Bucket { kind: Kind::IdentifyBurst, name: "identify".into(), key: format!("u{account}:identify") },
            Bucket { kind: Kind::IdentifyDaily, name: "identify.day".into(), key: format!("u{account}:identify.day") },
        ];
        let verdicts = self.check(&buckets).await;
        if let Some(Some(daily)) = verdicts.get(1) {
            let mut identified = self.identified.lock().unwrap_or_else(|p| p.into_inner());
            identified.insert(account, (daily.remaining, std::time::Instant::now()));
        }
        match verdicts.into_iter().flatten().find_map(|v| v.refused) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// The account's session starts left today, as `GET /gateway/bot` reports them (not
    /// spending one).
    pub async fn session_starts(&self, account: parley_core::Snowflake) -> SessionStarts {
        let total = self.config.identifies_per_day;
        let max_concurrency = self.config.identifies_per_5s.max(1);
        let key = format!("u{account}:identify.day");
        let (remaining, reset_after) = match &self.backend {
            _ if total == 0 => (0, Duration::ZERO),
            Backend::Local(_) => {
                // governor reads only by spending; the last verdict, replenished since, says
                // the same as its state would.
                let last = self.identified.lock().unwrap_or_else(|p| p.into_inner()).get(&account).copied();
                match last {
                    None => (total, Duration::ZERO),
                    Some((left, at)) => {
                        let per = Duration::from_secs(86_400) / total;
                        let regained = (at.elapsed().as_millis() / per.as_millis().max(1)) as u32;
                        let remaining = (left + regained).min(total);
                        (remaining, per * (total - remaining))
                    }
                }
            }
            Backend::Redis { conn, prefix, .. } => {
                let mut conn = conn.clone();
                let tat: Option<u64> =
                    redis::cmd("GET").arg(format!("{prefix}{key}")).query_async(&mut conn).await.unwrap_or(None);
                let used_ms = tat.map_or(0, |t| t.saturating_sub(unix_millis()));
                let per = 86_400_000 / u64::from(total);
                let used = used_ms.div_ceil(per.max(1)) as u32;
                (total.saturating_sub(used), Duration::from_millis(used_ms))
            }
        };
        SessionStarts {
            total: if total == 0 { u32::MAX } else { total },
            remaining: if total == 0 { u32::MAX } else { remaining },
            reset_after,
            max_concurrency,
        }
    }
}

fn unix_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The route's bucket for `who` (an account, or an address), from its template and path.
fn route_bucket(who: &str, method: &str, template: &str, path: &str) -> Bucket {
    // The major parameter, as Discord has it: the channel, guild or webhook a route acts in.
    let major = template
        .split('/')
        .zip(path.split('/'))
        .find(|(t, _)| matches!(*t, "{channel_id}" | "{guild_id}" | "{webhook_id}"))
        .map(|(_, p)| canonical_id(p))
        .unwrap_or_default();
    let template = template.trim_start_matches("/api/v10").trim_start_matches("/api");
    let (kind, name) = match (method, template) {
        ("POST", "/channels/{channel_id}/messages") => (Kind::Messages, "messages.create".to_owned()),
        // Posting through a webhook counts like sending a message, per webhook.
        ("POST", "/webhooks/{webhook_id}/{webhook_token}") => (Kind::Messages, "webhooks.execute".to_owned()),
        ("POST", "/guilds") => (Kind::GuildCreates, "guilds.create".to_owned()),
        ("GET", "/users/@me/export") => (Kind::Exports, "users.export".to_owned()),
        _ => (Kind::Route, format!("{method} {template}")),
    };
    let name = bucket_hash(&name);
    Bucket { kind, key: format!("{who}:{name}:{major}"), name }
}

/// An id as the routes read it, so every spelling of one channel or guild (`042`, `+42`,
/// `%34%32`) counts against one bucket. Anything that is not a number shares one bucket (the
/// route answers it as unknown anyway), so made-up text cannot mint new buckets.
fn canonical_id(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    let decoded = String::from_utf8_lossy(&decoded);
    decoded.parse::<u64>().map_or_else(|_| "-".to_owned(), |id| id.to_string())
}

/// A short, stable name for a bucket (Discord's are opaque hashes too).
fn bucket_hash(name: &str) -> String {
    // FNV-1a: stable across builds and nodes, unlike the standard library's hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

/// What the limits said of one API request: the route's bucket name and verdict, and which
/// limit refused it, if one did.
#[derive(Clone, Debug)]
pub struct RequestVerdict {
    /// The route bucket's public name (`X-RateLimit-Bucket`).
    pub bucket: String,
    /// The route bucket's state after this request; `None` when that bucket is switched off.
    pub route: Option<Verdict>,
    /// The refusal, if any: how long to wait, the refusing limit's size, and whether it was
    /// the account's global budget.
    pub refused: Option<Refusal>,
}

/// A request over a limit.
#[derive(Clone, Copy, Debug)]
pub struct Refusal {
    pub wait: Duration,
    pub limit: u32,
    pub global: bool,
}

impl RestLimits {
    /// Counts one API request by `who` (`u<account>` or `a<address>`) against its route's
    /// bucket (from the matched route `template` and the actual `path`) and `who`'s global
    /// budget, together: a refused request costs neither.
    pub async fn check_request(&self, who: &str, method: &str, template: &str, path: &str) -> RequestVerdict {
        let route = route_bucket(who, method, template, path);
        let global = Bucket { kind: Kind::Global, name: "global".into(), key: format!("{who}:global") };
        let verdicts = self.check(&[route.clone(), global]).await;
        let refused = verdicts.iter().enumerate().find_map(|(i, v)| {
            let v = v.as_ref()?;
            v.refused.map(|wait| Refusal { wait, limit: v.limit, global: i == 1 })
        });
        RequestVerdict { bucket: route.name, route: verdicts.into_iter().next().flatten(), refused }
    }
}

/// Forgets idle buckets every minute, until `stop`.
pub async fn sweep(limits: Arc<RestLimits>, stop: tokio_util::sync::CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => limits.forget_idle(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_is_per_route_and_major_parameter_and_named_the_same_for_everyone() {
        let send =
            route_bucket("u1", "POST", "/api/v10/channels/{channel_id}/messages", "/api/v10/channels/42/messages");
        let elsewhere = route_bucket("u1", "POST", "/api/channels/{channel_id}/messages", "/api/channels/43/messages");
        assert_eq!(send.kind, Kind::Messages);
        assert_eq!(send.name, elsewhere.name, "one bucket name under /api and /api/v10");
        assert_ne!(send.key, elsewhere.key, "each channel its own count");
        let respelled =
            ["/api/v10/channels/042/messages", "/api/v10/channels/+42/messages", "/api/v10/channels/%34%32/messages"];
        for path in respelled {
            let again = route_bucket("u1", "POST", "/api/v10/channels/{channel_id}/messages", path);
            assert_eq!(again.key, send.key, "{path} is channel 42 to the routes, so it is in 42's bucket");
        }
        let other =
            route_bucket("u2", "POST", "/api/v10/channels/{channel_id}/messages", "/api/v10/channels/42/messages");
        assert_ne!(send.key, other.key, "each account its own count");
        let read =
            route_bucket("u1", "GET", "/api/v10/channels/{channel_id}/messages", "/api/v10/channels/42/messages");
        assert_eq!(read.kind, Kind::Route);
        assert_ne!(read.name, send.name);
        assert_eq!(route_bucket("u1", "POST", "/api/v10/guilds", "/api/v10/guilds").kind, Kind::GuildCreates);
        assert_eq!(
            route_bucket("u1", "GET", "/api/v10/users/@me/export", "/api/v10/users/@me/export").kind,
            Kind::Exports
        );
    }

    #[tokio::test]
    async fn the_limit_refuses_the_request_after_it_and_a_refusal_spends_nothing() {
        let limits = RestLimits::local(RestLimitConfig { messages_per_5s: 3, ..RestLimitConfig::default() });
        let send =
            route_bucket("u1", "POST", "/api/v10/channels/{channel_id}/messages", "/api/v10/channels/1/messages");
        let global = Bucket { kind: Kind::Global, name: "global".into(), key: "u1:global".into() };
        let mut remaining = Vec::new();
        for _ in 0..3 {
            let verdicts = limits.check(&[send.clone(), global.clone()]).await;
            let verdict = verdicts[0].clone().unwrap();
            assert!(verdict.refused.is_none());
            remaining.push(verdict.remaining);
        }
        assert_eq!(remaining, vec![2, 1, 0]);
        let refused = limits.check(&[send.clone(), global.clone()]).await;
        let wait = refused[0].as_ref().unwrap().refused.expect("the fourth is refused");
        assert!(wait > Duration::from_millis(1000) && wait <= Duration::from_secs(5), "{wait:?}");
        assert!(refused[1].is_none(), "the global budget was not spent on a refusal");
    }
}
