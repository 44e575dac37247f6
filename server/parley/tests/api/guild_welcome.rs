//! A guild's welcome screen and widget settings: managers (MANAGE_GUILD) change them, audited
//! and announced in GUILD_UPDATE; members read the welcome screen only while it is enabled;
//! channels must be the guild's text channels; nobody else reads or changes anything. And the
//! public widget anyone reads while it is on.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, assert_error, on_both_backends, spawn_app, status_and_json};

async fn managers_set_the_welcome_screen_members_read_it_once_enabled(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann, zed) = (app.register("owner").await, app.register("ann").await, app.register("zed").await);
    let guild = app.guild_with(&owner, "Welcome", &[&ann]).await;
    let path = format!("/guilds/{}/welcome-screen", guild.id);

    // Never set: empty, and only managers may read it while it is not enabled.
    let (status, empty) = status_and_json(app.get(&path, Some(&owner.access_token)).await).await;
    assert_eq!((status, empty), (StatusCode::OK, json!({"description": null, "welcome_channels": []})));
    assert_error(app.get(&path, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;

    let screen = json!({"enabled": true, "description": "Say hi in general",
        "welcome_channels": [{"channel_id": guild.general, "description": "Chat here", "emoji_name": "👋"}]});
    let mut events = app.bus.subscribe();
    let (status, saved) = status_and_json(app.patch_json(&path, &screen, &owner.access_token).await).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["welcome_channels"][0]["channel_id"], guild.general.as_str());
    assert_eq!(saved["welcome_channels"][0]["emoji_id"], serde_json::Value::Null);
    assert_eq!(crate::helpers::next_event(&mut events).await.name, parley_events::EventName::GuildUpdate);
    let (status, read) = status_and_json(app.get(&path, Some(&ann.access_token)).await).await;
    assert_eq!((status, read["description"].as_str()), (StatusCode::OK, Some("Say hi in general")));
    let (_, log) = status_and_json(
        app.get(&format!("/guilds/{}/audit-logs?action_type=1", guild.id), Some(&owner.access_token)).await,
    )
    .await;
    assert!(
        log["audit_log_entries"].as_array().unwrap().iter().any(|e| e["changes"][0]["key"] == "welcome_screen"),
        "{log}"
    );

    // Refusals: a member without MANAGE_GUILD, someone outside, a voice channel, six channels,
    // a channel named twice, a long description; nothing changes.
    assert_error(
        app.patch_json(&path, &json!({"description": "mine"}), &ann.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(app.get(&path, Some(&zed.access_token)).await, StatusCode::FORBIDDEN, 50001).await;
    let (_, channels) =
        status_and_json(app.get(&format!("/guilds/{}/channels", guild.id), Some(&owner.access_token)).await).await;
    let voice = channels.as_array().unwrap().iter().find(|c| c["type"] == 2).unwrap()["id"].clone();
    let one = |id: &serde_json::Value| json!({"channel_id": id, "description": "x"});
    for (body, field) in [
        (json!({"welcome_channels": [one(&voice)]}), "channel_id"),
        (json!({"welcome_channels": [one(&json!(guild.general)), one(&json!(guild.general))]}), "channel_id"),
        (json!({"welcome_channels": [{"channel_id": guild.general, "description": ""}]}), "description"),
    ] {
        let (status, refused) = status_and_json(app.patch_json(&path, &body, &owner.access_token).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
        let errors = &refused["errors"]["welcome_channels"];
        assert!(errors.to_string().contains(field), "{body}: {refused}");
    }
    let six: Vec<_> = (0..6).map(|_| one(&json!(guild.general))).collect();
    assert_error(
        app.patch_json(&path, &json!({"welcome_channels": six}), &owner.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_error(
        app.patch_json(&path, &json!({"description": "x".repeat(141)}), &owner.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    let (_, unchanged) = status_and_json(app.get(&path, Some(&ann.access_token)).await).await;
    assert_eq!(unchanged, read);
}

async fn managers_turn_the_widget_on_and_point_it_at_a_text_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann) = (app.register("owner").await, app.register("ann").await);
    let guild = app.guild_with(&owner, "Widget", &[&ann]).await;
    let path = format!("/guilds/{}/widget", guild.id);
    let (status, off) = status_and_json(app.get(&path, Some(&owner.access_token)).await).await;
    assert_eq!((status, off), (StatusCode::OK, json!({"enabled": false, "channel_id": null})));

    let (status, on) = status_and_json(
        app.patch_json(&path, &json!({"enabled": true, "channel_id": guild.general}), &owner.access_token).await,
    )
    .await;
    assert_eq!((status, on), (StatusCode::OK, json!({"enabled": true, "channel_id": guild.general})));
    let (_, shown) = status_and_json(app.get(&format!("/guilds/{}", guild.id), Some(&ann.access_token)).await).await;
    assert_eq!(
        (shown["widget_enabled"].as_bool(), shown["widget_channel_id"].as_str()),
        (Some(true), Some(guild.general.as_str()))
    );
    // Leaving a field out keeps it; null clears the channel.
    let (_, cleared) =
        status_and_json(app.patch_json(&path, &json!({"channel_id": null}), &owner.access_token).await).await;
    assert_eq!(cleared, json!({"enabled": true, "channel_id": null}));

    assert_error(app.get(&path, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(
        app.patch_json(&path, &json!({"enabled": false}), &ann.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let elsewhere = app.guild_with(&ann, "Elsewhere", &[]).await;
    let (status, refused) =
        status_and_json(app.patch_json(&path, &json!({"channel_id": elsewhere.general}), &owner.access_token).await)
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["errors"]["channel_id"]["_errors"][0]["code"], "CHANNEL_UNKNOWN");
}

/// The public widget: nothing while off; once on, to anyone without signing in, the guild's
/// name, the voice channels @everyone may join, and who is online by name only.
async fn anyone_reads_the_public_widget_while_it_is_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, ann) = (app.register("owner").await, app.register("ann").await);
    let guild = app.guild_with(&owner, "Open Doors", &[&ann]).await;
    let public = format!("/guilds/{}/widget.json", guild.id);
    assert_error(app.get(&public, None).await, StatusCode::FORBIDDEN, 50004).await;
    assert_error(app.get("/guilds/4242/widget.json", None).await, StatusCode::NOT_FOUND, 10004).await;

    let on =
        app.patch_json(&format!("/guilds/{}/widget", guild.id), &json!({"enabled": true}), &owner.access_token).await;
    assert_eq!(on.status(), StatusCode::OK);
    // A voice channel @everyone cannot see stays off the widget.
    let (_, staff) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/channels", guild.id),
            &json!({"name": "Staff", "type": 2}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    let hide = json!({"type": 0, "allow": "0", "deny": (1u64 << 10).to_string()});
    let hidden = app
        .put_json(
            &format!("/channels/{}/permissions/{}", staff["id"].as_str().unwrap(), guild.id),
            &hide,
            &owner.access_token,
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    // ann shows a display name; the owner has none (counted, not listed). Both online.
    let named = app.patch_json("/users/@me", &json!({"global_name": "Ann B."}), &ann.access_token).await;
    assert_eq!(named.status(), StatusCode::OK);
    let (_ann_gateway, _) = crate::gateway_client::GatewayClient::identified(&app, &ann).await;
    let (_owner_gateway, _) = crate::gateway_client::GatewayClient::identified(&app, &owner).await;
    // The widget remembers its look for a few seconds: ask once both are seen online.
    for _ in 0..100 {
        let (_, counted) = status_and_json(
            app.get(&format!("/guilds/{}?with_counts=true", guild.id), Some(&owner.access_token)).await,
        )
        .await;
        if counted["approximate_presence_count"] == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let response = app.get(&public, None).await;
    assert_eq!(response.headers()["access-control-allow-origin"], "*", "any site may show it");
    let (status, widget) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{widget}");
    assert_eq!(widget["id"], guild.id.as_str());
    assert_eq!(widget["name"], "Open Doors");
    assert_eq!(widget["instant_invite"], json!(null));
    let channels: Vec<&str> =
        widget["channels"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(channels, vec!["General"], "{widget}");
    assert_eq!(widget["presence_count"], 2, "{widget}");
    assert_eq!(widget["members"].as_array().unwrap().len(), 1, "{widget}");
    let member = &widget["members"][0];
    assert_eq!(
        (member["username"].as_str(), member["status"].as_str()),
        (Some("Ann B."), Some("online")),
        "a display name, never the name ann signs in with"
    );
    assert_eq!(member["id"], "0", "a stranger learns no user ids");
    assert_eq!(member["discriminator"], "0000");
}

on_both_backends!(
    managers_set_the_welcome_screen_members_read_it_once_enabled,
    managers_turn_the_widget_on_and_point_it_at_a_text_channel,
    anyone_reads_the_public_widget_while_it_is_on,
);
