//! The web client, embedded in the binary at build time (see `build.rs`) and served with
//! caching that suits it: hashed files under `/assets` are immutable; `index.html` is never
//! cached, so a new release is picked up at once. The client's own routes (`/channels/...`,
//! `/invite/...`, ...) all answer with `index.html`; any other unknown path stays a JSON 404.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use include_dir::{Dir, include_dir};

static WEB: Dir<'static> = include_dir!("$OUT_DIR/web");

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn file(path: &str, cache: &'static str) -> Response {
    match WEB.get_file(path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type(path))),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
            file.contents(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({"code": 0, "message": "404: Not Found"})))
            .into_response(),
    }
}

async fn index() -> Response {
    file("index.html", "no-cache")
}

async fn asset(Path(path): Path<String>) -> Response {
    file(&format!("assets/{path}"), "public, max-age=31536000, immutable")
}

/// Whether this build carries the real client (not the page saying it was built without one).
pub fn has_client() -> bool {
    WEB.get_dir("assets").is_some()
}

/// The client's pages and files.
pub fn router() -> Router {
    let mut router = Router::new()
        .route("/", get(index))
        .route("/login", get(index))
        .route("/register", get(index))
        .route("/channels/{*rest}", get(index))
        .route("/invite/{code}", get(index))
        .route("/settings/{*rest}", get(index))
        .route("/assets/{*path}", get(asset));
    // Files at the top of the build (a favicon, a robots.txt), each at its own path.
    for entry in WEB.files() {
        let name = entry.path().to_string_lossy().into_owned();
        if name != "index.html" {
            let path = format!("/{name}");
            router = router.route(&path, get(move || async move { file(&name, "public, max-age=3600") }));
        }
    }
    router
}
