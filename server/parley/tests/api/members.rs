//! Members and moderation: listing, nicknames, timeouts, kicks, bans.

use parley_core::Permissions;
use parley_events::EventName;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, TestGuild, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

async fn guild_with(app: &TestApp, owner: &Session, members: &[&Session]) -> TestGuild {
    app.guild_with(owner, "Mods", members).await
}

async fn put(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    app.send(app.client.put(app.api(path)).json(body).bearer_auth(token)).await
}

/// Gives `who` a role holding `permissions`, created by the owner.
pub async fn grant(app: &TestApp, owner: &Session, guild: &TestGuild, who: &Session, permissions: Permissions) {
    let (_, role) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/roles", guild.id),
            &json!({"name": "mod", "permissions": permissions.bits().to_string()}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    let path = format!("/guilds/{}/members/{}/roles/{}", guild.id, who.user_id, role["id"].as_str().unwrap());
    assert_eq!(put(app, &path, &json!({}), &owner.access_token).await.status(), StatusCode::NO_CONTENT);
}

async fn members_are_listed_in_pages_by_user_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let mut others = Vec::new();
    for i in 0..5 {
        others.push(app.register(&format!("m{i}")).await);
    }
    let guild = guild_with(&app, &owner, &others.iter().collect::<Vec<_>>()).await;
    let mut seen = Vec::new();
    let mut after = "0".to_owned();
    loop {
        let (status, page) = status_and_json(
            app.get(&format!("/guilds/{}/members?limit=2&after={after}", guild.id), Some(&others[0].access_token))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let page = page.as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        after = page.last().unwrap()["user"]["id"].as_str().unwrap().to_owned();
        seen.extend(page.into_iter().map(|m| m["user"]["username"].as_str().unwrap().to_owned()));
    }
    seen.sort();
    assert_eq!(seen, vec!["m0", "m1", "m2", "m3", "m4", "owner"]);
    let (_, me) =
        status_and_json(app.get(&format!("/guilds/{}/members/@me", guild.id), Some(&others[1].access_token)).await)
            .await;
    assert_eq!(me["user"]["username"], "m1");
    for bad in ["?limit=0", "?limit=1001", "?after=x"] {
        assert_error(
            app.get(&format!("/guilds/{}/members{bad}", guild.id), Some(&owner.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
    }
    assert_error(
        app.get(&format!("/guilds/{}/members/123", guild.id), Some(&owner.access_token)).await,
        StatusCode::NOT_FOUND,
        10007,
    )
    .await;
}

async fn nicknames_need_change_or_manage_nicknames(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo) = (app.register("ann").await, app.register("bo").await);
    let guild = guild_with(&app, &owner, &[&ann, &bo]).await;
    let (status, me) = status_and_json(
        app.patch_json(&format!("/guilds/{}/members/@me", guild.id), &json!({"nick": "Annie 🌻"}), &ann.access_token)
            .await,
    )
    .await;
    assert_eq!((status, me["nick"].as_str()), (StatusCode::OK, Some("Annie 🌻")));
    assert_error(
        app.patch_json(
            &format!("/guilds/{}/members/{}", guild.id, ann.user_id),
            &json!({"nick": "Loser"}),
            &bo.access_token,
        )
        .await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let (_, cleared) = status_and_json(
        app.patch_json(
            &format!("/guilds/{}/members/{}", guild.id, ann.user_id),
            &json!({"nick": null}),
            &owner.access_token,
        )
        .await,
    )
    .await;
    assert_eq!(cleared["nick"], json!(null));
    assert_error(
        app.patch_json(
            &format!("/guilds/{}/members/@me", guild.id),
            &json!({"nick": "x".repeat(33)}),
            &ann.access_token,
        )
        .await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
}

async fn a_timed_out_member_may_read_but_not_send_until_it_lifts(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo) = (app.register("ann").await, app.register("bo").await);
    let guild = guild_with(&app, &owner, &[&ann, &bo]).await;
    let soon = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let until = soon.format(&time::format_description::well_known::Rfc3339).unwrap();
    let member = format!("/guilds/{}/members/{}", guild.id, ann.user_id);
    assert_error(
        app.patch_json(&member, &json!({"communication_disabled_until": until}), &bo.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let mut events = app.bus.subscribe();
    let (status, timed_out) = status_and_json(
        app.patch_json(&member, &json!({"communication_disabled_until": until}), &owner.access_token).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{timed_out}");
    assert!(timed_out["communication_disabled_until"].is_string());
    assert_eq!(next_event(&mut events).await.name, EventName::GuildMemberUpdate);

    let send = format!("/channels/{}/messages", guild.general);
    assert_error(
        app.post_json(&send, &json!({"content": "let me talk"}), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_eq!(app.get(&send, Some(&ann.access_token)).await.status(), StatusCode::OK, "reading is still allowed");

    for bad in [
        json!({"communication_disabled_until": "yesterday"}),
        json!({"communication_disabled_until": "2001-01-01T00:00:00Z"}),
        json!({"communication_disabled_until": "2999-01-01T00:00:00Z"}),
    ] {
        assert_error(app.patch_json(&member, &bad, &owner.access_token).await, StatusCode::BAD_REQUEST, 50035).await;
    }
    assert_eq!(
        app.patch_json(&member, &json!({"communication_disabled_until": null}), &owner.access_token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post_json(&send, &json!({"content": "free again"}), Some(&ann.access_token)).await.status(),
        StatusCode::OK
    );
}

async fn kicked_members_may_rejoin_and_banned_ones_may_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo, moderator) = (app.register("ann").await, app.register("bo").await, app.register("moderator").await);
    let guild = guild_with(&app, &owner, &[&ann, &bo, &moderator]).await;
    assert_error(
        app.delete(&format!("/guilds/{}/members/{}", guild.id, ann.user_id), &bo.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    grant(&app, &owner, &guild, &moderator, Permissions::KICK_MEMBERS | Permissions::BAN_MEMBERS).await;

    let mut events = app.bus.subscribe();
    assert_eq!(
        app.delete(&format!("/guilds/{}/members/{}", guild.id, ann.user_id), &moderator.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(next_event(&mut events).await.name, EventName::GuildMemberRemove);
    assert_eq!(next_event(&mut events).await.name, EventName::GuildDelete);
    assert_error(
        app.get(&format!("/guilds/{}", guild.id), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert_eq!(
        app.post_json(&format!("/invites/{}", guild.invite), &json!({}), Some(&ann.access_token)).await.status(),
        StatusCode::OK,
        "kicked members may rejoin"
    );

    // Bo talks, here and in a guild of their own, then is banned with their last hour of
    // messages removed: here only.
    let elsewhere = app.guild_with(&bo, "Elsewhere", &[]).await;
    let kept = crate::helpers::say(&app, &bo, &elsewhere.general, "not spam").await;
    let said = format!("/channels/{}/messages", guild.general);
    app.post_json(&said, &json!({"content": "spam"}), Some(&bo.access_token)).await;
    app.post_json(&said, &json!({"content": "ham"}), Some(&ann.access_token)).await;
    let ban = format!("/guilds/{}/bans/{}", guild.id, bo.user_id);
    let mut events = app.bus.subscribe();
    assert_eq!(
        put(&app, &ban, &json!({"delete_message_seconds": 3600, "reason": "spam"}), &moderator.access_token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let (_, left) = status_and_json(app.get(&said, Some(&ann.access_token)).await).await;
    let contents: Vec<&str> = left.as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents, vec!["ham"], "the banned user's recent messages are gone");
    let (_, theirs) =
        status_and_json(app.get(&format!("/channels/{}/messages", elsewhere.general), Some(&bo.access_token)).await)
            .await;
    assert_eq!(theirs[0]["id"], kept.as_str(), "their messages in other guilds stay");
    let mut bulk = None;
    while let Ok(event) = events.try_recv() {
        if event.name == EventName::MessageDeleteBulk {
            bulk = Some(event);
        }
    }
    let bulk = bulk.expect("the channel is told its messages went");
    assert_eq!(bulk.json()["ids"].as_array().unwrap().len(), 1);
    assert_eq!(bulk.json()["channel_id"], guild.general.as_str());
    assert_error(
        app.post_json(&format!("/invites/{}", guild.invite), &json!({}), Some(&bo.access_token)).await,
        StatusCode::FORBIDDEN,
        40007,
    )
    .await;
    let (_, bans) =
        status_and_json(app.get(&format!("/guilds/{}/bans", guild.id), Some(&moderator.access_token)).await).await;
    assert_eq!((bans[0]["user"]["username"].as_str(), bans[0]["reason"].as_str()), (Some("bo"), Some("spam")));
    assert_error(
        app.get(&format!("/guilds/{}/bans", guild.id), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;

    assert_eq!(app.delete(&ban, &moderator.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_error(app.delete(&ban, &moderator.access_token).await, StatusCode::NOT_FOUND, 10013).await;
    assert_eq!(
        app.post_json(&format!("/invites/{}", guild.invite), &json!({}), Some(&bo.access_token)).await.status(),
        StatusCode::OK,
        "unbanned users may rejoin"
    );
}

async fn moderation_respects_the_hierarchy_and_the_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (mod_a, mod_b) = (app.register("moda").await, app.register("modb").await);
    let guild = guild_with(&app, &owner, &[&mod_a, &mod_b]).await;
    let (_, role) = status_and_json(app.post_json(&format!("/guilds/{}/roles", guild.id), &json!({"name": "mods", "permissions": (Permissions::KICK_MEMBERS | Permissions::BAN_MEMBERS | Permissions::MODERATE_MEMBERS).bits().to_string()}), Some(&owner.access_token)).await).await;
    for m in [&mod_a, &mod_b] {
        put(
            &app,
            &format!("/guilds/{}/members/{}/roles/{}", guild.id, m.user_id, role["id"].as_str().unwrap()),
            &json!({}),
            &owner.access_token,
        )
        .await;
    }
    // Equals cannot act on each other, nor on the owner.
    assert_error(
        app.delete(&format!("/guilds/{}/members/{}", guild.id, mod_b.user_id), &mod_a.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(
        put(&app, &format!("/guilds/{}/bans/{}", guild.id, owner.user_id), &json!({}), &mod_a.access_token).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(
        app.delete(&format!("/guilds/{}/members/{}", guild.id, mod_a.user_id), &mod_a.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert_error(
        put(
            &app,
            &format!("/guilds/{}/bans/{}", guild.id, mod_a.user_id),
            &json!({"delete_message_seconds": 604_801}),
            &owner.access_token,
        )
        .await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    let (_, listed) =
        status_and_json(app.get(&format!("/guilds/{}/members?limit=10", guild.id), Some(&owner.access_token)).await)
            .await;
    assert_eq!(listed.as_array().unwrap().len(), 3, "nobody was removed");
}

async fn members_are_found_by_the_start_of_their_username_or_nickname(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (annabel, anne, bob) = (app.register("annabel").await, app.register("anne").await, app.register("bob").await);
    let guild = guild_with(&app, &owner, &[&annabel, &anne, &bob]).await;
    let nick = app
        .patch_json(&format!("/guilds/{}/members/@me", guild.id), &json!({"nick": "Änneliese"}), &bob.access_token)
        .await;
    assert_eq!(nick.status(), StatusCode::OK);
    let search = |query: &str| format!("/guilds/{}/members/search?{query}", guild.id);
    let names = |found: &Value| -> Vec<String> {
        let mut names: Vec<String> =
            found.as_array().unwrap().iter().map(|m| m["user"]["username"].as_str().unwrap().to_owned()).collect();
        names.sort();
        names
    };
    let (status, found) = status_and_json(app.get(&search("query=ANN&limit=10"), Some(&bob.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(names(&found), ["annabel", "anne"], "by username, whatever the case");
    assert!(found[0]["joined_at"].is_string() && found[0]["roles"].is_array(), "member objects: {found}");
    let (_, by_nick) =
        status_and_json(app.get(&search("query=%C3%A4nn&limit=10"), Some(&bob.access_token)).await).await;
    assert_eq!(names(&by_nick), ["bob"], "by nickname, lower-cased beyond ASCII");
    let (_, one) = status_and_json(app.get(&search("query=a"), Some(&bob.access_token)).await).await;
    assert_eq!(one.as_array().unwrap().len(), 1, "the limit is 1 unless asked: {one}");
    let (_, none) = status_and_json(app.get(&search("query=zed&limit=1000"), Some(&bob.access_token)).await).await;
    assert_eq!(none, json!([]));
    let (_, owner_found) = status_and_json(app.get(&search("query=own"), Some(&anne.access_token)).await).await;
    assert_eq!(owner_found[0]["user"]["id"], owner.user_id.as_str(), "search is a route, not a user id");
}

async fn member_search_refuses_bad_queries_and_non_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let outsider = app.register("outsider").await;
    let guild = guild_with(&app, &owner, &[]).await;
    let search = format!("/guilds/{}/members/search", guild.id);
    let long = "x".repeat(101);
    for (bad, field) in [
        ("".to_owned(), "query"),
        ("?query=".to_owned(), "query"),
        (format!("?query={long}"), "query"),
        ("?query=o&limit=0".to_owned(), "limit"),
        ("?query=o&limit=1001".to_owned(), "limit"),
        ("?query=o&limit=many".to_owned(), "limit"),
    ] {
        let error = assert_error(
            app.get(&format!("{search}{bad}"), Some(&owner.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
        assert!(error["errors"][field].is_object(), "{bad}: {error}");
    }
    assert_error(
        app.get(&format!("{search}?query=o"), Some(&outsider.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert_error(
        app.get("/guilds/42/members/search?query=o", Some(&owner.access_token)).await,
        StatusCode::NOT_FOUND,
        10004,
    )
    .await;
    assert_eq!(app.get(&format!("{search}?query=o"), None).await.status(), StatusCode::UNAUTHORIZED);
}

/// The audit log's entries of one action type, newest first.
async fn audit_entries(app: &TestApp, owner: &Session, guild: &TestGuild, action: u8) -> Vec<Value> {
    let path = format!("/guilds/{}/audit-logs?action_type={action}", guild.id);
    let (status, log) = status_and_json(app.get(&path, Some(&owner.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log["audit_log_entries"].as_array().unwrap().clone()
}

async fn a_member_changes_their_own_nickname_audited_and_announced_with_change_nickname(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (bo, eve) = (app.register("bo").await, app.register("eve").await);
    let guild = guild_with(&app, &owner, &[&bo]).await;
    let me = format!("/guilds/{}/members/@me", guild.id);
    let mut events = app.bus.subscribe();
    let response = app
        .client
        .patch(app.api(&me))
        .json(&json!({"nick": "Bobo"}))
        .bearer_auth(&bo.access_token)
        .header("x-audit-log-reason", "a fresh start")
        .send()
        .await
        .unwrap();
    let (status, member) = status_and_json(response).await;
    assert_eq!(
        (status, member["nick"].as_str(), member["user"]["id"].as_str()),
        (StatusCode::OK, Some("Bobo"), Some(bo.user_id.as_str()))
    );
    let event = next_event(&mut events).await;
    assert_eq!(event.name, EventName::GuildMemberUpdate);
    assert_eq!(event.json()["nick"], "Bobo");
    let entries = audit_entries(&app, &owner, &guild, 24).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (entries[0]["user_id"].as_str(), entries[0]["target_id"].as_str()),
        (Some(bo.user_id.as_str()), Some(bo.user_id.as_str()))
    );
    assert_eq!(entries[0]["changes"], json!([{"key": "nick", "old_value": null, "new_value": "Bobo"}]));
    assert_eq!(entries[0]["reason"], "a fresh start");

    // My member object, at Discord's path and at Parley's.
    for path in [format!("/users/@me/guilds/{}/member", guild.id), me.clone()] {
        let (status, mine) = status_and_json(app.get(&path, Some(&bo.access_token)).await).await;
        assert_eq!((status, &mine), (StatusCode::OK, &member), "{path}");
    }

    // Only the nickname changes here: other fields are not read.
    let (_, same) =
        status_and_json(app.patch_json(&me, &json!({"mute": true, "deaf": true}), &bo.access_token).await).await;
    assert_eq!((same["mute"].as_bool(), same["nick"].as_str()), (Some(false), Some("Bobo")), "{same}");
    // Without CHANGE_NICKNAME (@everyone's bits taken down to reading and writing), no.
    let everyone = format!("/guilds/{}/roles/{}", guild.id, guild.id);
    let basic = (Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES | Permissions::READ_MESSAGE_HISTORY).bits();
    let response = app.patch_json(&everyone, &json!({"permissions": basic.to_string()}), &owner.access_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_error(app.patch_json(&me, &json!({"nick": "Bob"}), &bo.access_token).await, StatusCode::FORBIDDEN, 50013)
        .await;
    // The owner may, whatever @everyone holds; a nickname too long is refused by its field.
    let body = assert_error(
        app.patch_json(&me, &json!({"nick": "x".repeat(33)}), &owner.access_token).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    assert!(body["errors"]["nick"].is_object(), "{body}");
    let (status, _) = status_and_json(app.patch_json(&me, &json!({"nick": null}), &owner.access_token).await).await;
    assert_eq!(status, StatusCode::OK);
    // Outside the guild: refused here, and at Discord's path the guild is unknown, as on Discord.
    assert_error(app.patch_json(&me, &json!({"nick": "Eve"}), &eve.access_token).await, StatusCode::FORBIDDEN, 50001)
        .await;
    let theirs = format!("/users/@me/guilds/{}/member", guild.id);
    assert_error(app.get(&theirs, Some(&eve.access_token)).await, StatusCode::NOT_FOUND, 10004).await;
    assert_error(app.get("/users/@me/guilds/4242/member", Some(&bo.access_token)).await, StatusCode::NOT_FOUND, 10004)
        .await;
    assert_error(app.get(&theirs, None).await, StatusCode::UNAUTHORIZED, 40001).await;
    // `@me` is no member to kick (leaving is DELETE /users/@me/guilds/{guild_id}).
    assert_eq!(app.delete(&me, &bo.access_token).await.status(), StatusCode::METHOD_NOT_ALLOWED);
}

async fn bulk_ban(app: &TestApp, who: &Session, guild: &TestGuild, body: &Value) -> reqwest::Response {
    app.client
        .post(app.api(&format!("/guilds/{}/bulk-ban", guild.id)))
        .json(body)
        .bearer_auth(&who.access_token)
        .header("x-audit-log-reason", "spam wave")
        .send()
        .await
        .unwrap()
}

async fn a_bulk_ban_bans_whom_the_single_ban_would_and_names_the_rest(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (moderator, banner, bo, cy, eve) = (
        app.register("moderator").await,
        app.register("banner").await,
        app.register("bo").await,
        app.register("cy").await,
        app.register("eve").await,
    );
    let guild = guild_with(&app, &owner, &[&moderator, &banner, &bo, &cy]).await;
    grant(&app, &owner, &guild, &moderator, Permissions::BAN_MEMBERS | Permissions::MANAGE_GUILD).await;
    grant(&app, &owner, &guild, &banner, Permissions::BAN_MEMBERS).await;
    let (_, spam) = status_and_json(
        app.post_json(
            &format!("/channels/{}/messages", guild.general),
            &json!({"content": "buy now"}),
            Some(&cy.access_token),
        )
        .await,
    )
    .await;

    // BAN_MEMBERS alone is not enough (Discord asks for MANAGE_GUILD too).
    let everyone = json!({"user_ids": [bo.user_id, cy.user_id]});
    assert_error(bulk_ban(&app, &banner, &guild, &everyone).await, StatusCode::FORBIDDEN, 50013).await;
    // Bad input, field by field.
    let too_many: Vec<String> = (1..=201).map(|i| i.to_string()).collect();
    for (body, field) in [
        (json!({"user_ids": []}), "user_ids"),
        (json!({"user_ids": too_many}), "user_ids"),
        (json!({"user_ids": [bo.user_id], "delete_message_seconds": 604_801}), "delete_message_seconds"),
        (json!({"delete_message_seconds": 0}), "user_ids"),
    ] {
        let refused =
            assert_error(bulk_ban(&app, &moderator, &guild, &body).await, StatusCode::BAD_REQUEST, 50035).await;
        assert!(refused["errors"][field].is_object(), "{refused}");
    }

    let mut events = app.bus.subscribe();
    let body = json!({"user_ids": [bo.user_id, cy.user_id, eve.user_id, owner.user_id, moderator.user_id, "4242", bo.user_id],
                      "delete_message_seconds": 3600});
    let (status, answer) = status_and_json(bulk_ban(&app, &moderator, &guild, &body).await).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // Members below the moderator and a user who is no member are banned; the owner (above
    // everyone), the moderator themselves and an id naming nobody are not. Each user once.
    assert_eq!(
        answer,
        json!({"banned_users": [bo.user_id, cy.user_id, eve.user_id],
               "failed_users": [owner.user_id, moderator.user_id, "4242"]})
    );
    let mut bans_announced = 0;
    while bans_announced < 3 {
        if next_event(&mut events).await.name == EventName::GuildBanAdd {
            bans_announced += 1;
        }
    }
    let (_, bans) =
        status_and_json(app.get(&format!("/guilds/{}/bans", guild.id), Some(&owner.access_token)).await).await;
    assert_eq!(bans.as_array().unwrap().len(), 3, "{bans}");
    // Each ban is audited as the single ban is, with the request's reason (kept with the ban).
    let entries = audit_entries(&app, &owner, &guild, 22).await;
    let mut targets: Vec<&str> = entries.iter().map(|e| e["target_id"].as_str().unwrap()).collect();
    targets.sort_unstable();
    let mut expected = vec![bo.user_id.as_str(), cy.user_id.as_str(), eve.user_id.as_str()];
    expected.sort_unstable();
    assert_eq!(targets, expected);
    assert!(entries.iter().all(|e| e["reason"] == "spam wave" && e["user_id"] == moderator.user_id.as_str()));
    assert_eq!(bans[0]["reason"], "spam wave");
    // The last hour of the banned members' messages went with them.
    let message = format!("/channels/{}/messages/{}", guild.general, spam["id"].as_str().unwrap());
    assert_error(app.get(&message, Some(&owner.access_token)).await, StatusCode::NOT_FOUND, 10008).await;
    // Banning nobody new is Discord's 500000; a banned user can no longer ask at all.
    assert_error(
        bulk_ban(&app, &moderator, &guild, &json!({"user_ids": [bo.user_id]})).await,
        StatusCode::BAD_REQUEST,
        500000,
    )
    .await;
    assert_error(
        bulk_ban(&app, &bo, &guild, &json!({"user_ids": [banner.user_id]})).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    let (_, still) = status_and_json(
        app.get(&format!("/guilds/{}/members/{}", guild.id, banner.user_id), Some(&owner.access_token)).await,
    )
    .await;
    assert_eq!(still["user"]["id"], banner.user_id.as_str());
}

on_both_backends!(
    a_member_changes_their_own_nickname_audited_and_announced_with_change_nickname,
    a_bulk_ban_bans_whom_the_single_ban_would_and_names_the_rest,
    members_are_listed_in_pages_by_user_id,
    nicknames_need_change_or_manage_nicknames,
    a_timed_out_member_may_read_but_not_send_until_it_lifts,
    kicked_members_may_rejoin_and_banned_ones_may_not,
    moderation_respects_the_hierarchy_and_the_owner,
    members_are_found_by_the_start_of_their_username_or_nickname,
    member_search_refuses_bad_queries_and_non_members,
);
