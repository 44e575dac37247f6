//! Traces and logs leave Parley in the wire formats Tempo and Loki read. A receiver in the
//! test decodes both: OTLP/HTTP protobuf (`ExportTraceServiceRequest`, with the OpenTelemetry
//! project's own message types) and Loki's snappy-compressed protobuf `PushRequest` (with
//! message types written here from Loki's `push.proto`). The server is the real binary, since
//! telemetry is process-wide.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use futures::{SinkExt, StreamExt};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;

use crate::helpers::{Backend, KillOnDrop, TestDatabase, on_both_backends, parley_command};

#[derive(Debug)]
struct ReceivedSpan {
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    name: String,
    service: String,
    attributes: BTreeMap<String, String>,
}

#[derive(Default)]
struct Received {
    spans: Vec<ReceivedSpan>,
    /// (labels, line) for every Loki entry.
    lines: Vec<(String, String)>,
}

type Shared = Arc<Mutex<Received>>;

/// Loki's `logproto.PushRequest` and its parts, as the receiver understands them.
mod loki {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PushRequest {
        #[prost(message, repeated, tag = "1")]
        pub streams: Vec<StreamAdapter>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct StreamAdapter {
        #[prost(string, tag = "1")]
        pub labels: String,
        #[prost(message, repeated, tag = "2")]
        pub entries: Vec<EntryAdapter>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct EntryAdapter {
        #[prost(message, optional, tag = "1")]
        pub timestamp: Option<prost_types::Timestamp>,
        #[prost(string, tag = "2")]
        pub line: String,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn attributes(list: &[KeyValue]) -> BTreeMap<String, String> {
    list.iter().map(|kv| (kv.key.clone(), text(kv.value.as_ref()))).collect()
}

async fn receive_traces(State(received): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    assert_eq!(headers["content-type"], "application/x-protobuf", "OTLP/HTTP in its binary encoding");
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP ExportTraceServiceRequest");
    let mut received = received.lock().unwrap();
    for resource_spans in request.resource_spans {
        let resource = resource_spans.resource.map(|r| attributes(&r.attributes)).unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                received.spans.push(ReceivedSpan {
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    name: span.name.clone(),
                    service: resource.get("service.name").cloned().unwrap_or_default(),
                    attributes: attributes(&span.attributes),
                });
            }
        }
    }
    StatusCode::OK
}

async fn receive_logs(State(received): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    assert_eq!(headers["content-type"], "application/x-protobuf");
    let raw = snap::raw::Decoder::new().decompress_vec(&body).expect("a snappy block");
    let push = loki::PushRequest::decode(raw.as_slice()).expect("a Loki PushRequest");
    let mut received = received.lock().unwrap();
    for stream in push.streams {
        for entry in stream.entries {
            assert!(entry.timestamp.is_some_and(|t| t.seconds > 1_700_000_000), "each entry has its time");
            received.lines.push((stream.labels.clone(), entry.line));
        }
    }
    StatusCode::NO_CONTENT
}

/// A W3C traceparent for a trace and parent span of our own choosing.
fn traceparent(trace_id: &str, parent: &str, sampled: bool) -> String {
    format!("00-{trace_id}-{parent}-{}", if sampled { "01" } else { "00" })
}

async fn traces_and_logs_reach_tempo_and_loki_with_one_trace_id_in_both(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let received: Shared = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector = format!("http://{}", listener.local_addr().unwrap());
    let receiver = Router::new()
        .route("/v1/traces", post(receive_traces))
        .route("/loki/api/v1/push", post(receive_logs))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let mut child = parley_command(&db, &["serve", "--migrate"])
        .env("PARLEY_OTLP_ENDPOINT", &collector)
        .env("PARLEY_LOKI_URL", &collector)
        .env("PARLEY_LOG_FORMAT", "json")
        .env("PARLEY_LOG_LEVEL", "info")
        .env("PARLEY_REGISTRATION", "open")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("parley starts");
    let stdout = child.stdout.take().unwrap();
    let child = KillOnDrop(child);
    let (url_sender, url) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")) {
                let _ = url_sender.send(url.to_owned());
            }
            lines.push(line);
        }
        lines
    });
    let url = url.recv_timeout(Duration::from_secs(60)).expect("parley prints its URL");
    let client = reqwest::Client::new();

    let registered: Value = client
        .post(format!("{url}/api/v10/auth/register"))
        .json(&json!({ "username": "tracy", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = registered["access_token"].as_str().expect("registered").to_owned();

    // A caller that sampled its trace: Parley's spans join it.
    let (trace, caller_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let login = client
        .post(format!("{url}/api/v10/auth/login"))
        .header("traceparent", traceparent(trace, caller_span, true))
        .json(&json!({ "login": "tracy", "password": "wrong horse" }))
        .send()
        .await
        .unwrap();
    let status = login.status().as_u16();
    assert_eq!(status, 400);
    let answered = login.headers()["traceparent"].to_str().unwrap().to_owned();
    assert!(answered.starts_with(&format!("00-{trace}-")) && answered.ends_with("-01"), "{answered}");

    // A caller that did not sample: no spans are exported, but logs still carry its id.
    let unsampled = "0af7651916cd43dd8448eb211c80319c";
    client
        .post(format!("{url}/api/v10/auth/login"))
        .header("traceparent", traceparent(unsampled, "b7ad6b7169203331", false))
        .json(&json!({ "login": "tracy", "password": "another wrong one" }))
        .send()
        .await
        .unwrap();

    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{}/gateway?v=10&encoding=json", url.replace("http", "ws")))
            .await
            .expect("the gateway accepts the WebSocket");
    socket.next().await.expect("HELLO").unwrap();
    let identify = json!({ "op": 2, "d": { "token": token, "intents": 0, "properties": {} } });
    socket.send(tungstenite::Message::text(identify.to_string())).await.unwrap();
    let ready: Value = serde_json::from_str(socket.next().await.expect("READY").unwrap().to_text().unwrap()).unwrap();
    assert_eq!(ready["t"], "READY");
    drop(socket);

    // An invite made and used: its code is a credential, so no log line may carry it.
    let bearer = |request: reqwest::RequestBuilder| request.bearer_auth(&token);
    let guild: Value = bearer(client.post(format!("{url}/api/v10/guilds")))
        .json(&json!({"name": "Logs"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let channels: Value =
        bearer(client.get(format!("{url}/api/v10/guilds/{}/channels", guild["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let general = channels.as_array().unwrap().iter().find(|c| c["name"] == "general").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite: Value = bearer(client.post(format!("{url}/api/v10/channels/{general}/invites")))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = invite["code"].as_str().expect("an invite").to_owned();
    let guest: Value = client
        .post(format!("{url}/api/v10/auth/register"))
        .json(&json!({ "username": "guest", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let joined = client
        .post(format!("{url}/api/v10/invites/{code}"))
        .bearer_auth(guest["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 200);

    // Routes Parley does not serve: logged with method and path, never the query or a token.
    let token = "aW5zZWN1cmUtd2ViaG9vay10b2tlbi10aGF0LWlzLWxvbmc";
    for path in ["/api/v10/no/such/route?secret=hunter2".to_owned(), format!("/api/v10/webhooks/1/{token}/github")] {
        assert_eq!(client.get(format!("{url}{path}")).send().await.unwrap().status(), 404);
    }

    // SIGTERM: queued spans and log lines are delivered before the process exits.
    let mut child = child;
    Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().expect("kill");
    let exit = child.0.wait().expect("parley exits");
    assert!(exit.success(), "parley exits 0 on SIGTERM, got {exit}");
    let stdout = reader.join().unwrap();

    let received = received.lock().unwrap();
    let spans = &received.spans;
    assert!(spans.iter().all(|s| s.service == "parley"), "every span names its service");
    let server = spans
        .iter()
        .find(|s| s.trace_id == trace && s.parent_span_id == caller_span)
        .unwrap_or_else(|| panic!("the login span joins the caller's trace: {spans:#?}"));
    assert_eq!(server.name, "POST /api/v10/auth/login");
    assert_eq!(server.attributes["http.route"], "/api/v10/auth/login");
    assert_eq!(server.attributes["http.response.status_code"], status.to_string());
    let system = if backend == Backend::Sqlite { "sqlite" } else { "postgresql" };
    let queries: Vec<&ReceivedSpan> =
        spans.iter().filter(|s| s.trace_id == trace && s.attributes.contains_key("db.system.name")).collect();
    assert!(!queries.is_empty(), "the login's statements are spans in its trace: {spans:#?}");
    for query in &queries {
        assert_eq!(query.attributes["db.system.name"], system);
        assert_eq!(query.attributes["db.operation.name"], query.name, "a statement span is named for its operation");
        assert!(!query.parent_span_id.is_empty());
    }
    assert!(spans.iter().all(|s| s.trace_id != unsampled), "a caller's decision not to sample is followed");
    assert!(spans.iter().any(|s| s.name == "gateway.identify"), "gateway operations are traced: {spans:#?}");

    let lines = &received.lines;
    for (labels, _) in lines {
        assert!(
            ["info", "warn", "error"]
                .iter()
                .any(|level| *labels == format!("{{service=\"parley\", level=\"{level}\"}}")),
            "only the fixed labels: {labels}"
        );
    }
    let logged: Vec<Value> = lines.iter().map(|(_, line)| serde_json::from_str(line).expect("a JSON line")).collect();
    let failed = logged
        .iter()
        .find(|l| l["message"] == "failed login" && l["trace_id"] == trace)
        .unwrap_or_else(|| panic!("the failed login reaches Loki with its trace id: {logged:#?}"));
    assert_eq!(failed["span_id"], server.span_id.as_str(), "the log line names the span it happened in");
    assert_eq!(failed["level"], "INFO");
    assert!(failed["request_id"].is_string(), "span fields come along");
    assert!(logged.iter().any(|l| l["message"] == "failed login" && l["trace_id"] == unsampled));

    assert!(stdout.iter().any(|l| l.contains("member joined through an invite")), "the join is logged: {stdout:#?}");
    let unmatched: Vec<Value> = stdout
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|l| l["message"] == "no route matches this request (404)")
        .collect();
    let paths: Vec<&str> = unmatched.iter().filter_map(|l| l["path"].as_str()).collect();
    assert_eq!(paths, ["/api/v10/no/such/route", "/api/v10/webhooks/1/{redacted}/github"], "{unmatched:#?}");
    assert!(unmatched.iter().all(|l| l["method"] == "GET" && l["level"] == "INFO"), "{unmatched:#?}");
    assert!(!stdout.iter().any(|l| l.contains("hunter2") || l.contains(token)), "no query or token is logged");
    assert!(!stdout.iter().any(|l| l.contains(&code)), "no log line carries the invite code: {stdout:#?}");
    assert!(!lines.iter().any(|(_, l)| l.contains(&code)), "nor does anything pushed to Loki");
    let printed: Vec<Value> = stdout.iter().filter_map(|line| serde_json::from_str(line).ok()).collect();
    assert!(
        printed.iter().any(|l| l["message"] == "failed login"
            && l["trace_id"] == trace
            && l["span_id"] == server.span_id.as_str()),
        "stdout has the same JSON line: {stdout:#?}"
    );
}

on_both_backends!(traces_and_logs_reach_tempo_and_loki_with_one_trace_id_in_both);
