//! [`OutboundClient`]: the one way Parley calls a URL someone else chose. It checks the URL,
//! runs each hop (see `exchange`), follows redirects itself (see `redirect`) with each new
//! URL checked and resolved as the first was, and keeps the whole exchange inside the
//! policy's time and size limits.

use std::sync::Arc;

use rustls::RootCertStore;
use tokio_rustls::TlsConnector;
use url::Url;

use crate::deadline::Deadline;
use crate::error::{OutboundError, UrlProblem};
use crate::exchange;
use crate::policy::OutboundPolicy;
use crate::redirect::{self, Hop};
use crate::request::{OutboundRequest, OutboundResponse};
use crate::target::{Target, redacted};
use crate::tls;

/// The outbound HTTP client. Cheap to clone; clones share the policy and the TLS setup.
#[derive(Clone)]
pub struct OutboundClient {
    inner: Arc<Inner>,
}

struct Inner {
    policy: OutboundPolicy,
    tls: TlsConnector,
}

impl OutboundClient {
    /// A client that calls what `policy` permits, trusting the public web roots for https.
    /// Fails only for a policy no request could be made under (see [`OutboundError::InvalidPolicy`]).
    pub fn new(policy: OutboundPolicy) -> Result<Self, OutboundError> {
        Self::with_roots(policy, tls::web_roots())
    }

    /// A client trusting `roots` for https (the tests trust their own certificate this way).
    pub(crate) fn with_roots(policy: OutboundPolicy, roots: RootCertStore) -> Result<Self, OutboundError> {
        policy.validate()?;
        let tls = tls::connector(roots)?;
        Ok(Self { inner: Arc::new(Inner { policy, tls }) })
    }

    pub fn policy(&self) -> &OutboundPolicy {
        &self.inner.policy
    }

    /// [`OutboundPolicy::check_url`] under this client's policy: for a URL being saved.
    pub fn check_url(&self, url: &str) -> Result<Url, OutboundError> {
        self.inner.policy.check_url(url)
    }

    /// Sends `request`, following redirects, and returns the final response with its whole
    /// body. Every hop's destination is checked before it is connected to; the whole exchange
    /// ends within the policy's `total_timeout`.
    pub async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let policy = &self.inner.policy;
        let total = Deadline::total(policy);
        let mut target = Target::parse(policy, &request.url)?;
        let mut hop = Hop { method: request.method, headers: request.headers, body: request.body };
        let mut redirects: u8 = 0;
        loop {
            let exchange = exchange::open(policy, &self.inner.tls, &target, &hop, total).await?;
            let status = exchange.response.status();
            let Some(location) = redirect::location(status, exchange.response.headers()) else {
                let to_head = hop.method == http::Method::HEAD;
                let (parts, body) =
                    exchange::read_body(exchange, target.authority(), policy.max_response_bytes, to_head, total)
                        .await?;
                return Ok(OutboundResponse { status: parts.status, headers: parts.headers, body, url: target.url });
            };
            // A redirect's body is not read: dropping the exchange closes its connection.
            drop(exchange);
            let next = target
                .url
                .join(&location)
                .map_err(|e| OutboundError::BadUrl { url: location, problem: UrlProblem::NotAUrl(e) })?;
            if redirects >= policy.max_redirects {
                return Err(OutboundError::TooManyRedirects { limit: policy.max_redirects, location: redacted(&next) });
            }
            redirects += 1;
            let next = Target::check(policy, next)?;
            hop = redirect::follow(status, &target.url, &next.url, hop);
            target = next;
        }
    }
}

impl std::fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundClient").field("policy", &self.inner.policy).finish_non_exhaustive()
    }
}
