//! Device sessions: listing, per-device replacement, revoking one or all others, and the
//! password change that ends every other session.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, on_both_backends, password_of, spawn_app, status_and_json,
};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";

async fn login_from(app: &TestApp, username: &str, user_agent: &str, device_id: Option<&str>) -> Session {
    let mut request = app
        .client
        .post(app.api("/auth/login"))
        .header("user-agent", user_agent)
        .json(&json!({"login": username, "password": password_of(username)}));
    if let Some(device) = device_id {
        request = request.header("x-parley-device-id", device);
    }
    let (status, body) = status_and_json(request.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Session::from_tokens(&body, username, &password_of(username))
}

async fn sessions(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = status_and_json(app.get("/auth/sessions", Some(token)).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn each_device_is_listed_with_its_name_and_the_current_one_marked(backend: Backend) {
    let app = spawn_app(backend).await;
    app.register("nora").await; // a third session, from the test client
    let laptop = login_from(&app, "nora", FIREFOX, Some("nora-laptop-0001")).await;
    let phone = login_from(&app, "nora", IPHONE, Some("nora-phone-00001")).await;
    let listed = sessions(&app, &laptop.access_token).await;
    assert_eq!(listed.len(), 3);
    let by_id = |id: &str| listed.iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("{id} not listed")).clone();
    let laptop_entry = by_id(&laptop.session_id);
    assert_eq!(laptop_entry["current"], true);
    assert_eq!(laptop_entry["device_name"], "Firefox on Linux");
    assert_eq!(laptop_entry["device_id"], "nora-laptop-0001");
    assert_eq!(laptop_entry["ip"], "127.0.0.1");
    assert!(laptop_entry["created_at"].as_str().unwrap().ends_with("+00:00"), "Discord's form");
    let phone_entry = by_id(&phone.session_id);
    assert_eq!(phone_entry["current"], false);
    assert_eq!(phone_entry["device_name"], "Safari on iOS");
}

async fn signing_in_again_on_the_same_device_replaces_its_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.register("omar").await;
    let again = login_from(&app, "omar", FIREFOX, Some(&first.device_id)).await;
    assert_eq!(again.device_id, first.device_id, "the client's device id is kept");
    assert_ne!(again.session_id, first.session_id);
    assert_error(app.me(&first.access_token).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert_eq!(sessions(&app, &again.access_token).await.len(), 1);
}

async fn revoking_one_session_ends_only_that_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let here = app.register("pia").await;
    let there = login_from(&app, "pia", IPHONE, None).await;
    let response = app.delete(&format!("/auth/sessions/{}", there.session_id), &here.access_token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(app.me(&there.access_token).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert_error(
        app.post_json("/auth/refresh", &json!({"refresh_token": there.refresh_token}), None).await,
        StatusCode::UNAUTHORIZED,
        90001,
    )
    .await;
    assert_eq!(app.me(&here.access_token).await.status(), StatusCode::OK);
    // Revoking it again, or a session id that does not exist, is a 404 with a code.
    assert_error(
        app.delete(&format!("/auth/sessions/{}", there.session_id), &here.access_token).await,
        StatusCode::NOT_FOUND,
        90007,
    )
    .await;
    assert_error(app.delete("/auth/sessions/12345", &here.access_token).await, StatusCode::NOT_FOUND, 90007).await;
    assert_error(app.delete("/auth/sessions/not-a-number", &here.access_token).await, StatusCode::NOT_FOUND, 90007)
        .await;
}

async fn nobody_can_revoke_someone_elses_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let quinn = app.register("quinn").await;
    let mallory = app.register("mallory").await;
    assert_error(
        app.delete(&format!("/auth/sessions/{}", quinn.session_id), &mallory.access_token).await,
        StatusCode::NOT_FOUND,
        90007,
    )
    .await;
    assert_eq!(app.me(&quinn.access_token).await.status(), StatusCode::OK);
}

async fn revoking_all_other_sessions_keeps_only_the_current_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let keep = app.register("rosa").await;
    let a = login_from(&app, "rosa", IPHONE, None).await;
    let b = login_from(&app, "rosa", FIREFOX, None).await;
    let (status, body) =
        status_and_json(app.post_json("/auth/sessions/revoke-others", &json!({}), Some(&keep.access_token)).await)
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["revoked"], 2);
    for gone in [&a, &b] {
        assert_error(app.me(&gone.access_token).await, StatusCode::UNAUTHORIZED, 40001).await;
    }
    let listed = sessions(&app, &keep.access_token).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], keep.session_id.as_str());
}

async fn changing_the_password_ends_every_other_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let here = app.register("sam").await;
    let elsewhere = login_from(&app, "sam", IPHONE, None).await;
    let response = app
        .patch_json(
            "/users/@me",
            &json!({"password": password_of("sam"), "new_password": "a brand new secret"}),
            &here.access_token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.me(&here.access_token).await.status(), StatusCode::OK, "the session that changed it stays");
    assert_error(app.me(&elsewhere.access_token).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert_error(app.login("sam", &password_of("sam")).await, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(app.login("sam", "a brand new secret").await.status(), StatusCode::OK);
}

on_both_backends!(
    each_device_is_listed_with_its_name_and_the_current_one_marked,
    signing_in_again_on_the_same_device_replaces_its_session,
    revoking_one_session_ends_only_that_one,
    nobody_can_revoke_someone_elses_session,
    revoking_all_other_sessions_keeps_only_the_current_one,
    changing_the_password_ends_every_other_session,
);
