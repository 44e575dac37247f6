//! HTTP behaviour every route shares: probes, security headers, request ids, CORS, JSON
//! errors for unknown routes, the OpenAPI document, and draining on shutdown.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, assert_error, on_both_backends, password_of, spawn_app, spawn_app_with, status_and_json,
};

async fn health_is_alive_and_ready_checks_the_database_and_schema(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = status_and_json(app.send(app.client.get(format!("{}/health", app.address))).await).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
    let (status, body) = status_and_json(app.send(app.client.get(format!("{}/ready", app.address))).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"status": "ready", "database": "ok", "schema": "current", "files": "ok"}));
    // Through a proxy (anyone, as far as Parley knows) only the word: the parts are the
    // operator's, on this machine.
    let forwarded = app.client.get(format!("{}/ready", app.address)).header("x-forwarded-for", "203.0.113.9");
    let (status, body) = status_and_json(app.send(forwarded).await).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ready"})));
    // Many at once are all answered (they share checks rather than queue one each).
    let asks = (0..40).map(|_| app.client.get(format!("{}/ready", app.address)).send());
    for answer in futures::future::join_all(asks).await {
        assert_eq!(answer.unwrap().status(), StatusCode::OK);
    }

    // Once the database is gone, readiness says so (and liveness does not care).
    app.store.close().await;
    let (status, body) = status_and_json(app.send(app.client.get(format!("{}/ready", app.address))).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(app.send(app.client.get(format!("{}/health", app.address))).await.status(), StatusCode::OK);
}

async fn every_response_carries_security_headers_and_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/api/v10/instance", "/api/v10/no/such/route", "/health", "/"] {
        let response = app.send(app.client.get(format!("{}{path}", app.address))).await;
        let h = response.headers();
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(!h.contains_key("strict-transport-security"), "no HSTS over plain HTTP");
        assert_eq!(h["x-request-id"].to_str().unwrap().len(), 36, "{path}: a UUID request id");
    }
    let response = app.send(app.client.get(app.api("/instance")).header("x-request-id", "trace-me-123")).await;
    assert_eq!(response.headers()["x-request-id"], "trace-me-123", "a caller's request id is kept");
}

async fn an_https_public_url_adds_hsts(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_PUBLIC_URL", "https://chat.example.com")]).await;
    let response = app.get("/instance", None).await;
    assert_eq!(response.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains");
}

async fn only_configured_origins_may_call_from_a_browser(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_CORS_ORIGINS", "https://chat.example.com")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.api("/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,authorization")
            .send()
    };
    let allowed = preflight("https://chat.example.com").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://chat.example.com");
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));

    // A moderator's page on that origin may give a reason, and read every rate-limit header.
    let reason = app
        .client
        .request(reqwest::Method::OPTIONS, app.api("/guilds/1/bans/2"))
        .header("origin", "https://chat.example.com")
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "authorization,x-audit-log-reason")
        .send()
        .await
        .unwrap();
    let allowed_headers = reason.headers()["access-control-allow-headers"].to_str().unwrap().to_owned();
    assert!(allowed_headers.contains("x-audit-log-reason"), "{allowed_headers}");
    let answer = app.send(app.client.get(app.api("/instance")).header("origin", "https://chat.example.com")).await;
    let exposed = answer.headers()["access-control-expose-headers"].to_str().unwrap().to_owned();
    for header in ["x-ratelimit-reset", "x-ratelimit-bucket", "x-ratelimit-global", "x-ratelimit-scope"] {
        assert!(exposed.contains(header), "{header} in {exposed}");
    }
}

async fn the_web_client_is_served_with_caching_that_suits_it(backend: Backend) {
    assert!(parley::web::has_client(), "this build embedded no web client: is Node.js installed? (see build.rs)");
    let app = spawn_app(backend).await;
    let page = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    let index = page("/").await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(index.headers()["cache-control"], "no-cache", "a new release is picked up at once");
    assert!(index.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    let html = index.text().await.unwrap();
    assert!(html.contains("<div id=\"app\">"), "{html}");
    let script = html.split('"').find(|s| s.starts_with("/assets/") && s.ends_with(".js")).expect("a script bundle");
    let bundle = page(script).await.unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
    assert_eq!(bundle.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(bundle.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    for client_route in ["/channels/1/2", "/invite/abc123", "/login"] {
        let response = page(client_route).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{client_route}");
        assert!(response.text().await.unwrap().contains("<div id=\"app\">"), "{client_route} opens the client");
    }
    assert_error(page("/not-a-page").await.unwrap(), StatusCode::NOT_FOUND, 0).await;
    assert_error(page("/assets/missing.js").await.unwrap(), StatusCode::NOT_FOUND, 0).await;
}

/// The web client's TypeScript types are generated from its copy of the OpenAPI document
/// (`web/src/lib/api/openapi.json`); this keeps that copy identical to what the server
/// serves. `PARLEY_UPDATE_OPENAPI=1` rewrites it.
async fn the_web_clients_copy_of_the_openapi_document_is_current(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, served) = status_and_json(app.get("/openapi.json", None).await).await;
    assert_eq!(status, StatusCode::OK);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/src/lib/api/openapi.json");
    if std::env::var_os("PARLEY_UPDATE_OPENAPI").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&served).unwrap() + "\n").unwrap();
    }
    let copy: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).unwrap_or(Value::Null);
    assert!(
        copy == served,
        "web/src/lib/api/openapi.json is out of date: run `PARLEY_UPDATE_OPENAPI=1 cargo test -p parley --test api openapi` and commit it"
    );
}

async fn unknown_routes_and_methods_answer_in_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = assert_error(app.get("/does-not-exist", None).await, StatusCode::NOT_FOUND, 0).await;
    assert_eq!(body["message"], "404: Not Found");
    let response = app.send(app.client.delete(app.api("/instance"))).await;
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED, 0).await;
}

async fn the_openapi_document_covers_every_route_with_schemas(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, doc) = status_and_json(app.get("/openapi.json", None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("/auth/register", "post"),
        ("/auth/login", "post"),
        ("/auth/refresh", "post"),
        ("/auth/logout", "post"),
        ("/auth/sessions", "get"),
        ("/auth/sessions/{session_id}", "delete"),
        ("/auth/sessions/revoke-others", "post"),
        ("/users/@me", "get"),
        ("/users/@me", "patch"),
        ("/instance", "get"),
        ("/admin/invites", "get"),
        ("/admin/invites", "post"),
        ("/admin/invites/{code}", "delete"),
        ("/admin/overview", "get"),
        ("/admin/settings", "get"),
        ("/admin/settings", "patch"),
        ("/admin/users", "get"),
        ("/admin/users/{user_id}", "get"),
        ("/admin/users/{user_id}", "patch"),
        ("/admin/users/{user_id}", "delete"),
        ("/admin/users/{user_id}/sessions", "delete"),
        ("/guilds", "post"),
        ("/guilds/{guild_id}", "get"),
        ("/guilds/{guild_id}", "patch"),
        ("/guilds/{guild_id}", "delete"),
        ("/users/@me/guilds", "get"),
        ("/users/@me/guilds/{guild_id}", "delete"),
        ("/guilds/{guild_id}/channels", "get"),
        ("/channels/{channel_id}", "get"),
        ("/channels/{channel_id}/invites", "post"),
        ("/channels/{channel_id}/invites", "get"),
        ("/invites/{code}", "get"),
        ("/invites/{code}", "post"),
        ("/invites/{code}", "delete"),
        ("/guilds/{guild_id}/invites", "get"),
        ("/guilds/{guild_id}/channels", "post"),
        ("/guilds/{guild_id}/channels", "patch"),
        ("/channels/{channel_id}", "patch"),
        ("/channels/{channel_id}", "delete"),
        ("/channels/{channel_id}/permissions/{overwrite_id}", "put"),
        ("/channels/{channel_id}/permissions/{overwrite_id}", "delete"),
        ("/guilds/{guild_id}/roles", "get"),
        ("/guilds/{guild_id}/roles", "post"),
        ("/guilds/{guild_id}/roles", "patch"),
        ("/guilds/{guild_id}/roles/{role_id}", "patch"),
        ("/guilds/{guild_id}/roles/{role_id}", "delete"),
        ("/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "put"),
        ("/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "delete"),
        ("/channels/{channel_id}/messages", "post"),
        ("/channels/{channel_id}/messages", "get"),
        ("/channels/{channel_id}/messages/{message_id}", "get"),
        ("/channels/{channel_id}/messages/{message_id}", "patch"),
        ("/channels/{channel_id}/messages/{message_id}", "delete"),
        ("/guilds/{guild_id}/members", "get"),
        ("/guilds/{guild_id}/members/{user_id}", "get"),
        ("/guilds/{guild_id}/members/{user_id}", "patch"),
        ("/guilds/{guild_id}/members/{user_id}", "delete"),
        ("/guilds/{guild_id}/bans", "get"),
        ("/guilds/{guild_id}/bans/{user_id}", "get"),
        ("/guilds/{guild_id}/bans/{user_id}", "put"),
        ("/guilds/{guild_id}/bans/{user_id}", "delete"),
        ("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "put"),
        ("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "delete"),
        ("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", "delete"),
        ("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", "get"),
        ("/channels/{channel_id}/pins", "get"),
        ("/channels/{channel_id}/pins/{message_id}", "put"),
        ("/channels/{channel_id}/pins/{message_id}", "delete"),
        ("/channels/{channel_id}/messages/pins", "get"),
        ("/channels/{channel_id}/messages/pins/{message_id}", "put"),
        ("/channels/{channel_id}/messages/pins/{message_id}", "delete"),
        ("/channels/{channel_id}/typing", "post"),
        ("/channels/{channel_id}/messages/bulk-delete", "post"),
        ("/channels/{channel_id}/messages/{message_id}/ack", "post"),
        ("/users/@me/read-states", "get"),
        ("/users/@me/guilds/{guild_id}/settings", "get"),
        ("/users/@me/guilds/{guild_id}/settings", "patch"),
        ("/users/@me/relationships", "get"),
        ("/users/@me/relationships/{user_id}", "put"),
        ("/users/@me/relationships/{user_id}", "delete"),
        ("/users/@me/settings", "get"),
        ("/users/@me/export", "get"),
        ("/users/@me/delete", "post"),
        ("/users/@me/settings", "patch"),
        ("/channels/{channel_id}/messages/{message_id}/threads", "post"),
        ("/channels/{channel_id}/threads", "post"),
        ("/guilds/{guild_id}/threads/active", "get"),
        ("/channels/{channel_id}/thread-members/@me", "put"),
        ("/channels/{channel_id}/thread-members/@me", "delete"),
        ("/channels/{channel_id}/thread-members/{user_id}", "put"),
        ("/channels/{channel_id}/thread-members/{user_id}", "delete"),
        ("/channels/{channel_id}/thread-members/{user_id}", "get"),
        ("/channels/{channel_id}/thread-members", "get"),
        ("/channels/{channel_id}/threads/archived/public", "get"),
        ("/channels/{channel_id}/threads/archived/private", "get"),
        ("/channels/{channel_id}/users/@me/threads/archived/private", "get"),
        ("/guilds/{guild_id}/members/search", "get"),
        ("/guilds/{guild_id}/preview", "get"),
        ("/guilds/{guild_id}/audit-logs", "get"),
        ("/guilds/{guild_id}/messages/search", "get"),
        ("/users/@me/channels", "get"),
        ("/users/@me/channels", "post"),
        ("/channels/{channel_id}/recipients/{user_id}", "put"),
        ("/channels/{channel_id}/recipients/{user_id}", "delete"),
        ("/applications/@me", "get"),
        ("/channels/{channel_id}/webhooks", "post"),
        ("/channels/{channel_id}/webhooks", "get"),
        ("/guilds/{guild_id}/webhooks", "get"),
        ("/channels/{channel_id}/attachments", "post"),
        ("/guilds/{guild_id}/emojis", "get"),
        ("/guilds/{guild_id}/emojis", "post"),
        ("/guilds/{guild_id}/emojis/{emoji_id}", "get"),
        ("/guilds/{guild_id}/emojis/{emoji_id}", "patch"),
        ("/guilds/{guild_id}/emojis/{emoji_id}", "delete"),
        ("/webhooks/{webhook_id}", "get"),
        ("/webhooks/{webhook_id}", "patch"),
        ("/webhooks/{webhook_id}", "delete"),
        ("/webhooks/{webhook_id}/{webhook_token}", "get"),
        ("/webhooks/{webhook_id}/{webhook_token}", "patch"),
        ("/webhooks/{webhook_id}/{webhook_token}", "delete"),
        ("/webhooks/{webhook_id}/{webhook_token}", "post"),
        ("/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "get"),
        ("/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "patch"),
        ("/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "delete"),
        ("/gateway", "get"),
        ("/gateway/bot", "get"),
        ("/applications", "post"),
        ("/applications", "get"),
        ("/applications/{application_id}", "get"),
        ("/applications/{application_id}", "patch"),
        ("/applications/{application_id}/bot/reset", "post"),
        ("/oauth2/applications/@me", "get"),
        ("/oauth2/authorize", "post"),
        ("/voice/ice-servers", "get"),
        ("/users/{user_id}", "get"),
        ("/applications/{application_id}/commands", "get"),
        ("/applications/{application_id}/commands", "post"),
        ("/applications/{application_id}/commands", "put"),
        ("/applications/{application_id}/commands/{command_id}", "get"),
        ("/applications/{application_id}/commands/{command_id}", "patch"),
        ("/applications/{application_id}/commands/{command_id}", "delete"),
        ("/applications/{application_id}/guilds/{guild_id}/commands", "get"),
        ("/applications/{application_id}/guilds/{guild_id}/commands", "post"),
        ("/applications/{application_id}/guilds/{guild_id}/commands", "put"),
        ("/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "get"),
        ("/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "patch"),
        ("/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "delete"),
        ("/applications/{application_id}/guilds/{guild_id}/commands/permissions", "get"),
        ("/applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions", "get"),
        ("/applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions", "put"),
        ("/guilds/{guild_id}/application-command-index", "get"),
        ("/channels/{channel_id}/application-command-index", "get"),
        ("/interactions", "post"),
        ("/guilds/{guild_id}/welcome-screen", "get"),
        ("/guilds/{guild_id}/welcome-screen", "patch"),
        ("/guilds/{guild_id}/widget", "get"),
        ("/guilds/{guild_id}/widget", "patch"),
        ("/guilds/{guild_id}/widget.json", "get"),
        ("/guilds/{guild_id}/onboarding", "get"),
        ("/guilds/{guild_id}/onboarding", "put"),
        ("/interactions/{interaction_id}/{interaction_token}/callback", "post"),
        ("/webhooks/{webhook_id}/{webhook_token}/messages/@original", "get"),
        ("/webhooks/{webhook_id}/{webhook_token}/messages/@original", "patch"),
        ("/webhooks/{webhook_id}/{webhook_token}/messages/@original", "delete"),
        ("/guilds/{guild_id}/roles/{role_id}", "get"),
        ("/guilds/{guild_id}/roles/member-counts", "get"),
        ("/guilds/{guild_id}/members/@me", "get"),
        ("/guilds/{guild_id}/members/@me", "patch"),
        ("/users/@me/guilds/{guild_id}/member", "get"),
        ("/channels/{channel_id}/messages/{message_id}/reactions", "delete"),
        ("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", "delete"),
        ("/voice/regions", "get"),
        ("/guilds/{guild_id}/regions", "get"),
        ("/guilds/{guild_id}/voice-states/@me", "get"),
        ("/guilds/{guild_id}/voice-states/{user_id}", "get"),
        ("/guilds/{guild_id}/bulk-ban", "post"),
        ("/guilds/{guild_id}/prune", "get"),
        ("/guilds/{guild_id}/prune", "post"),
        ("/applications/@me", "patch"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let operations: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        operations,
        expected.len(),
        "a route is served but not listed here: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    for (path, method) in expected {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
        let takes_no_body = [
            "/auth/logout",
            "/auth/sessions/revoke-others",
            "/invites/{code}",
            "/channels/{channel_id}/typing",
            "/channels/{channel_id}/messages/{message_id}/ack",
            "/applications/{application_id}/bot/reset",
        ]
        .contains(&path);
        if ["post", "patch"].contains(&method) && !takes_no_body {
            assert!(
                op["requestBody"]["content"]["application/json"]["schema"].is_object(),
                "{method} {path} has no request schema"
            );
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "TokenResponse",
        "CurrentUser",
        "SessionInfo",
        "ErrorBody",
        "RegisterRequest",
        "LoginRequest",
        "GuildObject",
        "ChannelObject",
        "RoleObject",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

/// The schema a property or parameter names, seen through `Option` (utoipa writes a nullable
/// reference as `oneOf: [{"$ref": ...}, {"type": "null"}]`).
fn referenced(schema: &Value) -> Option<&str> {
    schema["$ref"]
        .as_str()
        .or_else(|| schema["oneOf"].as_array()?.iter().filter(|s| s["type"] != "null").find_map(|s| s["$ref"].as_str()))
}

/// Every `$ref` in `value`, anywhere.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                out.push(target.to_owned());
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// What a schema-driven client needs to trust the document: ids and permission bits are one
/// named string shape each (never a free string), times are date-times, every reference
/// resolves, and every operation declares the answers its extractors give before the handler
/// runs: 401 where a token is needed, 400, 413 and 415 where a JSON body is read, 400 where a
/// path or query is (a NUL in it).
async fn the_openapi_document_types_ids_and_declares_what_every_route_can_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, doc) = status_and_json(app.get("/openapi.json", None).await).await;
    assert_eq!(status, StatusCode::OK);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let snowflake = &schemas["Snowflake"];
    assert_eq!((snowflake["type"].as_str(), snowflake["pattern"].as_str()), (Some("string"), Some("^[0-9]{1,19}$")));
    assert_eq!(schemas["Permissions"]["type"], "string");
    assert!(schemas["Permissions"]["pattern"].as_str().is_some_and(|p| p.starts_with("^[0-9]")));

    let mut targets = Vec::new();
    references(&doc, &mut targets);
    for target in &targets {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{target} is not a schema"));
        assert!(schemas.contains_key(name), "{target} names no schema in the document");
    }

    let id_schema = |name: &str, schema: &Value| {
        let target = referenced(schema).or_else(|| schema["items"]["$ref"].as_str());
        assert!(
            matches!(
                target,
                Some(
                    "#/components/schemas/Snowflake"
                        | "#/components/schemas/UserIdOrMe"
                        | "#/components/schemas/GuildIdOrMe"
                )
            ),
            "{name} is an id but not a Snowflake: {schema}"
        );
    };
    for (object, schema) in schemas {
        for (property, value) in schema["properties"].as_object().into_iter().flatten() {
            let what = format!("{object}.{property}");
            // Not ids of anything stored: a device's own name for itself, what an application
            // calls its component, a component's number within its message (Discord's), the
            // gateway session Discord's client names with an interaction (ignored) or a voice
            // state belongs to (a gateway session id is no snowflake, on Discord either), and a
            // voice region's name-like id (Discord's: `us-east`; Parley's one region is `parley`),
            // and a widget member's place in its list (Discord's widget hides user ids).
            let named_by_client = ["device_id", "custom_id"].contains(&property.as_str())
                || (property == "id"
                    && ["ActionRow", "Component", "VoiceRegion", "WidgetMember"].contains(&object.as_str()))
                || (property == "session_id" && ["InteractionRequest", "VoiceState"].contains(&object.as_str()));
            if (property == "id" || property.ends_with("_id")) && !named_by_client {
                id_schema(&what, value);
            }
            if ["roles", "mention_roles", "messages", "recipients", "users"].contains(&property.as_str())
                && value.to_string().contains("Snowflake")
            {
                id_schema(&what, value);
            }
            // Command permissions are Discord's list of overwrites, under the same name.
            let overwrite_list = property == "permissions"
                && ["CommandPermissionsRequest", "GuildCommandPermissions"].contains(&object.as_str());
            if ["permissions", "allow", "deny"].contains(&property.as_str()) && !overwrite_list {
                assert!(
                    matches!(
                        referenced(value),
                        Some("#/components/schemas/Permissions" | "#/components/schemas/PermissionsInput")
                    ),
                    "{what}: {value}"
                );
            }
            let time = property.ends_with("_at")
                || property.ends_with("timestamp")
                || property == "communication_disabled_until";
            if time {
                let typed = value["format"] == "date-time"
                    || value["oneOf"].as_array().is_some_and(|o| o.iter().any(|s| s["format"] == "date-time"));
                assert!(typed, "{what} is a time but not a date-time: {value}");
            }
        }
    }

    let error_answer = |op: &Value, status: &str, what: &str| {
        let answer = &op["responses"][status];
        assert_eq!(
            answer["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
            "{what} does not declare {status} with ErrorBody"
        );
    };
    let mut secured = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let what = format!("{} {path}", method.to_uppercase());
            let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
            for parameter in &parameters {
                let name = parameter["name"].as_str().unwrap();
                // Paging is by id, except pins, which Discord pages by when they were pinned.
                if parameter["schema"]["format"] == "date-time" && name == "before" {
                    continue;
                }
                if name.ends_with("_id") || ["before", "after", "around"].contains(&name) {
                    id_schema(&format!("{what} parameter {name}"), &parameter["schema"]);
                }
            }
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                secured += 1;
                error_answer(op, "401", &what);
            }
            if op["requestBody"].is_object() {
                for status in ["400", "413", "415"] {
                    error_answer(op, status, &what);
                }
            }
            if !parameters.is_empty() {
                error_answer(op, "400", &what);
            }
        }
    }
    assert!(secured > 70, "only {secured} operations need a token: is `security` still declared?");

    // Two request types with one name would share one schema: each invite keeps its own limits.
    let body_of = |path: &str| {
        let reference = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/components/schemas/");
        schemas[reference]["properties"]["max_uses"]["maximum"].clone()
    };
    assert_eq!((body_of("/channels/{channel_id}/invites"), body_of("/admin/invites")), (json!(100), json!(10000)));
}

async fn shutdown_finishes_the_request_in_flight_and_refuses_new_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = serde_json::to_vec(&json!({"username": "slowpoke", "password": password_of("slowpoke")})).unwrap();
    let (first, rest) = body.split_at(10);
    let (first, rest) = (first.to_vec(), rest.to_vec());
    // The body arrives in two parts, with shutdown starting in between.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    tx.send(Ok(first)).await.unwrap();
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let request = app
        .client
        .post(app.api("/auth/register"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let address = app.address.clone();
    let store = app.store.clone();
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(reqwest::get(format!("{address}/health")).await.is_err(), "new connections are refused while draining");
    tx.send(Ok(rest)).await.unwrap();
    drop(tx);
    let response = in_flight.await.unwrap().expect("the in-flight request got its answer");
    assert_eq!(response.status(), StatusCode::CREATED);
    let _: Value = response.json().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), stopping).await.expect("the server stopped after draining").unwrap();
    assert!(store.ping().await.is_err(), "the database pool is closed on shutdown");
}

on_both_backends!(
    health_is_alive_and_ready_checks_the_database_and_schema,
    every_response_carries_security_headers_and_a_request_id,
    an_https_public_url_adds_hsts,
    only_configured_origins_may_call_from_a_browser,
    unknown_routes_and_methods_answer_in_json,
    the_web_client_is_served_with_caching_that_suits_it,
    the_web_clients_copy_of_the_openapi_document_is_current,
    the_openapi_document_covers_every_route_with_schemas,
    the_openapi_document_types_ids_and_declares_what_every_route_can_answer,
    shutdown_finishes_the_request_in_flight_and_refuses_new_ones,
);

/// The client's page, script and style go out precompressed as the browser accepts: brotli
/// first, then gzip, the file itself when it takes neither, and never a coding it refused
/// with q=0; each answer names its encoding and varies by Accept-Encoding, with the file's
/// own type and caching. (Serving files does not touch the database: one backend is enough.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_client_is_served_precompressed_as_the_browser_accepts() {
    use std::io::Read;

    assert!(parley::web::has_client(), "this build embedded no web client: is Node.js installed? (see build.rs)");
    let app = spawn_app(Backend::Sqlite).await;
    let get = |path: &str, accept: Option<&str>| {
        let request = app.client.get(format!("{}{path}", app.address));
        match accept {
            Some(accept) => request.header("accept-encoding", accept).send(),
            None => request.send(),
        }
    };
    let html = get("/login", None).await.unwrap().text().await.unwrap();
    let asset = |ext: &str| {
        html.split('"').find(|s| s.starts_with("/assets/") && s.ends_with(ext)).expect("a bundle").to_owned()
    };
    for path in ["/login".to_owned(), asset(".js"), asset(".css")] {
        let plain = get(&path, None).await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK, "{path}");
        assert!(!plain.headers().contains_key("content-encoding"), "{path}: no Accept-Encoding, no encoding");
        let varies = |headers: &reqwest::header::HeaderMap| {
            headers
                .get_all("vary")
                .iter()
                .any(|v| v.to_str().unwrap().split(',').any(|h| h.trim() == "accept-encoding"))
        };
        assert!(varies(plain.headers()), "{path}: caches keep one copy per encoding");
        let (content_type, cache) = (plain.headers()["content-type"].clone(), plain.headers()["cache-control"].clone());
        let plain = plain.bytes().await.unwrap();

        for (accept, expected) in [
            ("gzip, deflate, br, zstd", Some("br")),
            ("*", Some("br")),
            ("gzip, deflate", Some("gzip")),
            ("br;q=0, gzip", Some("gzip")),
            ("gzip;q=1.0, br;q=0.5", Some("gzip")),
            ("br;q=0, gzip;q=0", None),
            ("*;q=0", None),
            ("identity", None),
        ] {
            let response = get(&path, Some(accept)).await.unwrap();
            let headers = response.headers().clone();
            let body = response.bytes().await.unwrap();
            let encoding = headers.get("content-encoding").map(|v| v.to_str().unwrap());
            assert_eq!(encoding, expected, "{path} with Accept-Encoding: {accept}");
            assert!(varies(&headers), "{path} with {accept}");
            assert_eq!(headers["content-type"], content_type, "{path} with {accept}: the file's own type");
            assert_eq!(headers["cache-control"], cache, "{path} with {accept}");
            assert_eq!(headers["content-length"].to_str().unwrap(), body.len().to_string(), "{path} with {accept}");
            match expected {
                Some("gzip") => {
                    let mut unpacked = Vec::new();
                    flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut unpacked).unwrap();
                    assert_eq!(unpacked, plain, "{path}: gzip unpacks to the file");
                }
                // Brotli has no decoder among the test's crates; the Chromium tests unpack it.
                Some(_) => assert!(body.len() * 2 < plain.len(), "{path}: brotli is less than half the file"),
                None => assert_eq!(body, plain, "{path} with {accept}: the file itself"),
            }
        }
    }
    let script = asset(".js");
    for variant in [format!("{script}.br"), format!("{script}.gz"), "/index.html.gz".to_owned()] {
        assert_error(get(&variant, None).await.unwrap(), StatusCode::NOT_FOUND, 0).await;
    }
}
