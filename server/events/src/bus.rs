//! The event bus. In-process, it is a bounded broadcast channel: publishing never waits,
//! each subscriber reads at its own pace, and one that falls more than `capacity` events
//! behind receives `RecvError::Lagged` (the gateway then closes that session as resumable).

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::Event;

#[derive(Clone, Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Event>>,
}

impl EventBus {
    /// A bus holding at most `capacity` events not yet read by its slowest subscriber.
    pub fn in_process(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self { sender }
    }

    /// Publishes an event to every current subscriber. Never blocks; with no subscribers the
    /// event simply goes nowhere.
    pub fn publish(&self, event: Event) {
        let _ = self.sender.send(Arc::new(event));
    }

    /// Every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Audience, EventName};
    use parley_core::Snowflake;
    use tokio::sync::broadcast::error::RecvError;

    fn event(n: u64) -> Event {
        Event::new(EventName::GuildUpdate, Audience::Users(vec![Snowflake::new(n)]), &serde_json::json!({"n": n}))
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
