//! Parley serving HTTPS itself: from certificate files (with the HTTP-to-HTTPS redirect
//! listener), and with a certificate it obtains from a real ACME server (Debian's Pebble)
//! over TLS-ALPN-01 on loopback. `curl` is the client, trusting only the test's roots.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Backend, KillOnDrop, WEBSOCKET_HANDSHAKE, free_port, sample, spawn_app_with, system_tool};

fn tool(path: &str) -> &str {
    system_tool(path, "openssl curl pebble")
}

/// `curl -sS` trusting `ca`, resolving parley.test to loopback on `port`; output and exit.
fn curl(ca: &Path, port: u16, args: &[&str]) -> (String, bool) {
    let output = Command::new(tool("/usr/bin/curl"))
        .args(["-sS", "--max-time", "5", "--cacert"])
        .arg(ca)
        .args(["--resolve", &format!("parley.test:{port}:127.0.0.1")])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr),
        output.status.success(),
    )
}

fn openssl(dir: &Path, args: &[&str]) {
    let status =
        Command::new(tool("/usr/bin/openssl")).current_dir(dir).args(args).stderr(Stdio::null()).status().unwrap();
    assert!(status.success(), "openssl {args:?}");
}

/// A test CA (`ca.pem`) and a server certificate it signed (`cert.pem`, `key.pem`) for
/// parley.test, localhost and 127.0.0.1, valid for one day.
fn certificate_authority(dir: &Path) -> PathBuf {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        dir,
        &[
            &["req", "-x509"],
            &ec[..],
            &["-days", "2", "-subj", "/CN=Parley Test CA", "-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[&["req"], &ec[..], &["-subj", "/CN=parley.test", "-keyout", "key.pem", "-out", "leaf.csr"]].concat(),
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:parley.test,DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "leaf.ext",
            "-out",
            "cert.pem",
        ],
    );
    dir.join("ca.pem")
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_files_serve_https_over_http2_with_hsts_and_plain_http_is_redirected() {
    let dir = tempfile::tempdir().unwrap();
    let ca = certificate_authority(dir.path());
    let (port, redirect) = (free_port(), free_port());
    let cert = dir.path().join("cert.pem").display().to_string();
    let key = dir.path().join("key.pem").display().to_string();
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PARLEY_BIND", &format!("127.0.0.1:{port}")),
            ("PARLEY_PUBLIC_URL", &format!("https://parley.test:{port}")),
            ("PARLEY_TLS_MODE", "files"),
            ("PARLEY_TLS_CERT_FILE", &cert),
            ("PARLEY_TLS_KEY_FILE", &key),
            ("PARLEY_TLS_REDIRECT_BIND", &format!("127.0.0.1:{redirect}")),
        ],
    )
    .await;
    let base = format!("https://parley.test:{port}");

    let (out, ok) = curl(&ca, port, &["-i", "-w", "\nhttp=%{http_version}", &format!("{base}/api/v10/gateway")]);
    assert!(ok, "{out}");
    assert!(out.contains("http=2"), "HTTP/2 by ALPN: {out}");
    assert!(out.lines().next().unwrap_or("").contains("200"), "{out}");
    assert!(out.to_ascii_lowercase().contains("strict-transport-security: max-age=63072000"), "HSTS: {out}");
    assert!(
        out.contains(&format!("wss://parley.test:{port}/gateway")),
        "clients are sent to the gateway over TLS: {out}"
    );

    let body = r#"{"username":"overtls","password":"correct horse battery"}"#;
    let (out, _) = curl(
        &ca,
        port,
        &["-H", "Content-Type: application/json", "-d", body, &format!("{base}/api/v10/auth/register")],
    );
    assert!(out.contains("access_token"), "{out}");

    // The gateway's WebSocket (HTTP/1.1 upgrade over TLS) answers with HELLO.
    let gateway = format!("{base}/gateway?v=10&encoding=json");
    let (out, _) = curl(&ca, port, &[WEBSOCKET_HANDSHAKE, &[&gateway]].concat());
    assert!(out.starts_with("HTTP/1.1 101"), "{out}");
    assert!(out.contains("heartbeat_interval"), "HELLO over TLS: {out}");

    // Plain HTTP on the redirect listener: a permanent redirect to the same path over HTTPS.
    let (out, _) = curl(&ca, redirect, &["-i", &format!("http://parley.test:{redirect}/channels/1?jump=2")]);
    assert!(out.starts_with("HTTP/1.1 308"), "{out}");
    assert!(out.contains(&format!("location: https://parley.test:{port}/channels/1?jump=2")), "{out}");

    // A client that does not trust the CA is refused by curl: the server presents our chain.
    let output = Command::new("/usr/bin/curl")
        .args([
            "-sS",
            "--max-time",
            "5",
            "--resolve",
            &format!("parley.test:{port}:127.0.0.1"),
            &format!("{base}/ready"),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success(), "an untrusted certificate is not accepted silently");

    let (metrics, _) = curl(&ca, port, &[&format!("{base}/metrics")]);
    let expiry = sample(&metrics, "parley_tls_certificate_expiry_timestamp_seconds").expect("the expiry gauge");
    let day = 86_400.0;
    assert!((expiry - (now() as f64 + day)).abs() < 3600.0, "the one-day certificate's expiry: {expiry}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_is_obtained_from_a_real_acme_server_over_tls_alpn_01_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let ca = certificate_authority(dir.path());
    let (acme, management, dns, challenge_management, port) =
        (free_port(), free_port(), free_port(), free_port(), free_port());
    std::fs::write(
        dir.path().join("pebble.json"),
        serde_json::json!({ "pebble": {
            "listenAddress": format!("127.0.0.1:{acme}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": dir.path().join("cert.pem"),
            "privateKey": dir.path().join("key.pem"),
            "httpPort": free_port(),
            // The CA validates TLS-ALPN-01 by connecting here: Parley's HTTPS port.
            "tlsPort": port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false
        }})
        .to_string(),
    )
    .unwrap();
    // Pebble's resolver: every name is 127.0.0.1, and no IPv6 (Parley listens on IPv4).
    let _dns = KillOnDrop(
        Command::new(tool("/usr/bin/pebble-challtestsrv"))
            .args(["-dns01", &format!("127.0.0.1:{dns}"), "-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-management", &format!("127.0.0.1:{challenge_management}")])
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let _pebble = KillOnDrop(
        Command::new(tool("/usr/bin/pebble"))
            .arg("-config")
            .arg(dir.path().join("pebble.json"))
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", acme)).is_err() {
        assert!(Instant::now() < deadline, "Pebble never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let ca_file = ca.display().to_string();
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("PARLEY_BIND", &format!("127.0.0.1:{port}")),
            ("PARLEY_PUBLIC_URL", &format!("https://parley.test:{port}")),
            ("PARLEY_TLS_MODE", "acme"),
            ("PARLEY_TLS_ACME_DOMAINS", "parley.test"),
            ("PARLEY_TLS_ACME_CONTACT", "ops@parley.test"),
            ("PARLEY_TLS_ACME_DIRECTORY", &format!("https://127.0.0.1:{acme}/dir")),
            ("PARLEY_TLS_ACME_CA_FILE", &ca_file),
        ],
    )
    .await;

    // Pebble makes a new root each run; the issued certificate chains to it.
    let root = dir.path().join("pebble-root.pem");
    let (pem, ok) = curl(&ca, management, &[&format!("https://127.0.0.1:{management}/roots/0")]);
    assert!(ok && pem.contains("BEGIN CERTIFICATE"), "Pebble's root: {pem}");
    std::fs::write(&root, pem).unwrap();

    let base = format!("https://parley.test:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let out = loop {
        let (out, ok) = curl(&root, port, &["-i", "-w", "\nhttp=%{http_version}", &format!("{base}/ready")]);
        if ok {
            break out;
        }
        assert!(Instant::now() < deadline, "no certificate from Pebble within 60 s: {out}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(out.lines().next().unwrap_or("").contains("200"), "{out}");
    assert!(out.contains("http=2"), "{out}");
    assert!(out.to_ascii_lowercase().contains("strict-transport-security"), "{out}");

    // The account and certificate are cached in the data directory, for the next start.
    let cached: Vec<String> = std::fs::read_dir(app.settings.data_dir.join("acme"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(cached.iter().any(|f| f.starts_with("cached_cert_")), "{cached:?}");
    assert!(cached.iter().any(|f| f.starts_with("cached_account_")), "{cached:?}");
    // They hold private keys: Parley's user alone may read them, and the directory.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: std::path::PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(app.settings.data_dir.join("acme")), 0o700);
    for file in &cached {
        assert_eq!(mode(app.settings.data_dir.join("acme").join(file)), 0o600, "{file}");
    }
    let (metrics, _) = curl(&root, port, &[&format!("{base}/metrics")]);
    let expiry = sample(&metrics, "parley_tls_certificate_expiry_timestamp_seconds").expect("the expiry gauge");
    assert!(expiry > (now() + 86_400) as f64, "Pebble's certificate is valid for days: {expiry}");
    app.stop().await;
}
