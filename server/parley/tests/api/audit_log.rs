//! The audit log: every moderation and configuration change leaves an entry, with its actor,
//! target and reason; the log is filtered and readable only with VIEW_AUDIT_LOG.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, on_both_backends, spawn_app, status_and_json};

async fn log(app: &TestApp, token: &str, guild: &str, query: &str) -> Value {
    let (status, log) =
        status_and_json(app.get(&format!("/guilds/{guild}/audit-logs{query}"), Some(token)).await).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    // Every list Discord's audit log has is there, empty or not (discord.js reads each).
    for list in [
        "audit_log_entries",
        "users",
        "webhooks",
        "integrations",
        "threads",
        "guild_scheduled_events",
        "auto_moderation_rules",
        "application_commands",
    ] {
        assert!(log[list].is_array(), "{list} missing: {log}");
    }
    log
}

fn actions(log: &Value) -> Vec<i64> {
    log["audit_log_entries"].as_array().unwrap().iter().map(|e| e["action_type"].as_i64().unwrap()).collect()
}

async fn every_change_is_recorded_with_its_actor_target_and_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let bo = app.register("bo").await;
    let guild = app.guild_with(&owner, "Audited", &[&ann, &bo]).await;
    let g = &guild.id;
    let token = owner.access_token.as_str();
    let put = |path: String, body: Value, reason: Option<&'static str>| {
        let mut request = app.client.put(app.api(&path)).json(&body).bearer_auth(token);
        if let Some(reason) = reason {
            request = request.header("x-audit-log-reason", reason);
        }
        request.send()
    };

    app.patch_json(&format!("/guilds/{g}"), &json!({"name": "Renamed"}), token).await; // 1
    let (_, channel) =
        status_and_json(app.post_json(&format!("/guilds/{g}/channels"), &json!({"name": "logs"}), Some(token)).await)
            .await; // 10
    let channel = channel["id"].as_str().unwrap().to_owned();
    app.patch_json(&format!("/channels/{channel}"), &json!({"topic": "records"}), token).await; // 11
    put(format!("/channels/{channel}/permissions/{g}"), json!({"type": 0, "deny": "1024"}), None).await.unwrap(); // 13
    let (_, role) =
        status_and_json(app.post_json(&format!("/guilds/{g}/roles"), &json!({"name": "Helpers"}), Some(token)).await)
            .await; // 30
    let role = role["id"].as_str().unwrap().to_owned();
    put(format!("/guilds/{g}/members/{}/roles/{role}", ann.user_id), json!({}), None).await.unwrap(); // 25
    app.delete(&format!("/guilds/{g}/members/{}", bo.user_id), token).await; // 20
    put(format!("/guilds/{g}/bans/{}", bo.user_id), json!({}), Some("spam%20bot")).await.unwrap(); // 22
    app.delete(&format!("/channels/{channel}"), token).await; // 12

    let everything = log(&app, token, g, "").await;
    // 40: the invite `guild_with` made for the members to join.
    assert_eq!(actions(&everything), vec![12, 22, 20, 25, 30, 13, 11, 10, 1, 40], "newest first");
    let entries = everything["audit_log_entries"].as_array().unwrap();
    let ban = &entries[1];
    assert_eq!(
        (ban["user_id"].as_str(), ban["target_id"].as_str()),
        (Some(owner.user_id.as_str()), Some(bo.user_id.as_str()))
    );
    assert_eq!(ban["reason"], "spam bot", "the reason header is URL-decoded");
    let rename = &entries[8];
    assert_eq!(rename["changes"], json!([{"key": "name", "old_value": "Audited", "new_value": "Renamed"}]));
    let topic = &entries[6];
    assert_eq!(topic["changes"], json!([{"key": "topic", "old_value": null, "new_value": "records"}]));
    let usernames: Vec<&str> =
        everything["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert!(usernames.contains(&"owner") && usernames.contains(&"bo"));

    assert_eq!(actions(&log(&app, token, g, "?action_type=22").await), vec![22]);
    assert_eq!(log(&app, token, g, &format!("?user_id={}", ann.user_id)).await["audit_log_entries"], json!([]));
    assert_eq!(actions(&log(&app, token, g, "?limit=2").await), vec![12, 22]);
    let newest = entries[0]["id"].as_str().unwrap();
    assert_eq!(actions(&log(&app, token, g, &format!("?before={newest}&limit=1")).await), vec![22]);
}

async fn reading_the_log_needs_view_audit_log_and_good_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Audited", &[&ann]).await;
    assert_error(
        app.get(&format!("/guilds/{}/audit-logs", guild.id), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    for bad in ["?limit=0", "?limit=101", "?user_id=x", "?action_type=abc", "?before=-1"] {
        assert_error(
            app.get(&format!("/guilds/{}/audit-logs{bad}", guild.id), Some(&owner.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
    }
    let long = "x".repeat(513);
    let response = app
        .send(
            app.client
                .patch(app.api(&format!("/guilds/{}", guild.id)))
                .header("x-audit-log-reason", long)
                .json(&json!({"name": "Nope"}))
                .bearer_auth(&owner.access_token),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, 50035).await;
    let (_, still) = status_and_json(app.get(&format!("/guilds/{}", guild.id), Some(&owner.access_token)).await).await;
    assert_eq!(still["name"], "Audited", "a refused reason changes nothing");
}

/// Makes every audit entry insert fail (a trigger that refuses it), or lets them through
/// again: a fault in exactly the statement whose failure must not leave a change unrecorded.
async fn refuse_audit_entries(app: &TestApp, refuse: bool) {
    use sqlx::Connection;
    let url = app.settings.database_url.as_str();
    let statements: &[&str] = match (app.store.backend(), refuse) {
        (parley_store::Backend::Sqlite, true) => &[
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log_entries BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        ],
        (parley_store::Backend::Sqlite, false) => &["DROP TRIGGER refuse_audit"],
        (parley_store::Backend::Postgres, true) => &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log_entries FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ],
        (parley_store::Backend::Postgres, false) => &["DROP TRIGGER refuse_audit ON audit_log_entries"],
    };
    match app.store.backend() {
        parley_store::Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            for sql in statements {
                sqlx::query(*sql).execute(&mut conn).await.unwrap();
            }
        }
        parley_store::Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            for sql in statements {
                sqlx::query(*sql).execute(&mut conn).await.unwrap();
            }
        }
    }
}

async fn a_change_whose_audit_entry_cannot_be_stored_does_not_happen(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann, bo) = (app.register("owner").await, app.register("ann").await, app.register("bo").await);
    let guild = app.guild_with(&owner, "Audited", &[&ann, &bo]).await;
    let (g, token) = (guild.id.clone(), owner.access_token.clone());
    refuse_audit_entries(&app, true).await;
    // A kick, a ban, a timeout and a rename: each fails as a whole.
    let kick = app.delete(&format!("/guilds/{g}/members/{}", bo.user_id), &token).await;
    assert!(kick.status().is_server_error(), "{}", kick.status());
    let ban = app.put_json(&format!("/guilds/{g}/bans/{}", ann.user_id), &json!({}), &token).await;
    assert!(ban.status().is_server_error());
    let nick = app.patch_json(&format!("/guilds/{g}/members/{}", ann.user_id), &json!({"nick": "Annie"}), &token).await;
    assert!(nick.status().is_server_error());
    let rename = app.patch_json(&format!("/guilds/{g}"), &json!({"name": "Unrecorded"}), &token).await;
    assert!(rename.status().is_server_error());
    // Nothing happened: both are members, unbanned, unrenamed.
    for who in [&ann, &bo] {
        let (status, member) =
            status_and_json(app.get(&format!("/guilds/{g}/members/{}", who.user_id), Some(&token)).await).await;
        assert_eq!(status, StatusCode::OK, "{} is still a member", who.username);
        assert!(member["nick"].is_null());
    }
    let (_, bans) = status_and_json(app.get(&format!("/guilds/{g}/bans"), Some(&token)).await).await;
    assert_eq!(bans, json!([]));
    let (_, guild_now) = status_and_json(app.get(&format!("/guilds/{g}"), Some(&token)).await).await;
    assert_eq!(guild_now["name"], "Audited");

    // With entries stored again, the same kick happens, and is recorded.
    refuse_audit_entries(&app, false).await;
    let kick = app.delete(&format!("/guilds/{g}/members/{}", bo.user_id), &token).await;
    assert_eq!(kick.status(), StatusCode::NO_CONTENT);
    assert_eq!(actions(&log(&app, &token, &g, "?action_type=20").await), vec![20]);
}

on_both_backends!(
    a_change_whose_audit_entry_cannot_be_stored_does_not_happen,
    every_change_is_recorded_with_its_actor_target_and_reason,
    reading_the_log_needs_view_audit_log_and_good_filters
);
