//! The gateway's Prometheus metrics, registered in the process registry: connections open
//! now, identifies and resumes, dispatches by event name, fan-out time per event, and
//! connections closed because they fell behind (a sign the node or its clients are slow).

use parley_app::metrics::register;
use parley_events::EventName;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// Fan-out buckets in seconds: one event to every session that should see it.
const FANOUT_BUCKETS: &[f64] = &[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

#[derive(Clone, Debug)]
pub struct GatewayMetrics {
    pub connections: IntGauge,
    pub identifies: IntCounter,
    pub resumes: IntCounter,
    /// One counter per event name, resolved once: fan-out counts every delivery, so it must
    /// not look a label up each time (indexed by `EventName as usize`).
    dispatches: Vec<IntCounter>,
    pub overflow_closes: IntCounter,
    pub fanout_seconds: Histogram,
    pub bus_lagged: IntCounter,
    pub revoked_closes: IntCounter,
}

impl GatewayMetrics {
    pub fn new(registry: &Registry) -> Self {
        Self {
            connections: register(
                registry,
                IntGauge::new("parley_gateway_connections", "Gateway WebSocket connections open now."),
            ),
            identifies: register(
                registry,
                IntCounter::new("parley_gateway_identifies_total", "Sessions started with IDENTIFY."),
            ),
            resumes: register(
                registry,
                IntCounter::new("parley_gateway_resumes_total", "Sessions resumed with RESUME."),
            ),
            dispatches: {
                let by_event = register(
                    registry,
                    IntCounterVec::new(
                        Opts::new("parley_gateway_dispatches_total", "Events dispatched to sessions, by event name."),
                        &["event"],
                    ),
                );
                let mut names = EventName::ALL;
                names.sort_by_key(|name| *name as usize);
                names.iter().map(|name| by_event.with_label_values(&[name.as_str()])).collect()
            },
            overflow_closes: register(
                registry,
                IntCounter::new(
                    "parley_gateway_overflow_closes_total",
                    "Connections closed because their queue was full (the session stays resumable).",
                ),
            ),
            fanout_seconds: register(
                registry,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "parley_gateway_fanout_seconds",
                        "Time to hand one event to every session that may see it.",
                    )
                    .buckets(FANOUT_BUCKETS.to_vec()),
                ),
            ),
            bus_lagged: register(
                registry,
                IntCounter::new(
                    "parley_gateway_bus_lagged_total",
                    "Times the gateway fell behind the event bus (every session reconnects).",
                ),
            ),
            revoked_closes: register(
                registry,
                IntCounter::new(
                    "parley_gateway_revoked_closes_total",
                    "Sessions closed (4004) because the sign-in that opened them ended.",
                ),
            ),
        }
    }
}

impl GatewayMetrics {
    /// The dispatch counter of one event name.
    pub fn dispatched(&self, name: EventName) -> &IntCounter {
        &self.dispatches[name as usize]
    }
}

#[cfg(test)]
mod tests {
    use parley_events::EventName;
    use prometheus::Registry;

    use super::GatewayMetrics;

    #[test]
    fn each_event_name_counts_under_its_own_label() {
        let registry = Registry::new();
        let metrics = GatewayMetrics::new(&registry);
        for (times, name) in EventName::ALL.iter().enumerate() {
            metrics.dispatched(*name).inc_by(times as u64 + 1);
        }
        let family = registry.gather().into_iter().find(|f| f.name() == "parley_gateway_dispatches_total").unwrap();
        for (times, name) in EventName::ALL.iter().enumerate() {
            let sample = family.get_metric().iter().find(|m| m.get_label()[0].value() == name.as_str()).unwrap();
            assert_eq!(sample.get_counter().value() as usize, times + 1, "{}", name.as_str());
        }
    }
}
