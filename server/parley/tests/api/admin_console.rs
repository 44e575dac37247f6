//! The instance admin console's API: the overview, the accounts, disabling (sessions end,
//! connections close, sign-in and bot tokens refused), promoting and demoting, signing an
//! account out everywhere; and every refusal to those who are not admins, or to an admin
//! acting on their own account.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::bots::{as_bot, create_bot};
use crate::gateway_client::GatewayClient;
use crate::helpers::{
    Backend, Session, TestApp, assert_error, on_both_backends, password_of, say, spawn_app, status_and_json,
};

async fn admin_get(app: &TestApp, who: &Session, path: &str) -> (StatusCode, Value) {
    status_and_json(app.get(path, Some(&who.access_token)).await).await
}

async fn modify(app: &TestApp, who: &Session, user: &str, body: Value) -> (StatusCode, Value) {
    status_and_json(app.patch_json(&format!("/admin/users/{user}"), &body, &who.access_token).await).await
}

async fn the_overview_counts_the_instance_for_admins_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&admin, "Counted", &[&ann]).await;
    say(&app, &ann, &guild.general, "one").await;
    say(&app, &ann, &guild.general, "two").await;
    create_bot(&app, &admin, "Counter").await;

    let (status, overview) = admin_get(&app, &admin, "/admin/overview").await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(
        (
            &overview["users"],
            &overview["bots"],
            &overview["guilds"],
            &overview["messages"],
            &overview["disabled_users"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(2), &json!(0)),
        "{overview}"
    );
    assert_eq!(overview["version"], env!("CARGO_PKG_VERSION"));
    assert!(overview["uptime_seconds"].as_i64().is_some_and(|s| s >= 0), "{overview}");
    assert!(overview["storage_bytes"].is_i64() && overview["online_now"].is_u64(), "{overview}");

    for path in ["/admin/overview", "/admin/users", &format!("/admin/users/{}", admin.user_id)] {
        assert_error(app.get(path, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
        assert_error(app.get(path, None).await, StatusCode::UNAUTHORIZED, 40001).await;
    }
}

async fn accounts_are_listed_by_id_and_found_by_the_start_of_a_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    for name in ["anna", "annika", "bob", "percent_50"] {
        app.register(name).await;
    }
    let (status, everyone) = admin_get(&app, &admin, "/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = everyone.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["root", "anna", "annika", "bob", "percent_50"], "by id, oldest first");
    assert_eq!(
        (&everyone[0]["admin"], &everyone[1]["admin"], &everyone[1]["disabled"]),
        (&json!(true), &json!(false), &json!(false))
    );

    let (_, found) = admin_get(&app, &admin, "/admin/users?query=ANN").await;
    let found: Vec<&str> = found.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(found, ["anna", "annika"]);
    // `_` and `%` are letters here, not patterns.
    let (_, literal) = admin_get(&app, &admin, "/admin/users?query=percent_").await;
    assert_eq!(literal.as_array().unwrap().len(), 1);
    let (_, none) = admin_get(&app, &admin, "/admin/users?query=p_r").await;
    assert!(none.as_array().unwrap().is_empty(), "{none}");

    // Pages: two at a time, each after the last id of the one before.
    let (_, first) = admin_get(&app, &admin, "/admin/users?limit=2").await;
    let last = first[1]["id"].as_str().unwrap();
    let (_, second) = admin_get(&app, &admin, &format!("/admin/users?limit=2&after={last}")).await;
    assert_eq!(second[0]["username"], "annika");

    let (status, refused) = admin_get(&app, &admin, "/admin/users?limit=500").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_error(app.get("/admin/users/123456", Some(&admin.access_token)).await, StatusCode::NOT_FOUND, 10013).await;
}

async fn a_disabled_account_is_signed_out_everywhere_and_cannot_sign_in_until_enabled(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let ann = app.register("ann").await;
    let (mut anns_gateway, _) = GatewayClient::identified(&app, &ann).await;

    let (status, disabled) = modify(&app, &admin, &ann.user_id, json!({"disabled": true})).await;
    assert_eq!(status, StatusCode::OK, "{disabled}");
    assert_eq!(disabled["disabled"], true);
    assert_eq!(anns_gateway.closed_with().await, Some(4004), "her open connection closes at once");
    assert_error(app.me(&ann.access_token).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert_error(
        app.post_json("/auth/refresh", &json!({"refresh_token": ann.refresh_token}), None).await,
        StatusCode::UNAUTHORIZED,
        90001,
    )
    .await;
    // The right password learns the account is disabled; a wrong one learns nothing.
    let refused = assert_error(app.login("ann", &password_of("ann")).await, StatusCode::FORBIDDEN, 90012).await;
    assert!(refused["message"].as_str().unwrap().contains("disabled"), "{refused}");
    let (status, _) = status_and_json(app.login("ann", "not her password at all").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, overview) = admin_get(&app, &admin, "/admin/overview").await;
    assert_eq!(overview["disabled_users"], 1);

    let (_, enabled) = modify(&app, &admin, &ann.user_id, json!({"disabled": false})).await;
    assert_eq!(enabled["disabled"], false);
    assert_eq!(app.login("ann", &password_of("ann")).await.status(), StatusCode::OK);
}

async fn a_disabled_bots_token_is_refused_and_its_gateway_closed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let bot = create_bot(&app, &admin, "Rogue").await;
    let (status, _) = as_bot(&app, &bot, Method::GET, "/users/@me", None).await;
    assert_eq!(status, StatusCode::OK);
    let mut gateway = crate::bots::bot_gateway(&app, &bot).await;
    let (status, view) = modify(&app, &admin, &bot.id, json!({"disabled": true})).await;
    assert_eq!((status, &view["bot"]), (StatusCode::OK, &json!(true)), "{view}");
    assert_eq!(gateway.closed_with().await, Some(4004));
    let (status, refused) = as_bot(&app, &bot, Method::GET, "/users/@me", None).await;
    assert_eq!((status, &refused["code"]), (StatusCode::UNAUTHORIZED, &json!(40001)));
    let (status, refused) = modify(&app, &admin, &bot.id, json!({"admin": true})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["errors"]["admin"]["_errors"][0]["code"], "ADMIN_BOT");
}

async fn admins_promote_and_demote_others_but_never_themselves(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let ann = app.register("ann").await;
    let (status, promoted) = modify(&app, &admin, &ann.user_id, json!({"admin": true})).await;
    assert_eq!((status, &promoted["admin"]), (StatusCode::OK, &json!(true)), "{promoted}");
    // Ann, now an admin, reads the console; she may demote root but not herself.
    assert_eq!(admin_get(&app, &ann, "/admin/overview").await.0, StatusCode::OK);
    for body in [json!({"admin": false}), json!({"disabled": true})] {
        let (status, refused) = modify(&app, &ann, &ann.user_id, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"]["user_id"]["_errors"][0]["code"], "ADMIN_SELF");
    }
    // Two admins demoting each other at once: one wins, the other is no longer an admin when
    // its turn comes; the instance keeps one.
    let (one, other) = futures::join!(
        modify(&app, &ann, &admin.user_id, json!({"admin": false})),
        modify(&app, &admin, &ann.user_id, json!({"admin": false})),
    );
    let mut statuses = [one.0, other.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::FORBIDDEN], "{one:?} {other:?}");
    let (_, everyone) = admin_get(&app, if one.0 == StatusCode::OK { &ann } else { &admin }, "/admin/users").await;
    let admins = everyone.as_array().unwrap().iter().filter(|u| u["admin"] == true).count();
    assert_eq!(admins, 1, "{everyone}");
    // Back to ann as the admin, root demoted, for what follows.
    if one.0 != StatusCode::OK {
        modify(&app, &admin, &ann.user_id, json!({"admin": true})).await;
    }
    let (_, demoted) = modify(&app, &ann, &admin.user_id, json!({"admin": false})).await;
    assert_eq!(demoted["admin"], false);
    assert_error(app.get("/admin/overview", Some(&admin.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    // A non-admin cannot change anyone.
    let (status, _) = modify(&app, &admin, &ann.user_id, json!({"admin": false})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn an_admin_signs_an_account_out_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let ann = app.register("ann").await;
    let (status, second) = status_and_json(app.login("ann", &password_of("ann")).await).await;
    assert_eq!(status, StatusCode::OK);
    let (mut gateway, _) = GatewayClient::identified(&app, &ann).await;
    let (status, ended) =
        status_and_json(app.delete(&format!("/admin/users/{}/sessions", ann.user_id), &admin.access_token).await).await;
    assert_eq!((status, &ended["ended"]), (StatusCode::OK, &json!(2)), "{ended}");
    assert_eq!(gateway.closed_with().await, Some(4004));
    assert_error(app.me(&ann.access_token).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert_error(app.me(second["access_token"].as_str().unwrap()).await, StatusCode::UNAUTHORIZED, 40001).await;
    // She may sign in again: she was signed out, not disabled.
    assert_eq!(app.login("ann", &password_of("ann")).await.status(), StatusCode::OK);
    assert_error(
        app.delete(&format!("/admin/users/{}/sessions", admin.user_id), &admin.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_error(
        app.delete(&format!("/admin/users/{}/sessions", admin.user_id), &ann.access_token).await,
        StatusCode::UNAUTHORIZED,
        40001,
    )
    .await;
}

async fn live_settings_hold_on_every_node_at_once_and_fall_back_to_the_configuration(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let ann = app.register("ann").await;
    let peer = app.spawn_peer(&[]).await;
    let (status, before) = admin_get(&app, &admin, "/admin/settings").await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(
        (&before["registration"], &before["registration_is_live"], &before["guild_creation"]),
        (&json!("open"), &json!(false), &json!("anyone")),
        "the test configuration's: {before}"
    );

    let (status, now) = status_and_json(
        app.patch_json(
            "/admin/settings",
            &json!({"registration": "closed", "guild_creation": "admins"}),
            &admin.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{now}");
    assert_eq!(
        (&now["registration"], &now["registration_is_live"], &now["registration_setting"]),
        (&json!("closed"), &json!(true), &json!("open"))
    );
    // Both nodes refuse at once: neither was told, both read it.
    for node in [&app, &peer] {
        let (_, info) = status_and_json(node.get("/instance", None).await).await;
        assert_eq!((&info["registration"], &info["guild_creation"]), (&json!("closed"), &json!("admins")), "{info}");
        let body = json!({"username": "late", "password": "a long enough password"});
        assert_error(node.post_json("/auth/register", &body, None).await, StatusCode::FORBIDDEN, 90004).await;
        assert_error(
            node.post_json("/guilds", &json!({"name": "Not yours"}), Some(&ann.access_token)).await,
            StatusCode::FORBIDDEN,
            50013,
        )
        .await;
    }
    assert_eq!(
        app.post_json("/guilds", &json!({"name": "Admins may"}), Some(&admin.access_token)).await.status(),
        StatusCode::CREATED
    );

    // null: the configuration's again.
    let (_, back) = status_and_json(
        app.patch_json("/admin/settings", &json!({"registration": null, "guild_creation": null}), &admin.access_token)
            .await,
    )
    .await;
    assert_eq!(
        (&back["registration"], &back["registration_is_live"], &back["guild_creation"]),
        (&json!("open"), &json!(false), &json!("anyone"))
    );
    assert_eq!(peer.register("late").await.username, "late");

    let (status, _) = status_and_json(
        app.patch_json("/admin/settings", &json!({"registration": "sometimes"}), &admin.access_token).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(app.get("/admin/settings", Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(
        app.patch_json("/admin/settings", &json!({"registration": "open"}), &ann.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    peer.stop().await;
}

async fn deleting_my_account_signs_me_out_leaves_my_guilds_and_keeps_my_words_under_deleted_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&admin, "Farewell", &[&ann]).await;
    let said = say(&app, &ann, &guild.general, "goodbye, all").await;
    let (mut anns_gateway, _) = GatewayClient::identified(&app, &ann).await;
    let (mut admins_gateway, _) = GatewayClient::identified(&app, &admin).await;

    let (status, refused) = status_and_json(
        app.post_json("/users/@me/delete", &json!({"password": "not it"}), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["errors"]["password"]["_errors"][0]["code"], "PASSWORD_DOES_NOT_MATCH");
    // The owner of a guild hands it over first.
    let (status, refused) = status_and_json(
        app.post_json("/users/@me/delete", &json!({"password": password_of("root")}), Some(&admin.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["errors"]["guilds"]["_errors"][0]["code"], "ACCOUNT_OWNS_GUILDS");

    let deleted =
        app.post_json("/users/@me/delete", &json!({"password": password_of("ann")}), Some(&ann.access_token)).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(anns_gateway.closed_with().await, Some(4004));
    let gone = admins_gateway.wait_for("GUILD_MEMBER_REMOVE").await;
    assert_eq!(gone["user"]["id"], ann.user_id.as_str());
    let (status, _) = status_and_json(app.login("ann", &password_of("ann")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the name is free and the password gone");

    let (_, message) = status_and_json(
        app.get(&format!("/channels/{}/messages/{said}", guild.general), Some(&admin.access_token)).await,
    )
    .await;
    assert_eq!(
        (&message["content"], &message["author"]["global_name"]),
        (&json!("goodbye, all"), &json!("Deleted User"))
    );
    assert_eq!(message["author"]["username"], format!("deleted_user_{}", ann.user_id));
    let (_, view) = admin_get(&app, &admin, &format!("/admin/users/{}", ann.user_id)).await;
    assert_eq!((&view["deleted"], &view["disabled"], &view["email"]), (&json!(true), &json!(true), &Value::Null));
    let (status, refused) = modify(&app, &admin, &ann.user_id, json!({"disabled": false})).await;
    assert_eq!(
        (status, &refused["errors"]["user_id"]["_errors"][0]["code"]),
        (StatusCode::BAD_REQUEST, &json!("ACCOUNT_DELETED"))
    );
    // The name can be taken again by someone new; a deleted account's name by nobody.
    assert_eq!(app.register("ann").await.username, "ann");
    let (status, refused) = status_and_json(
        app.post_json(
            "/auth/register",
            &json!({"username": format!("deleted_user_{}", admin.user_id), "password": "a long enough password"}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &refused["errors"]["username"]["_errors"][0]["code"]),
        (StatusCode::BAD_REQUEST, &json!("USERNAME_RESERVED"))
    );
}

async fn a_deleted_account_leaves_its_group_dms_and_hands_them_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let (ann, bob, carl) = (app.register("ann").await, app.register("bob").await, app.register("carl").await);
    app.guild_with(&admin, "Friends", &[&ann, &bob, &carl]).await;
    let (status, group) = status_and_json(
        app.post_json(
            "/users/@me/channels",
            &json!({"recipients": [bob.user_id, carl.user_id]}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert_eq!(group["owner_id"], ann.user_id.as_str());
    let group = group["id"].as_str().unwrap().to_owned();
    let (mut bobs_gateway, _) = GatewayClient::identified(&app, &bob).await;
    let (status, _) =
        status_and_json(app.delete(&format!("/admin/users/{}", ann.user_id), &admin.access_token).await).await;
    assert_eq!(status, StatusCode::OK);
    let left = bobs_gateway.wait_for("CHANNEL_RECIPIENT_REMOVE").await;
    assert_eq!((&left["channel_id"], &left["user"]["id"]), (&json!(group), &json!(ann.user_id)));
    let (_, channel) = status_and_json(app.get(&format!("/channels/{group}"), Some(&bob.access_token)).await).await;
    let recipients: Vec<&str> =
        channel["recipients"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(recipients, [carl.user_id.as_str()], "bob's view: carl alone besides him");
    assert_eq!(channel["owner_id"], bob.user_id.as_str(), "ownership passed on");
}

async fn an_admin_deletes_an_account_with_its_messages_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.register("root").await;
    let (bob, carl) = (app.register("bob").await, app.register("carl").await);
    let guild = app.guild_with(&admin, "Cleanup", &[&bob, &carl]).await;
    let first = say(&app, &bob, &guild.general, "spam one").await;
    say(&app, &bob, &guild.general, "spam two").await;
    say(&app, &carl, &guild.general, "carl stays").await;
    let (_, dm) = status_and_json(
        app.post_json("/users/@me/channels", &json!({"recipient_id": carl.user_id}), Some(&bob.access_token)).await,
    )
    .await;
    let dm = dm["id"].as_str().unwrap().to_owned();
    say(&app, &bob, &dm, "spam in a dm").await;
    let (mut carls_gateway, _) = GatewayClient::identified(&app, &carl).await;

    let (status, refused) = status_and_json(
        app.delete(&format!("/admin/users/{}?messages=sometimes", bob.user_id), &admin.access_token).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_error(
        app.delete(&format!("/admin/users/{}", admin.user_id), &admin.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_error(
        app.delete(&format!("/admin/users/{}", bob.user_id), &carl.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;

    // Carl owns a guild: refused, and his account is left as it was (enabled, signed in).
    app.guild_with(&carl, "Carl's", &[]).await;
    let (status, refused) =
        status_and_json(app.delete(&format!("/admin/users/{}", carl.user_id), &admin.access_token).await).await;
    assert_eq!(
        (status, &refused["errors"]["guilds"]["_errors"][0]["code"]),
        (StatusCode::BAD_REQUEST, &json!("ACCOUNT_OWNS_GUILDS"))
    );
    assert_eq!(app.me(&carl.access_token).await.status(), StatusCode::OK);

    let (status, done) = status_and_json(
        app.delete(&format!("/admin/users/{}?messages=delete", bob.user_id), &admin.access_token).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done, json!({"guilds_left": 1, "messages_deleted": 3}));
    let mut told = Vec::new();
    while told.len() < 2 {
        let bulk = carls_gateway.wait_for("MESSAGE_DELETE_BULK").await;
        told.push(bulk["channel_id"].as_str().unwrap().to_owned());
    }
    told.sort();
    let mut expected = vec![guild.general.clone(), dm.clone()];
    expected.sort();
    assert_eq!(told, expected, "the guild channel's and the DM's viewers are told");
    assert_error(
        app.get(&format!("/channels/{}/messages/{first}", guild.general), Some(&admin.access_token)).await,
        StatusCode::NOT_FOUND,
        10008,
    )
    .await;
    let (_, left) =
        status_and_json(app.get(&format!("/channels/{}/messages", guild.general), Some(&carl.access_token)).await)
            .await;
    let contents: Vec<&str> = left.as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents, ["carl stays"]);
    assert_error(
        app.delete(&format!("/admin/users/{}", bob.user_id), &admin.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
}

on_both_backends!(
    a_deleted_account_leaves_its_group_dms_and_hands_them_on,
    deleting_my_account_signs_me_out_leaves_my_guilds_and_keeps_my_words_under_deleted_user,
    an_admin_deletes_an_account_with_its_messages_everywhere,
    live_settings_hold_on_every_node_at_once_and_fall_back_to_the_configuration,
    the_overview_counts_the_instance_for_admins_only,
    accounts_are_listed_by_id_and_found_by_the_start_of_a_name,
    a_disabled_account_is_signed_out_everywhere_and_cannot_sign_in_until_enabled,
    a_disabled_bots_token_is_refused_and_its_gateway_closed,
    admins_promote_and_demote_others_but_never_themselves,
    an_admin_signs_an_account_out_everywhere,
);
