//! Database connection pools, read when Prometheus scrapes: connections in use, idle, and the
//! most each pool may open. A pool that stays full means requests wait for a connection.

use parley_store::PoolStats;
use prometheus::{IntGaugeVec, Opts, Registry};

#[derive(Clone, Debug)]
pub struct DatabaseMetrics {
    connections: IntGaugeVec,
    max: IntGaugeVec,
}

impl DatabaseMetrics {
    pub fn new(registry: &Registry) -> Self {
        Self {
            connections: super::register(
                registry,
                IntGaugeVec::new(
                    Opts::new("parley_db_pool_connections", "Database connections by pool and state (in_use or idle)."),
                    &["pool", "state"],
                ),
            ),
            max: super::register(
                registry,
                IntGaugeVec::new(
                    Opts::new("parley_db_pool_max_connections", "The most connections each pool may open."),
                    &["pool"],
                ),
            ),
        }
    }

    pub fn observe(&self, pools: &[PoolStats]) {
        for pool in pools {
            let in_use = pool.open.saturating_sub(pool.idle);
            self.connections.with_label_values(&[pool.name, "in_use"]).set(i64::from(in_use));
            self.connections.with_label_values(&[pool.name, "idle"]).set(i64::from(pool.idle));
            self.max.with_label_values(&[pool.name]).set(i64::from(pool.max));
        }
    }
}
