//! A gateway client for tests: a real WebSocket to the server, with reads that time out
//! instead of hanging, and helpers for the protocol's steps.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::helpers::{Session, TestApp};

/// Every intent (what most bots send).
pub const ALL_INTENTS: u64 = 3_276_799;

pub struct GatewayClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    inflate: Option<flate2::Decompress>,
    /// The last sequence number received.
    pub seq: Option<u64>,
    pub session_id: Option<String>,
}

/// What the next read found.
#[derive(Debug)]
pub enum Received {
    Payload(Value),
    Closed(Option<u16>),
}

impl GatewayClient {
    /// Connects with `query` (e.g. "v=10&encoding=json") and reads HELLO.
    pub async fn connect_with(app: &TestApp, query: &str) -> (Self, Value) {
        let mut client = Self::connect_raw(app, query).await;
        let hello = client.next().await;
        (client, hello)
    }

    /// Connects with a tiny socket receive buffer: a client that reads slowly fills up fast.
    pub async fn connect_slow_reader(app: &TestApp) -> Self {
        let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().expect("an address");
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.set_recv_buffer_size(2048).expect("a small receive buffer");
        let stream = socket.connect(address).await.expect("connected");
        let url = format!("ws://{address}/gateway?v=10&encoding=json");
        let (socket, _) =
            tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await.expect("the WebSocket handshake");
        let mut client = Self { socket, inflate: None, seq: None, session_id: None };
        client.next().await;
        client
    }

    /// Connects without reading anything.
    pub async fn connect_raw(app: &TestApp, query: &str) -> Self {
        Self::connect_raw_at(&app.address, query).await
    }

    /// Connects to the server at `address` (`http://host:port`, a node in its own process)
    /// without reading anything.
    pub async fn connect_raw_at(address: &str, query: &str) -> Self {
        let url = format!("{}/gateway?{query}", address.replacen("http://", "ws://", 1));
        let (socket, _) = connect_async(url).await.expect("the gateway accepts the WebSocket");
        let inflate = query.contains("compress=zlib-stream").then(|| flate2::Decompress::new(true));
        Self { socket, inflate, seq: None, session_id: None }
    }

    pub async fn connect(app: &TestApp) -> Self {
        let (client, hello) = Self::connect_with(app, "v=10&encoding=json").await;
        assert_eq!(hello["op"], 10, "HELLO first: {hello}");
        client
    }

    /// Connects, identifies with every intent, and returns the client with READY.
    pub async fn identified(app: &TestApp, who: &Session) -> (Self, Value) {
        Self::identified_with(app, who, ALL_INTENTS).await
    }

    pub async fn identified_with(app: &TestApp, who: &Session, intents: u64) -> (Self, Value) {
        Self::identified_at(&app.address, who, intents).await
    }

    /// Connects to the server at `address` (a node in its own process), identifies with
    /// `intents`, and returns the client with READY.
    pub async fn identified_at(address: &str, who: &Session, intents: u64) -> (Self, Value) {
        let mut client = Self::connect_raw_at(address, "v=10&encoding=json").await;
        let hello = client.next().await;
        assert_eq!(hello["op"], 10, "HELLO first: {hello}");
        client
            .send(json!({"op": 2, "d": {"token": who.access_token, "intents": intents,
                                          "properties": {"os": "linux", "browser": "test", "device": "test"}}}))
            .await;
        let ready = client.wait_for("READY").await;
        client.session_id = ready["session_id"].as_str().map(str::to_owned);
        (client, ready)
    }

    pub async fn send(&mut self, payload: Value) {
        self.send_text(payload.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.socket.send(Message::Text(text.into())).await.expect("the frame is sent");
    }

    /// The next frame, or how the connection closed; fails after five seconds.
    pub async fn receive(&mut self) -> Received {
        self.receive_within(Duration::from_secs(5)).await.expect("a frame within five seconds")
    }

    /// The next frame within `wait`, or `None` if nothing came.
    pub async fn receive_within(&mut self, wait: Duration) -> Option<Received> {
        loop {
            let message = tokio::time::timeout(wait, self.socket.next()).await.ok()?;
            let text = match message {
                None | Some(Err(_)) => return Some(Received::Closed(None)),
                Some(Ok(Message::Close(frame))) => return Some(Received::Closed(frame.map(|f| u16::from(f.code)))),
                Some(Ok(Message::Text(text))) => text.to_string(),
                Some(Ok(Message::Binary(bytes))) => {
                    let inflate = self.inflate.as_mut().expect("binary frames only with zlib-stream");
                    let mut out = Vec::with_capacity(bytes.len() * 8 + 1024);
                    let mut consumed = 0;
                    loop {
                        let before = inflate.total_in();
                        inflate
                            .decompress_vec(&bytes[consumed..], &mut out, flate2::FlushDecompress::Sync)
                            .expect("a valid zlib stream");
                        consumed += (inflate.total_in() - before) as usize;
                        if consumed == bytes.len() && out.len() < out.capacity() {
                            break;
                        }
                        out.reserve(out.capacity());
                    }
                    String::from_utf8(out).expect("UTF-8 JSON")
                }
                Some(Ok(_)) => continue,
            };
            let payload: Value = serde_json::from_str(&text).expect("JSON frames");
            crate::recording::gateway(&payload);
            if let Some(s) = payload["s"].as_u64() {
                self.seq = Some(s);
            }
            return Some(Received::Payload(payload));
        }
    }

    /// The next payload (a close fails the test).
    pub async fn next(&mut self) -> Value {
        match self.receive().await {
            Received::Payload(p) => p,
            Received::Closed(code) => panic!("the gateway closed the connection ({code:?})"),
        }
    }

    /// The `d` of the next dispatch called `name`, skipping others; fails after five seconds.
    pub async fn wait_for(&mut self, name: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.receive_within(left).await {
                Some(Received::Payload(p)) if p["t"] == name => return p["d"].clone(),
                Some(Received::Payload(_)) => continue,
                Some(Received::Closed(code)) => panic!("closed ({code:?}) while waiting for {name}"),
                None => panic!("no {name} within five seconds"),
            }
        }
    }

    /// The whole next dispatch called `name` (with its `s`), skipping others.
    pub async fn wait_for_payload(&mut self, name: &str) -> Value {
        loop {
            let payload = self.next().await;
            if payload["t"] == name {
                return payload;
            }
        }
    }

    /// Asserts that no dispatch called `name` arrives within `wait` (others are skipped).
    pub async fn assert_no(&mut self, name: &str, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.receive_within(left).await {
                None => return,
                Some(Received::Payload(p)) => assert_ne!(p["t"], name, "unexpected {name}: {p}"),
                Some(Received::Closed(code)) => panic!("closed ({code:?})"),
            }
        }
    }

    /// Reads until the connection closes and returns the close code, skipping payloads.
    pub async fn closed_with(&mut self) -> Option<u16> {
        loop {
            match self.receive().await {
                Received::Payload(_) => continue,
                Received::Closed(code) => return code,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self
            .socket
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }))
            .await;
    }

    /// Drops the connection without a close frame (a network failure).
    pub fn drop_connection(self) {
        drop(self);
    }
}
