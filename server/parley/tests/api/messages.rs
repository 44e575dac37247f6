//! Messages: sending (nonce, replies, mentions, slowmode), history pages, edit, delete.

use std::collections::BTreeSet;

use parley_core::Permissions;
use parley_events::EventName;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

struct Room {
    guild: String,
    general: String,
}

/// A guild owned by `owner`, everyone else joined by invite; returns ids as strings.
async fn room(app: &TestApp, owner: &Session, members: &[&Session]) -> Room {
    let guild = app.guild_with(owner, "Chat", members).await;
    Room { guild: guild.id, general: guild.general }
}

async fn send(app: &TestApp, who: &Session, channel: &str, body: Value) -> Value {
    let (status, message) =
        status_and_json(app.post_json(&format!("/channels/{channel}/messages"), &body, Some(&who.access_token)).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{message}");
    message
}

async fn history(app: &TestApp, who: &Session, channel: &str, query: &str) -> Vec<Value> {
    let (status, page) =
        status_and_json(app.get(&format!("/channels/{channel}/messages{query}"), Some(&who.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page.as_array().unwrap().clone()
}

fn ids(page: &[Value]) -> Vec<u64> {
    page.iter().map(|m| m["id"].as_str().unwrap().parse().unwrap()).collect()
}

async fn put(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    app.send(app.client.put(app.api(path)).json(body).bearer_auth(token)).await
}

async fn a_sent_message_is_stored_published_and_readable(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let room = room(&app, &owner, &[]).await;
    let mut events = app.bus.subscribe();
    let message = send(&app, &owner, &room.general, json!({"content": "hello, world", "nonce": 42})).await;
    assert_eq!(
        (message["content"].as_str(), message["author"]["username"].as_str()),
        (Some("hello, world"), Some("owner"))
    );
    assert_eq!((message["type"].as_i64(), message["nonce"].as_str()), (Some(0), Some("42")));
    assert_eq!(message["guild_id"], room.guild.as_str());
    assert!(message["timestamp"].as_str().unwrap().ends_with("+00:00"), "Discord's form: {}", message["timestamp"]);
    assert_eq!(message["edited_timestamp"], json!(null));
    let event = next_event(&mut events).await;
    assert_eq!(event.name, EventName::MessageCreate);
    assert_eq!(event.json()["id"], message["id"]);
    let (status, fetched) = status_and_json(
        app.get(
            &format!("/channels/{}/messages/{}", room.general, message["id"].as_str().unwrap()),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    assert_eq!((status, fetched["content"].as_str()), (StatusCode::OK, Some("hello, world")));
    assert_error(
        app.get(&format!("/channels/{}/messages/123", room.general), Some(&owner.access_token)).await,
        StatusCode::NOT_FOUND,
        10008,
    )
    .await;
}

async fn paging_through_history_never_skips_or_repeats_a_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let room = room(&app, &owner, &[]).await;
    let mut sent = Vec::new();
    for i in 0..23 {
        sent.push(
            send(&app, &owner, &room.general, json!({"content": format!("message {i}")})).await["id"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap(),
        );
    }
    let newest_first: Vec<u64> = sent.iter().rev().copied().collect();
    assert_eq!(
        ids(&history(&app, &owner, &room.general, "").await),
        newest_first,
        "the default page holds all 23, newest first"
    );

    // Backwards with `before`, 5 at a time.
    let mut seen = Vec::new();
    let mut page = history(&app, &owner, &room.general, "?limit=5").await;
    while !page.is_empty() {
        seen.extend(ids(&page));
        let oldest = seen.last().unwrap();
        page = history(&app, &owner, &room.general, &format!("?limit=5&before={oldest}")).await;
    }
    assert_eq!(seen, newest_first);

    // Forwards with `after`, 4 at a time (each page is still newest first).
    let mut forward = Vec::new();
    let mut cursor = 0u64;
    loop {
        let page = ids(&history(&app, &owner, &room.general, &format!("?limit=4&after={cursor}")).await);
        if page.is_empty() {
            break;
        }
        cursor = page[0];
        forward.extend(page.into_iter().rev());
    }
    assert_eq!(forward, sent);

    // `around` is centred on its message.
    let around = ids(&history(&app, &owner, &room.general, &format!("?limit=5&around={}", sent[10])).await);
    assert_eq!(around, vec![sent[12], sent[11], sent[10], sent[9], sent[8]]);
}

async fn a_retried_send_with_the_same_nonce_makes_one_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let room = room(&app, &owner, &[]).await;
    let first = send(&app, &owner, &room.general, json!({"content": "once", "nonce": "abc-1"})).await;
    let again = send(&app, &owner, &room.general, json!({"content": "once", "nonce": "abc-1"})).await;
    assert_eq!(first["id"], again["id"]);
    // Ten retries racing each other still make one message.
    let racing = futures::future::join_all(
        (0..10).map(|_| send(&app, &owner, &room.general, json!({"content": "race", "nonce": "race-1"}))),
    )
    .await;
    let distinct: BTreeSet<&str> = racing.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(distinct.len(), 1);
    assert_eq!(history(&app, &owner, &room.general, "").await.len(), 2);
}

async fn a_hundred_concurrent_sends_get_unique_ordered_ids(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let room = room(&app, &owner, &[]).await;
    let sent = futures::future::join_all(
        (0..100).map(|i| send(&app, &owner, &room.general, json!({"content": format!("#{i}")}))),
    )
    .await;
    let unique: BTreeSet<u64> = sent.iter().map(|m| m["id"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(unique.len(), 100);
    let stored = ids(&history(&app, &owner, &room.general, "?limit=100").await);
    assert_eq!(stored.len(), 100);
    assert!(stored.windows(2).all(|w| w[0] > w[1]), "history is strictly ordered by id");
}

async fn replies_and_mentions_follow_permissions_and_allowed_mentions(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo) = (app.register("ann").await, app.register("bo").await);
    let outsider = app.register("outsider").await;
    let room = room(&app, &owner, &[&ann, &bo]).await;
    let original = send(&app, &ann, &room.general, json!({"content": "question?"})).await;

    let reply = send(
        &app,
        &bo,
        &room.general,
        json!({"content": "answer", "message_reference": {"message_id": original["id"]}}),
    )
    .await;
    assert_eq!(reply["type"], 19);
    assert_eq!(reply["message_reference"]["message_id"], original["id"]);
    assert_eq!(reply["mentions"][0]["username"], "ann", "the replied-to author is mentioned by default");
    let quiet = send(&app, &bo, &room.general, json!({"content": "shh", "message_reference": {"message_id": original["id"]}, "allowed_mentions": {"replied_user": false}})).await;
    assert_eq!(quiet["mentions"], json!([]));
    let unknown = assert_error(
        app.post_json(
            &format!("/channels/{}/messages", room.general),
            &json!({"content": "x", "message_reference": {"message_id": "1"}}),
            Some(&bo.access_token),
        )
        .await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert!(unknown["errors"]["message_reference"].is_object());

    let text = format!("hey <@{}> and <@{}> @everyone", ann.user_id, outsider.user_id);
    let by_member = send(&app, &bo, &room.general, json!({"content": text})).await;
    let names: Vec<&str> =
        by_member["mentions"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["ann"], "only members are mentioned");
    assert_eq!(by_member["mention_everyone"], false, "members lack MENTION_EVERYONE by default");
    let by_owner = send(&app, &owner, &room.general, json!({"content": text})).await;
    assert_eq!(by_owner["mention_everyone"], true);
    let none = send(&app, &owner, &room.general, json!({"content": text, "allowed_mentions": {"parse": []}})).await;
    assert_eq!((none["mentions"].clone(), none["mention_everyone"].clone()), (json!([]), json!(false)));
    assert_error(
        app.post_json(
            &format!("/channels/{}/messages", room.general),
            &json!({"content": text, "allowed_mentions": {"parse": ["users"], "users": [ann.user_id]}}),
            Some(&owner.access_token),
        )
        .await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    // Empty lists beside their kind in `parse` name nobody, so they are no conflict (serenity
    // sends them with every reply).
    let empty = json!({"content": text, "allowed_mentions": {"parse": ["users", "roles", "everyone"], "users": [], "roles": []}});
    let fine = send(&app, &owner, &room.general, empty).await;
    assert_eq!(fine["mention_everyone"], true);
}

async fn only_authors_edit_and_authors_or_moderators_delete(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo) = (app.register("ann").await, app.register("bo").await);
    let room = room(&app, &owner, &[&ann, &bo]).await;
    let message = send(&app, &ann, &room.general, json!({"content": "typo"})).await;
    let path = format!("/channels/{}/messages/{}", room.general, message["id"].as_str().unwrap());
    assert_error(
        app.patch_json(&path, &json!({"content": "hijack"}), &bo.access_token).await,
        StatusCode::FORBIDDEN,
        50005,
    )
    .await;
    assert_error(
        app.patch_json(&path, &json!({"content": "hijack"}), &owner.access_token).await,
        StatusCode::FORBIDDEN,
        50005,
    )
    .await;
    let mut events = app.bus.subscribe();
    let (status, edited) =
        status_and_json(app.patch_json(&path, &json!({"content": "fixed"}), &ann.access_token).await).await;
    assert_eq!((status, edited["content"].as_str()), (StatusCode::OK, Some("fixed")));
    assert!(edited["edited_timestamp"].is_string());
    assert_eq!(next_event(&mut events).await.name, EventName::MessageUpdate);
    assert_error(
        app.patch_json(&path, &json!({"content": "  "}), &ann.access_token).await,
        StatusCode::BAD_REQUEST,
        50006,
    )
    .await;

    assert_error(app.delete(&path, &bo.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(
        app.delete(&path, &owner.access_token).await.status(),
        StatusCode::NO_CONTENT,
        "the owner has MANAGE_MESSAGES"
    );
    assert_eq!(next_event(&mut events).await.name, EventName::MessageDelete);
    assert_error(app.get(&path, Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10008).await;
    let own = send(&app, &bo, &room.general, json!({"content": "mine"})).await;
    assert_eq!(
        app.delete(&format!("/channels/{}/messages/{}", room.general, own["id"].as_str().unwrap()), &bo.access_token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

async fn slowmode_holds_members_back_but_not_moderators_or_retries(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let room = room(&app, &owner, &[&ann]).await;
    app.patch_json(&format!("/channels/{}", room.general), &json!({"rate_limit_per_user": 60}), &owner.access_token)
        .await;
    send(&app, &ann, &room.general, json!({"content": "first", "nonce": "n1"})).await;
    let response = app
        .post_json(
            &format!("/channels/{}/messages", room.general),
            &json!({"content": "second"}),
            Some(&ann.access_token),
        )
        .await;
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let body = assert_error(response, StatusCode::TOO_MANY_REQUESTS, 20016).await;
    assert!((1..=60).contains(&retry_after) && body["retry_after"].as_f64().unwrap() > 55.0);
    // Retrying the first send is not a new message, so slowmode does not refuse it.
    send(&app, &ann, &room.general, json!({"content": "first", "nonce": "n1"})).await;
    send(&app, &owner, &room.general, json!({"content": "mods"})).await;
    send(&app, &owner, &room.general, json!({"content": "are exempt"})).await;
    assert_eq!(history(&app, &owner, &room.general, "").await.len(), 3);
}

async fn sending_and_reading_need_their_permissions(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let outsider = app.register("outsider").await;
    let room = room(&app, &owner, &[&ann]).await;
    let messages = format!("/channels/{}/messages", room.general);
    let overwrite = format!("/channels/{}/permissions/{}", room.general, room.guild);
    assert_error(
        app.post_json(&messages, &json!({"content": "hi"}), Some(&outsider.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    put(
        &app,
        &overwrite,
        &json!({"type": 0, "deny": Permissions::SEND_MESSAGES.bits().to_string()}),
        &owner.access_token,
    )
    .await;
    let refused = assert_error(
        app.post_json(&messages, &json!({"content": "hi"}), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert!(refused["message"].as_str().unwrap().contains("SEND_MESSAGES"));
    put(
        &app,
        &overwrite,
        &json!({"type": 0, "deny": Permissions::READ_MESSAGE_HISTORY.bits().to_string()}),
        &owner.access_token,
    )
    .await;
    send(&app, &ann, &room.general, json!({"content": "can talk, cannot scroll back"})).await;
    assert_error(app.get(&messages, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;

    let (_, channels) =
        status_and_json(app.get(&format!("/guilds/{}/channels", room.guild), Some(&owner.access_token)).await).await;
    let voice =
        channels.as_array().unwrap().iter().find(|c| c["type"] == 2).unwrap()["id"].as_str().unwrap().to_owned();
    assert_error(
        app.post_json(&format!("/channels/{voice}/messages"), &json!({"content": "hi"}), Some(&owner.access_token))
            .await,
        StatusCode::BAD_REQUEST,
        50008,
    )
    .await;
}

async fn bad_message_input_is_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let room = room(&app, &owner, &[]).await;
    let messages = format!("/channels/{}/messages", room.general);
    for (body, code) in [
        (json!({}), 50006),
        (json!({"content": ""}), 50006),
        (json!({"content": " \n\t "}), 50006),
        (json!({"content": "x".repeat(4001)}), 50035),
        (json!({"content": "ok", "nonce": "n".repeat(26)}), 50035),
        (json!({"content": 5}), 50035),
        (json!({"content": "ok", "allowed_mentions": {"parse": ["nobody"]}}), 50035),
    ] {
        assert_error(app.post_json(&messages, &body, Some(&owner.access_token)).await, StatusCode::BAD_REQUEST, code)
            .await;
    }
    send(&app, &owner, &room.general, json!({"content": "é".repeat(4000)})).await;
    for query in ["?limit=0", "?limit=101", "?limit=many", "?before=abc", "?before=1&after=2"] {
        assert_error(
            app.get(&format!("{messages}{query}"), Some(&owner.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
    }
    assert_eq!(history(&app, &owner, &room.general, "").await.len(), 1, "only the valid message was stored");
}

on_both_backends!(
    a_sent_message_is_stored_published_and_readable,
    paging_through_history_never_skips_or_repeats_a_message,
    a_retried_send_with_the_same_nonce_makes_one_message,
    a_hundred_concurrent_sends_get_unique_ordered_ids,
    replies_and_mentions_follow_permissions_and_allowed_mentions,
    only_authors_edit_and_authors_or_moderators_delete,
    slowmode_holds_members_back_but_not_moderators_or_retries,
    sending_and_reading_need_their_permissions,
    bad_message_input_is_refused_and_nothing_is_stored,
);
