//! Register, log in, refresh, log out: the whole lifecycle of a session.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, assert_error, on_both_backends, password_of, spawn_app, status_and_json};

async fn a_new_account_is_signed_in_at_once_and_the_first_one_is_the_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.register("Alice").await;
    let (status, me) = status_and_json(app.me(&alice.access_token).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "alice", "usernames are folded to lower case");
    assert_eq!(me["id"], alice.user_id.as_str());
    assert_eq!(me["discriminator"], "0");
    assert_eq!(me["instance_admin"], true);

    let bob = app.register("bob").await;
    let (_, me) = status_and_json(app.me(&bob.access_token).await).await;
    assert_eq!(me["instance_admin"], false, "only the first account becomes admin");
}

async fn logging_in_by_username_in_any_case_or_by_email_starts_a_session(backend: Backend) {
    let app = spawn_app(backend).await;
    app.register_with(&json!({"username": "carol", "password": password_of("carol"), "email": "Carol@Example.org"}))
        .await;
    for login in ["carol", "CAROL", "carol@example.org", "  carol@EXAMPLE.org "] {
        let (status, body) = status_and_json(app.login(login, &password_of("carol")).await).await;
        assert_eq!(status, StatusCode::OK, "login as {login:?}: {body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900, "access tokens live 15 minutes");
        assert_eq!(body["token"], body["access_token"]);
        assert_eq!(body["user"]["username"], "carol");
    }
}

async fn a_wrong_password_and_an_unknown_account_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    app.register("dave").await;
    let wrong = assert_error(app.login("dave", "not-the-password").await, StatusCode::BAD_REQUEST, 50035).await;
    let unknown = assert_error(app.login("nobody", "not-the-password").await, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(wrong, unknown, "the answer must not reveal whether the account exists");
    assert_eq!(wrong["errors"]["login"]["_errors"][0]["code"], "INVALID_LOGIN");
}

async fn a_refresh_token_works_once_and_its_replay_revokes_the_whole_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let erin = app.register("erin").await;

    let (status, first) =
        status_and_json(app.post_json("/auth/refresh", &json!({"refresh_token": erin.refresh_token}), None).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let rotated = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, erin.refresh_token, "every refresh issues a new refresh token");
    assert_eq!(first["session_id"], erin.session_id.as_str(), "refreshing keeps the session");
    let new_access = first["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.me(&new_access).await.status(), StatusCode::OK);

    // The spent token comes back: someone copied it. The family (session) is revoked.
    assert_error(
        app.post_json("/auth/refresh", &json!({"refresh_token": erin.refresh_token}), None).await,
        StatusCode::UNAUTHORIZED,
        90002,
    )
    .await;
    // ...so the legitimate holder's newer token is dead too, and so are the access tokens.
    assert_error(
        app.post_json("/auth/refresh", &json!({"refresh_token": rotated}), None).await,
        StatusCode::UNAUTHORIZED,
        90001,
    )
    .await;
    assert_error(app.me(&new_access).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert_error(app.me(&erin.access_token).await, StatusCode::UNAUTHORIZED, 40001).await;
    // Signing in again works.
    assert_eq!(app.login("erin", &password_of("erin")).await.status(), StatusCode::OK);
}

async fn a_chain_of_refreshes_keeps_working(backend: Backend) {
    let app = spawn_app(backend).await;
    let frank = app.register("frank").await;
    let mut token = frank.refresh_token.clone();
    for _ in 0..5 {
        let (status, body) =
            status_and_json(app.post_json("/auth/refresh", &json!({"refresh_token": token}), None).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        token = body["refresh_token"].as_str().unwrap().to_owned();
    }
}

async fn an_unknown_refresh_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for token in ["prt_nonsense", "", "' OR 1=1 --"] {
        assert_error(
            app.post_json("/auth/refresh", &json!({"refresh_token": token}), None).await,
            StatusCode::UNAUTHORIZED,
            90001,
        )
        .await;
    }
}

async fn logging_out_ends_the_session_for_both_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let gina = app.register("gina").await;
    let response = app.post_json("/auth/logout", &json!({}), Some(&gina.access_token)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(app.me(&gina.access_token).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert_error(
        app.post_json("/auth/refresh", &json!({"refresh_token": gina.refresh_token}), None).await,
        StatusCode::UNAUTHORIZED,
        90001,
    )
    .await;
}

async fn the_same_account_is_served_under_api_and_api_v10(backend: Backend) {
    let app = spawn_app(backend).await;
    let hank = app.register("hank").await;
    let response =
        app.send(app.client.get(format!("{}/api/users/@me", app.address)).bearer_auth(&hank.access_token)).await;
    let (status, me) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "hank");
    // Discord clients send the bare token without "Bearer".
    let response = app.send(app.client.get(app.api("/users/@me")).header("authorization", &hank.access_token)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

on_both_backends!(
    a_new_account_is_signed_in_at_once_and_the_first_one_is_the_admin,
    logging_in_by_username_in_any_case_or_by_email_starts_a_session,
    a_wrong_password_and_an_unknown_account_get_the_same_answer,
    a_refresh_token_works_once_and_its_replay_revokes_the_whole_family,
    a_chain_of_refreshes_keeps_working,
    an_unknown_refresh_token_is_refused,
    logging_out_ends_the_session_for_both_tokens,
    the_same_account_is_served_under_api_and_api_v10,
);
