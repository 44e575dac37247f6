//! The first admin of an instance others can reach: not whoever registers first, but whoever
//! holds the bootstrap token the server prints at start (and `parley admin bootstrap-token`
//! prints again); the embedded quick start on loopback keeps the first-account rule. Both the
//! API on both backends, and the binary's start-up message and command.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, TestApp, TestDatabase, assert_error, on_both_backends, parley_command, spawn_app_with, status_and_json,
};

const PUBLIC: (&str, &str) = ("PARLEY_PUBLIC_URL", "https://chat.example.org");

/// The instance's bootstrap token, worked out from its key as the server does.
fn token_of(app: &TestApp) -> String {
    let seed = parley::keys::load_or_create_signing_key(&app.settings.signing_key_file).unwrap();
    let tokens = parley_app::auth::TokenIssuer::new(seed, app.settings.public_url.clone(), 60_000);
    parley_app::auth::bootstrap::bootstrap_token(&tokens)
}

fn account(username: &str, token: Option<&str>) -> Value {
    json!({"username": username, "password": "a long enough password", "bootstrap_token": token})
}

/// Whether the account whose tokens `registered` holds is an instance admin.
async fn is_admin(app: &TestApp, registered: Value) -> bool {
    let token = registered["access_token"].as_str().unwrap();
    app.get("/admin/invites", Some(token)).await.status() == StatusCode::OK
}

async fn the_first_admin_of_a_reachable_instance_needs_the_bootstrap_token(backend: Backend) {
    let app = spawn_app_with(backend, &[PUBLIC]).await;
    let (_, info) = status_and_json(app.get("/instance", None).await).await;
    assert_eq!(
        (info["first_account_becomes_admin"].as_bool(), info["admin_setup_pending"].as_bool()),
        (Some(false), Some(true))
    );

    // Whoever registers first without the token is an ordinary member.
    let (status, eve) = status_and_json(app.post_json("/auth/register", &account("eve", None), None).await).await;
    assert_eq!(status, StatusCode::CREATED, "{eve}");
    assert!(!is_admin(&app, eve).await, "the first account is no admin without the token");
    // A wrong token is refused, saying where the right one is.
    let (status, wrong) =
        status_and_json(app.post_json("/auth/register", &account("mallory", Some("not-the-token")), None).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong["errors"]["bootstrap_token"]["_errors"][0]["code"], "BOOTSTRAP_TOKEN_INVALID");
    assert!(wrong["errors"]["bootstrap_token"]["_errors"][0]["message"].as_str().unwrap().contains("bootstrap-token"));

    let token = token_of(&app);
    let (status, root) =
        status_and_json(app.post_json("/auth/register", &account("root", Some(&token)), None).await).await;
    assert_eq!(status, StatusCode::CREATED, "{root}");
    assert!(is_admin(&app, root).await, "the token makes the admin");
    let (_, info) = status_and_json(app.get("/instance", None).await).await;
    assert_eq!(info["admin_setup_pending"], false);
    // Spent: the same token now makes an ordinary account.
    let (status, late) =
        status_and_json(app.post_json("/auth/register", &account("late", Some(&token)), None).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(!is_admin(&app, late).await, "the token works once");
}

async fn on_an_invite_only_reachable_instance_only_the_token_holder_gets_in_first(backend: Backend) {
    let app = spawn_app_with(backend, &[PUBLIC, ("PARLEY_REGISTRATION", "invite_only")]).await;
    assert_error(app.post_json("/auth/register", &account("eve", None), None).await, StatusCode::FORBIDDEN, 90005)
        .await;
    let (status, root) =
        status_and_json(app.post_json("/auth/register", &account("root", Some(&token_of(&app))), None).await).await;
    assert_eq!(status, StatusCode::CREATED, "{root}");
    assert!(is_admin(&app, root).await);
}

async fn the_quick_start_on_loopback_keeps_the_first_account_rule_and_ignores_a_token(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (_, info) = status_and_json(app.get("/instance", None).await).await;
    assert_eq!(
        (info["first_account_becomes_admin"].as_bool(), info["admin_setup_pending"].as_bool()),
        (Some(true), Some(false))
    );
    // Only for a request from this machine itself: not through a proxy (or tunnel) in front,
    // nor from a page under another name that resolves here.
    for (header, value, name) in
        [("x-forwarded-for", "203.0.113.9", "proxied"), ("host", "chat.example.org", "rebound")]
    {
        let request = app.client.post(app.api("/auth/register")).header(header, value).json(&account(name, None));
        let (status, registered) = status_and_json(app.send(request).await).await;
        assert_eq!(status, StatusCode::CREATED, "{registered}");
        assert!(!is_admin(&app, registered).await, "a first account through {header} is no admin");
    }
    let (status, first) =
        status_and_json(app.post_json("/auth/register", &account("ann", Some("anything")), None).await).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert!(is_admin(&app, first).await);
}

/// `parley serve` prints the setup link while a reachable instance has no admin; the command
/// prints the same token again, and refuses once an admin exists.
#[tokio::test]
async fn serve_prints_the_setup_link_and_the_command_prints_its_token_again() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let parley = |args: &[&str]| {
        let mut command = parley_command(&db, args);
        command.env("PARLEY_PUBLIC_URL", "https://chat.example.org").env("PARLEY_REGISTRATION", "open");
        command
    };
    let mut child = parley(&["serve", "--migrate"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let child = crate::helpers::KillOnDrop({
        let stdout = child.stdout.take().unwrap();
        // Where it listens, then the setup link, with log lines around them.
        let mut lines = BufReader::new(stdout).lines().map(Result::unwrap);
        let mut said: Vec<String> = Vec::new();
        let mut listening = None;
        let link = loop {
            let line = lines.next().unwrap_or_else(|| panic!("no setup link after {said:?}"));
            if line.trim_start().starts_with("https://") {
                break line.trim().to_owned();
            }
            if line.starts_with("Parley is running at ") {
                listening = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).map(str::to_owned);
            }
            said.push(line);
            assert!(said.len() < 20, "no setup link in {said:?}");
        };
        let listening = listening.unwrap_or_else(|| panic!("no address in {said:?}"));
        assert!(said.iter().any(|l| l.starts_with("No admin yet")), "{said:?}");
        let link = link.as_str();
        let token = link.strip_prefix("https://chat.example.org/#bootstrap=").unwrap_or_else(|| panic!("{link}"));

        let output = parley(&["admin", "bootstrap-token"]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), token, "the command prints the same token");
        assert!(String::from_utf8_lossy(&output.stderr).contains(link));

        let client = reqwest::Client::new();
        let registered = client
            .post(format!("{listening}/api/v10/auth/register"))
            .json(&account("root", Some(token)))
            .send()
            .await
            .unwrap();
        assert_eq!(registered.status(), StatusCode::CREATED);
        let output = parley(&["admin", "bootstrap-token"]).output().unwrap();
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("has an admin already"));
        child
    });
    drop(child);
}

on_both_backends!(
    the_first_admin_of_a_reachable_instance_needs_the_bootstrap_token,
    on_an_invite_only_reachable_instance_only_the_token_holder_gets_in_first,
    the_quick_start_on_loopback_keeps_the_first_account_rule_and_ignores_a_token,
);
