//! [`Deadline`]: when a step must be done by, and which of the policy's limits set that time,
//! so a step that runs out says which limit it was and what it was doing.

use std::future::Future;

use tokio::time::Instant;

use crate::error::{OutboundError, Phase, TimeLimit};
use crate::policy::OutboundPolicy;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    at: Instant,
    limit: TimeLimit,
}

impl Deadline {
    /// The end of the whole exchange, starting now.
    pub fn total(policy: &OutboundPolicy) -> Self {
        Self { at: Instant::now() + policy.total_timeout, limit: TimeLimit::Total(policy.total_timeout) }
    }

    /// The end of connecting a hop, starting now: the connect timeout, unless the whole
    /// exchange ends sooner.
    pub fn connect(policy: &OutboundPolicy, total: Deadline) -> Self {
        let at = Instant::now() + policy.connect_timeout;
        if at < total.at { Self { at, limit: TimeLimit::Connect(policy.connect_timeout) } } else { total }
    }

    /// `step`'s output, or a timeout naming `phase` on `host` and this deadline's limit.
    pub async fn run<F: Future>(self, host: &str, phase: Phase, step: F) -> Result<F::Output, OutboundError> {
        tokio::time::timeout_at(self.at, step).await.map_err(|_| OutboundError::Timeout {
            host: host.to_owned(),
            phase,
            limit: self.limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_connect_deadline_past_the_end_of_the_exchange_is_the_exchange_s() {
        let policy = OutboundPolicy {
            connect_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(10),
            ..Default::default()
        };
        let total = Deadline::total(&policy);
        assert_eq!(Deadline::connect(&policy, total).limit, TimeLimit::Connect(Duration::from_secs(3)));
        tokio::time::advance(Duration::from_secs(8)).await;
        assert_eq!(Deadline::connect(&policy, total).limit, TimeLimit::Total(Duration::from_secs(10)));
        let error = Deadline::connect(&policy, total)
            .run("example.com", Phase::Connecting, std::future::pending::<()>())
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "timed out connecting to example.com: the total timeout (10s, for the whole exchange) ran out"
        );
    }
}
