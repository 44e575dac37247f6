//! A TCP proxy the test controls, between Parley and a real PostgreSQL or Redis, to inject the
//! faults a network makes: a stall (bytes stop moving both ways, connections stay open) and a
//! cut (every connection is reset and new ones are refused), and back to normal. The real
//! server is never touched.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Up,
    /// Nothing is forwarded; connections stay open.
    Stalled,
    /// Connections are closed and new ones refused.
    Cut,
}

pub struct FaultProxy {
    pub port: u16,
    link: watch::Sender<Link>,
    stop: CancellationToken,
    connections: Arc<AtomicU64>,
}

impl FaultProxy {
    /// A proxy on a free loopback port in front of `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (link, watching) = watch::channel(Link::Up);
        let stop = CancellationToken::new();
        let connections = Arc::new(AtomicU64::new(0));
        let (upstream, stopping, counted) = (upstream.to_owned(), stop.clone(), connections.clone());
        tokio::spawn(async move {
            loop {
                let (client, _) = tokio::select! {
                    () = stopping.cancelled() => return,
                    accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
                };
                if *watching.borrow() == Link::Cut {
                    drop(client);
                    continue;
                }
                counted.fetch_add(1, Ordering::Relaxed);
                let (upstream, watching, stopping) = (upstream.clone(), watching.clone(), stopping.clone());
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else { return };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::select! {
                        () = pump(client_read, server_write, watching.clone()) => {}
                        () = pump(server_read, client_write, watching) => {}
                        () = stopping.cancelled() => {}
                    }
                });
            }
        });
        Self { port, link, stop, connections }
    }

    /// `url` (of the upstream) with its host and port replaced by this proxy's.
    pub fn url_for(&self, url: &str, upstream: &str) -> String {
        url.replacen(upstream, &format!("127.0.0.1:{}", self.port), 1)
    }

    pub fn set(&self, link: Link) {
        self.link.send_replace(link);
    }

    /// Connections opened through it so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Copies one direction while the link is up; holds the bytes while it is stalled; ends (the
/// connection closes) when it is cut.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut link: watch::Receiver<Link>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        loop {
            let state = *link.borrow_and_update();
            match state {
                Link::Up => break,
                Link::Cut => return,
                Link::Stalled => {
                    if link.changed().await.is_err() {
                        return;
                    }
                }
            }
        }
        let read = tokio::select! {
            read = from.read(&mut buffer) => read,
            changed = link.changed() => {
                if changed.is_err() || *link.borrow() == Link::Cut {
                    return;
                }
                continue;
            }
        };
        let n = match read {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // A stall that begins mid-copy holds these bytes until the link is up again.
        loop {
            let state = *link.borrow_and_update();
            match state {
                Link::Up => break,
                Link::Cut => return,
                Link::Stalled => {
                    if link.changed().await.is_err() {
                        return;
                    }
                }
            }
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

/// Waits until `check` holds, for at most `within`.
pub async fn within(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within {within:?}");
}
