//! Public threads: started from a message or in a channel, permissions from the parent with
//! SEND_MESSAGES_IN_THREADS, archiving and locking.

use parley_core::Permissions;
use parley_events::EventName;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

async fn start(app: &TestApp, who: &Session, path: &str, body: Value) -> Value {
    let (status, thread) = status_and_json(app.post_json(path, &body, Some(&who.access_token)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{thread}");
    thread
}

async fn a_thread_started_from_a_message_takes_its_id_and_holds_a_conversation(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Threads", &[&ann]).await;
    let (_, message) = status_and_json(
        app.post_json(
            &format!("/channels/{}/messages", guild.general),
            &json!({"content": "topic"}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    let message_id = message["id"].as_str().unwrap();
    let mut events = app.bus.subscribe();
    let thread = start(
        &app,
        &ann,
        &format!("/channels/{}/messages/{message_id}/threads", guild.general),
        json!({"name": "Discussion"}),
    )
    .await;
    assert_eq!(thread["id"], message_id, "a thread from a message takes the message's id");
    assert_eq!((thread["type"].as_i64(), thread["parent_id"].as_str()), (Some(11), Some(guild.general.as_str())));
    assert_eq!(thread["owner_id"], ann.user_id.as_str());
    assert_eq!(thread["thread_metadata"]["archived"], false);
    assert_eq!(thread["thread_metadata"]["auto_archive_duration"], 4320);
    assert_eq!(next_event(&mut events).await.name, EventName::ThreadCreate);
    assert_error(
        app.post_json(
            &format!("/channels/{}/messages/{message_id}/threads", guild.general),
            &json!({"name": "Again"}),
            Some(&owner.access_token),
        )
        .await,
        StatusCode::BAD_REQUEST,
        160004,
    )
    .await;

    let thread_id = thread["id"].as_str().unwrap();
    let (status, reply) = status_and_json(
        app.post_json(
            &format!("/channels/{thread_id}/messages"),
            &json!({"content": "in the thread"}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    assert_eq!((status, reply["channel_id"].as_str()), (StatusCode::OK, Some(thread_id)));
    let (_, active) =
        status_and_json(app.get(&format!("/guilds/{}/threads/active", guild.id), Some(&ann.access_token)).await).await;
    assert_eq!(active["threads"][0]["id"], thread_id);
    let (_, channels) =
        status_and_json(app.get(&format!("/guilds/{}/channels", guild.id), Some(&ann.access_token)).await).await;
    assert!(channels.as_array().unwrap().iter().all(|c| c["type"] != 11), "threads are not in the channel list");
}

async fn sending_in_a_thread_needs_send_messages_in_threads(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Threads", &[&ann]).await;
    let thread = start(
        &app,
        &owner,
        &format!("/channels/{}/threads", guild.general),
        json!({"name": "Announcements", "auto_archive_duration": 60}),
    )
    .await;
    let thread_id = thread["id"].as_str().unwrap();
    let deny = json!({"type": 0, "deny": Permissions::SEND_MESSAGES_IN_THREADS.bits().to_string()});
    app.send(
        app.client
            .put(app.api(&format!("/channels/{}/permissions/{}", guild.general, guild.id)))
            .json(&deny)
            .bearer_auth(&owner.access_token),
    )
    .await;
    // Ann may still talk in the channel itself, but not in its thread.
    assert_eq!(
        app.post_json(
            &format!("/channels/{}/messages", guild.general),
            &json!({"content": "fine"}),
            Some(&ann.access_token)
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_error(
        app.post_json(&format!("/channels/{thread_id}/messages"), &json!({"content": "nope"}), Some(&ann.access_token))
            .await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_eq!(
        app.get(&format!("/channels/{thread_id}/messages"), Some(&ann.access_token)).await.status(),
        StatusCode::OK,
        "reading follows the parent"
    );
}

async fn archived_threads_refuse_messages_and_locked_ones_stay_archived(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Threads", &[&ann]).await;
    let thread = start(&app, &ann, &format!("/channels/{}/threads", guild.general), json!({"name": "Mine"})).await;
    let path = format!("/channels/{}", thread["id"].as_str().unwrap());
    let send = format!("{path}/messages");

    let (status, archived) =
        status_and_json(app.patch_json(&path, &json!({"archived": true}), &ann.access_token).await).await;
    assert_eq!(
        (status, archived["thread_metadata"]["archived"].as_bool()),
        (StatusCode::OK, Some(true)),
        "its owner may archive it"
    );
    assert_error(
        app.post_json(&send, &json!({"content": "hello?"}), Some(&ann.access_token)).await,
        StatusCode::BAD_REQUEST,
        50083,
    )
    .await;
    assert_eq!(app.patch_json(&path, &json!({"archived": false}), &ann.access_token).await.status(), StatusCode::OK);
    assert_eq!(
        app.post_json(&send, &json!({"content": "back"}), Some(&ann.access_token)).await.status(),
        StatusCode::OK
    );

    assert_error(
        app.patch_json(&path, &json!({"locked": true}), &ann.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_eq!(
        app.patch_json(&path, &json!({"locked": true, "archived": true}), &owner.access_token).await.status(),
        StatusCode::OK
    );
    assert_error(
        app.patch_json(&path, &json!({"archived": false}), &ann.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let (_, active) =
        status_and_json(app.get(&format!("/guilds/{}/threads/active", guild.id), Some(&owner.access_token)).await)
            .await;
    assert_eq!(active["threads"], json!([]));
}

async fn bad_thread_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = app.guild_with(&owner, "Threads", &[]).await;
    let path = format!("/channels/{}/threads", guild.general);
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "ok", "auto_archive_duration": 30}), "auto_archive_duration"),
        (json!({"name": "ok", "type": 12}), "type"),
    ] {
        let error =
            assert_error(app.post_json(&path, &body, Some(&owner.access_token)).await, StatusCode::BAD_REQUEST, 50035)
                .await;
        assert!(error["errors"][field].is_object(), "{body}: {error}");
    }
    let (_, channels) =
        status_and_json(app.get(&format!("/guilds/{}/channels", guild.id), Some(&owner.access_token)).await).await;
    let voice =
        channels.as_array().unwrap().iter().find(|c| c["type"] == 2).unwrap()["id"].as_str().unwrap().to_owned();
    assert_error(
        app.post_json(&format!("/channels/{voice}/threads"), &json!({"name": "no"}), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    let (_, active) =
        status_and_json(app.get(&format!("/guilds/{}/threads/active", guild.id), Some(&owner.access_token)).await)
            .await;
    assert_eq!(active["threads"], json!([]));
}

async fn archive(app: &TestApp, who: &Session, thread: &Value) -> Value {
    let path = format!("/channels/{}", thread["id"].as_str().unwrap());
    let (status, archived) =
        status_and_json(app.patch_json(&path, &json!({"archived": true}), &who.access_token).await).await;
    assert_eq!(status, StatusCode::OK, "{archived}");
    archived
}

async fn archived_public_threads_come_most_recently_archived_first_in_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Threads", &[&ann]).await;
    let path = format!("/channels/{}/threads", guild.general);
    let mut threads = Vec::new();
    for (who, name) in [(&owner, "first"), (&ann, "second"), (&owner, "third"), (&owner, "still open")] {
        threads.push(start(&app, who, &path, json!({"name": name})).await);
    }
    // Archived in the order second, first, third: the list follows the archiving, not the ids.
    for i in [1, 0, 2] {
        archive(&app, &owner, &threads[i]).await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let list = format!("/channels/{}/threads/archived/public", guild.general);
    let (status, page) = status_and_json(app.get(&format!("{list}?limit=2"), Some(&ann.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let names = |page: &Value| -> Vec<String> {
        page["threads"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(&page), ["third", "first"]);
    assert_eq!(page["has_more"], true);
    assert_eq!(page["threads"][0]["thread_metadata"]["archived"], true);
    assert_eq!(page["members"], json!([]), "ann joined neither of these");
    let before = page["threads"][1]["thread_metadata"]["archive_timestamp"].as_str().unwrap();
    let encoded = before.replace('+', "%2B");
    let (_, rest) = status_and_json(app.get(&format!("{list}?before={encoded}"), Some(&ann.access_token)).await).await;
    assert_eq!(names(&rest), ["second"]);
    assert_eq!(rest["has_more"], false);
    assert_eq!(rest["members"][0]["user_id"], ann.user_id.as_str(), "she started it: {rest}");
    assert_eq!(rest["members"][0]["id"], threads[1]["id"]);
    let (_, all) = status_and_json(app.get(&list, Some(&owner.access_token)).await).await;
    assert_eq!(names(&all), ["third", "first", "second"], "open threads are not listed");
    assert_eq!(all["members"].as_array().unwrap().len(), 2);

    // Parley has no private threads: Discord's two private lists answer empty, in shape.
    let empty = json!({"threads": [], "members": [], "has_more": false});
    for private in ["threads/archived/private", "users/@me/threads/archived/private"] {
        let (status, none) = status_and_json(
            app.get(&format!("/channels/{}/{private}", guild.general), Some(&owner.access_token)).await,
        )
        .await;
        assert_eq!((status, none), (StatusCode::OK, empty.clone()), "{private}");
    }
    let (_, mine) = status_and_json(
        app.get(
            &format!("/channels/{}/users/@me/threads/archived/private?before=1&limit=5", guild.general),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(mine, empty);
}

async fn archived_thread_lists_refuse_what_discord_refuses(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, outsider) = (app.register("ann").await, app.register("outsider").await);
    let guild = app.guild_with(&owner, "Threads", &[&ann]).await;
    let list = format!("/channels/{}/threads/archived/public", guild.general);
    let private = format!("/channels/{}/threads/archived/private", guild.general);
    let joined = format!("/channels/{}/users/@me/threads/archived/private", guild.general);
    for bad in ["?limit=0", "?limit=101", "?before=yesterday", "?limit=x"] {
        for path in [&list, &private] {
            assert_error(
                app.get(&format!("{path}{bad}"), Some(&owner.access_token)).await,
                StatusCode::BAD_REQUEST,
                50035,
            )
            .await;
        }
    }
    assert_error(
        app.get(&format!("{joined}?before=yesterday"), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    // The private list needs MANAGE_THREADS too, as on Discord.
    assert_error(app.get(&private, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    for path in [&list, &private, &joined] {
        assert_error(app.get(path, Some(&outsider.access_token)).await, StatusCode::FORBIDDEN, 50001).await;
    }
    let deny = json!({"type": 0, "deny": Permissions::READ_MESSAGE_HISTORY.bits().to_string()});
    let overwrite = format!("/channels/{}/permissions/{}", guild.general, guild.id);
    assert_eq!(app.put_json(&overwrite, &deny, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    for path in [&list, &joined] {
        let error = assert_error(app.get(path, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
        assert!(error["message"].as_str().unwrap().contains("READ_MESSAGE_HISTORY"), "{error}");
    }
    let (_, channels) =
        status_and_json(app.get(&format!("/guilds/{}/channels", guild.id), Some(&owner.access_token)).await).await;
    let voice =
        channels.as_array().unwrap().iter().find(|c| c["type"] == 2).unwrap()["id"].as_str().unwrap().to_owned();
    assert_error(
        app.get(&format!("/channels/{voice}/threads/archived/public"), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        50024,
    )
    .await;
    assert_error(
        app.get("/channels/42/threads/archived/public", Some(&owner.access_token)).await,
        StatusCode::NOT_FOUND,
        10003,
    )
    .await;
}

async fn active_threads_come_newest_first_with_my_memberships(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Threads", &[&ann]).await;
    let path = format!("/channels/{}/threads", guild.general);
    let older = start(&app, &owner, &path, json!({"name": "older"})).await;
    let newer = start(&app, &ann, &path, json!({"name": "newer"})).await;
    let (_, active) =
        status_and_json(app.get(&format!("/guilds/{}/threads/active", guild.id), Some(&ann.access_token)).await).await;
    let ids: Vec<&Value> = active["threads"].as_array().unwrap().iter().map(|t| &t["id"]).collect();
    assert_eq!(ids, [&newer["id"], &older["id"]], "Discord lists them by id, descending");
    assert_eq!(active["members"].as_array().unwrap().len(), 1);
    assert_eq!(active["members"][0]["id"], newer["id"]);
    assert_eq!(active["members"][0]["user_id"], ann.user_id.as_str());
    assert_error(
        app.get(&format!("/guilds/{}/threads/active", guild.id), Some(&app.register("bo").await.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
}

on_both_backends!(
    a_thread_started_from_a_message_takes_its_id_and_holds_a_conversation,
    sending_in_a_thread_needs_send_messages_in_threads,
    archived_threads_refuse_messages_and_locked_ones_stay_archived,
    bad_thread_requests_are_refused,
    archived_public_threads_come_most_recently_archived_first_in_pages,
    archived_thread_lists_refuse_what_discord_refuses,
    active_threads_come_newest_first_with_my_memberships,
);
