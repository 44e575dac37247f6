//! Prometheus metrics for the whole process, exposed at `/metrics` (and on a separate
//! address when `metrics_bind` is set): one registry that every crate registers its
//! collectors in (the gateway adds its own), the process collector and build information.
//!
//! - `auth`: counters of security-relevant events (logins, lockouts, token reuse, limits).
//! - `database`: the database pools' connections, read when Prometheus scrapes.
//! - `files`: uploads by outcome, bytes stored, and the sweeper's removals.
//! - `health`: readiness and the container's memory limit, for the alerts.
//! - `http`: requests, errors and latency by route template, and the middleware that counts them.
//! - `interactions`: interactions started and answered, and HTTP endpoints that failed.

mod auth;
mod database;
mod files;
mod health;
mod http;
mod interactions;

use prometheus::core::Collector;
use prometheus::{Encoder, IntGaugeVec, Opts, Registry, TextEncoder};

pub use auth::AuthCounters;
pub use database::DatabaseMetrics;
pub use files::FileCounters;
pub use health::HealthMetrics;
pub use http::{HttpMetrics, record as record_http};
pub use interactions::InteractionCounters;

#[derive(Clone, Debug)]
pub struct Metrics {
    pub registry: Registry,
    pub auth: AuthCounters,
    pub http: HttpMetrics,
    pub database: DatabaseMetrics,
    pub health: HealthMetrics,
    pub interactions: InteractionCounters,
    pub files: FileCounters,
}

/// Registers `collector` and hands it back. A name registered twice is a programming error
/// that every test would hit at start-up.
pub fn register<C: Collector + Clone + 'static>(registry: &Registry, collector: prometheus::Result<C>) -> C {
    let collector = collector.expect("a metric's name and labels are valid");
    registry.register(Box::new(collector.clone())).expect("each metric is registered once");
    collector
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))
            .expect("the process collector registers once");
        let build = register(
            &registry,
            IntGaugeVec::new(
                Opts::new("parley_build_info", "Always 1; the labels say which build is running."),
                &["version"],
            ),
        );
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        Self {
            auth: AuthCounters::new(&registry),
            http: HttpMetrics::new(&registry),
            database: DatabaseMetrics::new(&registry),
            health: HealthMetrics::new(&registry),
            interactions: InteractionCounters::new(&registry),
            files: FileCounters::new(&registry),
            registry,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out).expect("metrics encode to a Vec");
        String::from_utf8(out).expect("the text exposition is UTF-8")
    }
}

/// Holds a gauge up by one while it lives: the count stays right however the work ends
/// (finished, failed, or dropped when a client goes away).
pub struct GaugeGuard(prometheus::IntGauge);

impl GaugeGuard {
    pub fn hold(gauge: &prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
