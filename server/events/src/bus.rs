//! The event bus. Locally it is a bounded broadcast channel: publishing never waits, each
//! subscriber reads at its own pace, and one that falls more than `capacity` events behind
//! receives `RecvError::Lagged` (the gateway then makes its sessions start over).
//!
//! Every event gets a position in one global order. In-process that is a counter; with
//! Redis (see [`crate::redis`]) it is the event's place in a shared, bounded Redis stream,
//! which every node reads in the same order, so sequence numbers mean the same everywhere and
//! a gateway session can resume on another node by replaying from the stream.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch};

use prometheus::{IntCounter, IntGauge};

use crate::Event;
use crate::redis::RedisTransport;

#[derive(Clone, Debug)]
pub struct EventBus {
    inner: Arc<BusInner>,
}

#[derive(Debug)]
struct BusInner {
    sender: broadcast::Sender<Arc<Event>>,
    /// This process's id among the nodes sharing the bus.
    node: u64,
    /// The newest position delivered to local subscribers.
    latest: AtomicU64,
    transport: Transport,
    metrics: BusMetrics,
    /// Whether the shared log is reachable (always, in-process).
    shared_up: watch::Sender<bool>,
}

/// What the bus counts, for the metrics page: events published here, events delivered here
/// (from every node), and the newest position delivered. Across nodes,
/// `max(parley_bus_position) - parley_bus_position` is how many events a node is behind.
/// With Redis also the link ([`BusMetrics::shared`]): whether the shared log answers, how
/// many events wait to be appended to it, and how many never reached it.
#[derive(Clone, Debug)]
pub struct BusMetrics {
    pub published: IntCounter,
    pub received: IntCounter,
    pub position: IntGauge,
    pub redis_up: IntGauge,
    pub backlog: IntGauge,
    pub dropped: IntCounter,
}

impl BusMetrics {
    fn new() -> Self {
        let counter = |name: &str, help: &str| IntCounter::new(name, help).expect("a valid counter");
        Self {
            published: counter("parley_bus_published_total", "Events this node published on the event bus."),
            received: counter(
                "parley_bus_received_total",
                "Events the bus delivered to this node's subscribers, from every node.",
            ),
            position: IntGauge::new(
                "parley_bus_position",
                "The newest event-bus position delivered to this node; nodes that lag show a lower one.",
            )
            .expect("a valid gauge"),
            redis_up: IntGauge::new(
                "parley_bus_redis_up",
                "1 while this node can append to and read from the shared event log in Redis, else 0.",
            )
            .expect("a valid gauge"),
            backlog: IntGauge::new(
                "parley_bus_backlog",
                "Events this node published that wait to be appended to the shared log in Redis.",
            )
            .expect("a valid gauge"),
            dropped: counter(
                "parley_bus_dropped_total",
                "Events this node's clients got but the other nodes never will: the queue to Redis was full.",
            ),
        }
    }

    /// The metrics that only mean something with Redis (registered only then).
    pub fn shared(&self) -> [Box<dyn prometheus::core::Collector>; 3] {
        [Box::new(self.redis_up.clone()), Box::new(self.backlog.clone()), Box::new(self.dropped.clone())]
    }
}

#[derive(Debug)]
enum Transport {
    /// Positions come from this counter; the lock keeps them in the order they are sent.
    InProcess(Mutex<u64>),
    Redis(RedisTransport),
}

/// Why the bus could not replay.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("the event log is unreachable: {0}")]
    Unavailable(String),
}

/// A fresh id for this process among the nodes sharing a bus.
pub(crate) fn random_node_id() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    u64::from_le_bytes(bytes) >> 1
}

impl EventBus {
    /// A bus inside this process, holding at most `capacity` events not yet read by its
    /// slowest subscriber.
    pub fn in_process(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self {
            inner: Arc::new(BusInner {
                sender,
                node: random_node_id(),
                latest: AtomicU64::new(0),
                transport: Transport::InProcess(Mutex::new(0)),
                metrics: BusMetrics::new(),
                shared_up: watch::Sender::new(true),
            }),
        }
    }

    /// A bus shared through Redis (see [`crate::redis::connect`]).
    pub(crate) fn with_redis(sender: broadcast::Sender<Arc<Event>>, node: u64, transport: RedisTransport) -> Self {
        let metrics = BusMetrics::new();
        metrics.redis_up.set(1);
        Self {
            inner: Arc::new(BusInner {
                sender,
                node,
                latest: AtomicU64::new(0),
                transport: Transport::Redis(transport),
                metrics,
                shared_up: watch::Sender::new(true),
            }),
        }
    }

    /// Publishes an event to every subscriber on every node. Never blocks; with no
    /// subscribers the event simply goes nowhere.
    pub fn publish(&self, mut event: Event) {
        event.origin = self.inner.node;
        self.inner.metrics.published.inc();
        match &self.inner.transport {
            Transport::InProcess(counter) => {
                let mut counter = counter.lock().unwrap_or_else(|p| p.into_inner());
                *counter += 1;
                event.position = *counter;
                self.deliver(event);
            }
            Transport::Redis(redis) => redis.enqueue(event, self),
        }
    }

    /// Hands an event to local subscribers: with its position, or with none (0) while the
    /// shared log is unreachable.
    pub(crate) fn deliver(&self, event: Event) {
        if event.is_ordered() {
            self.advance(event.position);
        }
        self.inner.metrics.received.inc();
        let _ = self.inner.sender.send(Arc::new(event));
    }

    /// Notes that the shared log reached `position` (an event this node had already delivered
    /// while the log was unreachable came back from it).
    pub(crate) fn advance(&self, position: u64) {
        let newest = self.inner.latest.fetch_max(position, Ordering::Relaxed).max(position);
        self.inner.metrics.position.set(i64::try_from(newest).unwrap_or(i64::MAX));
    }

    pub(crate) fn set_shared_up(&self, up: bool) {
        self.inner.metrics.redis_up.set(i64::from(up));
        self.inner.shared_up.send_if_modified(|current| std::mem::replace(current, up) != up);
    }

    /// Whether the shared log is reachable now, and every change of that (gateways record
    /// sessions made meanwhile when it comes back).
    pub fn shared_up(&self) -> watch::Receiver<bool> {
        self.inner.shared_up.subscribe()
    }

    /// The bus's counters, for the metrics registry to expose.
    pub fn metrics(&self) -> &BusMetrics {
        &self.inner.metrics
    }

    /// Every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.sender.subscribe()
    }

    /// This node's id; events it published carry it as their `origin`.
    pub fn node(&self) -> u64 {
        self.inner.node
    }

    /// The newest position delivered here so far.
    pub fn latest_position(&self) -> u64 {
        self.inner.latest.load(Ordering::Relaxed)
    }

    /// Whether events travel between nodes (and can be replayed from the shared log).
    pub fn is_shared(&self) -> bool {
        matches!(self.inner.transport, Transport::Redis(_))
    }

    /// The events after `position`, oldest first, at most `limit`; `Ok(None)` when the log
    /// no longer holds all of them (or, in-process, keeps no log at all).
    pub async fn replay_after(&self, position: u64, limit: usize) -> Result<Option<Vec<Event>>, BusError> {
        match &self.inner.transport {
            Transport::InProcess(_) => Ok(None),
            Transport::Redis(redis) => redis.replay_after(position, limit).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Audience, EventName, Keys};
    use parley_core::Snowflake;
    use tokio::sync::broadcast::error::RecvError;

    fn event(n: u64) -> Event {
        Event::new(
            EventName::GuildUpdate,
            Audience::Users(vec![Snowflake::new(n)]),
            Keys::none(),
            &serde_json::json!({"n": n}),
        )
    }

    #[tokio::test]
    async fn positions_follow_the_order_events_were_published_in() {
        let bus = EventBus::in_process(16);
        let mut a = bus.subscribe();
        for n in 0..3 {
            bus.publish(event(n));
        }
        for position in 1..=3 {
            let e = a.recv().await.unwrap();
            assert_eq!((e.position, e.origin), (position, bus.node()));
        }
        assert_eq!(bus.latest_position(), 3);
    }

    #[tokio::test]
    async fn every_subscriber_receives_every_event_in_order() {
        let bus = EventBus::in_process(16);
        let (mut a, mut b) = (bus.subscribe(), bus.subscribe());
        for n in 0..3 {
            bus.publish(event(n));
        }
        for receiver in [&mut a, &mut b] {
            for n in 0..3 {
                assert_eq!(receiver.recv().await.unwrap().json()["n"], n);
            }
        }
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_and_memory_stays_bounded() {
        let bus = EventBus::in_process(4);
        let mut slow = bus.subscribe();
        for n in 0..10 {
            bus.publish(event(n));
        }
        assert!(matches!(slow.recv().await, Err(RecvError::Lagged(6))));
        assert_eq!(slow.recv().await.unwrap().json()["n"], 6, "it resumes at the oldest event still held");
    }

    #[test]
    fn publishing_counts_and_moves_the_position() {
        let bus = EventBus::in_process(8);
        let _receiver = bus.subscribe();
        bus.publish(event(1));
        bus.publish(event(2));
        let metrics = bus.metrics();
        assert_eq!((metrics.published.get(), metrics.received.get(), metrics.position.get()), (2, 2, 2));
    }

    #[test]
    fn publishing_with_no_subscribers_is_fine() {
        EventBus::in_process(1).publish(event(1));
    }

    #[test]
    fn payloads_are_serialised_once_and_shared() {
        let e = Arc::new(event(7));
        let clone = e.clone();
        assert!(Arc::ptr_eq(&e.data, &clone.data));
        assert_eq!(e.name.as_str(), "GUILD_UPDATE");
    }
}
