//! The plain-HTTP listener (`tls_redirect_bind`, usually port 80) that answers every request
//! with a permanent redirect to the same path over HTTPS at the public URL.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A router that redirects everything to `https_origin` (like `https://chat.example.com`).
pub fn router(https_origin: String) -> Router {
    Router::new().fallback(redirect).with_state(https_origin)
}

async fn redirect(State(origin): State<String>, request: Request) -> Response {
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    match HeaderValue::try_from(format!("{origin}{path}")) {
        // 308 keeps the method and body, for an API client that posts to http:// by mistake.
        Ok(location) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}
