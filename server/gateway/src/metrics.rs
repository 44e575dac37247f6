//! The gateway's Prometheus metrics, registered in the process registry: connections open
//! now, identifies and resumes, dispatches by event name, fan-out time per event, and
//! connections closed because they fell behind (a sign the node or its clients are slow).

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use parley_api::metrics::register;

/// Fan-out buckets in seconds: one event to every session that should see it.
const FANOUT_BUCKETS: &[f64] = &[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

#[derive(Clone, Debug)]
pub struct GatewayMetrics {
    pub connections: IntGauge,
    pub identifies: IntCounter,
    pub resumes: IntCounter,
    pub dispatches: IntCounterVec,
    pub overflow_closes: IntCounter,
    pub fanout_seconds: Histogram,
    pub bus_lagged: IntCounter,
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
            dispatches: register(
                registry,
                IntCounterVec::new(
                    Opts::new("parley_gateway_dispatches_total", "Events dispatched to sessions, by event name."),
                    &["event"],
                ),
            ),
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
        }
    }
}

/// Keeps the open-connections gauge right however a connection ends.
pub struct ConnectionGuard(IntGauge);

impl ConnectionGuard {
    pub fn open(gauge: &IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}
