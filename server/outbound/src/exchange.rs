//! One hop: resolve and check, connect to a checked address, TLS for https, send the request,
//! read the response head; then, for the final hop only, the body, bounded in bytes and time.
//!
//! Each hop has a connection of its own, closed when the hop is done with: nothing is pooled,
//! so no connection made under one check is reused for another URL.

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderValue};
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

use crate::deadline::Deadline;
use crate::error::{OutboundError, Phase, UrlProblem};
use crate::policy::OutboundPolicy;
use crate::redirect::Hop;
use crate::target::{Target, redacted};
use crate::{resolve, tls};

/// The most a response head (status line and headers) may take; hyper refuses a longer one.
/// Its read buffer is this size at most, so a server cannot make it grow without end.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Headers the client sets itself, or that describe one connection and not the request:
/// a caller's would contradict the client's framing (request smuggling) or its `Host`.
const CLIENT_SET: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "expect",
];

/// A response whose head has been read, and the connection its body is still coming on.
pub(crate) struct Exchange {
    pub response: Response<Incoming>,
    connection: AbortOnDrop,
}

/// The task driving a hop's connection, stopped (and the socket closed) when the hop is
/// dropped: a redirect's body is never read, and a server that keeps sending gets nowhere.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends `hop` to `target` and reads the response head.
pub(crate) async fn open(
    policy: &OutboundPolicy,
    tls: &TlsConnector,
    target: &Target,
    hop: &Hop,
    total: Deadline,
) -> Result<Exchange, OutboundError> {
    let host = target.authority();
    let request = request(target, hop, &policy.user_agent)?;
    let connect = Deadline::connect(policy, total);
    let addresses = connect.run(host, Phase::Resolving, resolve::addresses(policy, target)).await??;
    let (stream, address) = connect.run(host, Phase::Connecting, tcp(host, &addresses)).await??;
    if !target.is_https() {
        return send(stream, request, host, total).await;
    }
    let name = tls::server_name(target.name(), address.ip()).map_err(|problem| OutboundError::Tls {
        host: host.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, problem),
    })?;
    let stream = connect
        .run(host, Phase::TlsHandshake, tls.connect(name, stream))
        .await?
        .map_err(|source| OutboundError::Tls { host: host.to_owned(), source })?;
    send(stream, request, host, total).await
}

/// The response's body, all of it, or an error once it passes `limit` bytes. A declared
/// `Content-Length` over the limit is refused before reading; one under it is not trusted,
/// the bytes are counted as they come (and a body without a length, chunked or until the
/// connection closes, is only counted). `to_head`: the request was a HEAD, whose answer's
/// `Content-Length` describes a body that is not sent.
pub(crate) async fn read_body(
    exchange: Exchange,
    host: &str,
    limit: usize,
    to_head: bool,
    total: Deadline,
) -> Result<(http::response::Parts, Bytes), OutboundError> {
    let Exchange { response, connection } = exchange;
    let (parts, mut body) = response.into_parts();
    let too_large = |declared| OutboundError::BodyTooLarge { host: host.to_owned(), limit, declared };
    let has_body = !to_head && !matches!(parts.status.as_u16(), 100..=199 | 204 | 304);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .filter(|_| has_body);
    if let Some(declared) = declared
        && declared > limit as u64
    {
        return Err(too_large(Some(declared)));
    }
    let read = async {
        // A declared length (now known to be within the limit) is room enough; otherwise the
        // buffer grows as bytes come.
        let mut buffer = BytesMut::with_capacity(declared.and_then(|d| usize::try_from(d).ok()).unwrap_or(0));
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|source| protocol(host, Phase::ReadingBody, source))?;
            if let Ok(data) = frame.into_data() {
                if data.len() > limit - buffer.len() {
                    return Err(too_large(None));
                }
                buffer.extend_from_slice(&data);
            }
        }
        Ok(buffer.freeze())
    };
    let body = total.run(host, Phase::ReadingBody, read).await??;
    drop(connection);
    Ok((parts, body))
}

/// The request line and headers for `hop` to `target`.
fn request(target: &Target, hop: &Hop, user_agent: &str) -> Result<Request<Full<Bytes>>, OutboundError> {
    let unsendable = || OutboundError::BadUrl { url: redacted(&target.url), problem: UrlProblem::Unsendable };
    let uri: Uri = target.path_and_query().parse().map_err(|_| unsendable())?;
    let mut headers = hop.headers.clone();
    for name in CLIENT_SET {
        headers.remove(*name);
    }
    headers.insert(header::HOST, HeaderValue::from_str(target.authority()).map_err(|_| unsendable())?);
    if !headers.contains_key(header::USER_AGENT) {
        // Checked when the client was built (`OutboundPolicy::validate`).
        if let Ok(user_agent) = HeaderValue::from_str(user_agent) {
            headers.insert(header::USER_AGENT, user_agent);
        }
    }
    // Each hop's connection is its own and is closed after it: say so.
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    let mut request = Request::new(Full::new(hop.body.clone()));
    *request.method_mut() = hop.method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    Ok(request)
}

/// A TCP connection to the first of `addresses` that takes one.
async fn tcp(host: &str, addresses: &[SocketAddr]) -> Result<(TcpStream, SocketAddr), OutboundError> {
    let mut last_error = None;
    for &address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                // A request is one or two writes; waiting to coalesce them only adds latency.
                let _ = stream.set_nodelay(true);
                return Ok((stream, address));
            }
            Err(source) => last_error = Some((address, source)),
        }
    }
    let (address, source) = last_error.ok_or_else(|| OutboundError::Resolve {
        host: host.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "the name has no addresses"),
    })?;
    Err(OutboundError::Connect { host: host.to_owned(), address, tried: addresses.len(), source })
}

/// Sends `request` over `stream` and waits for the response head.
async fn send<S>(
    stream: S,
    request: Request<Full<Bytes>>,
    host: &str,
    total: Deadline,
) -> Result<Exchange, OutboundError>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
        .max_buf_size(MAX_HEAD_BYTES)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|source| protocol(host, Phase::WaitingForResponse, source))?;
    // Its errors reach the response or its body, which report them; the task only drives it.
    let connection = AbortOnDrop(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let response = total
        .run(host, Phase::WaitingForResponse, sender.send_request(request))
        .await?
        .map_err(|source| protocol(host, Phase::WaitingForResponse, source))?;
    Ok(Exchange { response, connection })
}

fn protocol(host: &str, phase: Phase, source: hyper::Error) -> OutboundError {
    OutboundError::Protocol { host: host.to_owned(), phase, source }
}
