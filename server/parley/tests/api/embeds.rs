//! Rich embeds and message flags: sent alone or beside content, kept to Discord's limits,
//! edited, and hidden by SUPPRESS_EMBEDS (by the author, or by a moderator and nobody else).

use parley_events::EventName;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, next_event, on_both_backends, spawn_app, status_and_json};

const SUPPRESS_EMBEDS: i64 = 1 << 2;
const SUPPRESS_NOTIFICATIONS: i64 = 1 << 12;

fn status_embed() -> Value {
    json!({
        "title": "Status", "description": "all good", "color": 0x2ecc71, "url": "https://status.example.com",
        "timestamp": "2026-12-06T10:00:00Z",
        "fields": [{"name": "uptime", "value": "3 days", "inline": true}],
        "footer": {"text": "parley"}, "author": {"name": "monitor"},
        "thumbnail": {"url": "https://status.example.com/t.png"}
    })
}

async fn a_message_may_carry_embeds_alone_or_beside_content_and_they_come_back_as_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Embeds", &[]).await;
    let path = format!("/channels/{}/messages", guild.general);
    let mut events = app.bus.subscribe();

    let (status, alone) =
        status_and_json(app.post_json(&path, &json!({"embeds": [status_embed()]}), Some(&ann.access_token)).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{alone}");
    assert_eq!(alone["content"], "");
    let embed = &alone["embeds"][0];
    assert_eq!(embed["type"], "rich");
    assert_eq!(embed["title"], "Status");
    assert_eq!(embed["color"], 0x2ecc71);
    assert_eq!(embed["timestamp"], "2026-12-06T10:00:00.000000+00:00");
    assert_eq!(embed["fields"], json!([{"name": "uptime", "value": "3 days", "inline": true}]));
    assert_eq!(alone["flags"], 0);
    let created = next_event(&mut events).await;
    assert_eq!(created.name, EventName::MessageCreate);
    assert_eq!(created.json()["embeds"][0]["title"], "Status", "the dispatch carries them too");

    let body = json!({"content": "see below", "embeds": [status_embed(), {"description": "second"}]});
    let (status, beside) = status_and_json(app.post_json(&path, &body, Some(&ann.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{beside}");
    assert_eq!((beside["content"].as_str(), beside["embeds"].as_array().unwrap().len()), (Some("see below"), 2));
    let (_, read) =
        status_and_json(app.get(&format!("{path}/{}", beside["id"].as_str().unwrap()), Some(&ann.access_token)).await)
            .await;
    assert_eq!(read["embeds"], beside["embeds"], "what was stored is what is read back");

    // Neither content nor an embed is an empty message.
    assert_error(
        app.post_json(&path, &json!({"content": " ", "embeds": []}), Some(&ann.access_token)).await,
        StatusCode::BAD_REQUEST,
        50006,
    )
    .await;
}

async fn embeds_beyond_discords_limits_are_refused_at_the_field_that_broke_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Limits", &[]).await;
    let path = format!("/channels/{}/messages", guild.general);
    let refused = |body: Value| {
        let (app, path, token) = (&app, &path, ann.access_token.clone());
        async move { assert_error(app.post_json(path, &body, Some(&token)).await, StatusCode::BAD_REQUEST, 50035).await }
    };
    let eleven: Vec<Value> = (0..11).map(|i| json!({"title": i.to_string()})).collect();
    let error = refused(json!({"embeds": eleven})).await;
    assert_eq!(error["errors"]["embeds"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH", "{error}");
    let big = |n: usize| json!({"description": "d".repeat(n)});
    let error = refused(json!({"embeds": [big(4000), big(2001)]})).await;
    assert_eq!(error["errors"]["embeds"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH", "{error}");
    let error =
        refused(json!({"embeds": [{"title": "t", "fields": [{"name": "n", "value": "v".repeat(1025)}]}]})).await;
    assert_eq!(error["errors"]["embeds"]["0"]["fields"]["0"]["value"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
    let error = refused(json!({"embeds": [{"title": "t", "image": {"url": "file:///etc/passwd"}}]})).await;
    assert_eq!(error["errors"]["embeds"]["0"]["image"]["url"]["_errors"][0]["code"], "URL_TYPE_INVALID_URL");
    let error = refused(json!({"content": "x", "flags": 1})).await;
    assert_eq!(error["errors"]["flags"]["_errors"][0]["code"], "MESSAGE_FLAGS_INVALID");
    // The largest that fits is taken.
    let (status, _) = status_and_json(
        app.post_json(&path, &json!({"embeds": [big(4000), big(2000)]}), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Nothing refused was stored.
    let (_, history) = status_and_json(app.get(&path, Some(&ann.access_token)).await).await;
    assert_eq!(history.as_array().unwrap().len(), 1);
}

async fn suppress_embeds_hides_them_until_cleared_and_only_the_author_or_a_moderator_may_set_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann, bob) = (app.register("owner").await, app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&owner, "Flags", &[&ann, &bob]).await;
    let path = format!("/channels/{}/messages", guild.general);
    let (_, sent) = status_and_json(
        app.post_json(&path, &json!({"content": "look", "embeds": [status_embed()]}), Some(&ann.access_token)).await,
    )
    .await;
    let message = format!("{path}/{}", sent["id"].as_str().unwrap());

    // Bob is neither its author nor a moderator.
    assert_error(
        app.patch_json(&message, &json!({"flags": SUPPRESS_EMBEDS}), &bob.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    // The owner may hide its embeds, but not change its words.
    assert_error(
        app.patch_json(&message, &json!({"content": "mine now"}), &owner.access_token).await,
        StatusCode::FORBIDDEN,
        50005,
    )
    .await;
    let (status, hidden) =
        status_and_json(app.patch_json(&message, &json!({"flags": SUPPRESS_EMBEDS}), &owner.access_token).await).await;
    assert_eq!(status, StatusCode::OK, "{hidden}");
    assert_eq!((hidden["flags"].as_i64(), hidden["embeds"].as_array().unwrap().len()), (Some(SUPPRESS_EMBEDS), 0));
    assert_eq!(hidden["edited_timestamp"], Value::Null, "hiding embeds is not an edit of the text");
    assert_eq!(hidden["content"], "look");

    // The author shows them again: they were kept.
    let (_, shown) = status_and_json(app.patch_json(&message, &json!({"flags": 0}), &ann.access_token).await).await;
    assert_eq!(shown["embeds"][0]["title"], "Status");

    // Editing the words keeps the embeds; editing the embeds keeps the words.
    let (_, edited) =
        status_and_json(app.patch_json(&message, &json!({"content": "look again"}), &ann.access_token).await).await;
    assert_eq!(
        (edited["content"].as_str(), edited["embeds"][0]["title"].as_str()),
        (Some("look again"), Some("Status"))
    );
    assert!(edited["edited_timestamp"].is_string());
    let (_, edited) =
        status_and_json(app.patch_json(&message, &json!({"embeds": [{"title": "New"}]}), &ann.access_token).await)
            .await;
    assert_eq!((edited["content"].as_str(), edited["embeds"][0]["title"].as_str()), (Some("look again"), Some("New")));
    // Left with nothing, it would be empty.
    let (_, only_embed) =
        status_and_json(app.post_json(&path, &json!({"embeds": [{"title": "only"}]}), Some(&ann.access_token)).await)
            .await;
    let only = format!("{path}/{}", only_embed["id"].as_str().unwrap());
    assert_error(
        app.patch_json(&only, &json!({"embeds": null}), &ann.access_token).await,
        StatusCode::BAD_REQUEST,
        50006,
    )
    .await;
    let (_, kept) = status_and_json(app.get(&only, Some(&ann.access_token)).await).await;
    assert_eq!(kept["embeds"][0]["title"], "only", "a refused edit changes nothing");

    // A silent message says so, and an edit cannot make it loud or silent.
    let (_, silent) = status_and_json(
        app.post_json(&path, &json!({"content": "shh", "flags": SUPPRESS_NOTIFICATIONS}), Some(&ann.access_token))
            .await,
    )
    .await;
    assert_eq!(silent["flags"], SUPPRESS_NOTIFICATIONS);
    let silent_path = format!("{path}/{}", silent["id"].as_str().unwrap());
    let (_, still) =
        status_and_json(app.patch_json(&silent_path, &json!({"flags": SUPPRESS_EMBEDS}), &ann.access_token).await)
            .await;
    assert_eq!(still["flags"], SUPPRESS_NOTIFICATIONS | SUPPRESS_EMBEDS);
}

on_both_backends!(
    a_message_may_carry_embeds_alone_or_beside_content_and_they_come_back_as_sent,
    embeds_beyond_discords_limits_are_refused_at_the_field_that_broke_them,
    suppress_embeds_hides_them_until_cleared_and_only_the_author_or_a_moderator_may_set_it,
);
