//! The REST limits as middleware: every API request counts against its route's bucket and the
//! caller's global budget (see `parley_app::limits::rest` for the buckets and where they are
//! kept); every answer carries the route bucket's `X-RateLimit-*` headers, and a request over
//! a limit gets 429 with `retry_after`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parley_app::AppState;
use parley_app::error::AppError;
use parley_app::limits::rest::Verdict;
use parley_app::limits::window::RateLimited;

use crate::extract::AuthUser;
use crate::extract::client::ClientMeta;

/// The middleware: counts API requests against their buckets, refuses those over a limit,
/// and writes the route bucket's headers on every API answer.
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    // A path that matches no route still counts (against one bucket for all of them), so
    // probing for routes is limited like anything else.
    let template =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let (mut parts, body) = request.into_parts();
    // The account, if the request has a valid credential (cached for the handler); else its
    // address. Auth routes have their own per-address and per-account limits.
    let who = match AuthUser::from_request_parts(&mut parts, &state).await {
        Ok(user) => format!("u{}", user.user_id),
        Err(_) => match ClientMeta::from_request_parts(&mut parts, &state).await {
            Ok(client) => format!("a{}", client.ip),
            Err(_) => return next.run(Request::from_parts(parts, body)).await,
        },
    };
    let verdict = state.rest_limits.check_request(&who, parts.method.as_str(), &template, parts.uri.path()).await;
    if let Some(refusal) = verdict.refused {
        state.metrics.auth.rate_limited.inc();
        tracing::info!(who, bucket = %verdict.bucket, global = refusal.global, "rate limited");
        let name = if refusal.global { "global" } else { verdict.bucket.as_str() };
        let mut response = AppError::RateLimited(RateLimited {
            bucket: name.to_owned().into(),
            limit: refusal.limit,
            retry_after: refusal.wait,
            global: refusal.global,
        })
        .into_response();
        if let Some(route) = verdict.route.as_ref().filter(|_| !refusal.global) {
            write_headers(response.headers_mut(), &verdict.bucket, route);
        }
        return response;
    }
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(route) = &verdict.route {
        write_headers(response.headers_mut(), &verdict.bucket, route);
    }
    response
}

fn write_headers(headers: &mut HeaderMap, bucket: &str, verdict: &Verdict) {
    let reset_after = verdict.reset_after.as_secs_f64();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("x-ratelimit-limit", verdict.limit.to_string());
    set("x-ratelimit-remaining", verdict.remaining.to_string());
    set("x-ratelimit-reset", format!("{:.3}", now + reset_after));
    set("x-ratelimit-reset-after", format!("{reset_after:.3}"));
    set("x-ratelimit-bucket", bucket.to_owned());
}
