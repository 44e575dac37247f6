//! The whole HTTP application: the API under `/api/v10` and `/api`, probes, and the
//! middleware every request passes through (outermost first):
//! request id -> tracing span (W3C trace context in and out) -> panic guard -> security headers -> CORS -> body limit ->
//! metrics.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use parley_app::AppState;
use parley_app::error::AppError;
use parley_app::trace_context;
use parley_core::ErrorCode;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::extract::client::DEVICE_ID_HEADER;
use crate::openapi::ApiDoc;
use crate::routes;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The content security policy for everything Parley serves: only its own scripts, styles
/// inline (the client's framework needs them), media from itself and blobs, connections to
/// itself (`'self'` takes its own ws:// and wss:// too) and to the configured gateway and
/// voice origins elsewhere, if any; images and media from the bucket presigned downloads
/// redirect to, if they do; never to any other host.
fn content_security_policy(socket_origins: &[String], download_origin: Option<&str>) -> String {
    let mut connect = String::from("'self'");
    for origin in socket_origins {
        connect.push(' ');
        connect.push_str(origin);
    }
    let files = download_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{files}; \
         media-src 'self' blob:{files}; connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The OpenAPI document of every route under `/api/v10`.
pub fn openapi_document(state: &AppState) -> utoipa::openapi::OpenApi {
    let (_, doc) =
        OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi()).merge(routes::api_router(state)).split_for_parts();
    doc
}

/// Builds the application: every route, every middleware, with `state` applied. `extra`
/// holds what other crates serve behind the same middleware: the gateway's `/gateway` and
/// the web client's pages.
pub fn app_router(state: AppState, extra: Router) -> Router {
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(routes::api_router(&state)).split_for_parts();
    let doc = Arc::new(doc.to_json().expect("the OpenAPI document serialises"));
    let api = api
        .route(
            "/openapi.json",
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], doc.as_str().to_owned()) }),
        )
        .fallback(not_found);

    let config = &state.config;
    let mut security_headers = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&content_security_policy(
                &config.socket_origins,
                config.files.download_origin.as_deref(),
            ))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(self), microphone=(self), display-capture=(self), geolocation=()"),
        ),
    ];
    if config.hsts {
        security_headers
            .push((header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains")));
    }

    let cors = cors_layer(&config.cors_origins);
    let body_limit = config.max_body_bytes;
    let mut router = Router::new()
        .nest("/api/v10", api.clone())
        .nest("/api", api)
        .merge(routes::health::router(!config.metrics_elsewhere))
        .merge(routes::attachments::router())
        .merge(routes::cdn::router())
        .merge(routes::uploads::upload_router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone())
        .merge(extra)
        // Inside the routers, so each request's matched route template is known.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::rest_limits::enforce))
        .layer(axum::middleware::from_fn_with_state(state.metrics.http.clone(), parley_app::metrics::record_http))
        .layer(axum::middleware::from_fn(refuse_nul_in_uri))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(cors);
    for (name, value) in security_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(trace_context::request_span).on_response(
                |response: &axum::http::Response<_>, _latency, span: &tracing::Span| {
                    trace_context::record_status(response, span);
                },
            ))
            .layer(SetResponseHeaderLayer::overriding(trace_context::TRACEPARENT, trace_context::current_traceparent))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(CatchPanicLayer::custom(|_| {
                tracing::error!("a request handler panicked");
                AppError::internal("handler panicked").into_response()
            })),
    )
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(DEVICE_ID_HEADER),
            HeaderName::from_static("x-audit-log-reason"),
            REQUEST_ID,
        ])
        // Every rate-limit header, so a client on another origin can pace itself as bots do.
        .expose_headers([
            REQUEST_ID,
            header::RETRY_AFTER,
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderName::from_static("x-ratelimit-reset-after"),
            HeaderName::from_static("x-ratelimit-bucket"),
            HeaderName::from_static("x-ratelimit-global"),
            HeaderName::from_static("x-ratelimit-scope"),
        ])
        .max_age(std::time::Duration::from_secs(3600))
}

/// A path or query holding `%00` is refused before any handler sees it: an id, a code or a
/// search term with NUL would fail in PostgreSQL (as a 500) and pass in SQLite.
async fn refuse_nul_in_uri(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let uri = request.uri();
    let decoded_has_nul = |raw: &str| {
        let bytes = raw.as_bytes();
        bytes.windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0') || bytes.contains(&0)
    };
    if decoded_has_nul(uri.path()) || uri.query().is_some_and(decoded_has_nul) {
        let mut errors = parley_core::FieldErrors::new();
        errors.add_at(vec!["_url".to_owned()], parley_app::text::NUL_CODE, parley_app::text::NUL_MESSAGE);
        return AppError::Invalid(errors).into_response();
    }
    next.run(request).await
}

pub(crate) async fn not_found() -> Response {
    AppError::with_message(StatusCode::NOT_FOUND, ErrorCode::General, "404: Not Found").into_response()
}

async fn method_not_allowed() -> Response {
    AppError::with_message(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::General, "405: Method Not Allowed")
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::content_security_policy;

    #[test]
    fn sockets_are_allowed_to_parley_itself_and_to_the_configured_origins_only() {
        let own = content_security_policy(&[], None);
        assert!(own.contains("connect-src 'self';"), "{own}");
        assert!(!own.contains(" ws:") && !own.contains(" wss:"), "no scheme-wide allowance: {own}");
        let elsewhere = content_security_policy(&["wss://voice.example.com".to_owned()], None);
        assert!(elsewhere.contains("connect-src 'self' wss://voice.example.com;"), "{elsewhere}");
    }

    #[test]
    fn images_and_media_come_from_the_bucket_only_when_downloads_are_redirected_there() {
        let own = content_security_policy(&[], None);
        assert!(own.contains("img-src 'self' data: blob:;") && own.contains("media-src 'self' blob:;"), "{own}");
        let bucket = content_security_policy(&[], Some("https://files.example.com"));
        assert!(bucket.contains("img-src 'self' data: blob: https://files.example.com;"), "{bucket}");
        assert!(bucket.contains("media-src 'self' blob: https://files.example.com;"), "{bucket}");
        assert!(bucket.contains("connect-src 'self';"), "nothing else widens: {bucket}");
    }
}
