//! Channel webhooks: who may make and manage them (MANAGE_WEBHOOKS, audited, announced), and
//! what their token may do (post under any name, in the channel or its threads, and edit or
//! delete only what it posted), until the webhook is deleted.

use parley_events::EventName;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

async fn make(app: &TestApp, who: &Session, channel: &str, name: &str) -> (StatusCode, Value) {
    status_and_json(
        app.post_json(&format!("/channels/{channel}/webhooks"), &json!({"name": name}), Some(&who.access_token)).await,
    )
    .await
}

async fn audit_actions(app: &TestApp, who: &Session, guild: &str) -> Vec<i64> {
    let (_, log) =
        status_and_json(app.get(&format!("/guilds/{guild}/audit-logs"), Some(&who.access_token)).await).await;
    log["audit_log_entries"].as_array().unwrap().iter().map(|e| e["action_type"].as_i64().unwrap()).collect()
}

async fn members_with_manage_webhooks_make_rename_move_and_delete_webhooks_and_nobody_else_may(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann, zed) = (app.register("owner").await, app.register("ann").await, app.register("zed").await);
    let guild = app.guild_with(&owner, "Hooks", &[&ann]).await;
    let mut events = app.bus.subscribe();

    let (status, hook) = make(&app, &owner, &guild.general, "Deploys").await;
    assert_eq!(status, StatusCode::OK, "{hook}");
    let token = hook["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 68, "Discord's length, which discord.js's WebhookClient checks");
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert_eq!((hook["type"].as_i64(), hook["name"].as_str()), (Some(1), Some("Deploys")));
    assert_eq!(hook["user"]["id"], owner.user_id.as_str());
    assert_eq!(next_event(&mut events).await.name, EventName::WebhooksUpdate);
    let id = hook["id"].as_str().unwrap().to_owned();

    // Ann lacks MANAGE_WEBHOOKS; zed is not in the guild at all.
    let (status, refused) = make(&app, &ann, &guild.general, "Mine").await;
    assert_eq!((status, refused["code"].as_i64()), (StatusCode::FORBIDDEN, Some(50013)));
    for path in [
        format!("/channels/{}/webhooks", guild.general),
        format!("/guilds/{}/webhooks", guild.id),
        format!("/webhooks/{id}"),
    ] {
        assert_error(app.get(&path, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    }
    assert_error(app.get(&format!("/webhooks/{id}"), Some(&zed.access_token)).await, StatusCode::NOT_FOUND, 10015)
        .await;
    assert_error(app.delete(&format!("/webhooks/{id}"), &ann.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    let (status, bad) = make(&app, &owner, &guild.general, " ").await;
    assert_eq!((status, bad["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(50035)));

    // Listed (with tokens) for managers, in the channel and the guild.
    let (_, listed) =
        status_and_json(app.get(&format!("/guilds/{}/webhooks", guild.id), Some(&owner.access_token)).await).await;
    assert_eq!(listed[0]["token"], token.as_str());

    // Renamed and moved to another channel, where the owner may manage webhooks too.
    let (_, other) = status_and_json(
        app.post_json(&format!("/guilds/{}/channels", guild.id), &json!({"name": "ops"}), Some(&owner.access_token))
            .await,
    )
    .await;
    let ops = other["id"].as_str().unwrap();
    let (status, moved) = status_and_json(
        app.patch_json(
            &format!("/webhooks/{id}"),
            &json!({"name": "Releases", "channel_id": ops}),
            &owner.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!((moved["name"].as_str(), moved["channel_id"].as_str()), (Some("Releases"), Some(ops)));
    // A channel of another guild is refused.
    let elsewhere = app.guild_with(&owner, "Elsewhere", &[]).await;
    let (status, _) = status_and_json(
        app.patch_json(&format!("/webhooks/{id}"), &json!({"channel_id": elsewhere.general}), &owner.access_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Fifteen per channel.
    for i in 0..15 {
        let (status, _) = make(&app, &owner, &guild.general, &format!("hook {i}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, full) = make(&app, &owner, &guild.general, "one too many").await;
    assert_eq!((status, full["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(30007)));

    // Deleted: its token stops working at once.
    assert_eq!(app.delete(&format!("/webhooks/{id}"), &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&format!("/webhooks/{id}/{token}"), None).await, StatusCode::NOT_FOUND, 10015).await;
    let actions = audit_actions(&app, &owner, &guild.id).await;
    for action in [50, 51, 52] {
        assert!(actions.contains(&action), "audited as {action}: {actions:?}");
    }
}

async fn a_webhook_posts_under_any_name_with_its_token_and_edits_and_deletes_only_its_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann) = (app.register("owner").await, app.register("ann").await);
    let guild = app.guild_with(&owner, "Hooks", &[&ann]).await;
    let (_, hook) = make(&app, &owner, &guild.general, "CI").await;
    let (id, token) = (hook["id"].as_str().unwrap().to_owned(), hook["token"].as_str().unwrap().to_owned());
    let url = format!("/webhooks/{id}/{token}");
    let mut events = app.bus.subscribe();

    // No sign-in: the token is the credential. With `wait`, the message comes back.
    let body = json!({"content": "build 42 passed <@{}>".replace("{}", &ann.user_id), "username": "Build bot", "embeds": [{"title": "42"}]});
    let (status, posted) = status_and_json(app.post_json(&format!("{url}?wait=true"), &body, None).await).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert_eq!(posted["webhook_id"], id.as_str());
    assert_eq!(
        (posted["author"]["id"].as_str(), posted["author"]["username"].as_str()),
        (Some(id.as_str()), Some("Build bot"))
    );
    assert_eq!(posted["author"]["bot"], true);
    assert_eq!(posted["mentions"][0]["id"], ann.user_id.as_str(), "a webhook mentions members");
    assert_eq!(posted["embeds"][0]["title"], "42");
    let created = next_event(&mut events).await;
    assert_eq!(
        (created.name, created.json()["author"]["username"].as_str()),
        (EventName::MessageCreate, Some("Build bot"))
    );
    // Members read it in the channel's history like any message.
    let (_, history) = status_and_json(
        app.get(&format!("/channels/{}/messages?limit=1", guild.general), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(history[0]["webhook_id"], id.as_str());

    // Without `wait`: 204. A wrong token posts nothing.
    assert_eq!(app.post_json(&url, &json!({"content": "quiet"}), None).await.status(), StatusCode::NO_CONTENT);
    let wrong = format!("/webhooks/{id}/{}", "x".repeat(68));
    assert_error(app.post_json(&wrong, &json!({"content": "forged"}), None).await, StatusCode::NOT_FOUND, 10015).await;
    assert_error(app.post_json(&url, &json!({"content": ""}), None).await, StatusCode::BAD_REQUEST, 50006).await;
    assert_error(
        app.post_json(&format!("{url}?wait=maybe"), &json!({"content": "x"}), None).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;

    // Into a thread of its channel; not into another channel.
    let (_, thread) = status_and_json(
        app.post_json(
            &format!("/channels/{}/threads", guild.general),
            &json!({"name": "releases", "type": 11}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    let thread_id = thread["id"].as_str().unwrap();
    let (status, in_thread) = status_and_json(
        app.post_json(&format!("{url}?wait=true&thread_id={thread_id}"), &json!({"content": "in the thread"}), None)
            .await,
    )
    .await;
    assert_eq!((status, in_thread["channel_id"].as_str()), (StatusCode::OK, Some(thread_id)));
    let other = app.guild_with(&owner, "Other", &[]).await;
    assert_error(
        app.post_json(&format!("{url}?thread_id={}", other.general), &json!({"content": "x"}), None).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;

    // Its own messages: read, edited, deleted; anyone else's: unknown to it.
    let message = format!("{url}/messages/{}", posted["id"].as_str().unwrap());
    let (status, read) = status_and_json(app.get(&message, None).await).await;
    assert_eq!((status, read["content"].as_str()), (StatusCode::OK, posted["content"].as_str()));
    let (status, edited) = status_and_json(
        app.client
            .patch(app.api(&message))
            .json(&json!({"content": "build 42 passed, deployed"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, edited["content"].as_str()), (StatusCode::OK, Some("build 42 passed, deployed")));
    assert_eq!(edited["embeds"][0]["title"], "42", "the embeds stay");
    let (_, hers) = status_and_json(
        app.post_json(
            &format!("/channels/{}/messages", guild.general),
            &json!({"content": "mine"}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    let hers = format!("{url}/messages/{}", hers["id"].as_str().unwrap());
    assert_error(
        app.send(app.client.patch(app.api(&hers)).json(&json!({"content": "hijacked"}))).await,
        StatusCode::NOT_FOUND,
        10008,
    )
    .await;
    assert_error(app.send(app.client.delete(app.api(&hers))).await, StatusCode::NOT_FOUND, 10008).await;
    // Nobody edits the webhook's message as its author.
    let as_ann = format!("/channels/{}/messages/{}", guild.general, posted["id"].as_str().unwrap());
    assert_error(
        app.patch_json(&as_ann, &json!({"content": "mine now"}), &ann.access_token).await,
        StatusCode::FORBIDDEN,
        50005,
    )
    .await;
    assert_eq!(app.send(app.client.delete(app.api(&message))).await.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&message, None).await, StatusCode::NOT_FOUND, 10008).await;

    // Renamed with its token; deleted with it, and what it posted stays.
    let (_, renamed) =
        status_and_json(app.send(app.client.patch(app.api(&url)).json(&json!({"name": "CI 2"}))).await).await;
    // The token routes answer with the token, as Discord's do (serenity's Webhook::from_url
    // executes with it), and without the maker.
    assert_eq!((renamed["name"].as_str(), renamed["token"].as_str()), (Some("CI 2"), Some(token.as_str())));
    assert_eq!(renamed.get("user"), None);
    assert_eq!(app.send(app.client.delete(app.api(&url))).await.status(), StatusCode::NO_CONTENT);
    let (_, after) = status_and_json(
        app.get(&format!("/channels/{}/messages?limit=5", guild.general), Some(&ann.access_token)).await,
    )
    .await;
    assert!(after.as_array().unwrap().iter().any(|m| m["content"] == "quiet" && m["author"]["username"] == "CI"));
}

async fn a_webhook_manager_never_learns_the_tokens_of_channels_hidden_from_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann) = (app.register("owner").await, app.register("ann").await);
    let guild = app.guild_with(&owner, "Hooks", &[&ann]).await;
    let (g, token) = (guild.id.as_str(), owner.access_token.as_str());
    // Ann manages webhooks guild-wide, but #staff is hidden from everyone but the owner.
    let (_, role) = status_and_json(
        app.post_json(
            &format!("/guilds/{g}/roles"),
            &json!({"name": "hooks", "permissions": (1u64 << 29).to_string()}),
            Some(token),
        )
        .await,
    )
    .await;
    let role = role["id"].as_str().unwrap();
    assert_eq!(
        app.put(&format!("/guilds/{g}/members/{}/roles/{role}", ann.user_id), token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (_, staff) =
        status_and_json(app.post_json(&format!("/guilds/{g}/channels"), &json!({"name": "staff"}), Some(token)).await)
            .await;
    let staff = staff["id"].as_str().unwrap();
    let hide = json!({"type": 0, "allow": "0", "deny": (1u64 << 10).to_string()});
    assert_eq!(
        app.put_json(&format!("/channels/{staff}/permissions/{g}"), &hide, token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (_, secret) = make(&app, &owner, staff, "Secret").await;
    let (status, public) = make(&app, &ann, &guild.general, "Public").await;
    assert_eq!(status, StatusCode::OK, "{public}");

    let (status, listed) =
        status_and_json(app.get(&format!("/guilds/{g}/webhooks"), Some(&ann.access_token)).await).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Public"], "the #staff webhook and its token stay hidden");
    assert!(!listed.to_string().contains(secret["token"].as_str().unwrap()));
    assert_error(
        app.get(&format!("/webhooks/{}", secret["id"].as_str().unwrap()), Some(&ann.access_token)).await,
        StatusCode::NOT_FOUND,
        10015,
    )
    .await;

    // Names that could pass for someone else's, or scramble the text around them, are refused.
    for name in ["ad\u{202E}nim", "\u{200B}", "a\nb"] {
        let (status, _) = make(&app, &owner, &guild.general, name).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name:?}");
    }
    let url = format!("/webhooks/{}/{}", public["id"].as_str().unwrap(), public["token"].as_str().unwrap());
    let (status, _) =
        status_and_json(app.post_json(&url, &json!({"content": "hi", "username": "owner\u{2066}"}), None).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A channel full of webhooks takes no more by moving one in either.
    for i in 0..14 {
        assert_eq!(make(&app, &owner, staff, &format!("hook {i}")).await.0, StatusCode::OK);
    }
    let moved = app
        .patch_json(&format!("/webhooks/{}", public["id"].as_str().unwrap()), &json!({"channel_id": staff}), token)
        .await;
    assert_error(moved, StatusCode::BAD_REQUEST, 30007).await;
}

async fn embeds_need_embed_links_where_they_are_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann) = (app.register("owner").await, app.register("ann").await);
    let guild = app.guild_with(&owner, "Plain", &[&ann]).await;
    let deny = json!({"type": 0, "allow": "0", "deny": (1u64 << 14).to_string()});
    let overwrite = format!("/channels/{}/permissions/{}", guild.general, guild.id);
    assert_eq!(app.put_json(&overwrite, &deny, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    let path = format!("/channels/{}/messages", guild.general);
    let card = json!({"content": "x", "embeds": [{"title": "card"}]});
    assert_error(app.post_json(&path, &card, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    let (_, plain) =
        status_and_json(app.post_json(&path, &json!({"content": "plain"}), Some(&ann.access_token)).await).await;
    let edit = format!("{path}/{}", plain["id"].as_str().unwrap());
    assert_error(
        app.patch_json(&edit, &json!({"embeds": [{"title": "card"}]}), &ann.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    // Plain text still goes, and the owner (all permissions) may embed.
    let (status, _) = status_and_json(app.post_json(&path, &card, Some(&owner.access_token)).await).await;
    assert_eq!(status, StatusCode::OK);
}

on_both_backends!(
    a_webhook_manager_never_learns_the_tokens_of_channels_hidden_from_them,
    embeds_need_embed_links_where_they_are_sent,
    members_with_manage_webhooks_make_rename_move_and_delete_webhooks_and_nobody_else_may,
    a_webhook_posts_under_any_name_with_its_token_and_edits_and_deletes_only_its_own,
);
