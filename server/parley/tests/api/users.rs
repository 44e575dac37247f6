//! `GET/PATCH /users/@me`, and `GET /users/{user_id}`.

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

async fn a_user_is_seen_by_those_who_share_a_guild_or_a_dm_with_them_and_by_nobody_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let guild = app.guild_with(&ann, "Shared", &[&bob]).await;
    let user = |who: &str, token: &str| {
        let path = format!("/users/{who}");
        let token = token.to_owned();
        let app = &app;
        async move { status_and_json(app.get(&path, Some(&token)).await).await }
    };

    let (status, seen) = user(&bob.user_id, &ann.access_token).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!((seen["id"].as_str(), seen["username"].as_str()), (Some(bob.user_id.as_str()), Some("bob")));
    assert!(seen.get("email").is_none(), "another user's object is the public one: {seen}");
    let (status, me) = user(&ann.user_id, &ann.access_token).await;
    assert_eq!((status, me["username"].as_str()), (StatusCode::OK, Some("ann")));

    // Someone who shares nothing with them is answered as if there were no such user.
    for (who, token) in [(&ann.user_id, &eve.access_token), (&eve.user_id, &bob.access_token)] {
        assert_error(app.get(&format!("/users/{who}"), Some(token)).await, StatusCode::NOT_FOUND, 10013).await;
    }
    assert_error(app.get("/users/4242424242", Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10013).await;
    assert_error(app.get("/users/abc", Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10013).await;
    assert_eq!(app.get(&format!("/users/{}", bob.user_id), None).await.status(), StatusCode::UNAUTHORIZED);

    // A DM keeps them known to each other after the guild they shared is gone for one of them.
    let opened =
        app.post_json("/users/@me/channels", &json!({"recipient_id": bob.user_id}), Some(&ann.access_token)).await;
    assert_eq!(opened.status(), StatusCode::OK);
    assert_eq!(
        app.delete(&format!("/users/@me/guilds/{}", guild.id), &bob.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, seen) = user(&ann.user_id, &bob.access_token).await;
    assert_eq!((status, seen["username"].as_str()), (StatusCode::OK, Some("ann")), "{seen}");
}

on_both_backends!(
    a_user_is_seen_by_those_who_share_a_guild_or_a_dm_with_them_and_by_nobody_else,
    the_display_name_changes_freely_and_null_clears_it,
    username_and_email_changes_need_the_current_password,
    a_taken_username_or_email_is_refused_by_field,
);
