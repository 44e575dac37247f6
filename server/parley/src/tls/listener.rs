//! The HTTPS listener axum serves on. TCP connections are accepted at once and their TLS
//! handshakes run concurrently (at most [`HANDSHAKES`] at a time, each within
//! [`HANDSHAKE_TIMEOUT`]), so a slow or silent client never holds up the next one.
//! Connections that came only to answer an ACME TLS-ALPN-01 challenge end after the
//! handshake; the rest are handed to axum.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The ALPN protocol of ACME's TLS-ALPN-01 challenge (RFC 8737).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";
/// Handshakes in progress at once; further connections wait to start theirs.
const HANDSHAKES: usize = 256;
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for axum to take them.
const READY: usize = 64;

pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `tcp` until `stop`; the accept loop runs on `tasks`.
    pub fn new(
        tcp: TcpListener,
        config: rustls::ServerConfig,
        tasks: &TaskTracker,
        stop: CancellationToken,
    ) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let (sender, ready) = mpsc::channel(READY);
        tasks.spawn(accept_loop(tcp, TlsAcceptor::from(Arc::new(config)), sender, stop));
        Ok(Self { ready, local })
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
    stop: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(HANDSHAKES));
    loop {
        let permit = tokio::select! {
            () = stop.cancelled() => return,
            permit = permits.clone().acquire_owned() => permit,
        };
        let Ok(permit) = permit else { return };
        let (stream, peer) = tokio::select! {
            () = stop.cancelled() => return,
            accepted = tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (acceptor, ready, stop) = (acceptor.clone(), ready.clone(), stop.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let handshake = tokio::select! {
                () = stop.cancelled() => return,
                result = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)) => result,
            };
            match handshake {
                Ok(Ok(tls)) => {
                    if tls.get_ref().1.alpn_protocol() == Some(ACME_TLS_ALPN) {
                        tracing::debug!(%peer, "answered an ACME TLS-ALPN-01 challenge");
                        return;
                    }
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

/// What axum serves on a [`TlsListener`]: the router, with each connection's peer address as
/// `ConnectInfo<SocketAddr>` (as on plain TCP), which rate limits and logs rely on.
pub fn make_service(
    router: axum::Router,
) -> impl for<'a> tower::Service<
    axum::serve::IncomingStream<'a, TlsListener>,
    Response = WithPeer,
    Error = Infallible,
    Future = std::future::Ready<Result<WithPeer, Infallible>>,
> + Clone {
    tower::service_fn(move |incoming: axum::serve::IncomingStream<'_, TlsListener>| {
        let peer = ConnectInfo(*incoming.remote_addr());
        std::future::ready(Ok(tower::Layer::layer(&axum::Extension(peer), router.clone())))
    })
}

/// The router for one connection, knowing who is on the other end.
type WithPeer = axum::middleware::AddExtension<axum::Router, ConnectInfo<SocketAddr>>;

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept loop has stopped (shutdown): axum stops asking once it drains.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
