//! Read states: acknowledging messages, unread flags and mention counts.

use parley_events::EventName;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, say, spawn_app, status_and_json,
};

async fn states(app: &TestApp, who: &Session) -> Vec<Value> {
    let (status, list) = status_and_json(app.get("/users/@me/read-states", Some(&who.access_token)).await).await;
    assert_eq!(status, StatusCode::OK);
    list.as_array().unwrap().clone()
}

async fn unread_messages_and_mentions_are_counted_until_acknowledged(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let general = app.guild_with(&owner, "Reading", &[&ann]).await.general;

    let fresh = states(&app, &ann).await;
    assert_eq!(fresh.len(), 1, "one text channel");
    assert_eq!((fresh[0]["unread"].as_bool(), fresh[0]["mention_count"].as_i64()), (Some(false), Some(0)));

    say(&app, &owner, &general, "hello all").await;
    say(&app, &owner, &general, &format!("<@{}> look", ann.user_id)).await;
    let last = say(&app, &owner, &general, "@everyone meeting").await;
    let now = &states(&app, &ann).await[0];
    assert_eq!((now["unread"].as_bool(), now["mention_count"].as_i64()), (Some(true), Some(2)));

    let mut events = app.bus.subscribe();
    let (status, ack) = status_and_json(
        app.post_json(&format!("/channels/{general}/messages/{last}/ack"), &json!({}), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!((status, ack), (StatusCode::OK, json!({"token": null})));
    assert_eq!(next_event(&mut events).await.name, EventName::MessageAck);
    let read = &states(&app, &ann).await[0];
    assert_eq!(read["last_read_message_id"], last.as_str());
    assert_eq!((read["mention_count"].as_i64(), read["unread"].as_bool()), (Some(0), Some(false)));

    // Writing in a channel reads it, as on Discord: your own message is never unread.
    say(&app, &owner, &general, "one more").await;
    let own = say(&app, &ann, &general, "my own words are never unread").await;
    let read = &states(&app, &ann).await[0];
    assert_eq!((read["last_read_message_id"].as_str(), read["unread"].as_bool()), (Some(own.as_str()), Some(false)));
    say(&app, &owner, &general, "and a reply").await;
    assert_eq!(states(&app, &ann).await[0]["unread"], true, "what others write after it is unread again");

    assert_error(
        app.post_json(&format!("/channels/{general}/messages/1/ack"), &json!({}), Some(&ann.access_token)).await,
        StatusCode::NOT_FOUND,
        10008,
    )
    .await;
    let stranger = app.register("stranger").await;
    assert_error(
        app.post_json(&format!("/channels/{general}/messages/{last}/ack"), &json!({}), Some(&stranger.access_token))
            .await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert!(states(&app, &stranger).await.is_empty());
}

async fn channels_i_cannot_see_have_no_read_state(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&owner, "Hidden", &[]).await;
    let (guild_id, general) = (guild.id.clone(), guild.general.clone());
    let (_, secret) = status_and_json(
        app.post_json(&format!("/guilds/{guild_id}/channels"), &json!({"name": "secret"}), Some(&owner.access_token))
            .await,
    )
    .await;
    let secret = secret["id"].as_str().unwrap().to_owned();
    let hide = json!({"type": 0, "deny": "1024"});
    app.send(
        app.client
            .put(app.api(&format!("/channels/{secret}/permissions/{guild_id}")))
            .json(&hide)
            .bearer_auth(&owner.access_token),
    )
    .await;
    app.post_json(&format!("/invites/{}", guild.invite), &json!({}), Some(&ann.access_token)).await;
    let listed: Vec<String> =
        states(&app, &ann).await.iter().map(|s| s["channel_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(listed, vec![general]);
    assert_eq!(states(&app, &owner).await.len(), 2);
}

async fn a_mention_of_my_role_counts_as_a_mention_of_me(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&owner, "Roles", &[&ann, &bob]).await;
    let (status, role) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/roles", guild.id),
            &json!({"name": "oncall", "mentionable": true}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{role}");
    let role_id = role["id"].as_str().unwrap();
    let given =
        app.put(&format!("/guilds/{}/members/{}/roles/{role_id}", guild.id, ann.user_id), &owner.access_token).await;
    assert_eq!(given.status(), StatusCode::NO_CONTENT);
    say(&app, &owner, &guild.general, &format!("<@&{role_id}> the pager went off")).await;
    assert_eq!(states(&app, &ann).await[0]["mention_count"], 1, "ann holds the role");
    assert_eq!(states(&app, &bob).await[0]["mention_count"], 0, "bob does not");
}

async fn mentions_by_someone_i_block_do_not_count(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let general = app.guild_with(&owner, "Quiet", &[&ann, &bob]).await.general;
    let blocked = app
        .put_json(&format!("/users/@me/relationships/{}", bob.user_id), &json!({"type": 2}), &ann.access_token)
        .await;
    assert_eq!(blocked.status(), StatusCode::NO_CONTENT);
    say(&app, &bob, &general, &format!("<@{}> hey", ann.user_id)).await;
    say(&app, &bob, &general, "@everyone listen").await;
    let now = &states(&app, &ann).await[0];
    assert_eq!(
        (now["unread"].as_bool(), now["mention_count"].as_i64()),
        (Some(true), Some(0)),
        "unread, but no mention"
    );
    say(&app, &owner, &general, &format!("<@{}> from the owner", ann.user_id)).await;
    assert_eq!(states(&app, &ann).await[0]["mention_count"], 1, "others' mentions still count");
}

on_both_backends!(
    mentions_by_someone_i_block_do_not_count,
    unread_messages_and_mentions_are_counted_until_acknowledged,
    channels_i_cannot_see_have_no_read_state,
    a_mention_of_my_role_counts_as_a_mention_of_me,
);
