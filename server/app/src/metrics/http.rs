//! HTTP metrics: requests, errors and latency by route template (never the raw path, so a
//! flood of distinct URLs cannot grow the series without bound), method and status class.
//! A request no route matched is also counted by method and logged at info with its path (no
//! query; long segments, which may be tokens, redacted), so an integrator sees which Discord
//! route their library called that Parley does not serve.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};

/// Latency buckets in seconds: from a cached read to a slow password hash.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Clone, Debug)]
pub struct HttpMetrics {
    requests: IntCounterVec,
    duration: HistogramVec,
    in_flight: IntGauge,
    rate_limited: IntCounterVec,
    unmatched: IntCounterVec,
}

impl HttpMetrics {
    pub fn new(registry: &Registry) -> Self {
        Self {
            requests: super::register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "parley_http_requests_total",
                        "HTTP requests answered, by route template, method and status class.",
                    ),
                    &["route", "method", "status"],
                ),
            ),
            duration: super::register(
                registry,
                HistogramVec::new(
                    HistogramOpts::new(
                        "parley_http_request_duration_seconds",
                        "Time to answer an HTTP request, by route template and method.",
                    )
                    .buckets(BUCKETS.to_vec()),
                    &["route", "method"],
                ),
            ),
            in_flight: super::register(
                registry,
                IntGauge::new("parley_http_requests_in_flight", "HTTP requests being answered now."),
            ),
            rate_limited: super::register(
                registry,
                IntCounterVec::new(
                    Opts::new("parley_http_rate_limited_total", "HTTP requests refused with 429, by route template."),
                    &["route"],
                ),
            ),
            unmatched: super::register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "parley_http_unmatched_requests_total",
                        "HTTP requests no route matched (answered 404), by method.",
                    ),
                    &["method"],
                ),
            ),
        }
    }
}

/// The method as a label: the standard ones by name, anything else (a client may send any
/// token) as "other", so the number of series stays bounded.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// "2xx", "4xx"... : few values, which is what a label needs.
fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The middleware. Requests no route matched are counted under "unmatched".
pub async fn record(State(metrics): State<HttpMetrics>, request: Request, next: Next) -> Response {
    // Both are cheap clones (a shared string, a method), taken before the request moves on.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = method_label(request.method());
    // Only for a request no route matched (uncommon), so most requests copy nothing.
    let unmatched_path = route.is_none().then(|| request.uri().path().to_owned());
    let in_flight = super::GaugeGuard::hold(&metrics.in_flight);
    let started = Instant::now();
    let response = next.run(request).await;
    drop(in_flight);
    let status = response.status().as_u16();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    // The request span learns its route template here, where the router has matched it.
    let span = tracing::Span::current();
    span.record("http.route", route);
    crate::trace_context::rename(&span, format!("{method} {route}"));
    metrics.duration.with_label_values(&[route, method]).observe(started.elapsed().as_secs_f64());
    metrics.requests.with_label_values(&[route, method, status_class(status)]).inc();
    if status == 429 {
        metrics.rate_limited.with_label_values(&[route]).inc();
    }
    // The web client's pages answer unknown paths themselves (200); a 404 here is a route
    // Parley does not serve.
    if let Some(path) = unmatched_path.filter(|_| status == 404) {
        metrics.unmatched.with_label_values(&[method]).inc();
        tracing::info!(method, path = %crate::trace_context::loggable_path(&path), "no route matches this request (404)");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::status_class;

    #[test]
    fn status_codes_fall_into_their_class() {
        assert_eq!(
            [status_class(101), status_class(204), status_class(304), status_class(429), status_class(503)],
            ["1xx", "2xx", "3xx", "4xx", "5xx"]
        );
    }
}
