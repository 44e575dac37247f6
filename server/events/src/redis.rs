//! The bus across nodes, through Redis. Every event is appended to one Redis stream by a
//! small Lua script that also numbers it (`0-<n>`, n = 1, 2, 3, ...), atomically, so all
//! nodes agree on one order. Each node reads the stream with a blocking XREAD and hands
//! each event to its local subscribers, its own events included (so a node sees exactly the
//! order every other node sees). The stream is trimmed to about `log_length` events; that
//! much history is what a gateway session can replay when it resumes on another node.
//!
//! Publishing never waits: events go through a bounded queue to a publisher task. If Redis
//! is unreachable for long enough to fill that queue, further events are dropped and counted
//! (and logged), rather than growing memory without limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::{StreamRangeReply, StreamReadReply};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bus::BusError;
use crate::{Event, EventBus, wire};

/// Appends one event and numbers it, atomically.
const APPEND: &str = r"
local n = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '0-' .. n, 'e', ARGV[1])
return n
";

/// Events waiting for Redis, per node.
const PUBLISH_QUEUE: usize = 65_536;
/// Events read per XREAD.
const READ_BATCH: usize = 1000;

#[derive(Debug)]
pub(crate) struct RedisTransport {
    queue: mpsc::Sender<Event>,
    replay: ConnectionManager,
    stream: String,
    counter: String,
    dropped: Arc<AtomicU64>,
}

/// How to reach Redis and what to keep there.
#[derive(Clone, Debug)]
pub struct RedisBusOptions {
    pub url: String,
    /// Prefixes every key, so several deployments (or test runs) can share one Redis.
    pub key_prefix: String,
    /// Events the local broadcast holds for its slowest subscriber.
    pub capacity: usize,
    /// About how many events the shared stream keeps for replay.
    pub log_length: usize,
}

fn unavailable(e: impl std::fmt::Display) -> BusError {
    BusError::Unavailable(e.to_string())
}

fn position_of(id: &str) -> Option<u64> {
    id.strip_prefix("0-")?.parse().ok()
}

impl RedisTransport {
    pub(crate) fn enqueue(&self, event: Event) {
        if self.queue.try_send(event).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::error!(dropped, "Redis is not keeping up (or unreachable): an event was dropped");
        }
    }

    pub(crate) async fn replay_after(&self, position: u64, limit: usize) -> Result<Option<Vec<Event>>, BusError> {
        let mut conn = self.replay.clone();
        let reply: StreamRangeReply = redis::cmd("XRANGE")
            .arg(&self.stream)
            .arg(format!("0-{}", position + 1))
            .arg("+")
            .arg("COUNT")
            .arg(limit + 1)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        if reply.ids.len() > limit {
            return Ok(None);
        }
        match reply.ids.first().and_then(|id| position_of(&id.id)) {
            // The log must still hold the very next event, or something is missing.
            Some(first) if first != position + 1 => return Ok(None),
            None => {
                let newest: Option<u64> =
                    redis::cmd("GET").arg(&self.counter).query_async(&mut conn).await.map_err(unavailable)?;
                return Ok((newest.unwrap_or(0) <= position).then(Vec::new));
            }
            Some(_) => {}
        }
        Ok(Some(
            reply.ids.iter().filter_map(|id| wire::decode(&id.get::<String>("e")?, position_of(&id.id)?)).collect(),
        ))
    }
}

/// Connects the bus to Redis and starts its publisher and reader on `tasks`; both stop when
/// `shutdown` fires. Fails if Redis does not answer now (a wrong URL should stop start-up).
pub async fn connect(
    options: &RedisBusOptions,
    shutdown: CancellationToken,
    tasks: &TaskTracker,
) -> Result<EventBus, BusError> {
    let client = redis::Client::open(options.url.as_str()).map_err(unavailable)?;
    let manager = ConnectionManager::new(client.clone()).await.map_err(unavailable)?;
    let stream = format!("{}:events", options.key_prefix);
    let counter = format!("{}:events:position", options.key_prefix);
    let (queue, pending) = mpsc::channel(PUBLISH_QUEUE);
    let (sender, _) = broadcast::channel(options.capacity.max(1));
    let transport = RedisTransport {
        queue,
        replay: manager.clone(),
        stream: stream.clone(),
        counter: counter.clone(),
        dropped: Arc::new(AtomicU64::new(0)),
    };
    // Read from whatever is newest now: history is for replays, not for a node starting up.
    let mut conn = manager.clone();
    let start: Option<u64> = redis::cmd("GET").arg(&counter).query_async(&mut conn).await.map_err(unavailable)?;
    let bus = EventBus::with_redis(sender, crate::bus::random_node_id(), transport);
    tasks.spawn(publish(manager, stream.clone(), counter, options.log_length, pending, shutdown.clone()));
    tasks.spawn(read(client, bus.clone(), stream, start.unwrap_or(0), shutdown));
    tracing::info!(url = %redact(&options.url), "event bus shared through Redis");
    Ok(bus)
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

async fn publish(
    mut conn: ConnectionManager,
    stream: String,
    counter: String,
    log_length: usize,
    mut pending: mpsc::Receiver<Event>,
    shutdown: CancellationToken,
) {
    let script = redis::Script::new(APPEND);
    loop {
        let event = tokio::select! {
            // Whatever is already queued still goes out before the node stops.
            event = pending.recv() => match event { Some(event) => event, None => return },
            () = shutdown.cancelled(), if pending.is_empty() => return,
        };
        let payload = wire::encode(&event);
        let mut delay = Duration::from_millis(50);
        loop {
            let appended: Result<u64, _> =
                script.key(&stream).key(&counter).arg(&payload).arg(log_length).invoke_async(&mut conn).await;
            match appended {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot append an event to Redis; retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(delay) => {}
                    }
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
    }
}

async fn read(client: redis::Client, bus: EventBus, stream: String, mut last: u64, shutdown: CancellationToken) {
    let mut conn: Option<MultiplexedConnection> = None;
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let Some(connection) = conn.as_mut() else {
            match client.get_multiplexed_async_connection().await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot reach Redis to read events; retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(Duration::from_millis(500)) => {}
                    }
                }
            }
            continue;
        };
        let mut command = redis::cmd("XREAD");
        command
            .arg("COUNT")
            .arg(READ_BATCH)
            .arg("BLOCK")
            .arg(1000)
            .arg("STREAMS")
            .arg(&stream)
            .arg(format!("0-{last}"));
        let read = command.query_async::<Option<StreamReadReply>>(connection);
        let reply = tokio::select! {
            () = shutdown.cancelled() => return,
            reply = read => reply,
        };
        match reply {
            Ok(Some(reply)) => {
                for key in reply.keys {
                    for entry in key.ids {
                        let Some(position) = position_of(&entry.id) else { continue };
                        if position > last + 1 {
                            tracing::error!(
                                missed = position - last - 1,
                                "events were trimmed from Redis before this node read them; raise PARLEY_REDIS_EVENT_LOG_LENGTH"
                            );
                        }
                        last = position;
                        match entry.get::<String>("e").and_then(|text| wire::decode(&text, position)) {
                            Some(event) => bus.deliver(event),
                            None => tracing::warn!(position, "skipped an event this node cannot read"),
                        }
                    }
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "reading events from Redis failed; reconnecting");
                conn = None;
            }
        }
    }
}
