//! Direct messages and group DMs: opening, who may message whom, the ten-person limit,
//! leaving and ownership, and messages, reactions, pins and read states inside them.

use std::sync::Arc;

use parley_events::{Audience, Event, EventName};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

type Events = tokio::sync::broadcast::Receiver<Arc<Event>>;

/// The next event called `name`, skipping others.
async fn event_named(events: &mut Events, name: EventName) -> Arc<Event> {
    loop {
        let event = next_event(events).await;
        if event.name == name {
            return event;
        }
    }
}

fn users(ids: &[&Session]) -> Audience {
    Audience::Users(ids.iter().map(|s| s.user_id.parse().unwrap()).collect())
}

async fn open_dm(app: &TestApp, me: &Session, other: &Session) -> Value {
    let (status, dm) = status_and_json(
        app.post_json("/users/@me/channels", &json!({"recipient_id": other.user_id}), Some(&me.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dm}");
    dm
}

async fn say(app: &TestApp, who: &Session, channel: &str, text: &str) -> Value {
    let (status, message) = status_and_json(
        app.post_json(&format!("/channels/{channel}/messages"), &json!({"content": text}), Some(&who.access_token))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{message}");
    message
}

async fn my_channels(app: &TestApp, who: &Session) -> Vec<Value> {
    let (status, list) = status_and_json(app.get("/users/@me/channels", Some(&who.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

async fn a_dm_is_one_channel_per_pair_and_reaches_the_other_person_with_its_first_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    app.guild_with(&ann, "Common", &[&bob, &eve]).await;

    let dm = open_dm(&app, &ann, &bob).await;
    let id = dm["id"].as_str().unwrap().to_owned();
    assert_eq!(dm["type"], 1);
    assert_eq!(dm["recipients"].as_array().unwrap().len(), 1, "the others only: {dm}");
    assert_eq!(dm["recipients"][0]["id"], bob.user_id.as_str());
    assert!(dm.get("guild_id").is_none(), "a DM has no guild: {dm}");
    assert!(my_channels(&app, &bob).await.is_empty(), "bob sees nothing until a message arrives");

    let mut events = app.bus.subscribe();
    let hello = say(&app, &ann, &id, &format!("hi <@{}>, and @everyone", bob.user_id)).await;
    assert!(hello.get("guild_id").is_none(), "{hello}");
    assert_eq!(hello["mentions"][0]["id"], bob.user_id.as_str(), "a recipient can be mentioned");
    assert_eq!(hello["mention_everyone"], false, "nobody mentions everyone in a DM");
    let opened = event_named(&mut events, EventName::ChannelCreate).await;
    assert_eq!(opened.audience, users(&[&bob]));
    assert_eq!(opened.json()["recipients"][0]["id"], ann.user_id.as_str(), "bob's view lists ann");
    let created = event_named(&mut events, EventName::MessageCreate).await;
    assert_eq!(created.audience, users(&[&ann, &bob]), "exactly the two of them hear it");

    let listed = my_channels(&app, &bob).await;
    assert_eq!((listed.len(), listed[0]["id"].as_str()), (1, Some(id.as_str())));
    assert_eq!(listed[0]["last_message_id"], hello["id"]);
    assert_eq!(open_dm(&app, &bob, &ann).await["id"], id.as_str(), "bob opening it finds the same channel");
    let (status, history) =
        status_and_json(app.get(&format!("/channels/{id}/messages"), Some(&bob.access_token)).await).await;
    assert_eq!((status, history[0]["content"].as_str().map(|c| c.starts_with("hi"))), (StatusCode::OK, Some(true)));

    // Eve shares the guild but not the DM.
    for path in [format!("/channels/{id}"), format!("/channels/{id}/messages")] {
        assert_error(app.get(&path, Some(&eve.access_token)).await, StatusCode::FORBIDDEN, 50001).await;
    }
    let (status, channel) = status_and_json(app.get(&format!("/channels/{id}"), Some(&ann.access_token)).await).await;
    assert_eq!((status, channel["type"].as_i64()), (StatusCode::OK, Some(1)));
}

async fn both_people_opening_a_dm_at_once_get_the_same_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.guild_with(&ann, "Common", &[&bob]).await;
    let opens = futures::future::join_all((0..8).map(|i| {
        let (me, other) = if i % 2 == 0 { (&ann, &bob) } else { (&bob, &ann) };
        open_dm(&app, me, other)
    }))
    .await;
    let first = &opens[0]["id"];
    assert!(opens.iter().all(|dm| &dm["id"] == first), "{opens:?}");
}

async fn nobody_opens_a_dm_with_a_stranger_themselves_or_nobody(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob, stranger) = (app.register("ann").await, app.register("bob").await, app.register("stranger").await);
    let guild = app.guild_with(&ann, "Common", &[&bob]).await;
    let open = |body: Value| {
        let (app, token) = (&app, ann.access_token.clone());
        async move { app.post_json("/users/@me/channels", &body, Some(&token)).await }
    };
    assert_error(open(json!({"recipient_id": stranger.user_id})).await, StatusCode::FORBIDDEN, 50007).await;
    assert_error(open(json!({"recipient_id": ann.user_id})).await, StatusCode::FORBIDDEN, 50007).await;
    assert_error(open(json!({"recipient_id": "4242"})).await, StatusCode::NOT_FOUND, 10013).await;
    let both = assert_error(
        open(json!({"recipient_id": bob.user_id, "recipients": [bob.user_id]})).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert!(both["errors"]["recipient_id"].is_object(), "{both}");
    assert_error(open(json!({})).await, StatusCode::BAD_REQUEST, 50035).await;
    assert_error(open(json!({"recipients": [stranger.user_id]})).await, StatusCode::FORBIDDEN, 50007).await;

    // Once they share no guild, an existing DM takes no more messages.
    let dm = open_dm(&app, &ann, &bob).await;
    let id = dm["id"].as_str().unwrap();
    say(&app, &ann, id, "before").await;
    let left = app.delete(&format!("/users/@me/guilds/{}", guild.id), &bob.access_token).await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.post_json(&format!("/channels/{id}/messages"), &json!({"content": "after"}), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50007,
    )
    .await;
    let (status, history) =
        status_and_json(app.get(&format!("/channels/{id}/messages"), Some(&bob.access_token)).await).await;
    assert_eq!((status, history.as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "the history stays readable");
}

async fn group_dms_hold_at_most_ten_people_and_pass_ownership_when_the_owner_leaves(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut people = Vec::new();
    for i in 0..11 {
        people.push(app.register(&format!("person{i}")).await);
    }
    let owner = &people[0];
    let members: Vec<&Session> = people[1..].iter().collect();
    app.guild_with(owner, "Big", &members).await;
    let ids = |range: std::ops::Range<usize>| people[range].iter().map(|p| p.user_id.clone()).collect::<Vec<_>>();

    assert_error(
        app.post_json("/users/@me/channels", &json!({"recipients": ids(1..11)}), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        30004,
    )
    .await;
    let mut events = app.bus.subscribe();
    let (status, group) = status_and_json(
        app.post_json(
            "/users/@me/channels",
            &json!({"recipients": ids(1..3), "name": "  Trip  "}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert_eq!((group["type"].as_i64(), group["name"].as_str()), (Some(3), Some("Trip")));
    assert_eq!(group["owner_id"], owner.user_id.as_str());
    assert_eq!(group["recipients"].as_array().unwrap().len(), 2);
    let id = group["id"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        let created = event_named(&mut events, EventName::ChannelCreate).await;
        let Audience::Users(to) = &created.audience else { panic!("{:?}", created.audience) };
        assert_eq!(to.len(), 1, "each person gets their own view");
        assert_eq!(created.json()["recipients"].as_array().unwrap().len(), 2);
    }

    // Anyone in it adds people, up to ten in all.
    for person in &people[3..10] {
        let added = app.put(&format!("/channels/{id}/recipients/{}", person.user_id), &people[1].access_token).await;
        assert_eq!(added.status(), StatusCode::NO_CONTENT);
    }
    assert_error(
        app.put(&format!("/channels/{id}/recipients/{}", people[10].user_id), &owner.access_token).await,
        StatusCode::BAD_REQUEST,
        30004,
    )
    .await;
    assert_eq!(my_channels(&app, &people[9]).await[0]["recipients"].as_array().unwrap().len(), 9);

    // Only the owner removes others; anyone may leave.
    assert_error(
        app.delete(&format!("/channels/{id}/recipients/{}", people[2].user_id), &people[1].access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let removed = app.delete(&format!("/channels/{id}/recipients/{}", people[9].user_id), &owner.access_token).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.get(&format!("/channels/{id}"), Some(&people[9].access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;

    let mut events = app.bus.subscribe();
    let (status, left) = status_and_json(app.delete(&format!("/channels/{id}"), &owner.access_token).await).await;
    assert_eq!((status, left["id"].as_str()), (StatusCode::OK, Some(id.as_str())));
    let gone = event_named(&mut events, EventName::ChannelRecipientRemove).await;
    assert_eq!(gone.json()["user"]["id"], owner.user_id.as_str());
    let (_, now) = status_and_json(app.get(&format!("/channels/{id}"), Some(&people[1].access_token)).await).await;
    assert_eq!(now["owner_id"], people[1].user_id.as_str(), "ownership passed to who joined next");

    let (status, renamed) = status_and_json(
        app.patch_json(&format!("/channels/{id}"), &json!({"name": "Reunion"}), &people[3].access_token).await,
    )
    .await;
    assert_eq!((status, renamed["name"].as_str()), (StatusCode::OK, Some("Reunion")));
    // A thread's or voice channel's field means nothing here, but an impossible value is still
    // refused rather than silently dropped, and the name stays as it was.
    for bad in [json!({"name": "Nope", "auto_archive_duration": 7}), json!({"name": "Nope", "bitrate": -1})] {
        assert_error(
            app.patch_json(&format!("/channels/{id}"), &bad, &people[3].access_token).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
    }
    let (_, unchanged) =
        status_and_json(app.get(&format!("/channels/{id}"), Some(&people[3].access_token)).await).await;
    assert_eq!(unchanged["name"], "Reunion");

    // The last one out deletes it.
    for person in &people[1..9] {
        let left = app.delete(&format!("/channels/{id}/recipients/@me"), &person.access_token).await;
        assert_eq!(left.status(), StatusCode::NO_CONTENT);
    }
    assert_error(
        app.get(&format!("/channels/{id}"), Some(&people[1].access_token)).await,
        StatusCode::NOT_FOUND,
        10003,
    )
    .await;
}

async fn reactions_pins_typing_and_read_states_work_in_a_dm(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.guild_with(&ann, "Common", &[&bob]).await;
    let dm = open_dm(&app, &ann, &bob).await;
    let id = dm["id"].as_str().unwrap().to_owned();
    let first = say(&app, &ann, &id, "one").await;
    say(&app, &ann, &id, "two").await;
    let first_id = first["id"].as_str().unwrap();

    let dm_state = |states: Value| states.as_array().unwrap().iter().find(|s| s["channel_id"] == id.as_str()).cloned();
    let (_, states) = status_and_json(app.get("/users/@me/read-states", Some(&bob.access_token)).await).await;
    let state = dm_state(states).expect("the DM has a read state");
    assert_eq!((state["unread"].as_bool(), state["mention_count"].as_i64()), (Some(true), Some(2)));
    assert!(state.get("guild_id").is_none(), "{state}");

    let mut events = app.bus.subscribe();
    let reacted =
        app.put(&format!("/channels/{id}/messages/{first_id}/reactions/%F0%9F%91%8D/@me"), &bob.access_token).await;
    assert_eq!(reacted.status(), StatusCode::NO_CONTENT);
    let reaction = event_named(&mut events, EventName::MessageReactionAdd).await;
    assert_eq!(reaction.audience, users(&[&ann, &bob]));
    assert!(reaction.json().get("guild_id").is_none());
    let pinned = app.put(&format!("/channels/{id}/pins/{first_id}"), &bob.access_token).await;
    assert_eq!(pinned.status(), StatusCode::NO_CONTENT, "anyone in a DM may pin");
    let (_, pins) = status_and_json(app.get(&format!("/channels/{id}/pins"), Some(&ann.access_token)).await).await;
    assert_eq!(pins[0]["reactions"][0]["count"], 1);
    let typing = app.post_json(&format!("/channels/{id}/typing"), &json!({}), Some(&bob.access_token)).await;
    assert_eq!(typing.status(), StatusCode::NO_CONTENT);
    assert_eq!(event_named(&mut events, EventName::TypingStart).await.audience, users(&[&ann, &bob]));

    let (status, reply) = status_and_json(
        app.post_json(
            &format!("/channels/{id}/messages"),
            &json!({"content": "agreed", "message_reference": {"message_id": first_id}}),
            Some(&bob.access_token),
        )
        .await,
    )
    .await;
    assert_eq!((status, reply["type"].as_i64()), (StatusCode::OK, Some(19)), "{reply}");
    assert_eq!(reply["message_reference"]["message_id"], first_id);
    assert!(reply["message_reference"].get("guild_id").is_none_or(Value::is_null));
    assert_eq!(reply["mentions"][0]["id"], ann.user_id.as_str(), "a reply mentions who it answers");

    // Nobody moderates a DM: others' messages stay theirs.
    assert_error(
        app.delete(&format!("/channels/{id}/messages/{first_id}"), &bob.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let ack =
        app.post_json(&format!("/channels/{id}/messages/{first_id}/ack"), &json!({}), Some(&bob.access_token)).await;
    assert_eq!(ack.status(), StatusCode::OK);
    let (_, states) = status_and_json(app.get("/users/@me/read-states", Some(&bob.access_token)).await).await;
    assert_eq!(dm_state(states).unwrap()["mention_count"], 1, "one unread message left");
}

async fn a_closed_dm_comes_back_with_the_next_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.guild_with(&ann, "Common", &[&bob]).await;
    let id = open_dm(&app, &ann, &bob).await["id"].as_str().unwrap().to_owned();
    say(&app, &ann, &id, "hello").await;
    let (status, closed) = status_and_json(app.delete(&format!("/channels/{id}"), &bob.access_token).await).await;
    assert_eq!((status, closed["id"].as_str()), (StatusCode::OK, Some(id.as_str())));
    assert!(my_channels(&app, &bob).await.is_empty());
    assert_eq!(my_channels(&app, &ann).await.len(), 1, "closing is bob's alone");
    say(&app, &ann, &id, "still there?").await;
    assert_eq!(my_channels(&app, &bob).await.len(), 1);
    let (_, history) =
        status_and_json(app.get(&format!("/channels/{id}/messages"), Some(&bob.access_token)).await).await;
    assert_eq!(history.as_array().unwrap().len(), 2, "closing lost nothing");
}

on_both_backends!(
    a_dm_is_one_channel_per_pair_and_reaches_the_other_person_with_its_first_message,
    both_people_opening_a_dm_at_once_get_the_same_channel,
    nobody_opens_a_dm_with_a_stranger_themselves_or_nobody,
    group_dms_hold_at_most_ten_people_and_pass_ownership_when_the_owner_leaves,
    reactions_pins_typing_and_read_states_work_in_a_dm,
    a_closed_dm_comes_back_with_the_next_message,
);
