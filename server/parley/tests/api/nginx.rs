//! The shipped nginx configuration (`nginx/parley.conf.template`), filled in as the nginx
//! image would, with a test certificate and free loopback ports: a real nginx terminates TLS
//! over HTTP/2, proxies the API to a running Parley, redirects plain HTTP, and upgrades a
//! gateway WebSocket (the server's HELLO comes back through it).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Backend, KillOnDrop, WEBSOCKET_HANDSHAKE, free_port, spawn_app, system_tool};

fn tool(path: &str) -> &str {
    system_tool(path, "nginx openssl curl")
}

/// `curl` against nginx, resolving the test name to loopback and trusting the test CA; it
/// gives up after 10 seconds (a WebSocket stays open: that read ends by this limit).
fn curl(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(tool("/usr/bin/curl"))
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(dir.join("cert.pem"))
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_with_the_shipped_config_terminates_tls_proxies_the_api_and_upgrades_the_gateway() {
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(tool("/usr/bin/openssl"))
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=parley.test"])
        .args(["-addext", "subjectAltName=DNS:parley.test"])
        .arg("-keyout")
        .arg(dir.path().join("key.pem"))
        .arg("-out")
        .arg(dir.path().join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl made a test certificate");

    // Filled in as the nginx image's envsubst would; only the listen addresses change, to
    // free loopback ports. One process (master_process off), so stopping it leaves no worker.
    let (http, https) = (free_port(), free_port());
    let template =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../nginx/parley.conf.template"))
            .unwrap();
    let site = template
        .replace("${PARLEY_DOMAIN}", "parley.test")
        .replace("${PARLEY_UPSTREAM}", app.address.trim_start_matches("http://"))
        .replace("${TLS_CERT}", &dir.path().join("cert.pem").display().to_string())
        .replace("${TLS_KEY}", &dir.path().join("key.pem").display().to_string())
        .replace("listen 80;", &format!("listen 127.0.0.1:{http};"))
        .replace("listen 443 ssl http2;", &format!("listen 127.0.0.1:{https} ssl http2;"))
        .lines()
        .filter(|line| !line.contains("listen [::]"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        site.lines().filter(|l| !l.trim_start().starts_with('#')).all(|l| !l.contains("${")),
        "every template variable is filled in:\n{site}"
    );
    std::fs::write(dir.path().join("parley.conf"), site).unwrap();
    let d = dir.path().display();
    std::fs::write(
        dir.path().join("nginx.conf"),
        format!(
            "master_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/parley.conf;\n}}\n"
        ),
    )
    .unwrap();
    let conf = dir.path().join("nginx.conf");
    let check = Command::new(tool("/usr/sbin/nginx"))
        .arg("-t")
        .arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "nginx -t: {}", String::from_utf8_lossy(&check.stderr));
    let _nginx = KillOnDrop(
        Command::new("/usr/sbin/nginx")
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(dir.path())
            .args(["-g", "daemon off;"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", https)).is_err() {
        assert!(Instant::now() < deadline, "nginx never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resolve = format!("parley.test:{https}:127.0.0.1");
    let base = format!("https://parley.test:{https}");

    // The API over TLS and HTTP/2, with nginx's HSTS and Parley's own headers.
    let out = curl(
        dir.path(),
        &["--resolve", &resolve, "-i", "-w", "\nhttp=%{http_version}", &format!("{base}/api/v10/gateway")],
    );
    assert!(out.contains("http=2"), "{out}");
    assert!(out.lines().next().unwrap_or("").contains("200"), "{out}");
    assert!(out.to_ascii_lowercase().contains("strict-transport-security: max-age=63072000"), "{out}");
    assert!(out.to_ascii_lowercase().contains("x-content-type-options: nosniff"), "{out}");
    // A body goes through too: the first account registers.
    let body = r#"{"username":"viaproxy","password":"correct horse battery"}"#;
    let out = curl(
        dir.path(),
        &[
            "--resolve",
            &resolve,
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
            &format!("{base}/api/v10/auth/register"),
        ],
    );
    assert!(out.contains("access_token"), "{out}");
    let token: serde_json::Value = serde_json::from_str(&out).unwrap();
    let bearer = format!("Authorization: Bearer {}", token["access_token"].as_str().unwrap());

    // Plain HTTP is sent to HTTPS.
    let out = curl(
        dir.path(),
        &["-i", "--resolve", &format!("parley.test:{http}:127.0.0.1"), &format!("http://parley.test:{http}/channels")],
    );
    assert!(out.starts_with("HTTP/1.1 301"), "{out}");
    assert!(out.contains("Location: https://parley.test/channels"), "{out}");

    // The gateway's WebSocket handshake passes through, and the server's HELLO comes back.
    let gateway = format!("{base}/gateway?v=10&encoding=json");
    let out = curl(dir.path(), &[&["--resolve", &resolve], WEBSOCKET_HANDSHAKE, &[&gateway]].concat());
    assert!(out.starts_with("HTTP/1.1 101"), "{out}");
    assert!(out.contains(r#""op":10"#) && out.contains("heartbeat_interval"), "HELLO through nginx: {out}");
    // At `/`, where bot libraries given only the host connect, and with twilight's `/?v=10`.
    for path in ["/?v=10&encoding=json", "/gateway/?v=10&encoding=json"] {
        let url = format!("{base}{path}");
        let out = curl(dir.path(), &[&["--resolve", &resolve], WEBSOCKET_HANDSHAKE, &[&url]].concat());
        assert!(out.starts_with("HTTP/1.1 101") && out.contains(r#""op":10"#), "{path}: {out}");
    }

    // A message with a 30 MiB file streams through (past the 25 MiB every other request may
    // send), and the file comes back through its link.
    let guild: serde_json::Value = serde_json::from_str(&curl(
        dir.path(),
        &[
            "--resolve",
            &resolve,
            "-H",
            &bearer,
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"name":"Proxied"}"#,
            &format!("{base}/api/v10/guilds"),
        ],
    ))
    .unwrap();
    let channels: serde_json::Value = serde_json::from_str(&curl(
        dir.path(),
        &[
            "--resolve",
            &resolve,
            "-H",
            &bearer,
            &format!("{base}/api/v10/guilds/{}/channels", guild["id"].as_str().unwrap()),
        ],
    ))
    .unwrap();
    let general = channels.as_array().unwrap().iter().find(|c| c["name"] == "general").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let big = dir.path().join("big.bin");
    std::fs::write(&big, vec![7u8; 30 * 1024 * 1024]).unwrap();
    let upload = ["--max-time", "60", "--resolve", &resolve, "-H", &bearer, "-F", "payload_json={\"content\":\"big\"}"];
    let file_part = format!("files[0]=@{}", big.display());
    let out = Command::new(tool("/usr/bin/curl"))
        .args(["-sS", "--cacert"])
        .arg(dir.path().join("cert.pem"))
        .args(upload)
        .args(["-F", &file_part, &format!("{base}/api/v10/channels/{general}/messages")])
        .output()
        .unwrap();
    let sent: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(sent["attachments"][0]["size"], 30 * 1024 * 1024, "{sent}");
    let url = sent["attachments"][0]["url"].as_str().unwrap();
    let link = format!("{base}{}", &url[url.find("/attachments/").unwrap()..]);
    let out =
        curl(dir.path(), &["--resolve", &resolve, "-o", "/dev/null", "-w", "%{http_code} %{size_download}", &link]);
    assert_eq!(out, format!("200 {}", 30 * 1024 * 1024));
    let elsewhere = curl(
        dir.path(),
        &[
            "--resolve",
            &resolve,
            "-H",
            &bearer,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-F",
            &file_part,
            &format!("{base}/api/v10/users/@me"),
        ],
    );
    assert_eq!(elsewhere, "413", "other routes keep nginx's smaller limit");

    // Metrics never reach the public side: Parley sees a forwarded request, and nginx refuses.
    let out = curl(dir.path(), &["-i", "--resolve", &resolve, &format!("{base}/metrics")]);
    assert!(out.lines().next().unwrap_or("").contains("404"), "{out}");
    assert!(!out.contains("parley_"), "{out}");
}
