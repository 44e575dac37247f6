//! `GET/PATCH /users/@me`.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, assert_error, on_both_backends, password_of, spawn_app, status_and_json};

async fn the_display_name_changes_freely_and_null_clears_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let tia = app.register("tia").await;
    let (status, me) =
        status_and_json(app.patch_json("/users/@me", &json!({"global_name": "  Tía 🌮  "}), &tia.access_token).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["global_name"], "Tía 🌮");
    let (_, me) =
        status_and_json(app.patch_json("/users/@me", &json!({"global_name": null}), &tia.access_token).await).await;
    assert_eq!(me["global_name"], json!(null));
    let (_, me) = status_and_json(app.patch_json("/users/@me", &json!({}), &tia.access_token).await).await;
    assert_eq!(me["username"], "tia", "an empty patch changes nothing");
}

async fn username_and_email_changes_need_the_current_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let uma = app.register("uma").await;
    let body = assert_error(
        app.patch_json("/users/@me", &json!({"username": "uma2"}), &uma.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_eq!(body["errors"]["password"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");
    let body = assert_error(
        app.patch_json("/users/@me", &json!({"username": "uma2", "password": "wrong password"}), &uma.access_token)
            .await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_eq!(body["errors"]["password"]["_errors"][0]["code"], "PASSWORD_DOES_NOT_MATCH");
    let (_, me) = status_and_json(app.me(&uma.access_token).await).await;
    assert_eq!(me["username"], "uma", "nothing changed");

    let (status, me) = status_and_json(
        app.patch_json(
            "/users/@me",
            &json!({"username": "Uma.Two", "email": "uma@example.org", "password": password_of("uma")}),
            &uma.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "uma.two");
    assert_eq!(me["email"], "uma@example.org");
    assert_eq!(app.login("uma.two", &password_of("uma")).await.status(), StatusCode::OK);
}

async fn a_taken_username_or_email_is_refused_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    app.register_with(&json!({"username": "vic", "password": password_of("vic"), "email": "vic@example.org"})).await;
    let wes = app.register("wes").await;
    let body = assert_error(
        app.patch_json("/users/@me", &json!({"username": "VIC", "password": password_of("wes")}), &wes.access_token)
            .await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_eq!(body["errors"]["username"]["_errors"][0]["code"], "USERNAME_ALREADY_TAKEN");
    let body = assert_error(
        app.patch_json(
            "/users/@me",
            &json!({"email": "VIC@example.org", "password": password_of("wes")}),
            &wes.access_token,
        )
        .await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_eq!(body["errors"]["email"]["_errors"][0]["code"], "EMAIL_ALREADY_REGISTERED");
}

on_both_backends!(
    the_display_name_changes_freely_and_null_clears_it,
    username_and_email_changes_need_the_current_password,
    a_taken_username_or_email_is_refused_by_field,
);
