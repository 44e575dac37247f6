//! [`OutboundRequest`] and [`OutboundResponse`]: what a caller hands the client and gets back.
//! The response's body is already read, and no longer than the policy allows.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use url::Url;

/// A request to a URL someone chose.
#[derive(Clone, Debug)]
pub struct OutboundRequest {
    pub method: Method,
    /// Checked by the client, as every redirect's `Location` is.
    pub url: String,
    /// Sent as given, except `Host`, `Content-Length`, `Transfer-Encoding` and the hop-by-hop
    /// headers, which the client sets itself; `User-Agent` is the policy's unless set here.
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl OutboundRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self { method, url: url.into(), headers: HeaderMap::new(), body: Bytes::new() }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::GET, url)
    }

    /// A POST of `body`, typed `content_type`.
    pub fn post(url: impl Into<String>, content_type: HeaderValue, body: impl Into<Bytes>) -> Self {
        Self::new(Method::POST, url).header(http::header::CONTENT_TYPE, content_type).body(body)
    }

    /// This request with the header added (another value if it is already set).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

/// The final response, after any redirects.
#[derive(Clone, Debug)]
pub struct OutboundResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The whole body, at most the policy's `max_response_bytes`.
    pub body: Bytes,
    /// The URL that answered: the request's, or the last redirect's.
    pub url: Url,
}
