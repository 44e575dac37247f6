//! Reactions, pins, typing and bulk deletion.

use parley_core::Snowflake;
use parley_events::EventName;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

const THUMBS: &str = "%F0%9F%91%8D"; // 👍, as it appears in a URL

struct Room {
    general: String,
}

async fn room(app: &TestApp, owner: &Session, members: &[&Session]) -> Room {
    Room { general: app.guild_with(owner, "Reacts", members).await.general }
}

async fn say(app: &TestApp, who: &Session, room: &Room, text: &str) -> String {
    let (_, m) = status_and_json(
        app.post_json(
            &format!("/channels/{}/messages", room.general),
            &json!({"content": text}),
            Some(&who.access_token),
        )
        .await,
    )
    .await;
    m["id"].as_str().unwrap().to_owned()
}

async fn put(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.send(app.client.put(app.api(path)).bearer_auth(token)).await
}

async fn reactions_are_counted_per_emoji_and_show_whether_i_reacted(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let mut people = Vec::new();
    for i in 0..12 {
        people.push(app.register(&format!("fan{i}")).await);
    }
    let room = room(&app, &owner, &people.iter().collect::<Vec<_>>()).await;
    let message = say(&app, &owner, &room, "react to me").await;
    let mine = format!("/channels/{}/messages/{message}/reactions/{THUMBS}/@me", room.general);

    // Twelve people react at once; twice each, which counts once.
    let reacts =
        futures::future::join_all(people.iter().chain(people.iter()).map(|p| put(&app, &mine, &p.access_token))).await;
    assert!(reacts.iter().all(|r| r.status() == StatusCode::NO_CONTENT));
    let (_, seen) = status_and_json(
        app.get(&format!("/channels/{}/messages/{message}", room.general), Some(&people[0].access_token)).await,
    )
    .await;
    assert_eq!(
        seen["reactions"],
        json!([{
            "count": 12, "count_details": {"burst": 0, "normal": 12}, "me": true, "me_burst": false,
            "emoji": {"id": null, "name": "👍"}, "burst_colors": []
        }])
    );
    let (_, owner_view) = status_and_json(
        app.get(&format!("/channels/{}/messages/{message}", room.general), Some(&owner.access_token)).await,
    )
    .await;
    assert_eq!(owner_view["reactions"][0]["me"], false);

    let (_, who) = status_and_json(
        app.get(
            &format!("/channels/{}/messages/{message}/reactions/{THUMBS}?limit=5", room.general),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(who.as_array().unwrap().len(), 5);

    let mut events = app.bus.subscribe();
    assert_eq!(app.delete(&mine, &people[0].access_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(next_event(&mut events).await.name, EventName::MessageReactionRemove);
    // Removing someone else's needs MANAGE_MESSAGES.
    let theirs = format!("/channels/{}/messages/{message}/reactions/{THUMBS}/{}", room.general, people[1].user_id);
    assert_error(app.delete(&theirs, &people[2].access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(app.delete(&theirs, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    let (_, after) = status_and_json(
        app.get(&format!("/channels/{}/messages/{message}", room.general), Some(&owner.access_token)).await,
    )
    .await;
    assert_eq!(after["reactions"][0]["count"], 10);

    for bad in ["abc", "%20", "x%F0%9F%91%8D"] {
        assert_error(
            put(
                &app,
                &format!("/channels/{}/messages/{message}/reactions/{bad}/@me", room.general),
                &owner.access_token,
            )
            .await,
            StatusCode::BAD_REQUEST,
            10014,
        )
        .await;
    }
    assert_error(
        put(&app, &format!("/channels/{}/messages/1/reactions/{THUMBS}/@me", room.general), &owner.access_token).await,
        StatusCode::NOT_FOUND,
        10008,
    )
    .await;
}

async fn pins_need_manage_messages_and_are_listed_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let room = room(&app, &owner, &[&ann]).await;
    let first = say(&app, &ann, &room, "first").await;
    let second = say(&app, &ann, &room, "second").await;
    assert_error(
        put(&app, &format!("/channels/{}/pins/{first}", room.general), &ann.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let mut events = app.bus.subscribe();
    for id in [&first, &second] {
        assert_eq!(
            put(&app, &format!("/channels/{}/pins/{id}", room.general), &owner.access_token).await.status(),
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(next_event(&mut events).await.name, EventName::ChannelPinsUpdate);
    let (_, pins) =
        status_and_json(app.get(&format!("/channels/{}/pins", room.general), Some(&ann.access_token)).await).await;
    let contents: Vec<&str> = pins.as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents, vec!["second", "first"]);
    assert!(pins[0]["pinned"].as_bool().unwrap());
    assert_eq!(
        app.delete(&format!("/channels/{}/pins/{first}", room.general), &owner.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (_, pins) =
        status_and_json(app.get(&format!("/channels/{}/pins", room.general), Some(&ann.access_token)).await).await;
    assert_eq!(pins.as_array().unwrap().len(), 1);
}

async fn the_current_pin_routes_page_pins_by_when_they_were_pinned_and_refuse_as_the_old_ones_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann, stranger) = (app.register("owner").await, app.register("ann").await, app.register("zed").await);
    let room = room(&app, &owner, &[&ann]).await;
    let pins = format!("/channels/{}/messages/pins", room.general);
    let mut ids = Vec::new();
    for text in ["one", "two", "three"] {
        ids.push(say(&app, &ann, &room, text).await);
    }
    // Ann may not pin (no PIN_MESSAGES), exactly as on the old path.
    assert_error(put(&app, &format!("{pins}/{}", ids[0]), &ann.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(app.delete(&format!("{pins}/{}", ids[0]), &ann.access_token).await, StatusCode::FORBIDDEN, 50013)
        .await;
    for id in &ids {
        assert_eq!(put(&app, &format!("{pins}/{id}"), &owner.access_token).await.status(), StatusCode::NO_CONTENT);
        // Pins a few milliseconds apart, so each has its own `pinned_at` to page by.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (status, page) = status_and_json(app.get(&format!("{pins}?limit=2"), Some(&ann.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let contents = |page: &serde_json::Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|i| i["message"]["content"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!((contents(&page), page["has_more"].as_bool()), (vec!["three".into(), "two".into()], Some(true)));
    let last = page["items"][1]["pinned_at"].as_str().unwrap();
    assert!(last.ends_with("+00:00"), "{last}");
    let next = format!("{pins}?limit=2&before={}", last.replace('+', "%2B"));
    let (_, rest) = status_and_json(app.get(&next, Some(&ann.access_token)).await).await;
    assert_eq!((contents(&rest), rest["has_more"].as_bool()), (vec!["one".into()], Some(false)));
    assert_eq!(rest["items"][0]["message"]["pinned"], true);

    assert_eq!(app.delete(&format!("{pins}/{}", ids[1]), &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    let (_, left) = status_and_json(app.get(&pins, Some(&ann.access_token)).await).await;
    assert_eq!(contents(&left), vec!["three".to_owned(), "one".to_owned()]);

    // Bad paging, and someone outside the guild, are refused as on the old path.
    assert_error(app.get(&format!("{pins}?limit=51"), Some(&ann.access_token)).await, StatusCode::BAD_REQUEST, 50035)
        .await;
    assert_error(
        app.get(&format!("{pins}?before=monday"), Some(&ann.access_token)).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    let old = app.get(&format!("/channels/{}/pins", room.general), Some(&stranger.access_token)).await;
    let (old_status, old_body) = status_and_json(old).await;
    assert_ne!(old_status, StatusCode::OK);
    let new = assert_error(
        app.get(&pins, Some(&stranger.access_token)).await,
        old_status,
        old_body["code"].as_u64().unwrap(),
    )
    .await;
    assert_eq!(new["code"], old_body["code"]);
}

async fn a_channel_holds_at_most_250_pins(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let room = room(&app, &owner, &[]).await;
    let channel: Snowflake = room.general.parse().unwrap();
    let mut ids = Vec::new();
    for i in 0..251 {
        ids.push(say(&app, &owner, &room, &format!("m{i}")).await);
    }
    for id in &ids[..250] {
        app.store.set_pinned(channel, id.parse().unwrap(), true, parley_core::Timestamp::now(), None).await.unwrap();
    }
    assert_error(
        put(&app, &format!("/channels/{}/pins/{}", room.general, ids[250]), &owner.access_token).await,
        StatusCode::BAD_REQUEST,
        30003,
    )
    .await;
    assert_eq!(app.store.pin_count(channel).await.unwrap(), 250);
}

async fn typing_is_announced_to_the_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let room = room(&app, &owner, &[]).await;
    let mut events = app.bus.subscribe();
    let response =
        app.post_json(&format!("/channels/{}/typing", room.general), &json!({}), Some(&owner.access_token)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let typing = next_event(&mut events).await;
    assert_eq!(typing.name, EventName::TypingStart);
    assert_eq!(typing.json()["user_id"], owner.user_id.as_str());
}

async fn bulk_delete_takes_2_to_100_recent_messages(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let room = room(&app, &owner, &[&ann]).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(say(&app, &ann, &room, &format!("spam {i}")).await);
    }
    let path = format!("/channels/{}/messages/bulk-delete", room.general);
    assert_error(
        app.post_json(&path, &json!({"messages": &ids[..2]}), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    for bad in
        [json!({"messages": [&ids[0]]}), json!({"messages": [&ids[0], &ids[0]]}), json!({"messages": vec!["1"; 101]})]
    {
        assert_error(app.post_json(&path, &bad, Some(&owner.access_token)).await, StatusCode::BAD_REQUEST, 50035).await;
    }
    // An id made from a time 15 days ago is too old.
    let old = ((parley_core::Timestamp::now().unix_millis() as u64 - 15 * 24 * 3600 * 1000 - 1_420_070_400_000) << 22)
        .to_string();
    assert_error(
        app.post_json(&path, &json!({"messages": [&ids[0], old]}), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        50034,
    )
    .await;

    let mut events = app.bus.subscribe();
    let response = app.post_json(&path, &json!({"messages": &ids[..3]}), Some(&owner.access_token)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let bulk = next_event(&mut events).await;
    assert_eq!(bulk.name, EventName::MessageDeleteBulk);
    assert_eq!(bulk.json()["ids"].as_array().unwrap().len(), 3);
    let (_, left) =
        status_and_json(app.get(&format!("/channels/{}/messages", room.general), Some(&owner.access_token)).await)
            .await;
    assert_eq!(left.as_array().unwrap().len(), 2);
}

async fn a_moderator_clears_a_messages_reactions_all_at_once_or_one_emoji(backend: Backend) {
    const PARTY: &str = "%F0%9F%8E%89"; // 🎉
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (alice, bob, eve) = (app.register("alice").await, app.register("bob").await, app.register("eve").await);
    let room = room(&app, &owner, &[&alice, &bob]).await;
    let message = say(&app, &alice, &room, "celebrate").await;
    let on_message = format!("/channels/{}/messages/{message}/reactions", room.general);
    for who in [&alice, &bob] {
        for emoji in [THUMBS, PARTY] {
            let path = format!("{on_message}/{emoji}/@me");
            assert_eq!(put(&app, &path, &who.access_token).await.status(), StatusCode::NO_CONTENT);
        }
    }
    let reactions = async || {
        let path = format!("/channels/{}/messages/{message}", room.general);
        let (_, seen) = status_and_json(app.get(&path, Some(&owner.access_token)).await).await;
        seen["reactions"].as_array().cloned().unwrap_or_default()
    };
    assert_eq!(reactions().await.len(), 2);

    // Refused: without MANAGE_MESSAGES, from outside the guild, a bad emoji, another
    // channel's message or none at all; nothing changes.
    let one = format!("{on_message}/{THUMBS}");
    for path in [&one, &on_message] {
        assert_error(app.delete(path, &bob.access_token).await, StatusCode::FORBIDDEN, 50013).await;
        assert_error(app.delete(path, &eve.access_token).await, StatusCode::FORBIDDEN, 50001).await;
    }
    assert_error(app.delete(&format!("{on_message}/abc"), &owner.access_token).await, StatusCode::BAD_REQUEST, 10014)
        .await;
    let elsewhere = app.guild_with(&eve, "Elsewhere", &[]).await;
    let (_, theirs) = status_and_json(
        app.post_json(
            &format!("/channels/{}/messages", elsewhere.general),
            &json!({"content": "x"}),
            Some(&eve.access_token),
        )
        .await,
    )
    .await;
    for id in [theirs["id"].as_str().unwrap(), "4242"] {
        let path = format!("/channels/{}/messages/{id}/reactions", room.general);
        assert_error(app.delete(&path, &owner.access_token).await, StatusCode::NOT_FOUND, 10008).await;
    }
    assert_eq!(reactions().await.len(), 2);

    // One emoji: MESSAGE_REACTION_REMOVE_EMOJI, as Discord sends it.
    let mut events = app.bus.subscribe();
    assert_eq!(app.delete(&one, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    let event = next_event(&mut events).await;
    assert_eq!(event.name, EventName::MessageReactionRemoveEmoji);
    assert_eq!(
        event.json(),
        json!({"channel_id": room.general, "message_id": message, "guild_id": event.json()["guild_id"],
               "emoji": {"id": null, "name": "👍"}})
    );
    assert!(event.json()["guild_id"].is_string());
    let left = reactions().await;
    assert_eq!((left.len(), &left[0]["emoji"]["name"], &left[0]["count"]), (1, &json!("🎉"), &json!(2)));

    // All of them: MESSAGE_REACTION_REMOVE_ALL.
    assert_eq!(app.delete(&on_message, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    let event = next_event(&mut events).await;
    assert_eq!(event.name, EventName::MessageReactionRemoveAll);
    assert_eq!((&event.json()["channel_id"], &event.json()["message_id"]), (&json!(room.general), &json!(message)));
    assert!(reactions().await.is_empty());
    // Clearing what is already clear changes nothing and announces nothing.
    assert_eq!(app.delete(&on_message, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert!(tokio::time::timeout(std::time::Duration::from_millis(300), events.recv()).await.is_err());
}

on_both_backends!(
    a_moderator_clears_a_messages_reactions_all_at_once_or_one_emoji,
    reactions_are_counted_per_emoji_and_show_whether_i_reacted,
    pins_need_manage_messages_and_are_listed_newest_first,
    the_current_pin_routes_page_pins_by_when_they_were_pinned_and_refuse_as_the_old_ones_do,
    a_channel_holds_at_most_250_pins,
    typing_is_announced_to_the_channel,
    bulk_delete_takes_2_to_100_recent_messages,
);
