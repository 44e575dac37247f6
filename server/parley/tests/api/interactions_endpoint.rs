//! Applications that take their interactions over HTTP: a real endpoint written as Discord's
//! documentation writes one (Python, PyNaCl checking Ed25519 signatures against the
//! application's `verify_key`) is saved only once it answers a signed PING and refuses a
//! forged one, only where `outbound_allow` lets Parley call it, and then answers a member's
//! slash command through its HTTP response.

use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bot_process::{BotProcess, bots_dir, python};
use crate::bots::{Bot, add_to_guild, create_bot};
use crate::helpers::{Backend, Session, TestApp, on_both_backends, spawn_app, spawn_app_with, status_and_json};

/// The endpoint script for `bot`, trusting everyone if `trusting`; and its URL.
async fn endpoint(app: &TestApp, bot: &Bot, verify_key: &str, trusting: bool) -> (BotProcess, String) {
    let mut command = Command::new(python());
    command
        .arg(format!("{}/interactions_endpoint.py", bots_dir()))
        .env("PARLEY_VERIFY_KEY", verify_key)
        .env("PARLEY_TRUST_EVERYONE", if trusting { "1" } else { "0" });
    let mut process = BotProcess::start(app, command, &bot.token, "HTTP interactions endpoint").await;
    let listening = process.wait_for("LISTENING ", Duration::from_secs(20)).await;
    let port = listening.trim_start_matches("LISTENING ").to_owned();
    (process, format!("http://127.0.0.1:{port}/interactions"))
}

async fn set_endpoint(app: &TestApp, owner: &Session, bot: &Bot, url: Value) -> (StatusCode, Value) {
    status_and_json(
        app.patch_json(
            &format!("/applications/{}", bot.id),
            &json!({"interactions_endpoint_url": url}),
            &owner.access_token,
        )
        .await,
    )
    .await
}

async fn a_signed_http_endpoint_answers_a_members_slash_command(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_OUTBOUND_ALLOW", "127.0.0.0/8")]).await;
    let (owner, ann) = (app.register("owner").await, app.register("ann").await);
    let guild = app.guild_with(&owner, "Http", &[&ann]).await;
    let bot = create_bot(&app, &owner, "Echo Bot").await;
    assert_eq!(add_to_guild(&app, &owner, &bot, &guild.id, "0").await.status(), StatusCode::OK);
    let (_, application) =
        status_and_json(app.get(&format!("/applications/{}", bot.id), Some(&owner.access_token)).await).await;
    let verify_key = application["verify_key"].as_str().unwrap().to_owned();
    assert_eq!(verify_key.len(), 64, "an Ed25519 public key in hex: {application}");
    assert_eq!(application["interactions_endpoint_url"], Value::Null);

    // An endpoint that takes anyone's word is not saved.
    let (_careless, careless_url) = endpoint(&app, &bot, &verify_key, true).await;
    let (status, refused) = set_endpoint(&app, &owner, &bot, json!(careless_url)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let error = &refused["errors"]["interactions_endpoint_url"]["_errors"][0];
    assert_eq!(error["code"], "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID");
    assert!(error["message"].as_str().unwrap().contains("401"), "{error}");

    let (mut checked, url) = endpoint(&app, &bot, &verify_key, false).await;
    let (status, saved) = set_endpoint(&app, &owner, &bot, json!(url)).await;
    assert_eq!((status, saved["interactions_endpoint_url"].as_str()), (StatusCode::OK, Some(url.as_str())), "{saved}");

    let command = json!({"name": "echo", "description": "Say it back",
                         "options": [{"type": 3, "name": "text", "description": "What", "required": true}]});
    let created = app
        .client
        .post(app.api(&format!("/applications/{}/commands", bot.id)))
        .header("Authorization", format!("Bot {}", bot.token))
        .json(&command)
        .send()
        .await
        .unwrap();
    let (_, created) = status_and_json(created).await;
    let used = json!({"type": 2, "application_id": bot.id, "channel_id": guild.general,
                      "data": {"id": created["id"], "name": "echo", "type": 1, "options": [{"name": "text", "type": 3, "value": "over http"}]}});
    let response = app.post_json("/interactions", &used, Some(&ann.access_token)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let line = checked.wait_for("INTERACTION ", Duration::from_secs(10)).await;
    assert!(line.ends_with(" 2 echo"), "{line}");
    let (_, history) = status_and_json(
        app.get(&format!("/channels/{}/messages?limit=1", guild.general), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(history[0]["content"], "echo: over http");
    assert_eq!(history[0]["interaction_metadata"]["user"]["id"], ann.user_id.as_str());

    // Back to the gateway.
    let (status, cleared) = set_endpoint(&app, &owner, &bot, Value::Null).await;
    assert_eq!((status, cleared["interactions_endpoint_url"].clone()), (StatusCode::OK, Value::Null));
}

async fn an_endpoint_on_a_private_address_is_refused_unless_the_operator_allows_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let bot = create_bot(&app, &owner, "Local Bot").await;
    for url in [
        "http://127.0.0.1:9/interactions",
        "http://localhost:9/i",
        "http://10.1.2.3/i",
        "http://[::1]/i",
        "file:///etc/passwd",
    ] {
        let (status, refused) = set_endpoint(&app, &owner, &bot, json!(url)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {refused}");
        let message = refused["errors"]["interactions_endpoint_url"]["_errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("could not be verified"), "{url}: {message}");
    }
    let (_, application) =
        status_and_json(app.get(&format!("/applications/{}", bot.id), Some(&owner.access_token)).await).await;
    assert_eq!(application["interactions_endpoint_url"], Value::Null, "nothing was saved");
    // Someone else's application is not theirs to point anywhere.
    let zed = app.register("zed").await;
    let (status, _) = set_endpoint(&app, &zed, &bot, json!("https://example.com/i")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    a_signed_http_endpoint_answers_a_members_slash_command,
    an_endpoint_on_a_private_address_is_refused_unless_the_operator_allows_it,
);
