//! A closed-loop load generator: each client sends a request, waits for the answer, sends
//! the next, until the deadline. Latencies are kept per client in a bounded buffer.

use std::future::Future;
use std::time::{Duration, Instant};

/// Most latency samples a client keeps; past this, further samples are dropped (the count
/// of requests still includes them).
const MAX_SAMPLES_PER_CLIENT: usize = 1_000_000;

#[derive(Debug, Clone)]
pub struct Stats {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Sorted latencies in microseconds.
    latencies_us: Vec<u32>,
}

impl Stats {
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    /// The `q` quantile (0..=1) of latency, in milliseconds.
    pub fn percentile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        self.latencies_us[index] as f64 / 1000.0
    }
}

/// Runs `clients` loops of `request(client_index)` for `duration`. A request returns whether
/// it succeeded; failures count as errors and are not timed.
pub async fn run<F, Fut>(clients: usize, duration: Duration, request: F) -> Stats
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(4096);
                let (mut ok, mut errors) = (0u64, 0u64);
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if request(client).await {
                        ok += 1;
                        if samples.len() < MAX_SAMPLES_PER_CLIENT {
                            samples.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        }
                    } else {
                        errors += 1;
                    }
                }
                (ok, errors, samples)
            })
        })
        .collect();
    let mut stats = Stats { requests: 0, errors: 0, elapsed: Duration::ZERO, latencies_us: Vec::new() };
    for task in tasks {
        let (ok, errors, samples) = task.await.expect("load task");
        stats.requests += ok;
        stats.errors += errors;
        stats.latencies_us.extend(samples);
    }
    stats.elapsed = start.elapsed();
    stats.latencies_us.sort_unstable();
    stats
}
