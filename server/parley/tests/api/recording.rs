//! What the test clients received, written down for the payload-fidelity check.
//!
//! With `PARLEY_TEST_RECORD_PAYLOADS=<dir>` set, every successful REST answer with a JSON body
//! that goes through `TestApp::send`, and every gateway dispatch a `GatewayClient` reads, is
//! appended as one JSON line to `<dir>/payloads-<pid>.jsonl`. `scripts/payload-check` then
//! compares them with Discord's published shapes (docs/api.md, "Payload fidelity"). Unset,
//! nothing is buffered or written. The recording lives in the harness, not the server, so it
//! sees exactly what a client sees and production code knows nothing of it.

use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use serde_json::{Value, json};

/// The open recording, when one was asked for. A std `Mutex`: a write is one short append and
/// never held across an await.
fn recording() -> Option<&'static Mutex<File>> {
    static FILE: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::var_os("PARLEY_TEST_RECORD_PAYLOADS").filter(|d| !d.is_empty())?;
        std::fs::create_dir_all(&dir).expect("the payload recording directory can be created");
        let path = std::path::Path::new(&dir).join(format!("payloads-{}.jsonl", std::process::id()));
        let file = File::options().create(true).append(true).open(&path).expect("the payload recording opens");
        Some(Mutex::new(file))
    })
    .as_ref()
}

pub fn enabled() -> bool {
    recording().is_some()
}

/// The test that is running: libtest names the thread after it, and `#[tokio::test]` runs the
/// test's own future on that thread.
fn test_name() -> String {
    std::thread::current().name().unwrap_or("?").to_owned()
}

fn append(line: Value) {
    if let Some(file) = recording() {
        let mut text = line.to_string();
        text.push('\n');
        // One write per line, so lines from parallel tests never interleave.
        file.lock().unwrap_or_else(|e| e.into_inner()).write_all(text.as_bytes()).expect("the recording is written");
    }
}

/// A REST answer: `path` is the concrete path below `/api/v10` (the checker finds its route).
pub fn rest(method: &str, path: &str, status: u16, body: &[u8]) {
    let Ok(body) = serde_json::from_slice::<Value>(body) else { return };
    append(
        json!({ "kind": "rest", "test": test_name(), "method": method, "path": path, "status": status, "body": body }),
    );
}

/// A gateway payload; only dispatches (op 0) are kept.
pub fn gateway(payload: &Value) {
    if payload["op"] == 0 {
        append(json!({ "kind": "dispatch", "test": test_name(), "t": payload["t"], "d": payload["d"] }));
    }
}
