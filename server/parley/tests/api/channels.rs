//! Managing channels and overwrites through the API: create, modify, delete, reorder,
//! set and remove overwrites; each with its permission check, limits and bad input.

use parley_core::{Permissions, Snowflake};
use parley_events::{Audience, EventName};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

struct Guild {
    id: Snowflake,
    general: Snowflake,
    text_category: Snowflake,
}

async fn setup(app: &TestApp, owner: &Session, member: Option<&Session>) -> Guild {
    let (_, guild) =
        status_and_json(app.post_json("/guilds", &json!({"name": "Channels"}), Some(&owner.access_token)).await).await;
    let id: Snowflake = guild["id"].as_str().unwrap().parse().unwrap();
    let channels = app.store.channels(id).await.unwrap();
    let find = |name: &str| channels.iter().find(|c| c.name == name).unwrap().id;
    let g = Guild { id, general: find("general"), text_category: find("Text Channels") };
    if let Some(member) = member {
        let (_, invite) = status_and_json(
            app.post_json(&format!("/channels/{}/invites", g.general), &json!({}), Some(&owner.access_token)).await,
        )
        .await;
        let joined = app
            .post_json(
                &format!("/invites/{}", invite["code"].as_str().unwrap()),
                &json!({}),
                Some(&member.access_token),
            )
            .await;
        assert_eq!(joined.status(), StatusCode::OK);
    }
    g
}

async fn names_seen_by(app: &TestApp, guild: Snowflake, who: &Session) -> Vec<String> {
    let (_, list) = status_and_json(app.get(&format!("/guilds/{guild}/channels"), Some(&who.access_token)).await).await;
    list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
}

async fn an_owner_creates_text_voice_and_category_channels(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = setup(&app, &owner, None).await;
    let mut events = app.bus.subscribe();
    let path = format!("/guilds/{}/channels", guild.id);
    let create = |body: Value| {
        let (app, path, token) = (&app, path.clone(), owner.access_token.clone());
        async move { app.post_json(&path, &body, Some(&token)).await }
    };

    let (status, text) = status_and_json(create(json!({"name": "Off Topic  Chat", "topic": "anything", "parent_id": guild.text_category.to_string(), "rate_limit_per_user": 10})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert_eq!(text["name"], "off-topic--chat", "text channel names are folded as Discord folds them");
    assert_eq!(
        (text["type"].as_i64(), text["topic"].as_str(), text["rate_limit_per_user"].as_i64()),
        (Some(0), Some("anything"), Some(10))
    );
    assert_eq!(text["parent_id"], guild.text_category.to_string());
    let created = next_event(&mut events).await;
    assert_eq!(created.name, EventName::ChannelCreate);
    assert_eq!(
        created.audience,
        Audience::Guild { guild_id: guild.id, channel_id: Some(text["id"].as_str().unwrap().parse().unwrap()) }
    );

    let (_, voice) =
        status_and_json(create(json!({"name": "Music Room", "type": 2, "user_limit": 5, "bitrate": 96000})).await)
            .await;
    assert_eq!(
        (voice["name"].as_str(), voice["user_limit"].as_i64(), voice["bitrate"].as_i64()),
        (Some("Music Room"), Some(5), Some(96000))
    );
    let (_, category) = status_and_json(create(json!({"name": "Archive", "type": 4})).await).await;
    assert_eq!(category["type"], 4);
}

async fn bad_channel_settings_are_refused_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = setup(&app, &owner, None).await;
    let path = format!("/guilds/{}/channels", guild.id);
    let cases = [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "t", "type": 11}), "type"),
        (json!({"name": "t", "type": 5}), "type"),
        (json!({"name": "t", "rate_limit_per_user": 21601}), "rate_limit_per_user"),
        (json!({"name": "t", "type": 2, "bitrate": 100}), "bitrate"),
        (json!({"name": "t", "type": 2, "user_limit": 100}), "user_limit"),
        (json!({"name": "t", "topic": "x".repeat(1025)}), "topic"),
        (json!({"name": "t", "parent_id": guild.general.to_string()}), "parent_id"),
        (json!({"name": "t", "type": 4, "parent_id": guild.text_category.to_string()}), "parent_id"),
        (json!({"name": "t", "position": -1}), "position"),
        (json!({"name": "t", "position": 2_147_483_648_i64}), "position"),
    ];
    for (body, field) in cases {
        let error =
            assert_error(app.post_json(&path, &body, Some(&owner.access_token)).await, StatusCode::BAD_REQUEST, 50035)
                .await;
        assert!(error["errors"][field].is_object(), "{body} should fault {field}: {error}");
    }
    assert_eq!(app.store.channels(guild.id).await.unwrap().len(), 4, "nothing was created");
}

async fn a_guild_holds_at_most_500_channels(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = setup(&app, &owner, None).await;
    let path = format!("/guilds/{}/channels", guild.id);
    // 4 channels exist; create 495 through the store for speed, the 500th through the API.
    for i in 0..495 {
        let new = parley_store::channels::NewChannel {
            id: Snowflake::new(10_000 + i),
            guild_id: guild.id,
            kind: parley_store::channels::ChannelKind::Text,
            name: format!("c{i}"),
            position: 10 + i as i64,
            parent_id: None,
            topic: None,
            nsfw: false,
            rate_limit_per_user: 0,
            bitrate: None,
            user_limit: None,
            now: parley_core::Timestamp::now(),
            overwrites: Vec::new(),
        };
        app.store.create_channel(&new, None).await.unwrap();
    }
    assert_eq!(
        app.post_json(&path, &json!({"name": "the-500th"}), Some(&owner.access_token)).await.status(),
        StatusCode::CREATED
    );
    let error = assert_error(
        app.post_json(&path, &json!({"name": "one-too-many"}), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_eq!(error["errors"]["_guild"]["_errors"][0]["code"], "MAX_CHANNELS");
}

async fn managing_channels_needs_manage_channels(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let member = app.register("member").await;
    let guild = setup(&app, &owner, Some(&member)).await;
    let refused = assert_error(
        app.post_json(&format!("/guilds/{}/channels", guild.id), &json!({"name": "mine"}), Some(&member.access_token))
            .await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert!(refused["message"].as_str().unwrap().contains("MANAGE_CHANNELS"));
    assert_error(
        app.patch_json(&format!("/channels/{}", guild.general), &json!({"name": "renamed"}), &member.access_token)
            .await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(
        app.delete(&format!("/channels/{}", guild.general), &member.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let reorder = app
        .send(
            app.client
                .patch(app.api(&format!("/guilds/{}/channels", guild.id)))
                .json(&json!([{"id": guild.general.to_string(), "position": 3}]))
                .bearer_auth(&member.access_token),
        )
        .await;
    assert_error(reorder, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(names_seen_by(&app, guild.id, &member).await.len(), 4, "nothing changed");
}

async fn modifying_deleting_and_reordering_channels(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = setup(&app, &owner, None).await;
    let (status, changed) = status_and_json(
        app.patch_json(
            &format!("/channels/{}", guild.general),
            &json!({"name": "Lobby", "topic": "say hi", "nsfw": true, "rate_limit_per_user": 5}),
            &owner.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["name"].as_str(), changed["topic"].as_str(), changed["nsfw"].as_bool()),
        (Some("lobby"), Some("say hi"), Some(true))
    );
    let (_, cleared) = status_and_json(
        app.patch_json(
            &format!("/channels/{}", guild.general),
            &json!({"topic": null, "parent_id": null}),
            &owner.access_token,
        )
        .await,
    )
    .await;
    assert_eq!((cleared["topic"].clone(), cleared["parent_id"].clone()), (json!(null), json!(null)));

    let reorder = app.send(app.client
        .patch(app.api(&format!("/guilds/{}/channels", guild.id)))
        .json(&json!([{"id": guild.general.to_string(), "position": 7, "parent_id": guild.text_category.to_string()}]))
        .bearer_auth(&owner.access_token)).await;
    assert_eq!(reorder.status(), StatusCode::NO_CONTENT);
    let moved = app.store.channel(guild.general).await.unwrap().unwrap();
    assert_eq!((moved.position, moved.parent()), (7, Some(guild.text_category)));
    let bad = app
        .send(
            app.client
                .patch(app.api(&format!("/guilds/{}/channels", guild.id)))
                .json(&json!([{"id": "1", "position": 1}]))
                .bearer_auth(&owner.access_token),
        )
        .await;
    assert_error(bad, StatusCode::BAD_REQUEST, 50035).await;

    // Deleting a category leaves its channels, outside any category.
    let (status, deleted) =
        status_and_json(app.delete(&format!("/channels/{}", guild.text_category), &owner.access_token).await).await;
    assert_eq!((status, deleted["name"].as_str()), (StatusCode::OK, Some("Text Channels")));
    assert_eq!(app.store.channel(guild.general).await.unwrap().unwrap().parent(), None);
    assert_error(
        app.get(&format!("/channels/{}", guild.text_category), Some(&owner.access_token)).await,
        StatusCode::NOT_FOUND,
        10003,
    )
    .await;
}

async fn an_overwrite_set_through_the_api_hides_a_channel_from_a_role(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let member = app.register("member").await;
    let guild = setup(&app, &owner, Some(&member)).await;
    let path = format!("/channels/{}/permissions/{}", guild.general, guild.id);
    let hide = json!({"type": 0, "deny": Permissions::VIEW_CHANNEL.bits().to_string()});

    // A member without MANAGE_ROLES cannot.
    assert_error(app.put_json(&path, &hide, &member.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert!(names_seen_by(&app, guild.id, &member).await.contains(&"general".to_owned()));

    let mut events = app.bus.subscribe();
    assert_eq!(app.put_json(&path, &hide, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(next_event(&mut events).await.name, EventName::ChannelUpdate);
    assert!(!names_seen_by(&app, guild.id, &member).await.contains(&"general".to_owned()));
    assert_error(
        app.get(&format!("/channels/{}", guild.general), Some(&member.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;

    // A member overwrite lets one member back in; removing the role overwrite reopens it.
    let member_path = format!("/channels/{}/permissions/{}", guild.general, member.user_id);
    let let_in = json!({"type": 1, "allow": Permissions::VIEW_CHANNEL.bits().to_string()});
    assert_eq!(app.put_json(&member_path, &let_in, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/channels/{}", guild.general), Some(&member.access_token)).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.delete(&member_path, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&path, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert!(names_seen_by(&app, guild.id, &member).await.contains(&"general".to_owned()));
}

async fn positions_past_32_bits_are_refused_so_ordering_never_overflows(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let guild = setup(&app, &owner, None).await;
    let too_far = json!([{"id": guild.general.to_string(), "position": i64::MAX}]);
    let error = assert_error(reorder(&app, &owner, guild.id, too_far).await, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(error["errors"]["0"]["position"]["_errors"][0]["code"], "NUMBER_TYPE_MAX", "{error}");
    let roles_path = format!("/guilds/{}/roles", guild.id);
    let (_, role) =
        status_and_json(app.post_json(&roles_path, &json!({"name": "mods"}), Some(&owner.access_token)).await).await;
    let role_too_far = json!([{"id": role["id"], "position": i64::MAX}]);
    let error = assert_error(
        app.patch_json(&roles_path, &role_too_far, &owner.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_eq!(error["errors"]["0"]["position"]["_errors"][0]["code"], "NUMBER_TYPE_MAX", "{error}");

    // At the highest position allowed, a new channel still goes after it and a new role still
    // pushes the others up: no arithmetic overflows.
    let highest = json!([{"id": guild.general.to_string(), "position": 2_147_483_647_i64}]);
    assert_eq!(reorder(&app, &owner, guild.id, highest).await.status(), StatusCode::NO_CONTENT);
    let (status, channel) = status_and_json(
        app.post_json(&format!("/guilds/{}/channels", guild.id), &json!({"name": "after"}), Some(&owner.access_token))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    assert_eq!(channel["position"], 2_147_483_647_i64, "never past Discord's int32");
    let top = json!([{"id": role["id"], "position": 2_147_483_647_i64}]);
    assert_eq!(app.patch_json(&roles_path, &top, &owner.access_token).await.status(), StatusCode::OK);
    let created = app.post_json(&roles_path, &json!({"name": "helpers"}), Some(&owner.access_token)).await;
    assert_eq!(created.status(), StatusCode::OK);
}

/// Reorders channels in `guild` as `who`.
async fn reorder(app: &TestApp, who: &Session, guild: Snowflake, body: Value) -> reqwest::Response {
    app.send(app.client.patch(app.api(&format!("/guilds/{guild}/channels"))).json(&body).bearer_auth(&who.access_token))
        .await
}

async fn a_moderator_can_neither_move_nor_confirm_a_channel_they_cannot_see(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let moderator = app.register("moderator").await;
    let guild = setup(&app, &owner, Some(&moderator)).await;
    // The moderator manages channels guild-wide, but a Staff category is hidden from everyone.
    let (_, role) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/roles", guild.id),
            &json!({"name": "mods", "permissions": Permissions::MANAGE_CHANNELS.bits().to_string()}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    let given = app
        .put(
            &format!("/guilds/{}/members/{}/roles/{}", guild.id, moderator.user_id, role["id"].as_str().unwrap()),
            &owner.access_token,
        )
        .await;
    assert_eq!(given.status(), StatusCode::NO_CONTENT);
    let create = |body: Value| {
        let (app, path, token) = (&app, format!("/guilds/{}/channels", guild.id), owner.access_token.clone());
        async move {
            let (status, channel) = status_and_json(app.post_json(&path, &body, Some(&token)).await).await;
            assert_eq!(status, StatusCode::CREATED, "{channel}");
            channel["id"].as_str().unwrap().to_owned()
        }
    };
    let staff = create(json!({"name": "Staff", "type": 4})).await;
    let hide = json!({"type": 0, "deny": Permissions::VIEW_CHANNEL.bits().to_string()});
    assert_eq!(
        app.put_json(&format!("/channels/{staff}/permissions/{}", guild.id), &hide, &owner.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    let secret = create(json!({"name": "secret", "parent_id": staff})).await;
    assert!(!names_seen_by(&app, guild.id, &moderator).await.contains(&"secret".to_owned()));

    // Taking the hidden channel out of its category is refused exactly as an unknown id is.
    let out = json!([{"id": secret, "position": 0, "parent_id": null}]);
    let (status, hidden_answer) = status_and_json(reorder(&app, &moderator, guild.id, out).await).await;
    let nowhere = json!([{"id": "4242424242", "position": 0, "parent_id": null}]);
    let (_, unknown_answer) = status_and_json(reorder(&app, &moderator, guild.id, nowhere).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(hidden_answer, unknown_answer, "the answer does not tell a hidden channel from none");

    // Putting a visible channel into the hidden category: refused as an unknown parent, by
    // PATCH /guilds/{id}/channels and by PATCH /channels/{id}.
    let into = json!([{"id": guild.general.to_string(), "position": 0, "parent_id": staff}]);
    let (_, into_hidden) = status_and_json(reorder(&app, &moderator, guild.id, into).await).await;
    let into_nothing = json!([{"id": guild.general.to_string(), "position": 0, "parent_id": "4242424242"}]);
    let (_, into_unknown) = status_and_json(reorder(&app, &moderator, guild.id, into_nothing).await).await;
    assert_eq!(into_hidden["code"], 50035);
    assert_eq!(into_hidden, into_unknown);
    let patched = app
        .patch_json(&format!("/channels/{}", guild.general), &json!({"parent_id": staff}), &moderator.access_token)
        .await;
    let answer = assert_error(patched, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(answer["errors"]["parent_id"]["_errors"][0]["code"], "CHANNEL_PARENT_INVALID");

    // A channel they may see in a category where they may not manage channels stays put.
    let deny_manage = json!({"type": 1, "deny": Permissions::MANAGE_CHANNELS.bits().to_string()});
    let path = format!("/channels/{}/permissions/{}", guild.text_category, moderator.user_id);
    assert_eq!(app.put_json(&path, &deny_manage, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    let (_, channels) =
        status_and_json(app.get(&format!("/guilds/{}/channels", guild.id), Some(&moderator.access_token)).await).await;
    let voice_category = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == 4 && c["id"] != guild.text_category.to_string())
        .unwrap()["id"]
        .clone();
    let across = json!([{"id": guild.general.to_string(), "position": 0, "parent_id": voice_category}]);
    assert_error(reorder(&app, &moderator, guild.id, across).await, StatusCode::FORBIDDEN, 50013).await;

    let channels = app.store.channels(guild.id).await.unwrap();
    let parent_of =
        |id: &str| channels.iter().find(|c| c.id.to_string() == id).unwrap().parent().map(|p| p.to_string());
    assert_eq!(parent_of(&secret), Some(staff.clone()), "the hidden channel never moved");
    assert_eq!(parent_of(&guild.general.to_string()), Some(guild.text_category.to_string()));
}

async fn bad_overwrites_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let stranger = app.register("stranger").await;
    let guild = setup(&app, &owner, None).await;
    let on = |target: String| format!("/channels/{}/permissions/{target}", guild.general);
    let cases = [
        (on(guild.id.to_string()), json!({"type": 2}), "type"),
        (on("12345".into()), json!({"type": 0}), "id"),
        (on(stranger.user_id.clone()), json!({"type": 1}), "id"),
        (on(guild.id.to_string()), json!({"type": 0, "allow": "not-bits"}), "allow"),
        (on(guild.id.to_string()), json!({"allow": "1024"}), "type"),
    ];
    for (path, body, field) in cases {
        let error =
            assert_error(app.put_json(&path, &body, &owner.access_token).await, StatusCode::BAD_REQUEST, 50035).await;
        assert!(error["errors"][field].is_object(), "{body}: {error}");
    }
    assert!(app.store.guild_overwrites(guild.id).await.unwrap().is_empty());
}

/// What discord.py's `create_text_channel(overwrites=...)` sends: the overwrites ride on the
/// create, and the channel is private from its first moment, to everyone it shuts out.
async fn a_channel_created_with_overwrites_is_private_from_the_start(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let bob = app.register("bob").await;
    let guild = setup(&app, &owner, Some(&bob)).await;
    let carol = app.register("carol").await;
    let invite =
        app.post_json(&format!("/channels/{}/invites", guild.general), &json!({}), Some(&owner.access_token)).await;
    let code = invite.json::<Value>().await.unwrap()["code"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post_json(&format!("/invites/{code}"), &json!({}), Some(&carol.access_token)).await.status(),
        StatusCode::OK
    );
    let path = format!("/guilds/{}/channels", guild.id);
    let private = |overwrites: Value| json!({"name": "staff", "permission_overwrites": overwrites});
    let hidden = json!([
        {"id": guild.id.to_string(), "type": 0, "deny": "1024"},
        {"id": bob.user_id, "type": 1, "allow": "1024"},
    ]);

    let mut events = app.bus.subscribe();
    let (status, channel) =
        status_and_json(app.post_json(&path, &private(hidden.clone()), Some(&owner.access_token)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    assert_eq!(channel["permission_overwrites"].as_array().unwrap().len(), 2, "{channel}");
    let created = next_event(&mut events).await;
    assert_eq!(created.name, EventName::ChannelCreate);
    assert_eq!(created.json()["permission_overwrites"], channel["permission_overwrites"], "the event carries them");
    let id = channel["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/channels/{id}"), Some(&bob.access_token)).await.status(), StatusCode::OK);
    assert_error(app.get(&format!("/channels/{id}"), Some(&carol.access_token)).await, StatusCode::FORBIDDEN, 50001)
        .await;

    // Bad overwrites are refused by field, and nothing is created.
    for bad in [
        json!([{"id": "12345", "type": 0, "deny": "1024"}]),
        json!([{"id": guild.id.to_string(), "type": 7}]),
        json!([{"id": bob.user_id, "type": 1}, {"id": bob.user_id, "type": 1, "allow": "1024"}]),
    ] {
        assert_error(
            app.post_json(&path, &private(bad), Some(&owner.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
    }
    let too_many: Vec<Value> = (0..101).map(|_| json!({"id": guild.id.to_string(), "type": 0})).collect();
    assert_error(
        app.post_json(&path, &private(json!(too_many)), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;

    // Managing channels is not managing roles: bob may create channels, but not with overwrites,
    // and once he may, not ones that hand out what he lacks.
    let (_, role) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/roles", guild.id),
            &json!({"name": "builders", "permissions": "16"}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    let role_id = role["id"].as_str().unwrap();
    assert_eq!(
        app.put(&format!("/guilds/{}/members/{}/roles/{role_id}", guild.id, bob.user_id), &owner.access_token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_error(
        app.post_json(&path, &private(hidden.clone()), Some(&bob.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let plain = app.post_json(&path, &json!({"name": "open"}), Some(&bob.access_token)).await;
    assert_eq!(plain.status(), StatusCode::CREATED);
    let patched = app
        .patch_json(
            &format!("/guilds/{}/roles/{role_id}", guild.id),
            &json!({"permissions": (16 | 1024 | 268_435_456).to_string()}),
            &owner.access_token,
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let ban = json!([{"id": carol.user_id, "type": 1, "allow": "4"}]);
    assert_error(app.post_json(&path, &private(ban), Some(&bob.access_token)).await, StatusCode::FORBIDDEN, 50013)
        .await;
    let names: Vec<String> = app.store.channels(guild.id).await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names.iter().filter(|n| *n == "staff").count(), 1, "only the good request made a channel: {names:?}");
}

on_both_backends!(
    positions_past_32_bits_are_refused_so_ordering_never_overflows,
    an_owner_creates_text_voice_and_category_channels,
    bad_channel_settings_are_refused_by_field,
    a_guild_holds_at_most_500_channels,
    managing_channels_needs_manage_channels,
    modifying_deleting_and_reordering_channels,
    a_moderator_can_neither_move_nor_confirm_a_channel_they_cannot_see,
    an_overwrite_set_through_the_api_hides_a_channel_from_a_role,
    bad_overwrites_are_refused,
    a_channel_created_with_overwrites_is_private_from_the_start,
);
