//! W3C trace context at the edges. A request's `traceparent` header makes its span a child of
//! the caller's trace; the trace id is recorded on the span, so every log line inside it
//! carries the id; and the response's `traceparent` names the span that served it, so a
//! client or proxy can find the trace. Gateway operations start their own traces the same way.
//!
//! The propagator and the exporter are installed by the binary (`parley::telemetry`); without
//! them these functions do nothing and cost little.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Request};
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceContextExt;
use tracing::Span;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The span every HTTP request runs in. `http.route` and the span's name are filled in once
/// the router has matched (see `metrics::record_http`), the status when the response is made.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    let span = tracing::info_span!(
        "request",
        otel.name = %request.method(),
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %request.method(),
        url.path = %loggable_path(request.uri().path()),
        http.route = Empty,
        http.response.status_code = Empty,
        request_id,
        trace_id = Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(request.headers())));
    let _ = span.set_parent(parent);
    record_trace_id(&span);
    span
}

/// Segments longer than this are redacted: Discord puts tokens in paths
/// (`/webhooks/{id}/{token}`, `/interactions/{id}/{token}`), and ids are at most 20 digits.
const LONGEST_SHOWN_SEGMENT: usize = 24;
/// At most this many bytes of a path are shown.
const LONGEST_SHOWN_PATH: usize = 256;

/// A request path as it may appear in logs and traces. An invite code is a credential (who has
/// it may join), so the segment after `invites` (the API) or `invite` (the web client's invite
/// page) is replaced; so is any segment long enough to be a token (a route Parley does not
/// serve may still carry one); and the whole is bounded.
pub fn loggable_path(path: &str) -> String {
    let mut shown = String::with_capacity(path.len().min(LONGEST_SHOWN_PATH + 4));
    let mut after_invite = false;
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            shown.push('/');
        }
        if after_invite && !segment.is_empty() {
            shown.push_str("{code}");
        } else if segment.len() > LONGEST_SHOWN_SEGMENT {
            shown.push_str("{redacted}");
        } else {
            shown.push_str(segment);
        }
        after_invite = matches!(segment, "invites" | "invite");
        if shown.len() > LONGEST_SHOWN_PATH {
            let mut end = LONGEST_SHOWN_PATH;
            while !shown.is_char_boundary(end) {
                end -= 1;
            }
            shown.truncate(end);
            shown.push('…');
            break;
        }
    }
    shown
}

/// A new trace for one gateway operation (`name` like "gateway.identify").
pub fn operation_span(name: &'static str) -> Span {
    let span = tracing::info_span!("gateway", otel.name = name, otel.kind = "server", trace_id = Empty);
    record_trace_id(&span);
    span
}

/// Renames a started span (`otel.name` is read only before the span starts, and recording the
/// trace id starts it).
pub fn rename(span: &Span, name: String) {
    span.context().span().update_name(name);
}

/// Records the span's trace id as its `trace_id` field (declared `Empty` by the caller), for
/// logs that print span fields. Does nothing when no tracer is installed.
pub fn record_trace_id(span: &Span) {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        span.record("trace_id", tracing::field::display(span_context.trace_id()));
    }
}

/// The `traceparent` naming the current span, for the response (see `http.rs`).
pub fn current_traceparent<B>(_response: &axum::http::Response<B>) -> Option<HeaderValue> {
    let context = Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut headers = HeaderMap::new();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&context, &mut HeadersMut(&mut headers)));
    headers.remove(TRACEPARENT)
}

/// The W3C trace context header.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// Marks the request span with the response's status (server errors as errors).
pub fn record_status<B>(response: &axum::http::Response<B>, span: &Span) {
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
}

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

struct HeadersMut<'a>(&'a mut HeaderMap);

impl Injector for HeadersMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(key), HeaderValue::try_from(value)) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn invite_codes_and_tokens_never_reach_the_logs_through_the_path_and_its_length_is_bounded() {
        assert_eq!(loggable_path("/api/v10/invites/AbC123"), "/api/v10/invites/{code}");
        assert_eq!(loggable_path("/api/invites/AbC123/extra"), "/api/invites/{code}/extra");
        assert_eq!(loggable_path("/invite/AbC123"), "/invite/{code}", "the web client's invite page");
        assert_eq!(loggable_path("/api/v10/channels/1/invites"), "/api/v10/channels/1/invites");
        assert_eq!(loggable_path("/api/v10/channels/1234567890123456789/x"), "/api/v10/channels/1234567890123456789/x");
        let token = "aW5zZWN1cmUtd2ViaG9vay10b2tlbi10aGF0LWlzLWxvbmc";
        assert_eq!(loggable_path(&format!("/api/webhooks/1/{token}")), "/api/webhooks/1/{redacted}", "a token");
        let long = format!("/{}", "a/".repeat(500));
        let shown = loggable_path(&long);
        assert!(shown.len() <= 256 + '…'.len_utf8() && shown.ends_with('…'), "bounded: {shown}");
    }
}
