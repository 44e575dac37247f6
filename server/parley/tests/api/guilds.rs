//! Guilds: creation with the default layout, access by members only, listing, changes,
//! deletion that leaves nothing behind, leaving; and channel visibility through overwrites.

use parley_core::permissions::{Overwrite, OverwriteKind};
use parley_core::{Permissions, Snowflake, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use parley_events::{Audience, EventName};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, spawn_app_with, status_and_json,
};

async fn create_guild(app: &TestApp, owner: &Session, name: &str) -> Value {
    let (status, guild) =
        status_and_json(app.post_json("/guilds", &json!({"name": name}), Some(&owner.access_token)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{guild}");
    guild
}

/// Makes `who` a member directly, until guild invites exist.
async fn join(app: &TestApp, guild: &Value, who: &Session) {
    let guild_id: Snowflake = guild["id"].as_str().unwrap().parse().unwrap();
    assert!(app.store.add_member(guild_id, who.user_id.parse().unwrap(), Timestamp::now(), None).await.unwrap());
}

fn by_name<'a>(channels: &'a [Value], name: &str) -> &'a Value {
    channels.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no channel {name} in {channels:?}"))
}

async fn a_new_guild_has_its_owner_everyone_role_and_default_channels(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.register("ada").await;
    let guild = create_guild(&app, &ada, "  Rustaceans  ").await;
    assert_eq!(guild["name"], "Rustaceans");
    assert_eq!(guild["owner_id"], ada.user_id.as_str());
    let roles = guild["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["id"], guild["id"], "@everyone's id is the guild's id");
    assert_eq!(roles[0]["name"], "@everyone");
    assert_eq!(roles[0]["permissions"], Permissions::DEFAULT_EVERYONE.bits().to_string());

    let (status, channels) = status_and_json(
        app.get(&format!("/guilds/{}/channels", guild["id"].as_str().unwrap()), Some(&ada.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let channels = channels.as_array().unwrap().clone();
    assert_eq!(channels.len(), 4);
    let text_category = by_name(&channels, "Text Channels");
    let voice_category = by_name(&channels, "Voice Channels");
    assert_eq!((text_category["type"].as_i64(), voice_category["type"].as_i64()), (Some(4), Some(4)));
    let general = by_name(&channels, "general");
    assert_eq!(general["type"], 0);
    assert_eq!(general["parent_id"], text_category["id"]);
    let voice = by_name(&channels, "General");
    assert_eq!(voice["type"], 2);
    assert_eq!(voice["parent_id"], voice_category["id"]);
    assert_eq!(voice["bitrate"], 64000);
}

async fn only_members_can_see_a_guild(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let stranger = app.register("stranger").await;
    let guild = create_guild(&app, &owner, "Private Club").await;
    let id = guild["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/guilds/{id}"), Some(&owner.access_token)).await.status(), StatusCode::OK);
    assert_error(app.get(&format!("/guilds/{id}"), Some(&stranger.access_token)).await, StatusCode::FORBIDDEN, 50001)
        .await;
    assert_error(
        app.get(&format!("/guilds/{id}/channels"), Some(&stranger.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert_error(app.get("/guilds/123456789", Some(&owner.access_token)).await, StatusCode::NOT_FOUND, 10004).await;
    assert_error(app.get("/guilds/not-an-id", Some(&owner.access_token)).await, StatusCode::NOT_FOUND, 10004).await;
    assert_error(app.get(&format!("/guilds/{id}"), None).await, StatusCode::UNAUTHORIZED, 40001).await;
}

async fn my_guild_list_says_which_i_own_and_what_i_may_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let amy = app.register("amy").await;
    let bo = app.register("bo").await;
    let mine = create_guild(&app, &amy, "Amy's").await;
    let theirs = create_guild(&app, &bo, "Bo's").await;
    join(&app, &theirs, &amy).await;
    let (_, list) = status_and_json(app.get("/users/@me/guilds", Some(&amy.access_token)).await).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let own = list.iter().find(|g| g["id"] == mine["id"]).unwrap();
    assert_eq!(
        (own["owner"].as_bool(), own["permissions"].as_str()),
        (Some(true), Some(Permissions::ALL.bits().to_string().as_str()))
    );
    let joined = list.iter().find(|g| g["id"] == theirs["id"]).unwrap();
    assert_eq!(joined["owner"], false);
    assert_eq!(joined["permissions"], Permissions::DEFAULT_EVERYONE.bits().to_string());
}

async fn changing_a_guild_needs_manage_guild(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("boss").await;
    let member = app.register("member").await;
    let guild = create_guild(&app, &owner, "Original").await;
    join(&app, &guild, &member).await;
    let path = format!("/guilds/{}", guild["id"].as_str().unwrap());
    let refused = assert_error(
        app.patch_json(&path, &json!({"name": "Hijacked"}), &member.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert!(
        refused["message"].as_str().unwrap().contains("MANAGE_GUILD"),
        "the message names what is missing: {refused}"
    );
    let (status, changed) = status_and_json(
        app.patch_json(&path, &json!({"name": "Renamed", "description": "All about Rust"}), &owner.access_token).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["name"].as_str(), changed["description"].as_str()), (Some("Renamed"), Some("All about Rust")));
    let (_, cleared) =
        status_and_json(app.patch_json(&path, &json!({"description": null}), &owner.access_token).await).await;
    assert_eq!(cleared["description"], json!(null));
    for bad in [
        json!({"name": "x"}),
        json!({"name": "y".repeat(101)}),
        json!({"name": 7}),
        json!({"description": "d".repeat(121)}),
    ] {
        assert_error(app.patch_json(&path, &bad, &owner.access_token).await, StatusCode::BAD_REQUEST, 50035).await;
    }
    let (_, now) = status_and_json(app.get(&path, Some(&owner.access_token)).await).await;
    assert_eq!(now["name"], "Renamed", "refused changes changed nothing");
}

async fn only_the_owner_deletes_a_guild_and_nothing_is_left_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let member = app.register("member").await;
    let guild = create_guild(&app, &owner, "Doomed").await;
    join(&app, &guild, &member).await;
    let id: Snowflake = guild["id"].as_str().unwrap().parse().unwrap();
    let general = app.store.channels(id).await.unwrap().into_iter().find(|c| c.name == "general").unwrap();
    app.store
        .set_overwrite(
            general.id,
            &Overwrite { id, kind: OverwriteKind::Role, allow: Permissions::NONE, deny: Permissions::SEND_MESSAGES },
            None,
        )
        .await
        .unwrap();

    assert_error(app.delete(&format!("/guilds/{id}"), &member.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(app.delete(&format!("/guilds/{id}"), &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert!(app.store.guild(id).await.unwrap().is_none());
    assert!(app.store.channels(id).await.unwrap().is_empty());
    assert!(app.store.roles(id).await.unwrap().is_empty());
    assert!(app.store.guild_overwrites(id).await.unwrap().is_empty());
    assert!(app.store.member(id, member.user_id.parse().unwrap()).await.unwrap().is_none());
    assert_error(app.get(&format!("/guilds/{id}"), Some(&owner.access_token)).await, StatusCode::NOT_FOUND, 10004)
        .await;
}

async fn members_may_leave_but_the_owner_may_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let member = app.register("member").await;
    let guild = create_guild(&app, &owner, "Club").await;
    join(&app, &guild, &member).await;
    let id = guild["id"].as_str().unwrap();
    assert_error(
        app.delete(&format!("/users/@me/guilds/{id}"), &owner.access_token).await,
        StatusCode::BAD_REQUEST,
        90009,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/users/@me/guilds/{id}"), &member.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_error(app.get(&format!("/guilds/{id}"), Some(&member.access_token)).await, StatusCode::FORBIDDEN, 50001)
        .await;
    let (_, list) = status_and_json(app.get("/users/@me/guilds", Some(&member.access_token)).await).await;
    assert_eq!(list, json!([]));
}

async fn a_channel_hidden_by_an_overwrite_disappears_for_members_but_not_the_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let member = app.register("member").await;
    let guild = create_guild(&app, &owner, "Layered").await;
    join(&app, &guild, &member).await;
    let id: Snowflake = guild["id"].as_str().unwrap().parse().unwrap();
    let channels = app.store.channels(id).await.unwrap();
    let general = channels.iter().find(|c| c.name == "general").unwrap();
    let voice_category = channels.iter().find(|c| c.name == "Voice Channels").unwrap();
    let hide = Overwrite { id, kind: OverwriteKind::Role, allow: Permissions::NONE, deny: Permissions::VIEW_CHANNEL };
    app.store.set_overwrite(general.id, &hide, None).await.unwrap();
    // Hiding a category hides the channels in it.
    app.store.set_overwrite(voice_category.id, &hide, None).await.unwrap();

    let names = |list: Value| -> Vec<String> {
        list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
    };
    let (_, seen) = status_and_json(app.get(&format!("/guilds/{id}/channels"), Some(&member.access_token)).await).await;
    assert_eq!(names(seen), vec!["Text Channels"]);
    assert_error(
        app.get(&format!("/channels/{}", general.id), Some(&member.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    let (_, owner_sees) =
        status_and_json(app.get(&format!("/guilds/{id}/channels"), Some(&owner.access_token)).await).await;
    assert_eq!(names(owner_sees).len(), 4);
    let (status, channel) =
        status_and_json(app.get(&format!("/channels/{}", general.id), Some(&owner.access_token)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        channel["permission_overwrites"],
        json!([{"id": id.to_string(), "type": 0, "allow": "0", "deny": "1024"}])
    );

    // A member overwrite on the channel lets this member back in.
    let let_in = json!({"type": 1, "allow": Permissions::VIEW_CHANNEL.bits().to_string()});
    let path = format!("/channels/{}/permissions/{}", general.id, member.user_id);
    let response = app.send(app.client.put(app.api(&path)).json(&let_in).bearer_auth(&owner.access_token)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/channels/{}", general.id), Some(&member.access_token)).await.status(),
        StatusCode::OK
    );
    assert_error(app.get("/channels/999", Some(&member.access_token)).await, StatusCode::NOT_FOUND, 10003).await;
}

async fn an_instance_can_reserve_guild_creation_for_admins(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_GUILD_CREATION", "admins")]).await;
    let admin = app.register("admin").await;
    let user = app.register("user").await;
    create_guild(&app, &admin, "Official").await;
    assert_error(
        app.post_json("/guilds", &json!({"name": "Mine"}), Some(&user.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert!(app.store.guilds_of_member(user.user_id.parse().unwrap()).await.unwrap().is_empty());
}

async fn bad_guild_names_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    for bad in [
        json!({"name": "x"}),
        json!({"name": "   "}),
        json!({"name": "n".repeat(101)}),
        json!({"name": "tab\there"}),
        json!({}),
        json!({"name": ["x"]}),
    ] {
        assert_error(app.post_json("/guilds", &bad, Some(&ann.access_token)).await, StatusCode::BAD_REQUEST, 50035)
            .await;
    }
    assert!(app.store.guilds_of_member(ann.user_id.parse().unwrap()).await.unwrap().is_empty());
}

async fn every_guild_change_publishes_one_event_to_the_right_audience(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let member = app.register("member").await;
    let (owner_id, member_id): (Snowflake, Snowflake) =
        (owner.user_id.parse().unwrap(), member.user_id.parse().unwrap());
    let mut events = app.bus.subscribe();

    let guild = create_guild(&app, &owner, "Eventful").await;
    let id: Snowflake = guild["id"].as_str().unwrap().parse().unwrap();
    let created = next_event(&mut events).await;
    assert_eq!(created.name, EventName::GuildCreate);
    assert_eq!(created.audience, Audience::Users(vec![owner_id]));
    assert_eq!(created.json()["channels"].as_array().unwrap().len(), 4, "GUILD_CREATE carries the channels");

    app.patch_json(&format!("/guilds/{id}"), &json!({"name": "Renamed"}), &owner.access_token).await;
    let updated = next_event(&mut events).await;
    assert_eq!(
        (updated.name, updated.audience.clone()),
        (EventName::GuildUpdate, Audience::Guild { guild_id: id, channel_id: None })
    );
    assert_eq!(updated.json()["name"], "Renamed");

    join(&app, &guild, &member).await;
    app.delete(&format!("/users/@me/guilds/{id}"), &member.access_token).await;
    let removed = next_event(&mut events).await;
    assert_eq!(removed.name, EventName::GuildMemberRemove);
    assert_eq!(removed.json()["user"]["id"], member.user_id.as_str());
    let gone = next_event(&mut events).await;
    assert_eq!((gone.name, gone.audience.clone()), (EventName::GuildDelete, Audience::Users(vec![member_id])));

    join(&app, &guild, &member).await;
    app.delete(&format!("/guilds/{id}"), &owner.access_token).await;
    let deleted = next_event(&mut events).await;
    assert_eq!(deleted.name, EventName::GuildDelete);
    let mut audience = match &deleted.audience {
        Audience::Users(users) => users.clone(),
        other => panic!("GUILD_DELETE must name its former members, got {other:?}"),
    };
    audience.sort();
    let mut expected = vec![owner_id, member_id];
    expected.sort();
    assert_eq!(audience, expected);
    assert_eq!(deleted.json(), json!({"id": id.to_string()}));

    // Refused changes publish nothing.
    assert!(events.try_recv().is_err(), "no further events");
}

async fn a_guild_s_preview_and_counts_are_for_its_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, outsider) = (app.register("ann").await, app.register("outsider").await);
    let guild = create_guild(&app, &owner, "Previewed").await;
    let id = guild["id"].as_str().unwrap();
    join(&app, &guild, &ann).await;
    let describe =
        app.patch_json(&format!("/guilds/{id}"), &json!({"description": "A place"}), &owner.access_token).await;
    assert_eq!(describe.status(), StatusCode::OK);
    // Ann is online (a gateway session); the owner is not.
    let (_ann_gw, _) = crate::gateway_client::GatewayClient::identified(&app, &ann).await;

    // Her presence is marked just after her READY: wait (a second at most) until it counts.
    let mut preview = Value::Null;
    for _ in 0..50 {
        let (status, seen) =
            status_and_json(app.get(&format!("/guilds/{id}/preview"), Some(&ann.access_token)).await).await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        preview = seen;
        if preview["approximate_presence_count"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        preview,
        json!({"id": id, "name": "Previewed", "icon": null, "splash": null, "discovery_splash": null, "emojis": [],
               "features": [], "approximate_member_count": 2, "approximate_presence_count": 1,
               "description": "A place", "stickers": [], "home_header": null})
    );
    assert_error(
        app.get(&format!("/guilds/{id}/preview"), Some(&outsider.access_token)).await,
        StatusCode::NOT_FOUND,
        10004,
    )
    .await;
    assert_error(app.get("/guilds/42/preview", Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10004).await;
    assert_error(app.get("/guilds/abc/preview", Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10004).await;
    assert_eq!(app.get(&format!("/guilds/{id}/preview"), None).await.status(), StatusCode::UNAUTHORIZED);

    let (_, counted) =
        status_and_json(app.get(&format!("/guilds/{id}?with_counts=true"), Some(&owner.access_token)).await).await;
    assert_eq!(
        (counted["approximate_member_count"].as_i64(), counted["approximate_presence_count"].as_i64()),
        (Some(2), Some(1))
    );
    let (_, plain) =
        status_and_json(app.get(&format!("/guilds/{id}?with_counts=false"), Some(&owner.access_token)).await).await;
    assert!(plain.get("approximate_member_count").is_none(), "counts only when asked: {plain}");
    assert_error(
        app.get(&format!("/guilds/{id}?with_counts=maybe"), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_error(
        app.get(&format!("/guilds/{id}?with_counts=true"), Some(&outsider.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
}

on_both_backends!(
    every_guild_change_publishes_one_event_to_the_right_audience,
    a_new_guild_has_its_owner_everyone_role_and_default_channels,
    only_members_can_see_a_guild,
    my_guild_list_says_which_i_own_and_what_i_may_do,
    changing_a_guild_needs_manage_guild,
    only_the_owner_deletes_a_guild_and_nothing_is_left_behind,
    members_may_leave_but_the_owner_may_not,
    a_channel_hidden_by_an_overwrite_disappears_for_members_but_not_the_owner,
    an_instance_can_reserve_guild_creation_for_admins,
    bad_guild_names_are_refused,
    a_guild_s_preview_and_counts_are_for_its_members,
);
