//! Roles and the role hierarchy through the API.

use parley_core::{Permissions, Snowflake};
use parley_events::EventName;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

struct Guild {
    id: Snowflake,
    general: Snowflake,
}

/// A guild owned by `owner` with every other session joined through an invite.
async fn guild_with(app: &TestApp, owner: &Session, members: &[&Session]) -> Guild {
    let guild = app.guild_with(owner, "Roles", members).await;
    Guild { id: guild.id.parse().unwrap(), general: guild.general.parse().unwrap() }
}

async fn create_role(app: &TestApp, who: &Session, guild: Snowflake, body: Value) -> Value {
    let (status, role) =
        status_and_json(app.post_json(&format!("/guilds/{guild}/roles"), &body, Some(&who.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{role}");
    role
}

async fn put(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    app.send(app.client.put(app.api(path)).json(body).bearer_auth(token)).await
}

async fn give(app: &TestApp, by: &Session, guild: Snowflake, to: &Session, role: &Value) -> reqwest::Response {
    put(
        app,
        &format!("/guilds/{guild}/members/{}/roles/{}", to.user_id, role["id"].as_str().unwrap()),
        &json!({}),
        &by.access_token,
    )
    .await
}

fn bits(p: Permissions) -> String {
    p.bits().to_string()
}

async fn a_staff_role_with_an_overwrite_shows_a_channel_only_to_staff(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let guild = guild_with(&app, &owner, &[&alice, &bob]).await;
    let staff = create_role(&app, &owner, guild.id, json!({"name": "Staff", "color": 0x3498db, "hoist": true})).await;
    let (_, channel) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/channels", guild.id),
            &json!({"name": "staff-only"}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    let channel = channel["id"].as_str().unwrap().to_owned();
    let hide = json!({"type": 0, "deny": bits(Permissions::VIEW_CHANNEL)});
    let show = json!({"type": 0, "allow": bits(Permissions::VIEW_CHANNEL)});
    assert_eq!(
        put(&app, &format!("/channels/{channel}/permissions/{}", guild.id), &hide, &owner.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        put(
            &app,
            &format!("/channels/{channel}/permissions/{}", staff["id"].as_str().unwrap()),
            &show,
            &owner.access_token
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(give(&app, &owner, guild.id, &alice, &staff).await.status(), StatusCode::NO_CONTENT);

    assert_eq!(app.get(&format!("/channels/{channel}"), Some(&alice.access_token)).await.status(), StatusCode::OK);
    assert_error(app.get(&format!("/channels/{channel}"), Some(&bob.access_token)).await, StatusCode::FORBIDDEN, 50001)
        .await;

    // Taking the role away hides it again.
    let path = format!("/guilds/{}/members/{}/roles/{}", guild.id, alice.user_id, staff["id"].as_str().unwrap());
    assert_eq!(app.delete(&path, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.get(&format!("/channels/{channel}"), Some(&alice.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
}

async fn nobody_grants_a_permission_they_do_not_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let manager = app.register("manager").await;
    let guild = guild_with(&app, &owner, &[&manager]).await;
    assert_error(
        app.post_json(&format!("/guilds/{}/roles", guild.id), &json!({"name": "x"}), Some(&manager.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let managers = create_role(
        &app,
        &owner,
        guild.id,
        json!({"name": "Managers", "permissions": bits(Permissions::MANAGE_ROLES)}),
    )
    .await;
    give(&app, &owner, guild.id, &manager, &managers).await;
    let before = app.store.roles(guild.id).await.unwrap().len();

    let refused = assert_error(
        app.post_json(
            &format!("/guilds/{}/roles", guild.id),
            &json!({"name": "Banhammer", "permissions": bits(Permissions::BAN_MEMBERS)}),
            Some(&manager.access_token),
        )
        .await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert!(refused["message"].as_str().unwrap().contains("BAN_MEMBERS"), "{refused}");
    assert_eq!(app.store.roles(guild.id).await.unwrap().len(), before, "nothing was created");
    // What they do hold, they may grant.
    create_role(
        &app,
        &manager,
        guild.id,
        json!({"name": "Helpers", "permissions": bits(Permissions::MANAGE_ROLES | Permissions::SEND_MESSAGES)}),
    )
    .await;
}

async fn the_role_hierarchy_protects_higher_roles_and_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (moderator, helper, peer) =
        (app.register("moderator").await, app.register("helper").await, app.register("peer").await);
    let guild = guild_with(&app, &owner, &[&moderator, &helper, &peer]).await;
    // Created in this order, each new role goes to the bottom: admins on top, then mods, then helpers.
    let helpers = create_role(&app, &owner, guild.id, json!({"name": "Helpers"})).await;
    let mods =
        create_role(&app, &owner, guild.id, json!({"name": "Mods", "permissions": bits(Permissions::MANAGE_ROLES)}))
            .await;
    let admins = create_role(&app, &owner, guild.id, json!({"name": "Admins"})).await;
    let positions = |roles: &Value| -> Vec<(String, i64)> {
        roles
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["name"].as_str().unwrap().to_owned(), r["position"].as_i64().unwrap()))
            .collect()
    };
    let (_, listed) =
        status_and_json(app.get(&format!("/guilds/{}/roles", guild.id), Some(&peer.access_token)).await).await;
    assert_eq!(
        positions(&listed),
        vec![("@everyone".into(), 0), ("Admins".into(), 1), ("Mods".into(), 2), ("Helpers".into(), 3)]
    );
    // Put them in a sensible order: Helpers 1, Mods 2, Admins 3.
    let order = json!([{"id": helpers["id"], "position": 1}, {"id": mods["id"], "position": 2}, {"id": admins["id"], "position": 3}]);
    let response = app
        .send(
            app.client
                .patch(app.api(&format!("/guilds/{}/roles", guild.id)))
                .json(&order)
                .bearer_auth(&owner.access_token),
        )
        .await;
    let (status, reordered) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(positions(&reordered)[1..], [("Helpers".into(), 1), ("Mods".into(), 2), ("Admins".into(), 3)]);
    give(&app, &owner, guild.id, &moderator, &mods).await;
    give(&app, &owner, guild.id, &peer, &mods).await;

    // Below: fine.
    assert_eq!(give(&app, &moderator, guild.id, &helper, &helpers).await.status(), StatusCode::NO_CONTENT);
    let role_path = |r: &Value| format!("/guilds/{}/roles/{}", guild.id, r["id"].as_str().unwrap());
    assert_eq!(
        app.patch_json(&role_path(&helpers), &json!({"color": 5}), &moderator.access_token).await.status(),
        StatusCode::OK
    );
    // At or above: refused.
    assert_error(
        app.patch_json(&role_path(&mods), &json!({"color": 5}), &moderator.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(
        app.patch_json(&role_path(&admins), &json!({"color": 5}), &moderator.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(app.delete(&role_path(&admins), &moderator.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(give(&app, &moderator, guild.id, &helper, &admins).await, StatusCode::FORBIDDEN, 50013).await;
    // A member whose highest role equals theirs, and the owner, are out of reach.
    assert_error(give(&app, &moderator, guild.id, &peer, &helpers).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(give(&app, &moderator, guild.id, &owner, &helpers).await, StatusCode::FORBIDDEN, 50013).await;
    // Nor can roles be moved to or above their own.
    let lift = json!([{"id": helpers["id"], "position": 2}]);
    let response = app
        .send(
            app.client
                .patch(app.api(&format!("/guilds/{}/roles", guild.id)))
                .json(&lift)
                .bearer_auth(&moderator.access_token),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, 50013).await;
    // The owner is above it all.
    assert_eq!(give(&app, &owner, guild.id, &peer, &admins).await.status(), StatusCode::NO_CONTENT);
}

async fn everyone_stays_and_deleted_roles_leave_their_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let member = app.register("member").await;
    let guild = guild_with(&app, &owner, &[&member]).await;
    let everyone = format!("/guilds/{}/roles/{}", guild.id, guild.id);
    assert_error(app.delete(&everyone, &owner.access_token).await, StatusCode::BAD_REQUEST, 50035).await;
    assert_error(
        app.patch_json(&everyone, &json!({"name": "all"}), &owner.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    // @everyone's permissions may change: taking SEND_MESSAGES silences the guild.
    let quiet = Permissions::DEFAULT_EVERYONE.missing_from(Permissions::SEND_MESSAGES);
    let (status, changed) =
        status_and_json(app.patch_json(&everyone, &json!({"permissions": bits(quiet)}), &owner.access_token).await)
            .await;
    assert_eq!((status, changed["permissions"].as_str()), (StatusCode::OK, Some(bits(quiet).as_str())));

    let mut events = app.bus.subscribe();
    let temporary = create_role(&app, &owner, guild.id, json!({"name": "Temporary"})).await;
    assert_eq!(next_event(&mut events).await.name, EventName::GuildRoleCreate);
    give(&app, &owner, guild.id, &member, &temporary).await;
    let update = next_event(&mut events).await;
    assert_eq!(update.name, EventName::GuildMemberUpdate);
    assert_eq!(update.json()["roles"], json!([temporary["id"]]));
    assert_eq!(
        app.delete(&format!("/guilds/{}/roles/{}", guild.id, temporary["id"].as_str().unwrap()), &owner.access_token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(next_event(&mut events).await.name, EventName::GuildRoleDelete);
    let after = app.store.member(guild.id, member.user_id.parse().unwrap()).await.unwrap().unwrap();
    assert!(after.role_ids.is_empty(), "members lose a deleted role");
    let _ = guild.general;
}

async fn bad_role_requests_and_the_250_role_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let member = app.register("member").await;
    let guild = guild_with(&app, &owner, &[&member]).await;
    let path = format!("/guilds/{}/roles", guild.id);
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "r".repeat(101)}), "name"),
        (json!({"color": 16_777_216}), "color"),
        (json!({"color": -1}), "color"),
        (json!({"permissions": "lots"}), "permissions"),
    ] {
        let error =
            assert_error(app.post_json(&path, &body, Some(&owner.access_token)).await, StatusCode::BAD_REQUEST, 50035)
                .await;
        assert!(error["errors"][field].is_object(), "{body}: {error}");
    }
    assert_error(
        app.get(&format!("/guilds/{}/roles/999", guild.id), Some(&owner.access_token)).await,
        StatusCode::NOT_FOUND,
        10011,
    )
    .await;
    assert_error(
        app.patch_json(&format!("/guilds/{}/roles/999", guild.id), &json!({}), &owner.access_token).await,
        StatusCode::NOT_FOUND,
        10011,
    )
    .await;
    assert_error(
        put(&app, &format!("/guilds/{}/members/12345/roles/{}", guild.id, guild.id), &json!({}), &owner.access_token)
            .await,
        StatusCode::NOT_FOUND,
        10007,
    )
    .await;

    for i in 0..249 {
        create_role(&app, &owner, guild.id, json!({"name": format!("r{i}")})).await;
    }
    let error = assert_error(
        app.post_json(&path, &json!({"name": "one too many"}), Some(&owner.access_token)).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_eq!(error["errors"]["_guild"]["_errors"][0]["code"], "MAX_ROLES");
    assert_eq!(app.store.roles(guild.id).await.unwrap().len(), 250);
}

async fn nobody_takes_away_a_permission_they_do_not_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, manager) = (app.register("owner").await, app.register("manager").await);
    let guild = guild_with(&app, &owner, &[&manager]).await;
    // A role that can ban, below a manager who may manage roles but not ban (each new role
    // goes to the bottom, so the one made last is lowest).
    let managers = create_role(
        &app,
        &owner,
        guild.id,
        json!({"name": "managers", "permissions": bits(Permissions::MANAGE_ROLES)}),
    )
    .await;
    let banners =
        create_role(&app, &owner, guild.id, json!({"name": "banners", "permissions": bits(Permissions::BAN_MEMBERS)}))
            .await;
    assert_eq!(give(&app, &owner, guild.id, &manager, &managers).await.status(), StatusCode::NO_CONTENT);
    let path = format!("/guilds/{}/roles/{}", guild.id, banners["id"].as_str().unwrap());
    let strip = app.patch_json(&path, &json!({"permissions": "0"}), &manager.access_token).await;
    let refused = assert_error(strip, StatusCode::FORBIDDEN, 50013).await;
    assert!(refused["message"].as_str().unwrap().contains("BAN_MEMBERS"), "{refused}");
    // Leaving what they do not hold as it is, they may change the rest.
    let unchanged = Permissions::BAN_MEMBERS.bits().to_string();
    let recolour = app.patch_json(&path, &json!({"color": 255, "permissions": unchanged}), &manager.access_token).await;
    assert_eq!(recolour.status(), StatusCode::OK);
    let roles = app.store.roles(guild.id).await.unwrap();
    let stored = roles.iter().find(|r| r.id.to_string() == banners["id"].as_str().unwrap()).unwrap();
    assert_eq!((stored.permissions.0, stored.color), (Permissions::BAN_MEMBERS, 255));
}

async fn a_member_reads_one_role_and_how_many_members_hold_each(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (alice, bob, eve) = (app.register("alice").await, app.register("bob").await, app.register("eve").await);
    let guild = guild_with(&app, &owner, &[&alice, &bob]).await;
    let staff = create_role(&app, &owner, guild.id, json!({"name": "Staff", "color": 0x3498db})).await;
    let quiet = create_role(&app, &owner, guild.id, json!({"name": "Quiet"})).await;
    for who in [&alice, &bob] {
        assert_eq!(give(&app, &owner, guild.id, who, &staff).await.status(), StatusCode::NO_CONTENT);
    }
    let (staff_id, quiet_id) = (staff["id"].as_str().unwrap(), quiet["id"].as_str().unwrap());

    // Any member reads a role, as the role list shows it.
    let (status, role) =
        status_and_json(app.get(&format!("/guilds/{}/roles/{staff_id}", guild.id), Some(&bob.access_token)).await)
            .await;
    let (_, list) =
        status_and_json(app.get(&format!("/guilds/{}/roles", guild.id), Some(&bob.access_token)).await).await;
    let listed = list.as_array().unwrap().iter().find(|r| r["id"] == staff["id"]).unwrap();
    assert_eq!((status, &role), (StatusCode::OK, listed));
    assert_eq!((role["name"].as_str(), role["color"].as_i64()), (Some("Staff"), Some(0x3498db)));
    let (_, everyone) =
        status_and_json(app.get(&format!("/guilds/{}/roles/{}", guild.id, guild.id), Some(&bob.access_token)).await)
            .await;
    assert_eq!((everyone["name"].as_str(), everyone["position"].as_i64()), (Some("@everyone"), Some(0)));

    // Counts by role id, every role but @everyone (as Discord answers), nobody's roles too.
    let counts_path = format!("/guilds/{}/roles/member-counts", guild.id);
    let (status, counts) = status_and_json(app.get(&counts_path, Some(&alice.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    assert_eq!(counts, json!({ staff_id: 2, quiet_id: 0 }));

    // A role of another guild is unknown here; so is an id that names nothing.
    let elsewhere = guild_with(&app, &eve, &[]).await;
    let evil = create_role(&app, &eve, elsewhere.id, json!({"name": "Evil"})).await;
    let foreign = format!("/guilds/{}/roles/{}", guild.id, evil["id"].as_str().unwrap());
    assert_error(app.get(&foreign, Some(&alice.access_token)).await, StatusCode::NOT_FOUND, 10011).await;
    let missing = format!("/guilds/{}/roles/4242", guild.id);
    assert_error(app.get(&missing, Some(&alice.access_token)).await, StatusCode::NOT_FOUND, 10011).await;
    // Someone outside the guild reads neither; a guild that does not exist is unknown.
    let mine = format!("/guilds/{}/roles/{staff_id}", guild.id);
    assert_error(app.get(&mine, Some(&eve.access_token)).await, StatusCode::FORBIDDEN, 50001).await;
    assert_error(app.get(&counts_path, Some(&eve.access_token)).await, StatusCode::FORBIDDEN, 50001).await;
    assert_error(
        app.get("/guilds/4242/roles/member-counts", Some(&eve.access_token)).await,
        StatusCode::NOT_FOUND,
        10004,
    )
    .await;
    assert_error(app.get(&counts_path, None).await, StatusCode::UNAUTHORIZED, 40001).await;
}

on_both_backends!(
    a_member_reads_one_role_and_how_many_members_hold_each,
    nobody_takes_away_a_permission_they_do_not_hold,
    a_staff_role_with_an_overwrite_shows_a_channel_only_to_staff,
    nobody_grants_a_permission_they_do_not_hold,
    the_role_hierarchy_protects_higher_roles_and_members,
    everyone_stays_and_deleted_roles_leave_their_members,
    bad_role_requests_and_the_250_role_limit,
);
