//! Moderators in voice: server mute and deafen (MUTE_MEMBERS, DEAFEN_MEMBERS), kept on the
//! member and enforced on the media; moving a member to another voice channel and
//! disconnecting them (MOVE_MEMBERS); a member who loses sight of their channel is
//! disconnected and one who loses SPEAK is no longer heard; PRIORITY_SPEAKER gates the
//! priority bit of SPEAKING. Each checked against what the members' gateway sessions and
//! voice clients actually receive.

use std::time::Duration;

use parley_core::permissions::Permissions;
use parley_voice::client::{ClientOptions, VoiceClient};
use parley_voice::protocol::TrackKind;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, on_both_backends, spawn_app_with, status_and_json};
use crate::voice_support::{call, eventually, join_from, rate, state_where, voice_channel, voice_state};

async fn patch_member(app: &TestApp, guild: &str, user: &str, body: Value, token: &str) -> (StatusCode, Value) {
    status_and_json(app.patch_json(&format!("/guilds/{guild}/members/{user}"), &body, token).await).await
}

async fn second_voice_channel(app: &TestApp, guild: &str, owner: &Session) -> String {
    let (status, channel) = status_and_json(
        app.post_json(
            &format!("/guilds/{guild}/channels"),
            &json!({ "name": "Stage", "type": 2 }),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    channel["id"].as_str().unwrap().to_owned()
}

async fn server_mute_and_deafen_hold_on_the_member_and_on_the_media(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let mut ann_call = call(&app, &ann, Some(&guild.id), &channel, ClientOptions::default()).await;
    let bob_call = call(&app, &bob, Some(&guild.id), &channel, ClientOptions::default()).await;
    eventually("ann hears bob", async || ann_call.voice.received(&bob.user_id, TrackKind::Audio) >= 20).await;

    // Bob may not mute ann: he lacks MUTE_MEMBERS.
    let (status, body) = patch_member(&app, &guild.id, &ann.user_id, json!({ "mute": true }), &bob.access_token).await;
    assert_eq!((status, &body["code"]), (StatusCode::FORBIDDEN, &json!(50013)), "{body}");

    // Ann mutes bob: the member says so, the guild hears it, the SFU stops his audio.
    let (status, member) =
        patch_member(&app, &guild.id, &bob.user_id, json!({ "mute": true }), &ann.access_token).await;
    assert_eq!((status, &member["mute"], &member["deaf"]), (StatusCode::OK, &json!(true), &json!(false)), "{member}");
    let seen = state_where(&mut ann_call.gateway, &bob, |s| s["mute"] == true).await;
    assert_eq!((&seen["self_mute"], &seen["channel_id"]), (&json!(false), &json!(channel)));
    eventually("bob's audio stops at the server", async || {
        rate(&ann_call, &bob_call, TrackKind::Audio, Duration::from_millis(400)).await == 0
    })
    .await;

    // Deafened, ann's audio no longer reaches bob.
    let (status, _) = patch_member(&app, &guild.id, &bob.user_id, json!({ "deaf": true }), &ann.access_token).await;
    assert_eq!(status, StatusCode::OK);
    eventually("bob hears nothing", async || {
        rate(&bob_call, &ann_call, TrackKind::Audio, Duration::from_millis(400)).await == 0
    })
    .await;

    // It is kept on the member: leaving and joining again, bob is still muted.
    let mut bob_call = bob_call;
    bob_call.gateway.send(voice_state(Some(&guild.id), None, false)).await;
    assert_eq!(bob_call.voice.close_code(Duration::from_secs(5)).await, Some(4014));
    bob_call.gateway.send(voice_state(Some(&guild.id), Some(&channel), false)).await;
    let again = state_where(&mut ann_call.gateway, &bob, |s| s["deaf"] == true && !s["channel_id"].is_null()).await;
    assert_eq!(again["mute"], json!(true), "{again}");
    let (_, fetched) = status_and_json(
        app.get(&format!("/guilds/{}/members/{}", guild.id, bob.user_id), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!((&fetched["mute"], &fetched["deaf"]), (&json!(true), &json!(true)));

    // Lifting both: announced, and his voice is back.
    patch_member(&app, &guild.id, &bob.user_id, json!({ "mute": false, "deaf": false }), &ann.access_token).await;
    let lifted = state_where(&mut ann_call.gateway, &bob, |s| s["deaf"] == false).await;
    assert_eq!(lifted["mute"], json!(false));
    ann_call.voice.close().await;
    bob_call.voice.close().await;
    app.stop().await;
}

async fn a_moderator_moves_a_member_to_another_channel_and_disconnects_them(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob, &carol]).await;
    let lounge = voice_channel(&app, &guild.id, &ann).await;
    let stage = second_voice_channel(&app, &guild.id, &ann).await;
    let mut bob_call = call(&app, &bob, Some(&guild.id), &lounge, ClientOptions::default()).await;
    let mut ann_call = call(&app, &ann, Some(&guild.id), &stage, ClientOptions::default()).await;
    let first_token = bob_call.voice.clone();

    // Errors first, and nothing moves: carol is not in voice; a text channel is no
    // destination; carol may not move anyone; bob may not go where he cannot connect.
    let (status, body) =
        patch_member(&app, &guild.id, &carol.user_id, json!({ "channel_id": stage }), &ann.access_token).await;
    assert_eq!((status, &body["code"]), (StatusCode::BAD_REQUEST, &json!(40032)), "{body}");
    let (status, body) =
        patch_member(&app, &guild.id, &bob.user_id, json!({ "channel_id": guild.general }), &ann.access_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["errors"]["channel_id"].is_object(), "{body}");
    let (status, _) =
        patch_member(&app, &guild.id, &bob.user_id, json!({ "channel_id": stage }), &carol.access_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let deny = json!({ "type": 1, "deny": Permissions::CONNECT.bits().to_string() });
    app.put_json(&format!("/channels/{stage}/permissions/{}", bob.user_id), &deny, &ann.access_token).await;
    let (status, body) =
        patch_member(&app, &guild.id, &bob.user_id, json!({ "channel_id": stage }), &ann.access_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    app.delete(&format!("/channels/{stage}/permissions/{}", bob.user_id), &ann.access_token).await;

    // The move: bob's state follows, he is told a new voice server, his old call ends, and
    // with the new token he is in the call with ann.
    let (status, _) =
        patch_member(&app, &guild.id, &bob.user_id, json!({ "channel_id": stage }), &ann.access_token).await;
    assert_eq!(status, StatusCode::OK);
    let moved = state_where(&mut ann_call.gateway, &bob, |s| s["channel_id"] == json!(stage)).await;
    let server = bob_call.gateway.wait_for("VOICE_SERVER_UPDATE").await;
    assert_eq!(first_token.close_code(Duration::from_secs(5)).await, Some(4014), "the old call hangs up");
    let ready_session = moved["session_id"].as_str().unwrap().to_owned();
    let voice = VoiceClient::connect(&join_from(&server, &guild.id, &bob, &ready_session), ClientOptions::default())
        .await
        .unwrap();
    voice.start_media();
    bob_call.voice = voice;
    eventually("ann hears bob in the stage", async || ann_call.voice.received(&bob.user_id, TrackKind::Audio) >= 20)
        .await;

    // Disconnecting: his state ends and so does his call.
    let (status, _) =
        patch_member(&app, &guild.id, &bob.user_id, json!({ "channel_id": null }), &ann.access_token).await;
    assert_eq!(status, StatusCode::OK);
    state_where(&mut ann_call.gateway, &bob, |s| s["channel_id"].is_null()).await;
    assert_eq!(bob_call.voice.close_code(Duration::from_secs(5)).await, Some(4014));

    // Both are in the audit log, as Discord's MEMBER_MOVE (26) and MEMBER_DISCONNECT (27).
    let (_, log) =
        status_and_json(app.get(&format!("/guilds/{}/audit-logs", guild.id), Some(&ann.access_token)).await).await;
    let actions: Vec<i64> =
        log["audit_log_entries"].as_array().unwrap().iter().filter_map(|e| e["action_type"].as_i64()).collect();
    assert!(actions.contains(&26) && actions.contains(&27), "{actions:?}");
    ann_call.voice.close().await;
    bob_call.voice.close().await;
    app.stop().await;
}

async fn losing_the_channel_disconnects_and_losing_speak_silences(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let guild = app.guild_with(&ann, "Talk", &[&bob, &carol]).await;
    let channel = voice_channel(&app, &guild.id, &ann).await;
    let mut ann_call = call(&app, &ann, Some(&guild.id), &channel, ClientOptions::default()).await;
    let bob_call = call(&app, &bob, Some(&guild.id), &channel, ClientOptions::default()).await;
    let carol_call = call(&app, &carol, Some(&guild.id), &channel, ClientOptions::default()).await;
    eventually("ann hears bob and carol", async || {
        ann_call.voice.received(&bob.user_id, TrackKind::Audio) >= 20
            && ann_call.voice.received(&carol.user_id, TrackKind::Audio) >= 20
    })
    .await;

    // An overwrite takes SPEAK from bob mid-call: the SFU stops forwarding him.
    let deny = json!({ "type": 1, "deny": Permissions::SPEAK.bits().to_string() });
    app.put_json(&format!("/channels/{channel}/permissions/{}", bob.user_id), &deny, &ann.access_token).await;
    eventually("bob is silenced", async || {
        rate(&ann_call, &bob_call, TrackKind::Audio, Duration::from_millis(400)).await == 0
    })
    .await;
    assert!(rate(&ann_call, &carol_call, TrackKind::Audio, Duration::from_millis(400)).await > 5, "carol is not");

    // One that hides the channel from carol: she is disconnected.
    let hide = json!({ "type": 1, "deny": Permissions::VIEW_CHANNEL.bits().to_string() });
    app.put_json(&format!("/channels/{channel}/permissions/{}", carol.user_id), &hide, &ann.access_token).await;
    state_where(&mut ann_call.gateway, &carol, |s| s["channel_id"].is_null()).await;
    assert_eq!(carol_call.voice.close_code(Duration::from_secs(5)).await, Some(4014));

    // Priority speaker: the owner's priority bit goes through; bob's (no PRIORITY_SPEAKER,
    // and no SPEAK now) is zero, and a member with SPEAK but no PRIORITY_SPEAKER loses the
    // bit (bob again, once SPEAK is back).
    ann_call.voice.speaking(5).await;
    let heard = bob_call.voice.next_event(5, Duration::from_secs(5)).await.expect("SPEAKING");
    assert_eq!(heard["d"]["speaking"], 5);
    app.delete(&format!("/channels/{channel}/permissions/{}", bob.user_id), &ann.access_token).await;
    eventually("bob is heard again", async || {
        rate(&ann_call, &bob_call, TrackKind::Audio, Duration::from_millis(300)).await > 3
    })
    .await;
    bob_call.voice.speaking(5).await;
    let heard = ann_call.voice.next_event(5, Duration::from_secs(5)).await.expect("SPEAKING");
    assert_eq!((&heard["d"]["user_id"], &heard["d"]["speaking"]), (&json!(bob.user_id), &json!(1)));
    for caller in [&ann_call, &bob_call, &carol_call] {
        caller.voice.close().await;
    }
    app.stop().await;
}

async fn voice_moderation_stays_within_the_role_hierarchy(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let (ann, mod_low, mod_high) = (app.register("ann").await, app.register("low").await, app.register("high").await);
    let guild = app.guild_with(&ann, "Talk", &[&mod_low, &mod_high]).await;
    let voice = voice_channel(&app, &guild.id, &ann).await;
    let moderate = (Permissions::MUTE_MEMBERS
        | Permissions::DEAFEN_MEMBERS
        | Permissions::MOVE_MEMBERS
        | Permissions::CONNECT
        | Permissions::VIEW_CHANNEL)
        .bits()
        .to_string();
    let mut roles = Vec::new();
    for name in ["low mods", "high mods"] {
        let (status, role) = status_and_json(
            app.post_json(
                &format!("/guilds/{}/roles", guild.id),
                &json!({"name": name, "permissions": moderate}),
                Some(&ann.access_token),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{role}");
        roles.push(role["id"].as_str().unwrap().to_owned());
    }
    let order = json!([{"id": roles[0], "position": 1}, {"id": roles[1], "position": 2}]);
    let ordered = app
        .client
        .patch(app.api(&format!("/guilds/{}/roles", guild.id)))
        .json(&order)
        .bearer_auth(&ann.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(ordered.status(), StatusCode::OK);
    for (who, role) in [(&mod_low, &roles[0]), (&mod_high, &roles[1])] {
        let given =
            app.put(&format!("/guilds/{}/members/{}/roles/{role}", guild.id, who.user_id), &ann.access_token).await;
        assert_eq!(given.status(), StatusCode::NO_CONTENT);
    }
    let _high_in_voice = crate::voice_support::call(&app, &mod_high, Some(&guild.id), &voice, Default::default()).await;
    for body in [json!({"mute": true}), json!({"deaf": true}), json!({"channel_id": null})] {
        let (status, answer) =
            patch_member(&app, &guild.id, &mod_high.user_id, body.clone(), &mod_low.access_token).await;
        assert_eq!((status, answer["code"].as_u64()), (StatusCode::FORBIDDEN, Some(50013)), "{body}: {answer}");
    }
    let (status, answer) =
        patch_member(&app, &guild.id, &mod_low.user_id, json!({"mute": true}), &mod_high.access_token).await;
    assert_eq!(status, StatusCode::OK, "downwards it works: {answer}");
}

on_both_backends!(
    voice_moderation_stays_within_the_role_hierarchy,
    server_mute_and_deafen_hold_on_the_member_and_on_the_media,
    a_moderator_moves_a_member_to_another_channel_and_disconnects_them,
    losing_the_channel_disconnects_and_losing_speak_silences,
);
