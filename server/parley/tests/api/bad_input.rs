//! Bad input on every route with a body: a 4xx with a stable code, and nothing stored changes;
//! and on every route with an id in its path: what a non-numeric id answers.

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
        // PATCH /users/@me takes an avatar as a data URI, so its limit is what the largest image
        // needs (13.4 MiB, whatever max_body_bytes says): the same layer refuses past it, but
        // sending 14 MiB to a server that answers 413 before reading it races the client's
        // write, so that case is left to the images tests' 10 MiB avatar.
        let cases: Vec<_> = cases
            .into_iter()
            .filter(|(_, _, status, _)| path != "/users/@me" || *status != StatusCode::PAYLOAD_TOO_LARGE)
            .collect();
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
            app.send(app.client.request(method, app.api(&path)).bearer_auth(&ann.access_token).json(&body)).await;
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

/// What a non-numeric `param` answers on `path`: the "unknown" error of what it names there.
fn unknown_answer(path: &str, param: &str) -> (StatusCode, u64, &'static str) {
    let not_found = StatusCode::NOT_FOUND;
    match param {
        "guild_id" => (not_found, 10004, "Unknown Guild"),
        "channel_id" => (not_found, 10003, "Unknown Channel"),
        "message_id" => (not_found, 10008, "Unknown Message"),
        "role_id" => (not_found, 10011, "Unknown Role"),
        "application_id" => (not_found, 10002, "Unknown Application"),
        "session_id" => (not_found, 90007, "Unknown session"),
        "webhook_id" => (not_found, 10015, "Unknown Webhook"),
        "command_id" => (not_found, 10063, "Unknown application command"),
        "interaction_id" => (not_found, 10062, "Unknown interaction"),
        "emoji_id" => (not_found, 10014, "Unknown Emoji"),
        // An overwrite's target that is no role or member is a field error, id or not.
        "overwrite_id" => (StatusCode::BAD_REQUEST, 50035, "Invalid Form Body"),
        "user_id" if path.contains("/bans/") => (not_found, 10013, "Unknown Ban"),
        "user_id" if path.contains("/members/") => (not_found, 10007, "Unknown Member"),
        // Someone in a thread is a thread member, as Discord names them.
        "user_id" if path.contains("/thread-members/") => (not_found, 10007, "Unknown Member"),
        // Someone else's reaction: a user who never reacted is no reaction on the message.
        "user_id" if path.contains("/reactions/") => (not_found, 10008, "Unknown Message"),
        // Someone's voice state: a user who is in no voice channel has none.
        "user_id" if path.contains("/voice-states/") => (not_found, 10065, "Unknown voice state"),
        "user_id" => (not_found, 10013, "Unknown User"),
        other => panic!("{path} has an id parameter {other} that this test does not know"),
    }
}

/// Every id in every route's path (as the OpenAPI document lists them), made non-numeric with
/// every other parameter naming something real, answers the "unknown" error of what it names
/// (as a snowflake naming nothing does), in JSON. A body is sent where the route reads one, so
/// the answer is the id's whichever is checked first.
async fn a_non_numeric_id_in_any_path_answers_the_unknown_error_of_what_it_names(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let guild = app.guild_with(&ann, "Ids", &[&bob, &cat]).await;
    let token = Some(ann.access_token.as_str());
    let made = |response| async move {
        let (status, body) = status_and_json(response).await;
        assert!(status.is_success(), "{body}");
        body["id"].as_str().unwrap().to_owned()
    };
    let message =
        made(app.post_json(&format!("/channels/{}/messages", guild.general), &json!({"content": "hi"}), token).await)
            .await;
    let role = made(app.post_json(&format!("/guilds/{}/roles", guild.id), &json!({"name": "crew"}), token).await).await;
    let group =
        made(app.post_json("/users/@me/channels", &json!({"recipients": [bob.user_id, cat.user_id]}), token).await)
            .await;
    let application = made(app.post_json("/applications", &json!({"name": "Helper"}), token).await).await;
    let (_, hook) = status_and_json(
        app.post_json(&format!("/channels/{}/webhooks", guild.general), &json!({"name": "hook"}), token).await,
    )
    .await;
    let (webhook, webhook_token) =
        (hook["id"].as_str().unwrap().to_owned(), hook["token"].as_str().unwrap().to_owned());
    // A 1×1 PNG, as a data URI.
    let pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    let emoji = made(
        app.post_json(&format!("/guilds/{}/emojis", guild.id), &json!({"name": "dot", "image": pixel}), token).await,
    )
    .await;

    let (_, doc) = status_and_json(app.get("/openapi.json", None).await).await;
    let mut checked = 0;
    for (template, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let params: Vec<(&str, bool)> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    let schema = p["schema"].to_string();
                    (p["name"].as_str().unwrap(), schema.contains("Snowflake") || schema.contains("UserIdOrMe"))
                })
                .collect();
            for &(bad, _) in params.iter().filter(|(_, is_id)| *is_id) {
                let mut path = template.clone();
                for &(name, _) in &params {
                    let value = match name {
                        _ if name == bad => "abc",
                        "guild_id" => &guild.id,
                        "channel_id" if template.contains("/recipients/") => &group,
                        "channel_id" => &guild.general,
                        "message_id" => &message,
                        "role_id" => &role,
                        "user_id" => &ann.user_id,
                        "overwrite_id" => &role,
                        "application_id" => &application,
                        "session_id" => &ann.session_id,
                        "webhook_id" => &webhook,
                        "webhook_token" => &webhook_token,
                        "command_id" => &message,
                        "interaction_id" => &message,
                        "interaction_token" => "aW50ZXJhY3Rpb246bm9uZQ",
                        "emoji" => "%F0%9F%91%8D",
                        "emoji_id" => &emoji,
                        other => panic!("{template} has a path parameter {other} that this test does not know"),
                    };
                    path = path.replace(&format!("{{{name}}}"), value);
                }
                let body = match (method.as_str(), template.as_str()) {
                    ("get" | "delete", _) => None,
                    ("patch", "/guilds/{guild_id}/channels" | "/guilds/{guild_id}/roles") => Some(json!([])),
                    ("post", "/guilds/{guild_id}/channels") => Some(json!({"name": "x"})),
                    ("post", "/channels/{channel_id}/messages") => Some(json!({"content": "x"})),
                    ("post", "/channels/{channel_id}/messages/bulk-delete") => Some(json!({"messages": []})),
                    ("post", t) if t.ends_with("/threads") => Some(json!({"name": "x"})),
                    ("put", "/channels/{channel_id}/permissions/{overwrite_id}") => Some(json!({"type": 0})),
                    _ => Some(json!({})),
                };
                let mut request = app.client.request(method.to_uppercase().parse().unwrap(), app.api(&path));
                if let Some(body) = body {
                    request = request.json(&body);
                }
                let response = request.bearer_auth(&ann.access_token).send().await.unwrap();
                let (status, code, message) = unknown_answer(template, bad);
                let shown = format!("{} {path}", method.to_uppercase());
                let (actual, answer) = status_and_json(response).await;
                assert_eq!(
                    (actual, answer["code"].as_u64(), answer["message"].as_str()),
                    (status, Some(code), Some(message)),
                    "{shown}: {answer}"
                );
                if bad == "overwrite_id" {
                    assert_eq!(
                        answer["errors"]["id"]["_errors"][0]["code"], "OVERWRITE_TARGET_UNKNOWN",
                        "{shown}: {answer}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 84, "only {checked} ids were tried: is every id still a Snowflake in the document?");
    // Nothing was changed by any of it.
    let (_, member) =
        status_and_json(app.get(&format!("/guilds/{}/members/{}", guild.id, bob.user_id), token).await).await;
    assert_eq!(member["user"]["id"], bob.user_id.as_str(), "bob is still a member");
    let (_, history) = status_and_json(app.get(&format!("/channels/{}/messages", guild.general), token).await).await;
    assert_eq!(history.as_array().map(Vec::len), Some(1), "only the first message: {history}");
}

on_both_backends!(
    a_non_numeric_id_in_any_path_answers_the_unknown_error_of_what_it_names,
    nul_in_any_text_is_refused_with_400_on_both_backends_and_changes_nothing,
    malformed_bodies_are_refused_on_every_route_and_change_nothing,
    missing_and_mistyped_fields_are_named_in_the_error,
    unicode_edge_cases_and_oversized_fields_are_refused_with_field_codes,
    sql_looking_text_is_stored_and_returned_verbatim,
);
