//! The bus across nodes, through Redis. Every event is appended to one Redis stream by a
//! small Lua script that also numbers it (`0-<n>`, n = 1, 2, 3, ...), atomically, so all
//! nodes agree on one order. Each node reads the stream with a blocking XREAD and hands
//! each event to its local subscribers, its own events included (so a node sees exactly the
//! order every other node sees). The stream is trimmed to about `log_length` events; that
//! much history is what a gateway session can replay when it resumes on another node.
//!
//! Appending is idempotent. Each event carries its node's own number for it (`node_seq`), and
//! the script appends only numbers above the highest it has appended for that node; an event
//! published through an outbox row is appended once per row, whichever node publishes it. So
//! a retried append (a command that timed out may still run later, when Redis answers) is
//! never stored twice, and neither is an event two nodes both publish.
//!
//! When Redis cannot be reached (an append fails, or the reader cannot read), the node keeps
//! serving its own clients: from then on each event it publishes is delivered to its own
//! subscribers at once, outside the shared order (position 0), and still queued for Redis.
//! When Redis answers again the queue is appended in order and the reader passes over those
//! events (already delivered here), while the other nodes receive them then. The guarantee:
//! each node's clients see that node's events in the order it published them, every event
//! exactly once; events of different nodes are ordered by when they reached Redis, so during
//! an outage a node's clients see no other node's events, and afterwards the other nodes'
//! backlogs arrive in the order Redis took them.
//!
//! Publishing never waits: events go through a bounded queue to a publisher task. If Redis
//! is unreachable for long enough to fill that queue, further events are still delivered
//! here but dropped for the other nodes, and counted (and logged), rather than growing memory
//! without limit.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::{StreamRangeReply, StreamReadReply};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bus::BusError;
use crate::{Event, EventBus, wire};

/// Appends one event (ARGV[1], keeping about ARGV[2] events) and numbers it, atomically,
/// unless it was appended before: its node's number ARGV[3] at or below that node's highest
/// appended (KEYS[3] holds it, for a day), or its outbox row ARGV[4] already appended (KEYS[4]
/// marks it, for a day). Returns its position, or 0 for an event already in the log.
const APPEND: &str = r"
local seq = tonumber(ARGV[3])
if seq > 0 then
  if seq <= tonumber(redis.call('GET', KEYS[3]) or '0') then return 0 end
  redis.call('SET', KEYS[3], ARGV[3], 'EX', 86400)
end
if ARGV[4] ~= '' and not redis.call('SET', KEYS[4], '1', 'NX', 'EX', 86400) then return 0 end
local n = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '0-' .. n, 'e', ARGV[1])
return n
";

/// Events waiting for Redis, per node.
const PUBLISH_QUEUE: usize = 65_536;
/// Events read per XREAD.
const READ_BATCH: usize = 1000;
/// How long XREAD blocks waiting for an event; the connection's own timeout is longer.
const READ_BLOCK: Duration = Duration::from_secs(1);
/// The most one append may take before the node serves its clients without Redis.
const APPEND_TIMEOUT: Duration = Duration::from_secs(1);
/// Backoff between failed appends: short, so a recovered Redis is used again within a second.
const RETRY_FIRST: Duration = Duration::from_millis(50);
const RETRY_MOST: Duration = Duration::from_secs(1);

/// What the publisher and the reader know about reaching Redis, and which of this node's
/// events were already delivered here (while Redis was not reachable).
#[derive(Debug, Default)]
struct Reach {
    append_failing: bool,
    read_failing: bool,
    /// Ranges of this node's own numbers delivered locally, oldest first.
    delivered_here: VecDeque<(u64, u64)>,
}

impl Reach {
    fn down(&self) -> bool {
        self.append_failing || self.read_failing
    }

    fn mark(&mut self, seq: u64) {
        match self.delivered_here.back_mut() {
            Some((_, end)) if *end + 1 == seq => *end = seq,
            Some((_, end)) if *end >= seq => {}
            _ => self.delivered_here.push_back((seq, seq)),
        }
    }

    fn is_marked(&self, seq: u64) -> bool {
        self.delivered_here.iter().any(|(start, end)| (*start..=*end).contains(&seq))
    }

    /// Whether own event `seq`, just read from the log, was delivered here already; what
    /// lies before it is no longer needed (own events come back in order).
    fn take(&mut self, seq: u64) -> bool {
        let marked = self.is_marked(seq);
        while let Some((start, end)) = self.delivered_here.front_mut() {
            if *end <= seq {
                self.delivered_here.pop_front();
            } else {
                *start = (*start).max(seq + 1);
                break;
            }
        }
        marked
    }
}

#[derive(Debug)]
pub(crate) struct RedisTransport {
    queue: mpsc::Sender<Event>,
    /// This node's next number for an event; held while the event is queued, so the queue
    /// (and so the log) has them in order, which idempotent appending relies on.
    order: Mutex<u64>,
    reach: Arc<Mutex<Reach>>,
    replay: ConnectionManager,
    stream: String,
    counter: String,
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
    /// Told the outbox row of each event once it is in the log (so the row can go).
    pub appended: Option<mpsc::Sender<u64>>,
}

fn unavailable(e: impl std::fmt::Display) -> BusError {
    BusError::Unavailable(e.to_string())
}

fn position_of(id: &str) -> Option<u64> {
    id.strip_prefix("0-")?.parse().ok()
}

fn lock(reach: &Mutex<Reach>) -> std::sync::MutexGuard<'_, Reach> {
    reach.lock().unwrap_or_else(|p| p.into_inner())
}

impl RedisTransport {
    pub(crate) fn enqueue(&self, mut event: Event, bus: &EventBus) {
        let mut order = self.order.lock().unwrap_or_else(|p| p.into_inner());
        *order += 1;
        event.node_seq = *order;
        let local = {
            let mut reach = lock(&self.reach);
            let down = reach.down();
            if down {
                reach.mark(event.node_seq);
            }
            down.then(|| event.clone())
        };
        let sent = self.queue.try_send(event);
        bus.metrics().backlog.set(i64::try_from(PUBLISH_QUEUE - self.queue.capacity()).unwrap_or(i64::MAX));
        if let Err(e) = sent {
            bus.metrics().dropped.inc();
            let dropped = bus.metrics().dropped.get();
            tracing::error!(
                dropped,
                "Redis is not keeping up (or unreachable): an event was not sent to the other nodes"
            );
            if local.is_none() {
                // Its own clients still hear of it.
                let mut event = match e {
                    mpsc::error::TrySendError::Full(event) | mpsc::error::TrySendError::Closed(event) => event,
                };
                lock(&self.reach).mark(event.node_seq);
                event.position = 0;
                bus.deliver(event);
            }
        }
        drop(order);
        if let Some(event) = local {
            bus.deliver(event);
        }
    }

    pub(crate) async fn replay_after(&self, position: u64, limit: usize) -> Result<Option<Vec<Event>>, BusError> {
        let mut conn = self.replay.clone();
        // The newest position and the range in one MULTI, so they agree. Read one after the
        // other, an event appended between them made a caught-up session look like one whose
        // events were trimmed away: a lost session on a busy instance (the rolling-upgrade
        // test lost one resume in about six).
        let (newest, reply): (Option<u64>, StreamRangeReply) = redis::pipe()
            .atomic()
            .cmd("GET")
            .arg(&self.counter)
            .cmd("XRANGE")
            .arg(&self.stream)
            .arg(format!("0-{}", position + 1))
            .arg("+")
            .arg("COUNT")
            .arg(limit + 1)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let first = reply.ids.first().map(|id| position_of(&id.id));
        if let Err(refusal) = replayable(position, newest.unwrap_or(0), first, reply.ids.len(), limit) {
            tracing::warn!(position, newest, limit, %refusal, "cannot replay the shared log after this position");
            return Ok(None);
        }
        Ok(Some(
            reply.ids.iter().filter_map(|id| wire::decode(&id.get::<String>("e")?, position_of(&id.id)?)).collect(),
        ))
    }
}

/// Why the log read after a position cannot stand for everything since.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
enum Unreplayable {
    #[error("more events than the limit")]
    TooMany,
    #[error("the next event is no longer in the log")]
    Trimmed,
    #[error("an entry that is not an event position")]
    Unnumbered,
}

/// Whether a read of `count` entries starting at `first`, taken together with the counter
/// `newest`, holds every event after `position`.
fn replayable(
    position: u64,
    newest: u64,
    first: Option<Option<u64>>,
    count: usize,
    limit: usize,
) -> Result<(), Unreplayable> {
    if count > limit {
        return Err(Unreplayable::TooMany);
    }
    match first {
        // Nothing after it: fine if nothing was appended after it (a client may even be
        // ahead of the log by the events that never enter it).
        None if newest <= position => Ok(()),
        None => Err(Unreplayable::Trimmed),
        Some(None) => Err(Unreplayable::Unnumbered),
        // The log must still hold the very next event, or something is missing.
        Some(Some(first)) if first != position + 1 => Err(Unreplayable::Trimmed),
        Some(Some(_)) => Ok(()),
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
    let reach = Arc::new(Mutex::new(Reach::default()));
    let transport = RedisTransport {
        queue,
        order: Mutex::new(0),
        reach: reach.clone(),
        replay: manager.clone(),
        stream: stream.clone(),
        counter: counter.clone(),
    };
    // Read from whatever is newest now: history is for replays, not for a node starting up.
    let mut conn = manager.clone();
    let start: Option<u64> = redis::cmd("GET").arg(&counter).query_async(&mut conn).await.map_err(unavailable)?;
    let bus = EventBus::with_redis(sender, crate::bus::random_node_id(), transport);
    let publisher = Publisher {
        client: client.clone(),
        bus: bus.clone(),
        reach: reach.clone(),
        keys: Keys {
            stream: stream.clone(),
            counter,
            node_last: format!("{}:events:node:{}", options.key_prefix, bus.node()),
            outbox_prefix: format!("{}:events:outbox:", options.key_prefix),
        },
        log_length: options.log_length,
        appended: options.appended.clone(),
    };
    tasks.spawn(publisher.run(pending, shutdown.clone()));
    tasks.spawn(read(client, bus.clone(), reach, stream, start.unwrap_or(0), shutdown));
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

struct Keys {
    stream: String,
    counter: String,
    /// The highest of this node's numbers appended.
    node_last: String,
    /// `prefix` + outbox row id: set once the row's event is appended.
    outbox_prefix: String,
}

struct Publisher {
    client: redis::Client,
    bus: EventBus,
    reach: Arc<Mutex<Reach>>,
    keys: Keys,
    log_length: usize,
    appended: Option<mpsc::Sender<u64>>,
}

impl Publisher {
    async fn connection(&self) -> Option<MultiplexedConnection> {
        // The append has its own deadline (APPEND_TIMEOUT); the connection's is a backstop.
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(APPEND_TIMEOUT))
            .set_response_timeout(Some(APPEND_TIMEOUT * 2));
        self.client.get_multiplexed_async_connection_with_config(&config).await.ok()
    }

    async fn run(self, mut pending: mpsc::Receiver<Event>, shutdown: CancellationToken) {
        let script = redis::Script::new(APPEND);
        let mut conn: Option<MultiplexedConnection> = None;
        loop {
            let event = tokio::select! {
                // Whatever is already queued still goes out before the node stops.
                event = pending.recv() => match event { Some(event) => event, None => return },
                () = shutdown.cancelled(), if pending.is_empty() => return,
            };
            // What waits behind this one (it counts until it is appended).
            self.bus.metrics().backlog.set(i64::try_from(pending.len() + 1).unwrap_or(i64::MAX));
            let payload = wire::encode(&event);
            let outbox_key = event.outbox.map(|id| format!("{}{id}", self.keys.outbox_prefix)).unwrap_or_default();
            let mut delay = RETRY_FIRST;
            loop {
                if conn.is_none() {
                    conn = self.connection().await;
                }
                let appended = match conn.as_mut() {
                    Some(c) => {
                        let mut invocation = script.prepare_invoke();
                        invocation
                            .key(&self.keys.stream)
                            .key(&self.keys.counter)
                            .key(&self.keys.node_last)
                            .key(if outbox_key.is_empty() { &self.keys.node_last } else { &outbox_key })
                            .arg(&payload)
                            .arg(self.log_length)
                            .arg(event.node_seq)
                            .arg(event.outbox.map(|id| id.to_string()).unwrap_or_default());
                        let invocation = invocation.invoke_async::<u64>(c);
                        match tokio::time::timeout(APPEND_TIMEOUT, invocation).await {
                            Ok(Ok(_)) => Ok(()),
                            Ok(Err(e)) => Err(e.to_string()),
                            Err(_) => Err("no answer within a second".to_owned()),
                        }
                    }
                    None => Err("cannot connect".to_owned()),
                };
                match appended {
                    Ok(()) => {
                        self.set_failing(false);
                        self.bus.metrics().backlog.set(i64::try_from(pending.len()).unwrap_or(i64::MAX));
                        if let (Some(id), Some(appended)) = (event.outbox, &self.appended) {
                            // The row may go; if this is full, the outbox relay removes it later.
                            let _ = appended.try_send(id);
                        }
                        break;
                    }
                    Err(e) => {
                        // A command that timed out may still run when Redis answers: the
                        // retry is safe (appending is idempotent), but the connection is
                        // replaced so the retry does not queue behind it.
                        conn = None;
                        let first_failure = self.set_failing(true);
                        if first_failure {
                            tracing::warn!(error = %e, "cannot append events to Redis; this node's clients are served directly until it answers");
                        }
                        self.deliver_here_once(&event);
                        tokio::select! {
                            () = shutdown.cancelled() => return,
                            () = tokio::time::sleep(delay) => {}
                        }
                        delay = (delay * 2).min(RETRY_MOST);
                    }
                }
            }
        }
    }

    /// Records whether appends fail; returns whether this is the start of a failure.
    fn set_failing(&self, failing: bool) -> bool {
        let (was, down) = {
            let mut reach = lock(&self.reach);
            let was = reach.append_failing;
            reach.append_failing = failing;
            (was, reach.down())
        };
        if was != failing {
            self.bus.set_shared_up(!down);
            if !failing {
                tracing::info!("Redis answers again: events are appended in order, the backlog first");
            }
        }
        failing && !was
    }

    /// Delivers `event` to this node's subscribers, unless it already was.
    fn deliver_here_once(&self, event: &Event) {
        let fresh = {
            let mut reach = lock(&self.reach);
            let fresh = !reach.is_marked(event.node_seq);
            if fresh {
                reach.mark(event.node_seq);
            }
            fresh
        };
        if fresh {
            let mut event = event.clone();
            event.position = 0;
            self.bus.deliver(event);
        }
    }
}

async fn read(
    client: redis::Client,
    bus: EventBus,
    reach: Arc<Mutex<Reach>>,
    stream: String,
    mut last: u64,
    shutdown: CancellationToken,
) {
    let mut conn: Option<MultiplexedConnection> = None;
    let set_failing = |failing: bool| {
        let (changed, down) = {
            let mut reach = lock(&reach);
            let changed = reach.read_failing != failing;
            reach.read_failing = failing;
            (changed, reach.down())
        };
        if changed {
            bus.set_shared_up(!down);
        }
    };
    // A blocking read waits READ_BLOCK for an event: the connection must wait longer than
    // that before calling a quiet stream a failure (the default, 500 ms, did so twice a second).
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(READ_BLOCK + Duration::from_secs(4)));
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let Some(connection) = conn.as_mut() else {
            match client.get_multiplexed_async_connection_with_config(&config).await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    set_failing(true);
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
            .arg(READ_BLOCK.as_millis() as u64)
            .arg("STREAMS")
            .arg(&stream)
            .arg(format!("0-{last}"));
        let read = command.query_async::<Option<StreamReadReply>>(connection);
        let reply = tokio::select! {
            () = shutdown.cancelled() => return,
            reply = read => reply,
        };
        match reply {
            Ok(reply) => {
                set_failing(false);
                for key in reply.map(|r| r.keys).unwrap_or_default() {
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
                            Some(event) if event.origin == bus.node() && lock(&reach).take(event.node_seq) => {
                                // Delivered here already, while Redis was unreachable.
                                bus.advance(position);
                            }
                            Some(event) => bus.deliver(event),
                            None => tracing::warn!(position, "skipped an event this node cannot read"),
                        }
                    }
                }
            }
            Err(e) => {
                set_failing(true);
                tracing::warn!(error = %e, "reading events from Redis failed; reconnecting");
                conn = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Reach, Unreplayable, replayable};

    #[test]
    fn a_replay_stands_for_everything_since_only_when_it_starts_at_the_next_event_and_fits() {
        assert_eq!(replayable(10, 10, None, 0, 5), Ok(()), "caught up");
        assert_eq!(replayable(12, 10, None, 0, 5), Ok(()), "ahead by events outside the log");
        assert_eq!(replayable(10, 12, None, 0, 5), Err(Unreplayable::Trimmed), "appended but not read");
        assert_eq!(replayable(10, 13, Some(Some(11)), 3, 5), Ok(()));
        assert_eq!(replayable(10, 13, Some(Some(12)), 2, 5), Err(Unreplayable::Trimmed));
        assert_eq!(replayable(10, 20, Some(Some(11)), 6, 5), Err(Unreplayable::TooMany));
        assert_eq!(replayable(10, 11, Some(None), 1, 5), Err(Unreplayable::Unnumbered));
    }

    #[test]
    fn events_delivered_here_are_passed_over_once_when_they_come_back_from_the_log() {
        let mut reach = Reach::default();
        for seq in [3, 4, 5, 9] {
            reach.mark(seq);
        }
        assert_eq!(reach.delivered_here, [(3, 5), (9, 9)]);
        assert!(!reach.take(2), "not delivered here");
        assert!(reach.take(3) && reach.take(4));
        assert!(!reach.take(6), "between the ranges");
        assert!(reach.take(9));
        assert!(reach.delivered_here.is_empty(), "nothing older is kept");
        assert!(!reach.take(9), "never twice");
    }
}

/// The append script against a real Redis (`PARLEY_TEST_REDIS_URL`, or the local one): the
/// suite skips these with the other multi-node tests when there is no Redis, and they fail
/// rather than pass when it cannot be reached.
#[cfg(test)]
mod multi_node_tests {
    use super::APPEND;

    async fn redis() -> redis::aio::MultiplexedConnection {
        let url = std::env::var("PARLEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let client = redis::Client::open(url.as_str()).unwrap();
        client.get_multiplexed_async_connection().await.expect("Redis must be running for the multi-node tests")
    }

    async fn append(
        conn: &mut redis::aio::MultiplexedConnection,
        prefix: &str,
        node: u64,
        seq: u64,
        outbox: &str,
    ) -> u64 {
        let node_key = format!("{prefix}:events:node:{node}");
        let outbox_key = format!("{prefix}:events:outbox:{outbox}");
        redis::Script::new(APPEND)
            .key(format!("{prefix}:events"))
            .key(format!("{prefix}:events:position"))
            .key(&node_key)
            .key(if outbox.is_empty() { &node_key } else { &outbox_key })
            .arg(format!("event {node}/{seq}"))
            .arg(1000)
            .arg(seq)
            .arg(outbox)
            .invoke_async(conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn multi_node_a_retried_append_or_a_second_publisher_of_an_outbox_row_is_never_stored_twice() {
        let mut conn = redis().await;
        let prefix = format!("parley-test-{}", std::process::id() as u64 * 1000 + rand_suffix());
        assert_eq!(append(&mut conn, &prefix, 1, 1, "").await, 1);
        assert_eq!(append(&mut conn, &prefix, 1, 1, "").await, 0, "the same event again (a retry)");
        assert_eq!(append(&mut conn, &prefix, 1, 2, "").await, 2);
        assert_eq!(append(&mut conn, &prefix, 1, 1, "").await, 0, "an older retry that ran late");
        assert_eq!(append(&mut conn, &prefix, 2, 1, "").await, 3, "another node numbers its own");
        assert_eq!(append(&mut conn, &prefix, 1, 3, "77").await, 4);
        assert_eq!(append(&mut conn, &prefix, 2, 2, "77").await, 0, "another node publishing the same row");
        assert_eq!(append(&mut conn, &prefix, 2, 3, "").await, 5, "and that node goes on numbering");
        let stored: u64 = redis::cmd("XLEN").arg(format!("{prefix}:events")).query_async(&mut conn).await.unwrap();
        assert_eq!(stored, 5);
        let _: () = redis::cmd("DEL")
            .arg(format!("{prefix}:events"))
            .arg(format!("{prefix}:events:position"))
            .arg(format!("{prefix}:events:node:1"))
            .arg(format!("{prefix}:events:node:2"))
            .arg(format!("{prefix}:events:outbox:77"))
            .query_async(&mut conn)
            .await
            .unwrap();
    }

    /// The bug the rolling-upgrade test found: a caught-up session resuming while events
    /// are appended was refused whenever one landed between reading the range and the counter.
    #[tokio::test]
    async fn multi_node_a_caught_up_position_replays_while_other_nodes_append() {
        let prefix = format!("parley-test-{}", std::process::id() as u64 * 1000 + rand_suffix());
        let url = std::env::var("PARLEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let shutdown = tokio_util::sync::CancellationToken::new();
        let tasks = tokio_util::task::TaskTracker::new();
        let options = super::RedisBusOptions {
            url,
            key_prefix: prefix.clone(),
            capacity: 64,
            log_length: 100_000,
            appended: None,
        };
        let bus = super::connect(&options, shutdown.clone(), &tasks).await.unwrap();
        let appending = shutdown.clone();
        let mut writer = redis().await;
        let writer_prefix = prefix.clone();
        let appender = tokio::spawn(async move {
            let mut seq = 0;
            while !appending.is_cancelled() {
                seq += 1;
                append(&mut writer, &writer_prefix, 7, seq, "").await;
            }
        });
        let mut reader = redis().await;
        for _ in 0..2000 {
            let newest: Option<u64> =
                redis::cmd("GET").arg(format!("{prefix}:events:position")).query_async(&mut reader).await.unwrap();
            let replay = bus.replay_after(newest.unwrap_or(0), 1024).await.unwrap();
            assert!(replay.is_some(), "a position the log has everything after must replay");
        }
        shutdown.cancel();
        appender.await.unwrap();
        tasks.close();
        tasks.wait().await;
        let _: () = redis::cmd("DEL")
            .arg(format!("{prefix}:events"))
            .arg(format!("{prefix}:events:position"))
            .arg(format!("{prefix}:events:node:7"))
            .query_async(&mut reader)
            .await
            .unwrap();
    }

    fn rand_suffix() -> u64 {
        crate::bus::random_node_id() % 1000
    }
}
