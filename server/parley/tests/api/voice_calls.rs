//! Calls in DMs and group DMs: op 4 with no guild joins the private channel's call; its
//! recipients (and only they) see the voice states, are rung when the call starts
//! (CALL_CREATE), learn of a call going on when they connect, and hear that it ended
//! (CALL_DELETE); the media flows through the SFU like a guild's.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::gateway_client::GatewayClient;
use crate::helpers::{Backend, on_both_backends, spawn_app_with, status_and_json};
use crate::voice_support::{hear_each_other, join_from, state_of, state_where, talking, voice_state};

async fn a_group_dm_call_rings_its_people_carries_their_voices_and_ends(backend: Backend) {
    // A one-second resume window, so a closed session's state ends quickly.
    let app = spawn_app_with(backend, &[("PARLEY_GATEWAY_RESUME_WINDOW_SECS", "1")]).await;
    let (ann, bob, carol, dave) =
        (app.register("ann").await, app.register("bob").await, app.register("carol").await, app.register("dave").await);
    // Group DMs are between people who share a guild.
    app.guild_with(&ann, "Friends", &[&bob, &carol, &dave]).await;
    let (status, group) = status_and_json(
        app.post_json(
            "/users/@me/channels",
            &json!({ "recipients": [bob.user_id, carol.user_id] }),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    let dm = group["id"].as_str().unwrap().to_owned();

    let (mut ann_gw, ann_ready) = GatewayClient::identified(&app, &ann).await;
    let (mut bob_gw, bob_ready) = GatewayClient::identified(&app, &bob).await;
    let (mut dave_gw, _) = GatewayClient::identified(&app, &dave).await;

    // Dave is not in the group: his join is ignored.
    dave_gw.send(voice_state(None, Some(&dm), false)).await;
    dave_gw.assert_no("VOICE_SERVER_UPDATE", Duration::from_millis(500)).await;

    // Ann starts the call: she gets a voice server for the DM, bob is rung.
    ann_gw.send(voice_state(None, Some(&dm), false)).await;
    let server = ann_gw.wait_for("VOICE_SERVER_UPDATE").await;
    assert_eq!((&server["guild_id"], &server["channel_id"]), (&Value::Null, &json!(dm)), "{server}");
    let ringing = bob_gw.wait_for("CALL_CREATE").await;
    assert_eq!(ringing["channel_id"], json!(dm));
    let rung: Vec<&str> = ringing["ringing"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(rung.contains(&bob.user_id.as_str()) && rung.contains(&carol.user_id.as_str()), "{ringing}");
    assert!(!rung.contains(&ann.user_id.as_str()), "the caller is not rung: {ringing}");
    let seen = state_of(&mut bob_gw, &ann).await;
    assert_eq!((&seen["guild_id"], &seen["channel_id"]), (&Value::Null, &json!(dm)));
    dave_gw.assert_no("VOICE_STATE_UPDATE", Duration::from_millis(300)).await;

    // Bob answers; their voices cross the SFU.
    bob_gw.send(voice_state(None, Some(&dm), false)).await;
    let bob_server = bob_gw.wait_for("VOICE_SERVER_UPDATE").await;
    let ann_voice = talking(&join_from(&server, &dm, &ann, ann_ready["session_id"].as_str().unwrap())).await;
    let bob_voice = talking(&join_from(&bob_server, &dm, &bob, bob_ready["session_id"].as_str().unwrap())).await;
    hear_each_other(&ann_voice, &ann.user_id, &bob_voice, &bob.user_id).await;

    // Carol connects now: she learns of the call going on, and who is in it.
    let (mut carol_gw, _) = GatewayClient::identified(&app, &carol).await;
    let going_on = carol_gw.wait_for("CALL_CREATE").await;
    assert_eq!(going_on["channel_id"], json!(dm));
    let mut in_call: Vec<&str> =
        going_on["voice_states"].as_array().unwrap().iter().filter_map(|s| s["user_id"].as_str()).collect();
    in_call.sort_unstable();
    let mut expected = [ann.user_id.as_str(), bob.user_id.as_str()];
    expected.sort_unstable();
    assert_eq!(in_call, expected);

    // Both leave (ann by leaving, bob by losing his session): the call ends for carol.
    ann_gw.send(voice_state(None, None, false)).await;
    assert_eq!(ann_voice.close_code(Duration::from_secs(5)).await, Some(4014));
    bob_gw.close().await;
    let ended = carol_gw.wait_for("CALL_DELETE").await;
    assert_eq!(ended["channel_id"], json!(dm));
    ann_voice.close().await;
    bob_voice.close().await;
    app.stop().await;
}

async fn someone_banned_from_the_only_shared_guild_cannot_ring_the_dm_any_more(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Shared", &[&bob]).await;
    let (status, dm) = status_and_json(
        app.post_json("/users/@me/channels", &json!({ "recipient_id": ann.user_id }), Some(&bob.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dm}");
    let dm = dm["id"].as_str().unwrap().to_owned();
    let banned =
        app.put_json(&format!("/guilds/{}/bans/{}", guild.id, bob.user_id), &json!({}), &ann.access_token).await;
    assert_eq!(banned.status(), StatusCode::NO_CONTENT);

    let (mut ann_gw, _) = GatewayClient::identified(&app, &ann).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    bob_gw.send(voice_state(None, Some(&dm), false)).await;
    bob_gw.assert_no("VOICE_SERVER_UPDATE", Duration::from_millis(600)).await;
    ann_gw.assert_no("CALL_CREATE", Duration::from_millis(200)).await;
    // As messages are: no guild in common, no DM.
    let said =
        app.post_json(&format!("/channels/{dm}/messages"), &json!({"content": "hi"}), Some(&bob.access_token)).await;
    assert_eq!(said.status(), StatusCode::FORBIDDEN);
}

/// Group DMs are their own space, as on Discord: a guild ban does not reach one; its owner
/// removes whoever should go, and that ends their part in the call and the conversation.
async fn a_guild_ban_leaves_a_group_dm_to_its_owner_who_can_remove_the_banned_person(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let guild = app.guild_with(&ann, "Shared", &[&bob, &carol]).await;
    let (status, group) = status_and_json(
        app.post_json(
            "/users/@me/channels",
            &json!({ "recipients": [bob.user_id, carol.user_id] }),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    let dm = group["id"].as_str().unwrap().to_owned();
    let banned =
        app.put_json(&format!("/guilds/{}/bans/{}", guild.id, bob.user_id), &json!({}), &ann.access_token).await;
    assert_eq!(banned.status(), StatusCode::NO_CONTENT);

    // Still in the group: bob may post and call there.
    let said =
        app.post_json(&format!("/channels/{dm}/messages"), &json!({"content": "hi"}), Some(&bob.access_token)).await;
    assert_eq!(said.status(), StatusCode::OK);
    let (mut ann_gw, _) = GatewayClient::identified(&app, &ann).await;
    let (mut bob_gw, _) = GatewayClient::identified(&app, &bob).await;
    bob_gw.send(voice_state(None, Some(&dm), false)).await;
    bob_gw.wait_for("VOICE_SERVER_UPDATE").await;
    ann_gw.wait_for("CALL_CREATE").await;

    // The owner removes him: he leaves the call at once, and can neither post nor call again.
    let removed = app.delete(&format!("/channels/{dm}/recipients/{}", bob.user_id), &ann.access_token).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    state_where(&mut ann_gw, &bob, |state| state["channel_id"].is_null()).await;
    let said =
        app.post_json(&format!("/channels/{dm}/messages"), &json!({"content": "hi"}), Some(&bob.access_token)).await;
    assert_eq!(said.status(), StatusCode::FORBIDDEN);
    bob_gw.send(voice_state(None, Some(&dm), false)).await;
    bob_gw.assert_no("VOICE_SERVER_UPDATE", Duration::from_millis(600)).await;
    app.stop().await;
}

on_both_backends!(
    a_group_dm_call_rings_its_people_carries_their_voices_and_ends,
    someone_banned_from_the_only_shared_guild_cannot_ring_the_dm_any_more,
    a_guild_ban_leaves_a_group_dm_to_its_owner_who_can_remove_the_banned_person,
);
