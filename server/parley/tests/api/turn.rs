//! TURN credentials from `GET /voice/ice-servers` are accepted by a real coturn (Debian's,
//! with `use-auth-secret`), driven by coturn's own test client `turnutils_uclient`; a forged
//! or expired credential is refused.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, KillOnDrop, free_port, on_both_backends, spawn_app, spawn_app_with, system_tool};

const SECRET: &str = "a-shared-secret-for-the-test-0123";

/// Allocates a relay and sends 10 messages through it; true when coturn accepted the login.
fn relay_works(port: u16, username: &str, password: &str) -> bool {
    Command::new(system_tool("/usr/bin/turnutils_uclient", "coturn"))
        .args(["-u", username, "-w", password, "-y", "-n", "10", "-m", "1", "-l", "100"])
        .args(["-p", &port.to_string(), "127.0.0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

fn sign(secret: &str, username: &str) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

async fn a_turn_credential_from_the_api_is_accepted_by_coturn_and_forged_or_expired_ones_are_not(backend: Backend) {
    let port = free_port();
    // Relay ports: a small range starting at a free port (coturn skips any in use).
    let min = free_port().min(65_000);
    let _coturn = KillOnDrop(
        Command::new(system_tool("/usr/bin/turnserver", "coturn"))
            .args(["--listening-port", &port.to_string(), "--use-auth-secret", "--static-auth-secret", SECRET])
            .args(["--realm", "parley.test", "--no-tls", "--no-dtls", "--no-cli", "--listening-ip", "127.0.0.1"])
            .args(["--relay-ip", "127.0.0.1", "--allow-loopback-peers"])
            .args(["--min-port", &min.to_string(), "--max-port", &(min + 40).to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let urls = format!("turn:127.0.0.1:{port}?transport=udp");
    let stun = format!("stun:127.0.0.1:{port}");
    let app = spawn_app_with(
        backend,
        &[
            ("PARLEY_TURN_SECRET", SECRET),
            ("PARLEY_TURN_URLS", &urls),
            ("PARLEY_STUN_URLS", &stun),
            ("PARLEY_TURN_CREDENTIAL_TTL_SECS", "600"),
        ],
    )
    .await;
    let ann = app.register("ann").await;

    let response = app.get("/voice/ice-servers", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "credentials are for signed-in users");
    let response = app.get("/voice/ice-servers", Some(&ann.access_token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["ttl"], 600);
    let servers = body["ice_servers"].as_array().unwrap();
    assert_eq!(servers[0]["urls"], serde_json::json!([stun]));
    assert!(servers[0].get("credential").is_none(), "STUN needs no credential");
    assert_eq!(servers[1]["urls"], serde_json::json!([urls]));
    let username = servers[1]["username"].as_str().unwrap();
    let password = servers[1]["credential"].as_str().unwrap();
    let (expiry, user) = username.split_once(':').unwrap();
    assert_eq!(user, ann.user_id, "the username names the user");
    let expiry: u64 = expiry.parse().unwrap();
    assert!(expiry.abs_diff(now() + 600) <= 5, "valid for the configured ten minutes: {expiry}");

    // coturn may take a moment to listen.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !relay_works(port, username, password) {
        assert!(Instant::now() < deadline, "coturn refused the API's credential {username}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let forged = sign("not-the-shared-secret-at-all-000", username);
    assert!(!relay_works(port, username, &forged), "a credential signed with another secret is refused");
    let extended = format!("{}:{}", expiry + 86_400, ann.user_id);
    assert!(!relay_works(port, &extended, password), "a username whose expiry was changed is refused");
    let expired = format!("{}:{}", now() - 10, ann.user_id);
    assert!(!relay_works(port, &expired, &sign(SECRET, &expired)), "an expired credential is refused");
    app.stop().await;
}

async fn without_turn_configured_no_ice_servers_are_offered(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let body: Value = app.get("/voice/ice-servers", Some(&ann.access_token)).await.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "ice_servers": [], "ttl": 0 }));
    app.stop().await;
}

/// The bundle's coturn config (infra/coturn/turnserver.conf) authenticates a good credential
/// but will not relay to loopback: TURN must not become a way into the host's own services.
#[test]
fn the_shipped_coturn_config_refuses_to_relay_into_private_addresses() {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/coturn/turnserver.conf");
    let (port, min) = (free_port(), free_port().min(65_000));
    let log = tempfile::NamedTempFile::new().unwrap();
    let _coturn = KillOnDrop(
        Command::new(system_tool("/usr/bin/turnserver", "coturn"))
            .arg("-c")
            .arg(&config)
            // Only what a test on loopback needs differs from the shipped file.
            .args(["--listening-port", &port.to_string(), "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1"])
            .args([
                "--static-auth-secret",
                SECRET,
                "--min-port",
                &min.to_string(),
                "--max-port",
                &(min + 40).to_string(),
            ])
            .arg("--log-file")
            .arg(log.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let username = format!("{}:1", now() + 600);
    let password = sign(SECRET, &username);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let output = Command::new(system_tool("/usr/bin/turnutils_uclient", "coturn"))
            .args(["-u", &username, "-w", &password, "-y", "-n", "3", "-m", "1", "-l", "100"])
            .args(["-p", &port.to_string(), "127.0.0.1"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        if text.contains("403 (Forbidden IP)") {
            assert!(!output.status.success());
            break;
        }
        assert!(Instant::now() < deadline, "coturn with the shipped config did not refuse the loopback peer: {text}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

on_both_backends!(
    a_turn_credential_from_the_api_is_accepted_by_coturn_and_forged_or_expired_ones_are_not,
    without_turn_configured_no_ice_servers_are_offered,
);
