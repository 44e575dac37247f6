//! A guild's onboarding: members read it; a manager (MANAGE_GUILD and MANAGE_ROLES) sets its
//! default channels and prompts, audited; deleted channels drop out of it; and its refusals:
//! other members, outsiders, unknown or repeated channels, roles and prompts, roles above the
//! manager, Discord's limits.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, TestGuild, assert_error, on_both_backends, spawn_app, status_and_json,
};

async fn put(app: &TestApp, who: &Session, guild: &TestGuild, body: &Value) -> reqwest::Response {
    app.put_json(&format!("/guilds/{}/onboarding", guild.id), body, &who.access_token).await
}

async fn get(app: &TestApp, who: &Session, guild: &TestGuild) -> (StatusCode, Value) {
    status_and_json(app.get(&format!("/guilds/{}/onboarding", guild.id), Some(&who.access_token)).await).await
}

async fn make(app: &TestApp, owner: &Session, path: String, body: Value) -> String {
    let (status, made) = status_and_json(app.post_json(&path, &body, Some(&owner.access_token)).await).await;
    assert!(status.is_success(), "{made}");
    made["id"].as_str().unwrap().to_owned()
}

async fn audit_count(app: &TestApp, owner: &Session, guild: &TestGuild, action: u32) -> usize {
    let path = format!("/guilds/{}/audit-logs?action_type={action}", guild.id);
    let (_, log) = status_and_json(app.get(&path, Some(&owner.access_token)).await).await;
    log["audit_log_entries"].as_array().unwrap().len()
}

async fn a_manager_sets_up_onboarding_and_members_read_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann) = (app.register("owner").await, app.register("ann").await);
    let guild = app.guild_with(&owner, "Library", &[&ann]).await;
    let (status, empty) = get(&app, &ann, &guild).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        empty,
        json!({"guild_id": guild.id, "prompts": [], "default_channel_ids": [], "enabled": false, "mode": 0})
    );

    let readers = make(&app, &owner, format!("/guilds/{}/roles", guild.id), json!({"name": "Readers"})).await;
    let books = make(&app, &owner, format!("/guilds/{}/channels", guild.id), json!({"name": "books", "type": 0})).await;
    let body = json!({
        "prompts": [{"id": "1", "title": "What brings you here?", "single_select": true, "options": [
            {"title": "Books", "description": "Talk about books", "emoji_name": "📚", "role_ids": [readers], "channel_ids": [books]},
            {"id": "77", "title": "Just looking"}
        ]}, {"title": "Which genres?", "options": [{"title": "Poetry"}]}],
        "default_channel_ids": [guild.general], "enabled": true, "mode": 0
    });
    let (status, saved) = status_and_json(put(&app, &owner, &guild, &body).await).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let books_option = &saved["prompts"][0]["options"][0];
    assert!(books_option["id"].as_str().unwrap().parse::<u64>().is_ok(), "a new option gets an id: {saved}");
    assert_eq!(books_option["emoji"], json!({"id": null, "name": "📚", "animated": false}));
    assert_eq!(books_option["role_ids"], json!([readers]));
    assert_eq!(saved["prompts"][0]["options"][1]["id"], "77", "an option's id is kept");
    assert_eq!(saved["prompts"][0]["options"][1]["description"], "");
    assert_eq!(
        (saved["prompts"][0]["required"].as_bool(), saved["prompts"][0]["in_onboarding"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(saved["enabled"], true);
    let new_prompt = saved["prompts"][1]["id"].as_str().unwrap();
    assert!(new_prompt.parse::<u64>().is_ok_and(|id| id > 1), "a new prompt gets an id: {saved}");
    assert_eq!(get(&app, &ann, &guild).await.1, saved, "members read what was set");
    assert_eq!(audit_count(&app, &owner, &guild, 166).await, 1);

    // What is left out stays; the second change is an update.
    let (status, off) = status_and_json(put(&app, &owner, &guild, &json!({"enabled": false})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((off["enabled"].as_bool(), &off["prompts"]), (Some(false), &saved["prompts"]));
    assert_eq!(audit_count(&app, &owner, &guild, 167).await, 1);
    // A deleted channel drops out of it.
    assert_eq!(app.delete(&format!("/channels/{books}"), &owner.access_token).await.status(), StatusCode::OK);
    assert_eq!(get(&app, &ann, &guild).await.1["prompts"][0]["options"][0]["channel_ids"], json!([]));
}

async fn onboarding_is_refused_to_members_without_the_rights_and_to_what_the_guild_lacks(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann, zed) = (app.register("owner").await, app.register("ann").await, app.register("zed").await);
    let guild = app.guild_with(&owner, "Library", &[&ann]).await;
    let option = |extra: Value| {
        let mut o = json!({"title": "Books"});
        o.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        o
    };
    let prompt = |id: &str, options: Value| json!({"id": id, "title": "Why?", "options": options});
    let fine = json!({"prompts": [prompt("1", json!([option(json!({}))]))], "default_channel_ids": [guild.general]});

    assert_error(put(&app, &ann, &guild, &fine).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(
        app.get(&format!("/guilds/{}/onboarding", guild.id), Some(&zed.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert_error(app.get("/guilds/4242/onboarding", Some(&owner.access_token)).await, StatusCode::NOT_FOUND, 10004)
        .await;

    let elsewhere = app.guild_with(&zed, "Elsewhere", &[]).await;
    let sixteen: Vec<Value> = (1..=16).map(|i| prompt(&i.to_string(), json!([option(json!({}))]))).collect();
    for (body, path, code) in [
        (
            json!({"default_channel_ids": [elsewhere.general]}),
            vec!["default_channel_ids", "0"],
            "ONBOARDING_TARGET_UNKNOWN",
        ),
        (
            json!({"default_channel_ids": [guild.general, guild.general]}),
            vec!["default_channel_ids", "1"],
            "ONBOARDING_TARGET_UNKNOWN",
        ),
        (
            json!({"prompts": [prompt("1", json!([option(json!({"role_ids": [guild.id]}))]))]}),
            vec!["prompts", "0", "options", "0", "role_ids", "0"],
            "ONBOARDING_TARGET_UNKNOWN",
        ),
        (
            json!({"prompts": [prompt("1", json!([option(json!({}))])), prompt("1", json!([option(json!({}))]))]}),
            vec!["prompts", "1", "id"],
            "ONBOARDING_PROMPT_DUPLICATE",
        ),
        (json!({"enabled": true}), vec!["default_channel_ids"], "ONBOARDING_DEFAULT_CHANNELS_REQUIRED"),
        (json!({"prompts": sixteen}), vec!["prompts"], "BASE_TYPE_MAX_LENGTH"),
        (json!({"prompts": [prompt("1", json!([]))]}), vec!["prompts", "0", "options"], "BASE_TYPE_BAD_LENGTH"),
        (
            json!({"prompts": [prompt("1", json!([option(json!({"title": "x".repeat(51)}))]))]}),
            vec!["prompts", "0", "options", "0", "title"],
            "BASE_TYPE_BAD_LENGTH",
        ),
        (json!({"mode": 2}), vec!["mode"], "BASE_TYPE_CHOICES"),
    ] {
        let (status, bad) = status_and_json(put(&app, &owner, &guild, &body).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {bad}");
        let mut at = &bad["errors"];
        for key in &path {
            at = &at[*key];
        }
        assert_eq!(at["_errors"][0]["code"], code, "{body}: {bad}");
    }

    // ann manages the guild and its roles, below High: no option of hers hands out High.
    let high = make(&app, &owner, format!("/guilds/{}/roles", guild.id), json!({"name": "High"})).await;
    let managers = make(
        &app,
        &owner,
        format!("/guilds/{}/roles", guild.id),
        json!({"name": "Managers", "permissions": ((1u64 << 5) | (1u64 << 28)).to_string()}),
    )
    .await;
    let give = format!("/guilds/{}/members/{}/roles/{managers}", guild.id, ann.user_id);
    assert_eq!(app.put(&give, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    let grants_high = json!({"prompts": [prompt("1", json!([option(json!({"role_ids": [high]}))]))]});
    assert_error(put(&app, &ann, &guild, &grants_high).await, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(put(&app, &ann, &guild, &fine).await.status(), StatusCode::OK, "what she may set, she sets");
    let (_, now) = get(&app, &owner, &guild).await;
    assert_eq!(now["prompts"].as_array().unwrap().len(), 1);
    assert_eq!(now["prompts"][0]["options"][0]["role_ids"], json!([]), "nothing refused was stored");

    // A channel ann cannot see: she cannot name it, does not see it, and keeps it when she
    // replaces the list the owner put it in.
    let staff = make(&app, &owner, format!("/guilds/{}/channels", guild.id), json!({"name": "staff", "type": 0})).await;
    let hide = json!({"type": 0, "allow": "0", "deny": (1u64 << 10).to_string()});
    let hidden = app.put_json(&format!("/channels/{staff}/permissions/{}", guild.id), &hide, &owner.access_token).await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    let (status, bad) = status_and_json(put(&app, &ann, &guild, &json!({"default_channel_ids": [staff]})).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["errors"]["default_channel_ids"]["0"]["_errors"][0]["code"], "ONBOARDING_TARGET_UNKNOWN");
    let both = json!({"default_channel_ids": [guild.general, staff]});
    assert_eq!(put(&app, &owner, &guild, &both).await.status(), StatusCode::OK);
    assert_eq!(get(&app, &ann, &guild).await.1["default_channel_ids"], json!([guild.general]));
    assert_eq!(
        put(&app, &ann, &guild, &json!({"default_channel_ids": [guild.general]})).await.status(),
        StatusCode::OK
    );
    assert_eq!(get(&app, &owner, &guild).await.1["default_channel_ids"], json!([guild.general, staff]));
}

on_both_backends!(
    a_manager_sets_up_onboarding_and_members_read_it,
    onboarding_is_refused_to_members_without_the_rights_and_to_what_the_guild_lacks,
);
