//! "Export my data": one JSON download of everything kept of a person, their messages and
//! files streamed page by page, and nothing of anyone else's.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::attachments::{file, form, payload, send_form};
use crate::bots::{as_bot, create_bot};
use crate::helpers::{Backend, Session, TestApp, on_both_backends, run_sql, say, spawn_app};

async fn export(app: &TestApp, who: &Session) -> (reqwest::header::HeaderMap, Value) {
    let response = app.get("/users/@me/export", Some(&who.access_token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (headers, serde_json::from_str(&text).unwrap_or_else(|e| panic!("the export is JSON ({e}): {text:.400}")))
}

async fn an_export_holds_my_account_guilds_settings_files_and_every_message_i_wrote(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let guild = app.guild_with(&owner, "Archive", &[&ann, &bob]).await;
    let first = say(&app, &ann, &guild.general, "my first words").await;
    say(&app, &bob, &guild.general, "bob's words are his own").await;
    let sent = send_form(
        &app,
        &ann,
        &guild.general,
        form(&[payload(json!({"content": "a note"})), file(0, "note.txt", b"remember the milk".to_vec())]),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::OK);
    app.put_json(&format!("/users/@me/relationships/{}", bob.user_id), &json!({"type": 2}), &ann.access_token).await;
    app.patch_json(
        &format!("/users/@me/guilds/{}/settings", guild.id),
        &json!({"message_notifications": 1}),
        &ann.access_token,
    )
    .await;
    // 1,200 more of ann's messages, copied in the database (sending them would take minutes):
    // more than two of the export's pages.
    run_sql(
        &app,
        &[format!(
            "INSERT INTO messages (id, channel_id, guild_id, author_id, content, nonce, kind, reference_message_id, \
             mention_everyone, mentions, mention_roles, pinned, edited_at, created_at, embeds, flags, pinned_at, \
             webhook_id, webhook_name, webhook_avatar_url, components, application_id, interaction, attachments) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200) \
             SELECT m.id + n.i, m.channel_id, m.guild_id, m.author_id, 'copy ' || n.i, NULL, m.kind, NULL, \
             m.mention_everyone, m.mentions, m.mention_roles, FALSE, NULL, m.created_at, m.embeds, m.flags, NULL, \
             NULL, NULL, NULL, m.components, NULL, NULL, m.attachments FROM messages m, n WHERE m.id = {first}"
        )],
    )
    .await;

    let (headers, data) = export(&app, &ann).await;
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["content-disposition"], "attachment; filename=\"parley-export-ann.json\"");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!((&data["account"]["id"], &data["account"]["username"]), (&json!(ann.user_id), &json!("ann")));
    assert_eq!(
        data["guilds"],
        json!([{"id": guild.id, "name": "Archive", "owner": false,
        "joined_at": data["guilds"][0]["joined_at"], "nick": null}])
    );
    assert_eq!(data["relationships"][0]["id"], bob.user_id.as_str());
    assert_eq!(data["notification_settings"][0]["message_notifications"], 1);
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    let files = data["files"].as_array().unwrap();
    assert_eq!((files.len(), &files[0]["filename"], &files[0]["size"]), (1, &json!("note.txt"), &json!(17)));

    let messages = data["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1 + 1 + 1200, "every message ann wrote, across pages, none of bob's");
    assert_eq!((&messages[0]["id"], &messages[0]["content"]), (&json!(first), &json!("my first words")));
    assert!(messages.iter().all(|m| m["content"] != "bob's words are his own"));
    let ids: Vec<u128> = messages.iter().map(|m| m["id"].as_str().unwrap().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first, each once");
    assert!(messages.iter().any(|m| m["attachments"][0]["filename"] == "note.txt"));

    // Bob's export has his one message and nothing of ann's.
    let (_, his) = export(&app, &bob).await;
    assert_eq!(his["messages"].as_array().unwrap().len(), 1);
    assert!(his["files"].as_array().unwrap().is_empty());

    // Bots have no export.
    let bot = create_bot(&app, &owner, "Archivist").await;
    let (status, refused) = as_bot(&app, &bot, reqwest::Method::GET, "/users/@me/export", None).await;
    assert_eq!((status, &refused["code"]), (StatusCode::FORBIDDEN, &json!(20001)));
    assert_eq!(app.get("/users/@me/export", None).await.status(), StatusCode::UNAUTHORIZED);
}

on_both_backends!(an_export_holds_my_account_guilds_settings_files_and_every_message_i_wrote);
