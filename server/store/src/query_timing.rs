//! How long each statement takes, by operation: [`with_pool!`](crate::with_pool) and
//! [`with_writer!`](crate::with_writer) start a [`QueryTimer`] around every statement they
//! run, which opens a `db.query` span (exported as a trace span) and, when it is dropped,
//! observes the time in the `parley_db_query_duration_seconds` histogram.
//!
//! The operation is the name of the store method that ran the statement (every method is on
//! [`Store`](crate::Store), so the names are unique): it is a small, closed set of label
//! values, and the same name a reader finds in the code.

use std::time::Instant;

use prometheus::{Histogram, HistogramOpts, HistogramVec};

/// Statement times are mostly sub-millisecond on SQLite and a few milliseconds on PostgreSQL;
/// the buckets reach 5 s, the pool's acquire timeout, beyond which a request has failed anyway.
const BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The histogram of statement times, one per store, registered by the metrics registry.
pub fn query_histogram() -> HistogramVec {
    HistogramVec::new(
        HistogramOpts::new(
            "parley_db_query_duration_seconds",
            "Time a store operation spent on its statements, including waiting for a connection, by operation.",
        )
        .buckets(BUCKETS.to_vec()),
        &["operation"],
    )
    .expect("the query histogram's definition is valid")
}

/// Times one store operation; records when dropped, so an early `?` return is counted too.
pub(crate) struct QueryTimer {
    histogram: Histogram,
    start: Instant,
    // Held, not entered: the span's duration is its lifetime, and its parent is the span
    // current when the statement started (the request or gateway operation).
    _span: tracing::Span,
}

impl QueryTimer {
    pub(crate) fn start(histograms: &HistogramVec, system: &'static str, function_path: &'static str) -> Self {
        let operation = operation_name(function_path);
        Self {
            histogram: histograms.with_label_values(&[operation]),
            start: Instant::now(),
            _span: tracing::info_span!(
                target: "parley_store::query",
                "db.query",
                otel.name = operation,
                otel.kind = "client",
                db.system.name = system,
                db.operation.name = operation,
            ),
        }
    }
}

impl Drop for QueryTimer {
    fn drop(&mut self) {
        self.histogram.observe(self.start.elapsed().as_secs_f64());
    }
}

/// The method name in the type name of a function item declared inside it, e.g.
/// `parley_store::guilds::<impl parley_store::Store>::guild::{{closure}}::here` -> `guild`.
pub(crate) fn operation_name(function_path: &'static str) -> &'static str {
    let mut path = function_path.strip_suffix("::here").unwrap_or(function_path);
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    path.rsplit("::").next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_is_the_method_that_ran_the_statement() {
        fn here() {}
        assert_eq!(
            operation_name(std::any::type_name_of_val(&here)),
            "the_operation_is_the_method_that_ran_the_statement"
        );
        assert_eq!(
            operation_name("parley_store::guilds::<impl parley_store::Store>::guild::{{closure}}::here"),
            "guild"
        );
        assert_eq!(
            operation_name("parley_store::<impl parley_store::Store>::ping::{{closure}}::{{closure}}::here"),
            "ping"
        );
    }

    #[test]
    fn a_timer_observes_once_when_dropped_even_on_an_early_return() {
        let histograms = query_histogram();
        let run = |fail: bool| -> Result<(), ()> {
            let _timer = QueryTimer::start(&histograms, "sqlite", "x::<impl Store>::lookup::{{closure}}::here");
            if fail {
                return Err(());
            }
            Ok(())
        };
        run(false).unwrap();
        run(true).unwrap_err();
        assert_eq!(histograms.with_label_values(&["lookup"]).get_sample_count(), 2);
    }
}
