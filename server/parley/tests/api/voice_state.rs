//! Gateway op 4: joining, moving and leaving voice channels, as other members see it
//! (VOICE_STATE_UPDATE) and as the joiner is told where to connect (VOICE_SERVER_UPDATE);
//! CONNECT and `user_limit` enforced; a state shown in GUILD_CREATE; a state gone with its
//! session.

use std::time::Duration;

use parley_core::permissions::Permissions;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::gateway_client::GatewayClient;
use crate::helpers::{Backend, assert_error, on_both_backends, spawn_app_with, status_and_json};
use crate::voice_support::{state_of, voice_channel, voice_state};

fn join(guild: &str, channel: Option<&str>, self_mute: bool) -> Value {
    voice_state(Some(guild), channel, self_mute)
}

async fn members_see_who_joins_and_leaves_voice_and_the_joiner_learns_where_to_connect(backend: Backend) {
    // A one-second resume window, so a dropped session ends quickly.
    let app = spawn_app_with(backend, &[("PARLEY_GATEWAY_RESUME_WINDOW_SECS", "1")]).await;
    let (ann, bob, carol, dave) =
        (app.register("ann").await, app.register("bob").await, app.register("carol").await, app.register("dave").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob, &carol, &dave]).await;
    let voice = voice_channel(&app, &guild.id, &ann).await;
    let (mut ann_gw, _) = GatewayClient::identified(&app, &ann).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;

    bob_gw.send(join(&guild.id, Some(&voice), true)).await;
    let server = bob_gw.wait_for("VOICE_SERVER_UPDATE").await;
    assert_eq!(server["guild_id"], guild.id.as_str());
    assert!(server["token"].as_str().is_some_and(|t| t.len() == 32), "{server}");
    assert!(server["endpoint"].as_str().is_some_and(|e| e.ends_with("/voice") && !e.contains("://")), "{server}");
    let seen = state_of(&mut ann_gw, &bob).await;
    assert_eq!(
        (&seen["user_id"], &seen["channel_id"], &seen["self_mute"], &seen["guild_id"]),
        (&json!(bob.user_id), &json!(voice), &json!(true), &json!(guild.id))
    );
    assert!(seen["session_id"].is_string());

    // Someone arriving sees bob in the channel in GUILD_CREATE.
    let (mut carol_gw, _) = GatewayClient::identified(&app, &carol).await;
    let created = carol_gw.wait_for("GUILD_CREATE").await;
    let states = created["voice_states"].as_array().unwrap();
    assert_eq!(states.len(), 1, "{created}");
    assert_eq!((&states[0]["user_id"], &states[0]["channel_id"]), (&json!(bob.user_id), &json!(voice)));

    // Without CONNECT, carol cannot join: nothing is announced and she gets no server.
    let deny = json!({ "type": 1, "deny": Permissions::CONNECT.bits().to_string() });
    let response =
        app.put_json(&format!("/channels/{voice}/permissions/{}", carol.user_id), &deny, &ann.access_token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    carol_gw.send(join(&guild.id, Some(&voice), false)).await;
    carol_gw.assert_no("VOICE_SERVER_UPDATE", Duration::from_millis(600)).await;
    ann_gw.assert_no("VOICE_STATE_UPDATE", Duration::from_millis(100)).await;

    // A user limit of one: dave is kept out; ann, who may move members, is not.
    let limited = app.patch_json(&format!("/channels/{voice}"), &json!({ "user_limit": 1 }), &ann.access_token).await;
    assert_eq!(limited.status(), StatusCode::OK);
    let (mut dave_gw, _) = GatewayClient::identified(&app, &dave).await;
    dave_gw.send(join(&guild.id, Some(&voice), false)).await;
    dave_gw.assert_no("VOICE_SERVER_UPDATE", Duration::from_millis(600)).await;
    ann_gw.send(join(&guild.id, Some(&voice), false)).await;
    ann_gw.wait_for("VOICE_SERVER_UPDATE").await;
    let seen = state_of(&mut bob_gw, &ann).await;
    assert_eq!(seen["channel_id"], json!(voice));

    // Leaving is announced with no channel.
    bob_gw.send(join(&guild.id, None, false)).await;
    let left = state_of(&mut ann_gw, &bob).await;
    assert_eq!(left["channel_id"], Value::Null);

    // When ann's session ends (dropped, not resumed within the window), she leaves too.
    ann_gw.drop_connection();
    let left = state_of(&mut bob_gw, &ann).await;
    assert_eq!(left["channel_id"], Value::Null);
    app.stop().await;
}

async fn a_malformed_voice_state_update_closes_with_decode_error(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let ann = app.register("ann").await;
    let (mut gw, _) = GatewayClient::identified(&app, &ann).await;
    gw.send(json!({ "op": 4, "d": { "guild_id": 12, "channel_id": [] } })).await;
    assert_eq!(gw.closed_with().await, Some(4002));
    app.stop().await;
}

async fn who_is_in_a_hidden_voice_channel_is_told_only_to_those_who_can_see_it(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob, &carol]).await;
    let voice = voice_channel(&app, &guild.id, &ann).await;
    let hide = json!({ "type": 1, "deny": Permissions::VIEW_CHANNEL.bits().to_string() });
    let hidden =
        app.put_json(&format!("/channels/{voice}/permissions/{}", carol.user_id), &hide, &ann.access_token).await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    let (mut ann_gw, _) = GatewayClient::identified(&app, &ann).await;
    let (mut carol_gw, _) = GatewayClient::identified(&app, &carol).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    bob_gw.send(join(&guild.id, Some(&voice), false)).await;
    assert_eq!(state_of(&mut ann_gw, &bob).await["channel_id"], voice.as_str());
    carol_gw.assert_no("VOICE_STATE_UPDATE", Duration::from_millis(500)).await;
    // Nor in GUILD_CREATE, for a session that starts now.
    let (mut carol_again, _) = GatewayClient::identified(&app, &carol).await;
    let created = carol_again.wait_for("GUILD_CREATE").await;
    assert_eq!(created["voice_states"], json!([]), "{created}");
    let (mut ann_again, _) = GatewayClient::identified(&app, &ann).await;
    assert_eq!(ann_again.wait_for("GUILD_CREATE").await["voice_states"].as_array().map(Vec::len), Some(1));
    // Nor the leave.
    bob_gw.send(join(&guild.id, None, false)).await;
    assert!(state_of(&mut ann_gw, &bob).await["channel_id"].is_null());
    carol_gw.assert_no("VOICE_STATE_UPDATE", Duration::from_millis(300)).await;
}

async fn members_read_voice_states_over_rest_as_the_gateway_sends_them_and_only_where_they_can_see(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob, carol, eve) =
        (app.register("ann").await, app.register("bob").await, app.register("carol").await, app.register("eve").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob, &carol]).await;
    let voice = voice_channel(&app, &guild.id, &ann).await;
    let (mine, bobs) = (
        format!("/guilds/{}/voice-states/@me", guild.id),
        format!("/guilds/{}/voice-states/{}", guild.id, bob.user_id),
    );
    // Nobody is in voice yet.
    assert_error(app.get(&mine, Some(&bob.access_token)).await, StatusCode::NOT_FOUND, 10065).await;
    assert_error(app.get(&bobs, Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10065).await;

    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    bob_gw.send(join(&guild.id, Some(&voice), true)).await;
    let announced = state_of(&mut bob_gw, &bob).await;
    for (who, path) in [(&bob, &mine), (&ann, &bobs)] {
        let (status, state) = status_and_json(app.get(path, Some(&who.access_token)).await).await;
        assert_eq!((status, &state), (StatusCode::OK, &announced), "{path}");
    }
    assert_eq!((&announced["channel_id"], &announced["self_mute"]), (&json!(voice), &json!(true)));

    // Someone not in voice, someone who cannot see the channel, someone outside the guild.
    let anns = format!("/guilds/{}/voice-states/{}", guild.id, ann.user_id);
    assert_error(app.get(&anns, Some(&bob.access_token)).await, StatusCode::NOT_FOUND, 10065).await;
    let hide = json!({ "type": 1, "deny": Permissions::VIEW_CHANNEL.bits().to_string() });
    let hidden =
        app.put_json(&format!("/channels/{voice}/permissions/{}", carol.user_id), &hide, &ann.access_token).await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&bobs, Some(&carol.access_token)).await, StatusCode::NOT_FOUND, 10065).await;
    assert_error(app.get(&bobs, Some(&eve.access_token)).await, StatusCode::FORBIDDEN, 50001).await;
    assert_error(app.get(&mine, None).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert_error(app.get("/guilds/4242/voice-states/@me", Some(&bob.access_token)).await, StatusCode::NOT_FOUND, 10004)
        .await;

    // Once bob leaves, his state is gone.
    bob_gw.send(join(&guild.id, None, false)).await;
    assert!(state_of(&mut bob_gw, &bob).await["channel_id"].is_null());
    assert_error(app.get(&mine, Some(&bob.access_token)).await, StatusCode::NOT_FOUND, 10065).await;
}

async fn this_instance_is_the_one_voice_region_for_everyone_and_every_guild(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, eve) = (app.register("ann").await, app.register("eve").await);
    let guild = app.guild_with(&ann, "Talk", &[]).await;
    let host = app.address.trim_start_matches("http://").rsplit_once(':').unwrap().0.to_owned();
    let region = json!([{"id": "parley", "name": host, "optimal": true, "deprecated": false, "custom": false}]);
    for (path, who) in [("/voice/regions".to_owned(), &eve), (format!("/guilds/{}/regions", guild.id), &ann)] {
        let (status, regions) = status_and_json(app.get(&path, Some(&who.access_token)).await).await;
        assert_eq!((status, &regions), (StatusCode::OK, &region), "{path}");
        assert_error(app.get(&path, None).await, StatusCode::UNAUTHORIZED, 40001).await;
    }
    let theirs = format!("/guilds/{}/regions", guild.id);
    assert_error(app.get(&theirs, Some(&eve.access_token)).await, StatusCode::FORBIDDEN, 50001).await;
    assert_error(app.get("/guilds/4242/regions", Some(&eve.access_token)).await, StatusCode::NOT_FOUND, 10004).await;
}

on_both_backends!(
    members_read_voice_states_over_rest_as_the_gateway_sends_them_and_only_where_they_can_see,
    this_instance_is_the_one_voice_region_for_everyone_and_every_guild,
    who_is_in_a_hidden_voice_channel_is_told_only_to_those_who_can_see_it,
    members_see_who_joins_and_leaves_voice_and_the_joiner_learns_where_to_connect,
    a_malformed_voice_state_update_closes_with_decode_error,
);
