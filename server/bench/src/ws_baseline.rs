//! The gateway baseline: a minimal WebSocket broadcast server on the same runtime and
//! WebSocket library as Parley's gateway (axum), with no auth, no storage and no
//! permissions. `POST /broadcast` sends one message-shaped dispatch to every connection
//! through a bounded per-connection queue, the bytes shared, as Parley's fan-out does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::{get, post};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Each open connection: its id and its queue.
type Connections = Arc<Mutex<Vec<(u64, mpsc::Sender<Arc<str>>)>>>;

#[derive(Clone, Default)]
struct Hub {
    connections: Connections,
    next: Arc<AtomicU64>,
    seq: Arc<AtomicU64>,
}

async fn connect(State(hub): State<Hub>, ws: WebSocketUpgrade) -> Response {
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| session(hub, socket))
}

async fn session(hub: Hub, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (sender, mut receiver) = mpsc::channel::<Arc<str>>(512);
    let id = hub.next.fetch_add(1, Ordering::Relaxed);
    hub.connections.lock().unwrap_or_else(|p| p.into_inner()).push((id, sender));
    if sink.send(Message::Text("{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}".into())).await.is_ok() {
        loop {
            tokio::select! {
                frame = receiver.recv() => match frame {
                    Some(frame) => if sink.send(Message::Text(frame.to_string().into())).await.is_err() { break },
                    None => break,
                },
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(_))) => {
                        let _ = sink.send(Message::Text("{\"op\":11}".into())).await;
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                },
            }
        }
    }
    hub.connections.lock().unwrap_or_else(|p| p.into_inner()).retain(|(c, _)| *c != id);
}

async fn broadcast(State(hub): State<Hub>, axum::Json(body): axum::Json<Value>) -> axum::Json<Value> {
    let seq = hub.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let message = json!({
        "id": seq.to_string(), "channel_id": "1574419847981301761", "guild_id": "1574419847981301762",
        "author": {"id": "1574419847981301760", "username": "bench", "discriminator": "0", "global_name": null, "avatar": null, "bot": false},
        "content": body["content"], "timestamp": "2026-11-23T14:00:00.000Z", "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
        "pinned": false, "type": 0
    });
    let frame: Arc<str> = Arc::from(json!({"op": 0, "s": seq, "t": "MESSAGE_CREATE", "d": message}).to_string());
    let connections = hub.connections.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for (_, sender) in &connections {
        let _ = sender.try_send(frame.clone());
    }
    axum::Json(message)
}

pub async fn serve() -> anyhow::Result<()> {
    let app =
        Router::new().route("/gateway", get(connect)).route("/broadcast", post(broadcast)).with_state(Hub::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("WebSocket baseline is running at http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
