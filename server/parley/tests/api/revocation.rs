//! Ended sign-ins reach open connections: logout, a session ended from the list, a password
//! change, a reused refresh token, signing in again on the same device and a reset bot token
//! each close the gateway connection they opened (4004), refuse its RESUME, and hang up its
//! call; other sign-ins of the same person keep theirs.

use std::time::Duration;

use parley_voice::client::ClientOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::gateway_client::{GatewayClient, Received};
use crate::helpers::{Backend, Session, TestApp, on_both_backends, password_of, spawn_app, status_and_json};
use crate::voice_support::{call, state_where, voice_channel};

/// Signs `username` in again as another device.
async fn another_device(app: &TestApp, username: &str, device: &str) -> Session {
    let (status, body) = status_and_json(
        app.client
            .post(app.api("/auth/login"))
            .header("x-parley-device-id", device)
            .json(&json!({"login": username, "password": password_of(username)}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Session::from_tokens(&body, username, &password_of(username))
}

/// Asserts `client` is closed with 4004 within five seconds (whatever it was sent first).
async fn closed_as_signed_out(client: &mut GatewayClient, what: &str) {
    let code = tokio::time::timeout(Duration::from_secs(5), client.closed_with()).await;
    assert_eq!(code.ok().flatten(), Some(4004), "{what}: the connection is closed with 4004");
}

/// A RESUME of `session_id` with `token`: what the server answers (a close code, or the op
/// of the first payload).
async fn resume_answer(app: &TestApp, token: &str, session_id: &str, seq: u64) -> Value {
    let mut client = GatewayClient::connect(app).await;
    client.send(json!({"op": 6, "d": {"token": token, "session_id": session_id, "seq": seq}})).await;
    match client.receive().await {
        Received::Closed(code) => json!({ "closed": code }),
        Received::Payload(payload) => json!({ "op": payload["op"] }),
    }
}

async fn say(app: &TestApp, who: &Session, channel: &str, text: &str) {
    let response = app
        .post_json(&format!("/channels/{channel}/messages"), &json!({"content": text}), Some(&who.access_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn every_way_a_sign_in_ends_closes_its_gateway_connection_and_refuses_its_resume(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Lounge", &[]).await;
    // Five more sign-ins of ann's, each with a live gateway connection.
    let mut devices = Vec::new();
    for n in 0..5 {
        let session = another_device(&app, "ann", &format!("ann-device-{n:04}-xxxx")).await;
        let (gateway, ready) = GatewayClient::identified(&app, &session).await;
        devices.push((session, gateway, ready["session_id"].as_str().unwrap().to_owned()));
    }
    let (mut keeper, _) = GatewayClient::identified(&app, &ann).await;

    // Logout.
    let (logout, mut logout_gw, logout_gateway_session) = devices.remove(0);
    assert_eq!(
        app.post_json("/auth/logout", &json!({}), Some(&logout.access_token)).await.status(),
        StatusCode::NO_CONTENT
    );
    closed_as_signed_out(&mut logout_gw, "logout").await;
    assert_eq!(
        resume_answer(&app, &logout.access_token, &logout_gateway_session, 1).await,
        json!({"closed": 4004}),
        "the logged-out token cannot resume"
    );

    // Ended from the session list, by another of her sessions.
    let (listed, mut listed_gw, listed_gateway_session) = devices.remove(0);
    let ended = app.delete(&format!("/auth/sessions/{}", listed.session_id), &ann.access_token).await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    closed_as_signed_out(&mut listed_gw, "DELETE /auth/sessions/{id}").await;
    // Another of her sign-ins cannot continue that gateway session either.
    assert_eq!(resume_answer(&app, &ann.access_token, &listed_gateway_session, 1).await, json!({"op": 9}));

    // A spent refresh token presented again: the family (the session) is revoked.
    let (copied, mut copied_gw, _) = devices.remove(0);
    let first = app.post_json("/auth/refresh", &json!({"refresh_token": copied.refresh_token}), None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let replayed = app.post_json("/auth/refresh", &json!({"refresh_token": copied.refresh_token}), None).await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    closed_as_signed_out(&mut copied_gw, "refresh token reuse").await;

    // Signing in again on the same device replaces that device's session.
    let (replaced, mut replaced_gw, _) = devices.remove(0);
    let again = another_device(&app, "ann", &replaced.device_id).await;
    assert_ne!(again.session_id, replaced.session_id);
    closed_as_signed_out(&mut replaced_gw, "a new sign-in on the same device").await;

    // A password change ends every other session.
    let (other, mut other_gw, _) = devices.remove(0);
    let changed = app
        .patch_json(
            "/users/@me",
            &json!({"password": password_of("ann"), "new_password": "a brand new password"}),
            &ann.access_token,
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    closed_as_signed_out(&mut other_gw, "a password change").await;
    assert_eq!(resume_answer(&app, &other.access_token, "whatever", 1).await, json!({"closed": 4004}));

    // The sign-in that changed the password keeps its connection, and hears what follows.
    say(&app, &ann, &guild.general, "still here").await;
    assert_eq!(keeper.wait_for("MESSAGE_CREATE").await["content"], "still here");
}

async fn a_reset_bot_token_closes_the_bots_gateway_connections(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let (status, bot) =
        status_and_json(app.post_json("/applications", &json!({"name": "Helper"}), Some(&ann.access_token)).await)
            .await;
    assert_eq!(status, StatusCode::CREATED, "{bot}");
    let token = bot["token"].as_str().unwrap();
    let mut bot_gw = GatewayClient::connect(&app).await;
    bot_gw.send(json!({"op": 2, "d": {"token": format!("Bot {token}"), "intents": 1, "properties": {}}})).await;
    let ready = bot_gw.wait_for("READY").await;
    let reset = app
        .post_json(
            &format!("/applications/{}/bot/reset", bot["id"].as_str().unwrap()),
            &json!({}),
            Some(&ann.access_token),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    closed_as_signed_out(&mut bot_gw, "a bot token reset").await;
    assert_eq!(
        resume_answer(&app, &format!("Bot {token}"), ready["session_id"].as_str().unwrap(), 1).await,
        json!({"closed": 4004})
    );
}

async fn a_revoked_sign_in_in_a_call_is_hung_up_and_the_others_see_it_leave(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob]).await;
    let voice = voice_channel(&app, &guild.id, &ann).await;
    let mut ann_call = call(&app, &ann, Some(&guild.id), &voice, ClientOptions::default()).await;
    let mut bob_call = call(&app, &bob, Some(&guild.id), &voice, ClientOptions::default()).await;
    crate::voice_support::hear_each_other(&ann_call.voice, &ann.user_id, &bob_call.voice, &bob.user_id).await;

    // Bob's session is ended from elsewhere (he lost the device).
    let elsewhere = another_device(&app, "bob", "bob-desk-00000001").await;
    let ended = app.delete(&format!("/auth/sessions/{}", bob.session_id), &elsewhere.access_token).await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    closed_as_signed_out(&mut bob_call.gateway, "a session in a call").await;
    assert!(bob_call.voice.close_code(Duration::from_secs(5)).await.is_some(), "the voice connection is closed too");
    let left = state_where(&mut ann_call.gateway, &bob, |s| s["channel_id"].is_null()).await;
    assert_eq!(left["user_id"], bob.user_id.as_str());
}

on_both_backends!(
    every_way_a_sign_in_ends_closes_its_gateway_connection_and_refuses_its_resume,
    a_reset_bot_token_closes_the_bots_gateway_connections,
    a_revoked_sign_in_in_a_call_is_hung_up_and_the_others_see_it_leave,
);
