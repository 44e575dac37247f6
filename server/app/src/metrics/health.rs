//! Whether this node can serve, as the alerts see it: `parley_ready` (what `/ready` answers,
//! set at each scrape) and `parley_memory_limit_bytes` (the container's memory limit, from
//! its cgroup, so memory alerts need no threshold per deployment).

use prometheus::{IntGauge, Registry};

use super::register;

#[derive(Clone, Debug)]
pub struct HealthMetrics {
    pub ready: IntGauge,
    pub memory_limit: IntGauge,
}

impl HealthMetrics {
    pub fn new(registry: &Registry) -> Self {
        let memory_limit = register(
            registry,
            IntGauge::new(
                "parley_memory_limit_bytes",
                "The memory limit of this process's cgroup (a container's limit); 0 when there is none.",
            ),
        );
        memory_limit.set(cgroup_memory_limit().map_or(0, |bytes| i64::try_from(bytes).unwrap_or(i64::MAX)));
        Self {
            ready: register(
                registry,
                IntGauge::new(
                    "parley_ready",
                    "1 when /ready would answer 200 (database reachable, schema usable), else 0.",
                ),
            ),
            memory_limit,
        }
    }
}

/// The memory limit of the cgroup this process runs in: cgroup v2's `memory.max`, else v1's
/// `memory.limit_in_bytes`. None without one ("max", or v1's huge "unlimited" number).
fn cgroup_memory_limit() -> Option<u64> {
    let read = |path: &str| std::fs::read_to_string(path).ok().and_then(|text| text.trim().parse::<u64>().ok());
    let limit = read("/sys/fs/cgroup/memory.max").or_else(|| read("/sys/fs/cgroup/memory/memory.limit_in_bytes"))?;
    // v1 reports "no limit" as a number near i64::MAX rounded to pages.
    (limit < 1 << 60).then_some(limit)
}
