//! Following redirects as browsers do: which statuses are followed, and what the next hop
//! sends. Where the next hop may go is not decided here: its URL is checked like the first.

use bytes::Bytes;
use http::header::{AUTHORIZATION, COOKIE, LOCATION, PROXY_AUTHORIZATION};
use http::{HeaderMap, Method, StatusCode};
use url::Url;

/// What a hop sends.
#[derive(Clone, Debug)]
pub(crate) struct Hop {
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The `Location` of a redirect this client follows (301, 302, 303, 307, 308), or `None` for
/// any other response, which is the answer. A redirect without a `Location` is an answer too.
pub(crate) fn location(status: StatusCode, headers: &HeaderMap) -> Option<String> {
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    // Not UTF-8 is not a reason to stop: the URL parser percent-encodes what it cannot read.
    headers.get(LOCATION).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// What the hop after a `status` redirect from `from` to `to` sends. 303 turns any method but
/// HEAD into a GET, and 301 and 302 turn a POST into a GET, dropping the body (as browsers and
/// the Fetch standard do); 307 and 308 keep the method and the body. Credentials go no further
/// than the origin they were given for.
pub(crate) fn follow(status: StatusCode, from: &Url, to: &Url, mut hop: Hop) -> Hop {
    let to_get = match status.as_u16() {
        303 => hop.method != Method::HEAD,
        301 | 302 => hop.method == Method::POST,
        _ => false,
    };
    if to_get {
        hop.method = Method::GET;
        hop.body = Bytes::new();
        // The body's description goes with the body.
        let described: Vec<_> =
            hop.headers.keys().filter(|name| name.as_str().starts_with("content-")).cloned().collect();
        for name in described {
            hop.headers.remove(name);
        }
    }
    if from.origin() != to.origin() {
        for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION] {
            hop.headers.remove(name);
        }
    }
    hop
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;
    use http::header::CONTENT_TYPE;

    use super::*;

    fn post() -> Hop {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        headers.insert("x-signature-ed25519", HeaderValue::from_static("ab"));
        Hop { method: Method::POST, headers, body: Bytes::from_static(b"{}") }
    }

    fn url(text: &str) -> Url {
        text.parse().unwrap()
    }

    #[test]
    fn see_other_moved_and_found_turn_a_post_into_a_get_and_the_temporary_and_permanent_redirects_keep_it() {
        let (a, b) = (url("https://a.example/x"), url("https://a.example/y"));
        for (status, method, body) in
            [(301, "GET", ""), (302, "GET", ""), (303, "GET", ""), (307, "POST", "{}"), (308, "POST", "{}")]
        {
            let hop = follow(StatusCode::from_u16(status).unwrap(), &a, &b, post());
            assert_eq!((hop.method.as_str(), &hop.body[..]), (method, body.as_bytes()), "{status}");
            assert_eq!(hop.headers.contains_key(CONTENT_TYPE), !body.is_empty(), "{status}");
            assert!(hop.headers.contains_key(AUTHORIZATION) && hop.headers.contains_key("x-signature-ed25519"));
        }
        let put = Hop { method: Method::PUT, ..post() };
        assert_eq!(follow(StatusCode::FOUND, &a, &b, put.clone()).method, Method::PUT);
        assert_eq!(follow(StatusCode::SEE_OTHER, &a, &b, put).method, Method::GET);
        let head = Hop { method: Method::HEAD, ..post() };
        assert_eq!(follow(StatusCode::SEE_OTHER, &a, &b, head).method, Method::HEAD);
    }

    #[test]
    fn credentials_are_dropped_when_a_redirect_leaves_the_origin() {
        for to in ["https://b.example/y", "http://a.example/x", "https://a.example:8443/x"] {
            let hop = follow(StatusCode::TEMPORARY_REDIRECT, &url("https://a.example/x"), &url(to), post());
            assert!(!hop.headers.contains_key(AUTHORIZATION), "{to}");
            assert!(hop.headers.contains_key("x-signature-ed25519"), "{to}");
        }
    }

    #[test]
    fn only_the_five_redirect_statuses_with_a_location_are_followed() {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_static("/next"));
        for status in [301, 302, 303, 307, 308] {
            assert_eq!(location(StatusCode::from_u16(status).unwrap(), &headers).as_deref(), Some("/next"));
        }
        for status in [200, 300, 304, 305, 306, 400] {
            assert_eq!(location(StatusCode::from_u16(status).unwrap(), &headers), None, "{status}");
        }
        assert_eq!(location(StatusCode::FOUND, &HeaderMap::new()), None);
    }
}
