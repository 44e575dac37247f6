//! Bad input on every route with a body: a 4xx with a stable code, and nothing stored changes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, on_both_backends, password_of, spawn_app_with, status_and_json,
};

/// Every route that takes a JSON body, with a valid body for it.
fn routes(s: &Session) -> Vec<(reqwest::Method, &'static str, Value)> {
    vec![
        (reqwest::Method::POST, "/auth/register", json!({"username": "newbie", "password": password_of("newbie")})),
        (reqwest::Method::POST, "/auth/login", json!({"login": s.username, "password": s.password})),
        (reqwest::Method::POST, "/auth/refresh", json!({"refresh_token": s.refresh_token})),
        (reqwest::Method::PATCH, "/users/@me", json!({"global_name": "Changed"})),
        (reqwest::Method::POST, "/admin/invites", json!({"max_uses": 1})),
        (reqwest::Method::POST, "/guilds", json!({"name": "A guild"})),
    ]
}

async fn send_raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.api(path)).bearer_auth(token).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    request.send().await.unwrap()
}

/// What must stay the same: the accounts, the admin's profile, the invites and sessions.
async fn snapshot(app: &TestApp, admin: &Session) -> Value {
    let (_, me) = status_and_json(app.me(&admin.access_token).await).await;
    json!({
        "users": app.store.user_count().await.unwrap(),
        "me": me,
        "invites": app.store.instance_invites().await.unwrap().len(),
        "sessions": app.store.active_sessions(admin.user_id.parse().unwrap()).await.unwrap().len(),
        "guilds": app.store.guilds_of_member(admin.user_id.parse().unwrap()).await.unwrap().len(),
    })
}

async fn malformed_bodies_are_refused_on_every_route_and_change_nothing(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_MAX_BODY_BYTES", "4096")]).await;
    let admin = app.register("admin").await;
    let before = snapshot(&app, &admin).await;
    for (method, path, _) in routes(&admin) {
        let json_ct = Some("application/json");
        let cases: Vec<(Option<&str>, Vec<u8>, StatusCode, u64)> = vec![
            (json_ct, b"{not json".to_vec(), StatusCode::BAD_REQUEST, 50109),
            (json_ct, b"".to_vec(), StatusCode::BAD_REQUEST, 50109),
            (json_ct, b"[1, 2]".to_vec(), StatusCode::BAD_REQUEST, 50109),
            (json_ct, b"\"text\"".to_vec(), StatusCode::BAD_REQUEST, 50109),
            (json_ct, vec![0xff, 0xfe, 0x00], StatusCode::BAD_REQUEST, 50109),
            (None, b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, 50109),
            (Some("text/plain"), b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, 50109),
            (
                json_ct,
                format!("{{\"x\": \"{}\"}}", "a".repeat(5000)).into_bytes(),
                StatusCode::PAYLOAD_TOO_LARGE,
                40005,
            ),
        ];
        for (content_type, body, status, code) in cases {
            let shown = String::from_utf8_lossy(&body).chars().take(30).collect::<String>();
            let response = send_raw(&app, method.clone(), path, &admin.access_token, content_type, body).await;
            assert_eq!(response.status(), status, "{method} {path} with {content_type:?} {shown:?}");
            assert_error(response, status, code).await;
        }
    }
    assert_eq!(snapshot(&app, &admin).await, before);
}

async fn missing_and_mistyped_fields_are_named_in_the_error(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let admin = app.register("admin").await;
    let before = snapshot(&app, &admin).await;
    let cases = [
        ("/auth/register", json!({"password": "long enough password"}), "username", "BASE_TYPE_REQUIRED"),
        ("/auth/register", json!({"username": "zed"}), "password", "BASE_TYPE_REQUIRED"),
        (
            "/auth/register",
            json!({"username": 12, "password": "long enough password"}),
            "username",
            "BASE_TYPE_INVALID",
        ),
        (
            "/auth/register",
            json!({"username": "zed", "password": "long enough password", "email": ["a"]}),
            "email",
            "BASE_TYPE_INVALID",
        ),
        ("/auth/login", json!({"login": "admin"}), "password", "BASE_TYPE_REQUIRED"),
        ("/auth/login", json!({"login": null, "password": "x"}), "login", "BASE_TYPE_INVALID"),
        ("/auth/refresh", json!({}), "refresh_token", "BASE_TYPE_REQUIRED"),
        ("/admin/invites", json!({"max_uses": "many"}), "max_uses", "BASE_TYPE_INVALID"),
    ];
    for (path, body, field, code) in cases {
        let error =
            assert_error(app.post_json(path, &body, Some(&admin.access_token)).await, StatusCode::BAD_REQUEST, 50035)
                .await;
        assert_eq!(error["errors"][field]["_errors"][0]["code"], code, "{path} {body}: {error}");
    }
    let error = assert_error(
        app.patch_json("/users/@me", &json!({"global_name": 5}), &admin.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_eq!(error["errors"]["global_name"]["_errors"][0]["code"], "BASE_TYPE_INVALID");
    assert_eq!(snapshot(&app, &admin).await, before);
}

async fn unicode_edge_cases_and_oversized_fields_are_refused_with_field_codes(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let admin = app.register("admin").await;
    let before = snapshot(&app, &admin).await;
    let register = |username: &str, password: &str, extra: Value| {
        let mut body = json!({"username": username, "password": password});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let good = "long enough password";
    let cases = [
        (register("ålice", good, json!({})), "username", "USERNAME_INVALID_CHARACTERS"),
        (register("zero\u{200d}width", good, json!({})), "username", "USERNAME_INVALID_CHARACTERS"),
        (register("🦀🦀🦀", good, json!({})), "username", "USERNAME_INVALID_CHARACTERS"),
        // NUL is refused wherever it is, before any field's own rules.
        (register("nul\u{0}byte", good, json!({})), "username", "STRING_TYPE_INVALID_CHARACTER"),
        (register("x", good, json!({})), "username", "BASE_TYPE_BAD_LENGTH"),
        (register(&"x".repeat(1000), good, json!({})), "username", "BASE_TYPE_BAD_LENGTH"),
        (register("robert'); DROP TABLE users;--", good, json!({})), "username", "USERNAME_INVALID_CHARACTERS"),
        (register("everyone", good, json!({})), "username", "USERNAME_RESERVED"),
        (register("okname", "short", json!({})), "password", "PASSWORD_TOO_SHORT"),
        (register("okname", &"p".repeat(129), json!({})), "password", "PASSWORD_TOO_LONG"),
        (register("okname", "pass\u{0}word!", json!({})), "password", "STRING_TYPE_INVALID_CHARACTER"),
        (register("okname", good, json!({"email": "not an email"})), "email", "EMAIL_TYPE_INVALID_EMAIL"),
        (
            register("okname", good, json!({"global_name": "rtl\u{202e}override"})),
            "global_name",
            "DISPLAY_NAME_INVALID_CHARACTERS",
        ),
        (register("okname", good, json!({"global_name": "   "})), "global_name", "BASE_TYPE_BAD_LENGTH"),
        (register("okname", good, json!({"device_name": "a\nb"})), "device_name", "BASE_TYPE_BAD_LENGTH"),
    ];
    for (body, field, code) in cases {
        let error =
            assert_error(app.post_json("/auth/register", &body, None).await, StatusCode::BAD_REQUEST, 50035).await;
        assert_eq!(error["errors"][field]["_errors"][0]["code"], code, "{body}: {error}");
    }
    // Every problem is reported at once, not just the first.
    let error = assert_error(
        app.post_json("/auth/register", &register("x", "short", json!({"email": "nope"})), None).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    for field in ["username", "password", "email"] {
        assert!(error["errors"][field].is_object(), "{field} missing from {error}");
    }
    assert_eq!(snapshot(&app, &admin).await, before);
}

async fn sql_looking_text_is_stored_and_returned_verbatim(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let admin = app.register("admin").await;
    let sneaky = "'; DROP TABLE users; --";
    let (status, me) =
        status_and_json(app.patch_json("/users/@me", &json!({"global_name": sneaky}), &admin.access_token).await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["global_name"], sneaky);
    assert_error(app.login("' OR '1'='1", "' OR '1'='1").await, StatusCode::BAD_REQUEST, 50035).await;
    assert_error(app.login("admin' --", "anything at all").await, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(app.store.user_count().await.unwrap(), 1);
    let (_, me) = status_and_json(app.me(&admin.access_token).await).await;
    assert_eq!(me["global_name"], sneaky);
}

async fn nul_in_any_text_is_refused_with_400_on_both_backends_and_changes_nothing(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Nul", &[&bob]).await;
    let nul_field = |body: Value| {
        assert!(body["errors"].to_string().contains("STRING_TYPE_INVALID_CHARACTER"), "{body}");
    };
    // Message content, a guild name, an embed's text, a display name: bodies.
    let sends: [(reqwest::Method, String, Value); 4] = [
        (reqwest::Method::POST, format!("/channels/{}/messages", guild.general), json!({"content": "a\u{0}b"})),
        (reqwest::Method::POST, "/guilds".into(), json!({"name": "bad\u{0}guild"})),
        (reqwest::Method::PATCH, format!("/guilds/{}", guild.id), json!({"description": "x\u{0}"})),
        (reqwest::Method::PATCH, "/users/@me".into(), json!({"global_name": "n\u{0}"})),
    ];
    for (method, path, body) in sends {
        let response =
            app.client.request(method, app.api(&path)).bearer_auth(&ann.access_token).json(&body).send().await.unwrap();
        nul_field(assert_error(response, StatusCode::BAD_REQUEST, 50035).await);
    }
    // A search term and an invite code: the URL.
    for path in [format!("/guilds/{}/messages/search?content=a%00b", guild.id), "/invites/ab%00cd".to_owned()] {
        nul_field(assert_error(app.get(&path, Some(&ann.access_token)).await, StatusCode::BAD_REQUEST, 50035).await);
    }
    // An audit log reason: the kick does not happen, and nothing is logged as if it had.
    let kick = app
        .client
        .delete(app.api(&format!("/guilds/{}/members/{}", guild.id, bob.user_id)))
        .bearer_auth(&ann.access_token)
        .header("x-audit-log-reason", "%00")
        .send()
        .await
        .unwrap();
    nul_field(assert_error(kick, StatusCode::BAD_REQUEST, 50035).await);
    let member = app.get(&format!("/guilds/{}/members/{}", guild.id, bob.user_id), Some(&ann.access_token)).await;
    assert_eq!(member.status(), StatusCode::OK, "bob is still a member");
    let (_, log) = status_and_json(
        app.get(&format!("/guilds/{}/audit-logs?action_type=20", guild.id), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(log["audit_log_entries"], json!([]));
    let (_, history) =
        status_and_json(app.get(&format!("/channels/{}/messages", guild.general), Some(&ann.access_token)).await).await;
    assert_eq!(history, json!([]), "no message was stored");
}

on_both_backends!(
    nul_in_any_text_is_refused_with_400_on_both_backends_and_changes_nothing,
    malformed_bodies_are_refused_on_every_route_and_change_nothing,
    missing_and_mistyped_fields_are_named_in_the_error,
    unicode_edge_cases_and_oversized_fields_are_refused_with_field_codes,
    sql_looking_text_is_stored_and_returned_verbatim,
);
