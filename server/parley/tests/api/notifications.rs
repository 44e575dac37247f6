//! Notification settings (Discord's user guild settings): stored per guild, channel and DMs,
//! told to the person's sessions and in READY, and refused for what is not theirs.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bots::{as_bot, create_bot};
use crate::gateway_client::GatewayClient;
use crate::helpers::{Backend, Session, TestApp, assert_error, on_both_backends, spawn_app, status_and_json};

async fn patch_settings(app: &TestApp, who: &Session, guild: &str, body: Value) -> (StatusCode, Value) {
    status_and_json(app.patch_json(&format!("/users/@me/guilds/{guild}/settings"), &body, &who.access_token).await)
        .await
}

async fn settings(app: &TestApp, who: &Session, guild: &str) -> Value {
    let (status, body) =
        status_and_json(app.get(&format!("/users/@me/guilds/{guild}/settings"), Some(&who.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn new_channel(app: &TestApp, owner: &Session, guild: &str, name: &str) -> String {
    let (status, channel) = status_and_json(
        app.post_json(&format!("/guilds/{guild}/channels"), &json!({ "name": name }), Some(&owner.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    channel["id"].as_str().unwrap().to_owned()
}

async fn guild_and_channel_settings_are_kept_told_to_my_sessions_and_sent_in_ready(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Quiet", &[&ann]).await;

    let fresh = settings(&app, &ann, &guild.id).await;
    assert_eq!(
        (&fresh["guild_id"], &fresh["message_notifications"], &fresh["muted"], &fresh["version"]),
        (&json!(guild.id), &json!(0), &json!(false), &json!(0)),
        "every message and nothing muted until ann chooses: {fresh}"
    );

    let (mut other_tab, _) = GatewayClient::identified(&app, &ann).await;
    let (status, saved) = patch_settings(
        &app,
        &ann,
        &guild.id,
        json!({
            "message_notifications": 1,
            "suppress_everyone": true,
            "muted": true,
            "mute_config": {"end_time": "2999-01-01T00:00:00Z", "selected_time_window": -1},
            "channel_overrides": {(guild.general.clone()): {"message_notifications": 2, "collapsed": true}},
            // Discord's clients send fields Parley does not keep; they are ignored.
            "notify_highlights": 1,
            "mute_scheduled_events": true
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!((&saved["message_notifications"], &saved["suppress_everyone"]), (&json!(1), &json!(true)));
    assert_eq!((&saved["muted"], &saved["mute_config"]["selected_time_window"]), (&json!(true), &json!(-1)));
    assert_eq!(saved["mute_config"]["end_time"], "2999-01-01T00:00:00.000000+00:00");
    assert_eq!(saved["version"], 1);
    let overrides = saved["channel_overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 1);
    assert_eq!(
        (&overrides[0]["channel_id"], &overrides[0]["message_notifications"], &overrides[0]["collapsed"]),
        (&json!(guild.general), &json!(2), &json!(true))
    );
    let told = other_tab.wait_for("USER_GUILD_SETTINGS_UPDATE").await;
    assert_eq!(told, saved, "the other session hears exactly what was stored");

    // A second change keeps the first's fields.
    let (_, again) = patch_settings(&app, &ann, &guild.id, json!({"muted": false})).await;
    assert_eq!(
        (&again["muted"], &again["message_notifications"], &again["version"]),
        (&json!(false), &json!(1), &json!(2))
    );
    assert_eq!(settings(&app, &ann, &guild.id).await, again, "what GET reads is what was stored");

    // READY carries them to a new sign-in; the owner's are untouched.
    let (_, ready) = GatewayClient::identified(&app, &ann).await;
    let entries = ready["user_guild_settings"]["entries"].as_array().unwrap();
    assert_eq!(entries, &vec![again], "{ready}");
    assert_eq!(settings(&app, &owner, &guild.id).await["version"], 0);
}

async fn a_mute_that_has_ended_reads_as_unmuted(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = app.guild_with(&owner, "Later", &[]).await;
    let body =
        json!({"muted": true, "mute_config": {"end_time": "2001-01-01T00:00:00Z", "selected_time_window": 3600}});
    let (status, saved) = patch_settings(&app, &owner, &guild.id, body).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["muted"], false, "the hour is long over: {saved}");
    assert_eq!(saved["mute_config"]["selected_time_window"], 3600);
}

async fn dms_have_their_own_settings_under_at_me_with_overrides_for_my_dms_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.guild_with(&owner, "Meeting place", &[&ann, &bob]).await;
    let (_, dm) = status_and_json(
        app.post_json("/users/@me/channels", &json!({"recipient_id": bob.user_id}), Some(&ann.access_token)).await,
    )
    .await;
    let dm = dm["id"].as_str().unwrap().to_owned();

    let (status, saved) =
        patch_settings(&app, &ann, "@me", json!({"channel_overrides": {(dm.clone()): {"muted": true}}})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!((&saved["guild_id"], &saved["channel_overrides"][0]["channel_id"]), (&Value::Null, &json!(dm)));
    assert_eq!(saved["channel_overrides"][0]["muted"], true);

    // Owner is not in that DM: an override of it is refused by field.
    let (status, refused) =
        patch_settings(&app, &owner, "@me", json!({"channel_overrides": {(dm.clone()): {"muted": true}}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused["errors"]["channel_overrides"][dm.as_str()]["_errors"][0]["code"],
        "CHANNEL_OVERRIDE_UNKNOWN_CHANNEL"
    );
}

async fn settings_are_refused_for_guilds_channels_and_values_that_are_not_mine_to_set(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let stranger = app.register("stranger").await;
    let guild = app.guild_with(&owner, "Ours", &[&ann]).await;
    let elsewhere = app.guild_with(&stranger, "Theirs", &[]).await;

    // Not a member: the guild is unknown to them, for reading and for changing.
    assert_error(
        app.get(&format!("/users/@me/guilds/{}/settings", guild.id), Some(&stranger.access_token)).await,
        StatusCode::NOT_FOUND,
        10004,
    )
    .await;
    assert_error(
        app.patch_json(
            &format!("/users/@me/guilds/{}/settings", guild.id),
            &json!({"muted": true}),
            &stranger.access_token,
        )
        .await,
        StatusCode::NOT_FOUND,
        10004,
    )
    .await;

    // Guild id 0 is no guild (DMs are `@me`); a mute given as an array is no mute.
    assert_error(app.get("/users/@me/guilds/0/settings", Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10004)
        .await;
    let (status, _) = patch_settings(&app, &ann, &guild.id, json!({"mute_config": [null, null]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        patch_settings(&app, &ann, &guild.id, json!({"channel_overrides": {(guild.general.clone()): [1, true]}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A channel of another guild, and one of this guild ann cannot see.
    let secret = new_channel(&app, &owner, &guild.id, "secret").await;
    app.send(
        app.client
            .put(app.api(&format!("/channels/{secret}/permissions/{}", guild.id)))
            .json(&json!({"type": 0, "deny": "1024"}))
            .bearer_auth(&owner.access_token),
    )
    .await;
    for channel in [elsewhere.general.as_str(), secret.as_str()] {
        let (status, body) =
            patch_settings(&app, &ann, &guild.id, json!({"channel_overrides": {channel: {"muted": true}}})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            body["errors"]["channel_overrides"][channel]["_errors"][0]["code"],
            "CHANNEL_OVERRIDE_UNKNOWN_CHANNEL"
        );
    }

    // Values out of range, by field; nothing is stored.
    let (status, body) = patch_settings(
        &app,
        &ann,
        &guild.id,
        json!({"message_notifications": 3, "mute_config": {"end_time": "tomorrow", "selected_time_window": -5}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"]["message_notifications"]["_errors"][0]["code"], "NOTIFICATION_LEVEL_INVALID");
    assert_eq!(body["errors"]["mute_config"]["end_time"]["_errors"][0]["code"], "MUTE_END_TIME_INVALID");
    assert_eq!(body["errors"]["mute_config"]["selected_time_window"]["_errors"][0]["code"], "MUTE_WINDOW_INVALID");
    let too_many: serde_json::Map<String, Value> =
        (0..501).map(|n| (format!("{}", 1_000_000 + n), json!({"muted": true}))).collect();
    let (status, body) = patch_settings(&app, &ann, &guild.id, json!({"channel_overrides": too_many})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"]["channel_overrides"]["_errors"][0]["code"], "CHANNEL_OVERRIDES_TOO_MANY");
    assert_eq!(settings(&app, &ann, &guild.id).await["version"], 0, "nothing refused was stored");

    // A bot has no notification settings.
    let bot = create_bot(&app, &owner, "Helper").await;
    let (status, refused) = as_bot(
        &app,
        &bot,
        reqwest::Method::PATCH,
        &format!("/users/@me/guilds/{}/settings", guild.id),
        Some(json!({"muted": true})),
    )
    .await;
    assert_eq!((status, &refused["code"]), (StatusCode::FORBIDDEN, &json!(20001)));
}

async fn two_changes_at_once_are_both_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = app.guild_with(&owner, "Busy", &[]).await;
    let second = new_channel(&app, &owner, &guild.id, "second").await;
    let path = format!("/users/@me/guilds/{}/settings", guild.id);
    let bodies = [
        json!({"suppress_everyone": true}),
        json!({"suppress_roles": true}),
        json!({"channel_overrides": {(guild.general.clone()): {"muted": true}}}),
        json!({"channel_overrides": {(second.clone()): {"collapsed": true}}}),
    ];
    let answers = futures::future::join_all(bodies.iter().map(|b| app.patch_json(&path, b, &owner.access_token))).await;
    for answer in answers {
        assert_eq!(answer.status(), StatusCode::OK);
    }
    let now = settings(&app, &owner, &guild.id).await;
    assert_eq!(
        (&now["suppress_everyone"], &now["suppress_roles"], &now["version"]),
        (&json!(true), &json!(true), &json!(4)),
        "{now}"
    );
    let overrides = now["channel_overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 2, "{now}");
    assert!(overrides.iter().any(|o| o["channel_id"] == guild.general.as_str() && o["muted"] == true));
    assert!(overrides.iter().any(|o| o["channel_id"] == second.as_str() && o["collapsed"] == true));
}

on_both_backends!(
    guild_and_channel_settings_are_kept_told_to_my_sessions_and_sent_in_ready,
    a_mute_that_has_ended_reads_as_unmuted,
    dms_have_their_own_settings_under_at_me_with_overrides_for_my_dms_only,
    settings_are_refused_for_guilds_channels_and_values_that_are_not_mine_to_set,
    two_changes_at_once_are_both_kept,
);
