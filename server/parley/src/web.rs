//! The web client, embedded in the binary at build time (see `build.rs`) and served with
//! caching that suits it: hashed files under `/assets` are immutable; `index.html` is never
//! cached, so a new release is picked up at once. The client's own routes (`/channels/...`,
//! `/invite/...`, ...) all answer with `index.html`; any other unknown path stays a JSON 404.
//! Text files are served precompressed: the build writes NAME.br and NAME.gz beside each
//! (`web/scripts/compress.mjs`), and each request gets the best one its Accept-Encoding takes
//! (brotli, then gzip, then the file itself), so nothing is compressed per request.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use include_dir::{Dir, File, include_dir};

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

/// The precompressed variants the build writes, best first: (content coding, file suffix).
const VARIANTS: [(&str, &str); 2] = [("br", "br"), ("gzip", "gz")];

/// How much an `Accept-Encoding` header takes `coding`: its q-value, that of `*` when the
/// coding is not named, and 0 (refused) when neither is there.
fn acceptance(accept_encoding: &str, coding: &str) -> f32 {
    let mut wildcard = None;
    for entry in accept_encoding.split(',') {
        let mut parts = entry.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) || (coding == "gzip" && name.eq_ignore_ascii_case("x-gzip")) {
            return q;
        }
        if name == "*" {
            wildcard = Some(q);
        }
    }
    wildcard.unwrap_or(0.0)
}

/// The variant of `path` to send for these request headers: the coding and its file, or
/// None for the file as it is. A higher q-value wins; on a tie, brotli (the smaller).
fn variant(path: &str, headers: &HeaderMap) -> Option<(&'static str, &'static File<'static>)> {
    let accept = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mut best: Option<(f32, &'static str, &'static File<'static>)> = None;
    for (coding, suffix) in VARIANTS {
        let q = acceptance(accept, coding);
        if let Some(file) = WEB.get_file(format!("{path}.{suffix}"))
            && q > 0.0
            && best.is_none_or(|(best_q, ..)| q > best_q)
        {
            best = Some((q, coding, file));
        }
    }
    best.map(|(_, coding, file)| (coding, file))
}

fn has_variants(path: &str) -> bool {
    VARIANTS.iter().any(|(_, suffix)| WEB.get_file(format!("{path}.{suffix}")).is_some())
}

fn file(path: &str, cache: &'static str, request: &HeaderMap) -> Response {
    // The variants are only ever sent in place of their file, never as files of their own.
    let variant_path = VARIANTS.iter().any(|(_, suffix)| path.ends_with(&format!(".{suffix}")));
    let Some(identity) = WEB.get_file(path).filter(|_| !variant_path) else {
        return (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({"code": 0, "message": "404: Not Found"})))
            .into_response();
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if has_variants(path) {
        // Caches keep one copy per encoding asked for.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let body = match variant(path, request) {
        Some((coding, file)) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            file.contents()
        }
        None => identity.contents(),
    };
    (headers, body).into_response()
}

/// The client's page for a request, compressed as it accepts.
pub fn index_for(request: &HeaderMap) -> Response {
    file("index.html", "no-cache", request)
}

async fn page(request: HeaderMap) -> Response {
    index_for(&request)
}

/// The client's page, uncompressed (for callers without the request's headers; prefer
/// `index_for`).
pub async fn index() -> Response {
    index_for(&HeaderMap::new())
}

async fn asset(Path(path): Path<String>, request: HeaderMap) -> Response {
    file(&format!("assets/{path}"), "public, max-age=31536000, immutable", &request)
}

/// Whether this build carries the real client (not the page saying it was built without one).
pub fn has_client() -> bool {
    WEB.get_dir("assets").is_some()
}

/// The client's pages and files.
pub fn router() -> Router {
    // `/` itself is routed by `startup` (a WebSocket upgrade there goes to the gateway).
    let mut router = Router::new()
        .route("/login", get(page))
        .route("/register", get(page))
        .route("/channels/{*rest}", get(page))
        .route("/invite/{code}", get(page))
        .route("/settings/{*rest}", get(page))
        .route("/assets/{*path}", get(asset));
    // Files at the top of the build (a favicon, a robots.txt), each at its own path.
    for entry in WEB.files() {
        let name = entry.path().to_string_lossy().into_owned();
        let precompressed = VARIANTS.iter().any(|(_, suffix)| name.ends_with(&format!(".{suffix}")));
        if name != "index.html" && !precompressed {
            let path = format!("/{name}");
            router = router.route(
                &path,
                get(move |request: HeaderMap| async move { file(&name, "public, max-age=3600", &request) }),
            );
        }
    }
    router
}

#[cfg(test)]
mod tests {
    use super::acceptance;

    #[test]
    fn accept_encoding_is_read_with_its_q_values_and_wildcard() {
        assert_eq!(acceptance("gzip, deflate, br, zstd", "br"), 1.0);
        assert_eq!(acceptance("gzip;q=0.8, br;q=0.5", "br"), 0.5);
        assert_eq!(acceptance("gzip;q=0.8, br;q=0.5", "gzip"), 0.8);
        assert_eq!(acceptance("br;q=0, *", "br"), 0.0, "a named coding's q=0 refuses it");
        assert_eq!(acceptance("br;q=0, *", "gzip"), 1.0, "the wildcard takes what is not named");
        assert_eq!(acceptance("*;q=0", "gzip"), 0.0);
        assert_eq!(acceptance("x-gzip", "gzip"), 1.0);
        assert_eq!(acceptance("BR ; Q=0.3", "br"), 0.3);
        assert_eq!(acceptance("identity", "br"), 0.0);
        assert_eq!(acceptance("", "gzip"), 0.0, "no header: the file as it is");
    }
}
