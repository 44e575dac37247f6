//! Counters of interactions: what people use (commands, components, modals), how the
//! applications answer, and why HTTP interactions endpoints fail, for the operator who hears
//! "the bot does not respond".

use prometheus::{IntCounterVec, Opts, Registry};

#[derive(Clone, Debug)]
pub struct InteractionCounters {
    /// By `type`: command, component, autocomplete, modal_submit.
    pub started: IntCounterVec,
    /// By `callback`: the answer's type (4, 5, 6, 7, 8, 9).
    pub answered: IntCounterVec,
    /// By `kind`: why an HTTP interactions endpoint gave no answer (timeout, refused, status...).
    pub endpoint_failures: IntCounterVec,
}

impl InteractionCounters {
    pub fn new(registry: &Registry) -> Self {
        let counter = |name: &str, help: &str, label: &str| {
            super::register(registry, IntCounterVec::new(Opts::new(name, help), &[label]))
        };
        Self {
            started: counter("parley_interactions_total", "Interactions people started, by type.", "type"),
            answered: counter(
                "parley_interaction_answers_total",
                "Interactions applications answered, by callback type.",
                "callback",
            ),
            endpoint_failures: counter(
                "parley_interaction_endpoint_failures_total",
                "Interactions an application's HTTP endpoint did not answer, by cause.",
                "kind",
            ),
        }
    }
}
