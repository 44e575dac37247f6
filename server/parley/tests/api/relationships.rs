//! Blocking (Discord's relationships, type 2) and DM privacy (`restricted_guilds`): who may
//! open a DM with whom, send in it, or add whom to a group DM.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::gateway_client::GatewayClient;
use crate::helpers::{Backend, Session, TestApp, assert_error, on_both_backends, run_sql, spawn_app, status_and_json};
use crate::voice_support::voice_state;

async fn block(app: &TestApp, me: &Session, other: &Session) -> StatusCode {
    app.put_json(&format!("/users/@me/relationships/{}", other.user_id), &json!({"type": 2}), &me.access_token)
        .await
        .status()
}

async fn open_dm(app: &TestApp, me: &Session, other: &Session) -> reqwest::Response {
    app.post_json("/users/@me/channels", &json!({"recipient_id": other.user_id}), Some(&me.access_token)).await
}

async fn dm_with(app: &TestApp, me: &Session, other: &Session) -> String {
    let (status, dm) = status_and_json(open_dm(app, me, other).await).await;
    assert_eq!(status, StatusCode::OK, "{dm}");
    dm["id"].as_str().unwrap().to_owned()
}

async fn send(app: &TestApp, who: &Session, channel: &str, text: &str) -> reqwest::Response {
    app.post_json(&format!("/channels/{channel}/messages"), &json!({ "content": text }), Some(&who.access_token)).await
}

async fn relationships(app: &TestApp, who: &Session) -> Vec<Value> {
    let (status, list) = status_and_json(app.get("/users/@me/relationships", Some(&who.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

async fn a_block_stops_dms_both_ways_until_it_is_lifted(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.guild_with(&owner, "Shared", &[&ann, &bob]).await;
    let dm = dm_with(&app, &bob, &ann).await;
    assert_eq!(send(&app, &bob, &dm, "hi ann").await.status(), StatusCode::OK);

    let (mut anns_tab, _) = GatewayClient::identified(&app, &ann).await;
    assert_eq!(block(&app, &ann, &bob).await, StatusCode::NO_CONTENT);
    let added = anns_tab.wait_for("RELATIONSHIP_ADD").await;
    assert_eq!(
        (&added["id"], &added["type"], &added["user"]["username"]),
        (&json!(bob.user_id), &json!(2), &json!("bob"))
    );
    assert_eq!(block(&app, &ann, &bob).await, StatusCode::NO_CONTENT, "blocking again changes nothing");
    let listed = relationships(&app, &ann).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (&listed[0]["id"], &listed[0]["type"], &listed[0]["nickname"]),
        (&json!(bob.user_id), &json!(2), &Value::Null)
    );
    assert!(relationships(&app, &bob).await.is_empty(), "bob is not told he is blocked");

    // Neither can write in the DM, nor open one; bob's answer says nothing of the block.
    let refused = assert_error(send(&app, &bob, &dm, "still there?").await, StatusCode::FORBIDDEN, 50007).await;
    assert_eq!(refused["message"], "Cannot send messages to this user");
    assert_error(send(&app, &ann, &dm, "go away").await, StatusCode::FORBIDDEN, 50007).await;
    // Nor react or show typing there.
    let (_, history) =
        status_and_json(app.get(&format!("/channels/{dm}/messages"), Some(&bob.access_token)).await).await;
    let his = history[0]["id"].as_str().unwrap().to_owned();
    assert_error(
        app.put(&format!("/channels/{dm}/messages/{his}/reactions/%F0%9F%91%8D/@me"), &bob.access_token).await,
        StatusCode::FORBIDDEN,
        50007,
    )
    .await;
    assert_error(
        app.post_json(&format!("/channels/{dm}/typing"), &json!({}), Some(&bob.access_token)).await,
        StatusCode::FORBIDDEN,
        50007,
    )
    .await;
    assert_error(open_dm(&app, &bob, &ann).await, StatusCode::FORBIDDEN, 50007).await;
    // Nor call: bob's join of the DM's call is ignored, and ann is never rung.
    let (mut bobs_tab, _) = GatewayClient::identified(&app, &bob).await;
    bobs_tab.send(voice_state(None, Some(&dm), false)).await;
    bobs_tab.assert_no("VOICE_SERVER_UPDATE", Duration::from_millis(500)).await;
    anns_tab.assert_no("CALL_CREATE", Duration::from_millis(200)).await;

    // Nor can bob add ann to a group DM (nor ann bob).
    let carl = app.register("carl").await;
    app.guild_with(&owner, "More", &[&carl, &bob, &ann]).await;
    let (status, group) = status_and_json(
        app.post_json("/users/@me/channels", &json!({"recipients": [carl.user_id]}), Some(&bob.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    let group = group["id"].as_str().unwrap();
    assert_error(
        app.put(&format!("/channels/{group}/recipients/{}", ann.user_id), &bob.access_token).await,
        StatusCode::FORBIDDEN,
        50007,
    )
    .await;

    // Lifted: RELATIONSHIP_REMOVE, and they talk again.
    let lifted = app.delete(&format!("/users/@me/relationships/{}", bob.user_id), &ann.access_token).await;
    assert_eq!(lifted.status(), StatusCode::NO_CONTENT);
    let removed = anns_tab.wait_for("RELATIONSHIP_REMOVE").await;
    assert_eq!((&removed["id"], &removed["type"]), (&json!(bob.user_id), &json!(2)));
    assert_eq!(send(&app, &bob, &dm, "friends again?").await.status(), StatusCode::OK);
    assert_error(
        app.delete(&format!("/users/@me/relationships/{}", bob.user_id), &ann.access_token).await,
        StatusCode::NOT_FOUND,
        10013,
    )
    .await;
}

async fn ready_lists_whom_i_block_and_my_dm_settings(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Home", &[&bob]).await;
    block(&app, &ann, &bob).await;
    app.patch_json("/users/@me/settings", &json!({"restricted_guilds": [guild.id]}), &ann.access_token).await;
    let (_, ready) = GatewayClient::identified(&app, &ann).await;
    let listed = ready["relationships"].as_array().unwrap();
    assert_eq!((listed.len(), &listed[0]["id"]), (1, &json!(bob.user_id)), "{ready}");
    assert_eq!(
        ready["user_settings"],
        json!({"restricted_guilds": [guild.id], "default_guilds_restricted": false}),
        "{ready}"
    );
}

async fn blocking_refuses_other_types_myself_strangers_and_more_than_a_thousand(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let path = format!("/users/@me/relationships/{}", bob.user_id);
    // Someone ann shares nothing with is unknown to her, as GET /users/{id} says.
    assert_error(app.put_json(&path, &json!({"type": 2}), &ann.access_token).await, StatusCode::NOT_FOUND, 10013).await;
    app.guild_with(&ann, "Both", &[&bob]).await;
    let (status, refused) = status_and_json(app.put_json(&path, &json!({}), &ann.access_token).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["errors"]["type"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED",
        "an empty body is a friend request on Discord"
    );
    for body in [json!({"type": 1}), json!({"type": 4})] {
        let (status, refused) = status_and_json(app.put_json(&path, &body, &ann.access_token).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
        assert_eq!(refused["errors"]["type"]["_errors"][0]["code"], "RELATIONSHIP_TYPE_UNSUPPORTED");
    }
    let (status, refused) = status_and_json(
        app.put_json(&format!("/users/@me/relationships/{}", ann.user_id), &json!({"type": 2}), &ann.access_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["errors"]["user_id"]["_errors"][0]["code"], "RELATIONSHIP_SELF");
    assert_error(
        app.put_json("/users/@me/relationships/123456789", &json!({"type": 2}), &ann.access_token).await,
        StatusCode::NOT_FOUND,
        10013,
    )
    .await;

    // A thousand blocks already (made in the database: a thousand sign-ups would take minutes).
    let ann_id = &ann.user_id;
    run_sql(
        &app,
        &[
            "INSERT INTO users (id, username, created_at, updated_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
             SELECT 5000000000 + i, 'filler' || i, 0, 0 FROM n"
                .to_owned(),
            format!(
                "INSERT INTO relationships (user_id, other_id, kind, since) \
                 SELECT {ann_id}, id, 2, 0 FROM users WHERE username LIKE 'filler%'"
            ),
        ],
    )
    .await;
    assert_eq!(relationships(&app, &ann).await.len(), 1000);
    assert_error(app.put_json(&path, &json!({"type": 2}), &ann.access_token).await, StatusCode::BAD_REQUEST, 30002)
        .await;
    assert!(relationships(&app, &bob).await.is_empty());
}

async fn members_of_a_restricted_guild_cannot_start_a_dm_but_those_of_another_can(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob, carl) = (app.register("ann").await, app.register("bob").await, app.register("carl").await);
    let crowd = app.guild_with(&bob, "Crowd", &[&ann, &carl]).await;
    let club = app.guild_with(&carl, "Club", &[&ann]).await;

    let (status, saved) = status_and_json(
        app.patch_json("/users/@me/settings", &json!({"restricted_guilds": [crowd.id]}), &ann.access_token).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved, json!({"restricted_guilds": [crowd.id], "default_guilds_restricted": false}));
    assert_error(open_dm(&app, &bob, &ann).await, StatusCode::FORBIDDEN, 50007).await;
    // Carl shares Club with ann as well, which she takes DMs from.
    let dm = dm_with(&app, &carl, &ann).await;
    assert_eq!(send(&app, &carl, &dm, "hi from the club").await.status(), StatusCode::OK);

    // "Nobody": every guild restricted, and each guild joined from now on too.
    let (_, saved) = status_and_json(
        app.patch_json(
            "/users/@me/settings",
            &json!({"restricted_guilds": [crowd.id, club.id], "default_guilds_restricted": true}),
            &ann.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(saved["default_guilds_restricted"], true);
    assert_error(send(&app, &carl, &dm, "and now?").await, StatusCode::FORBIDDEN, 50007).await;
    let dave = app.register("dave").await;
    let later = app.guild_with(&dave, "Later", &[&ann]).await;
    assert_error(open_dm(&app, &dave, &ann).await, StatusCode::FORBIDDEN, 50007).await;
    let (_, after_join) = status_and_json(app.get("/users/@me/settings", Some(&ann.access_token)).await).await;
    assert!(after_join["restricted_guilds"].as_array().unwrap().contains(&json!(later.id)), "{after_join}");
    // A guild she makes herself is listed too.
    let own = app.guild_with(&ann, "Mine", &[&dave]).await;
    let (_, listed) = status_and_json(app.get("/users/@me/settings", Some(&ann.access_token)).await).await;
    assert!(listed["restricted_guilds"].as_array().unwrap().contains(&json!(own.id)), "{listed}");
    // Ann herself may still write to people in those guilds who take DMs.
    assert_eq!(open_dm(&app, &ann, &dave).await.status(), StatusCode::OK);

    // A guild she is not in is refused, and the list is unchanged.
    let (_, before) = status_and_json(app.get("/users/@me/settings", Some(&ann.access_token)).await).await;
    let elsewhere = app.guild_with(&bob, "Elsewhere", &[]).await;
    let (status, refused) = status_and_json(
        app.patch_json("/users/@me/settings", &json!({"restricted_guilds": [elsewhere.id]}), &ann.access_token).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["errors"]["restricted_guilds"]["_errors"][0]["code"], "RESTRICTED_GUILD_UNKNOWN");
    let (_, unchanged) = status_and_json(app.get("/users/@me/settings", Some(&ann.access_token)).await).await;
    assert_eq!(unchanged, before);
}

async fn dm_privacy_changed_at_once_keeps_one_list_whole(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let mut guilds = Vec::new();
    for n in 0..6 {
        guilds.push(app.guild_with(&ann, &format!("Guild {n}"), &[]).await.id);
    }
    for _ in 0..3 {
        let bodies: Vec<Value> = guilds.iter().map(|g| json!({"restricted_guilds": [g]})).collect();
        let answers = futures::future::join_all(
            bodies.iter().map(|b| app.patch_json("/users/@me/settings", b, &ann.access_token)),
        )
        .await;
        assert!(answers.iter().all(|a| a.status() == StatusCode::OK));
        let (_, now) = status_and_json(app.get("/users/@me/settings", Some(&ann.access_token)).await).await;
        assert_eq!(now["restricted_guilds"].as_array().unwrap().len(), 1, "one change's list, never a mix: {now}");
    }
}

on_both_backends!(
    dm_privacy_changed_at_once_keeps_one_list_whole,
    a_block_stops_dms_both_ways_until_it_is_lifted,
    ready_lists_whom_i_block_and_my_dm_settings,
    blocking_refuses_other_types_myself_strangers_and_more_than_a_thousand,
    members_of_a_restricted_guild_cannot_start_a_dm_but_those_of_another_can,
);
