//! Guild invites: create on a channel, preview without signing in, accept to join, limits
//! and expiry, deletion, listing, and who may do each.

use parley_core::{Permissions, Snowflake, Timestamp};
use parley_events::{Audience, EventName};
use parley_store::guild_invites::NewGuildInvite;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_error, next_event, on_both_backends, spawn_app, status_and_json,
};

struct Guild {
    id: Snowflake,
    general: Snowflake,
}

async fn guild_of(app: &TestApp, owner: &Session) -> Guild {
    let (status, guild) =
        status_and_json(app.post_json("/guilds", &json!({"name": "Inviting"}), Some(&owner.access_token)).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let id: Snowflake = guild["id"].as_str().unwrap().parse().unwrap();
    let general = app.store.channels(id).await.unwrap().into_iter().find(|c| c.name == "general").unwrap().id;
    Guild { id, general }
}

async fn invite(app: &TestApp, who: &Session, channel: Snowflake, body: Value) -> Value {
    let (status, invite) =
        status_and_json(app.post_json(&format!("/channels/{channel}/invites"), &body, Some(&who.access_token)).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{invite}");
    invite
}

async fn a_friend_previews_an_invite_then_joins_and_the_guild_hears_of_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("host").await;
    let friend = app.register("friend").await;
    let guild = guild_of(&app, &owner).await;
    let created = invite(&app, &owner, guild.general, json!({})).await;
    let code = created["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert_eq!(created["max_age"], 86400, "a day by default");
    assert_eq!(created["inviter"]["username"], "host");

    // Anyone holding the link may preview it, signed in or not.
    let (status, preview) = status_and_json(app.get(&format!("/invites/{code}"), None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (preview["guild"]["name"].as_str(), preview["channel"]["name"].as_str()),
        (Some("Inviting"), Some("general"))
    );
    assert_eq!(preview["approximate_member_count"], 1);

    let mut events = app.bus.subscribe();
    let (status, accepted) =
        status_and_json(app.post_json(&format!("/invites/{code}"), &json!({}), Some(&friend.access_token)).await).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["uses"], 1);
    assert_eq!(accepted["approximate_member_count"], 2);
    assert_eq!(app.get(&format!("/guilds/{}", guild.id), Some(&friend.access_token)).await.status(), StatusCode::OK);

    let added = next_event(&mut events).await;
    assert_eq!(
        (added.name, added.audience.clone()),
        (EventName::GuildMemberAdd, Audience::Guild { guild_id: guild.id, channel_id: None })
    );
    assert_eq!(added.json()["user"]["username"], "friend");
    let arrived = next_event(&mut events).await;
    assert_eq!(
        (arrived.name, arrived.audience.clone()),
        (EventName::GuildCreate, Audience::Users(vec![friend.user_id.parse().unwrap()]))
    );
    assert_eq!(arrived.json()["member_count"], 2);

    // Accepting again changes nothing and spends nothing.
    let (_, again) =
        status_and_json(app.post_json(&format!("/invites/{code}"), &json!({}), Some(&friend.access_token)).await).await;
    assert_eq!(again["uses"], 1);
}

async fn a_used_up_or_expired_invite_admits_nobody(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("host").await;
    let first = app.register("first").await;
    let second = app.register("second").await;
    let guild = guild_of(&app, &owner).await;
    let once = invite(&app, &owner, guild.general, json!({"max_uses": 1, "max_age": 0})).await;
    let code = once["code"].as_str().unwrap();
    assert_eq!(once["expires_at"], json!(null));
    assert_eq!(
        app.post_json(&format!("/invites/{code}"), &json!({}), Some(&first.access_token)).await.status(),
        StatusCode::OK
    );
    assert_error(
        app.post_json(&format!("/invites/{code}"), &json!({}), Some(&second.access_token)).await,
        StatusCode::NOT_FOUND,
        10006,
    )
    .await;
    assert_error(app.get(&format!("/invites/{code}"), None).await, StatusCode::NOT_FOUND, 10006).await;

    let an_hour_ago = Timestamp::now().plus_millis(-3_600_000);
    let stale = NewGuildInvite {
        code: "stale123".into(),
        guild_id: guild.id,
        channel_id: guild.general,
        inviter_id: owner.user_id.parse().unwrap(),
        max_age: 60,
        max_uses: 0,
        now: an_hour_ago,
    };
    app.store.create_guild_invite(&stale, None).await.unwrap();
    assert_error(
        app.post_json("/invites/stale123", &json!({}), Some(&second.access_token)).await,
        StatusCode::NOT_FOUND,
        10006,
    )
    .await;
    assert_error(
        app.post_json("/invites/never-was", &json!({}), Some(&second.access_token)).await,
        StatusCode::NOT_FOUND,
        10006,
    )
    .await;
    assert!(app.store.member(guild.id, second.user_id.parse().unwrap()).await.unwrap().is_none());
    assert_error(app.post_json(&format!("/invites/{code}"), &json!({}), None).await, StatusCode::UNAUTHORIZED, 40001)
        .await;
}

async fn creating_an_invite_needs_create_instant_invite_in_a_visible_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("host").await;
    let member = app.register("member").await;
    let outsider = app.register("outsider").await;
    let guild = guild_of(&app, &owner).await;
    let join = invite(&app, &owner, guild.general, json!({})).await;
    app.post_json(&format!("/invites/{}", join["code"].as_str().unwrap()), &json!({}), Some(&member.access_token))
        .await;

    // Members may invite by default (@everyone has CREATE_INSTANT_INVITE).
    invite(&app, &member, guild.general, json!({})).await;
    let overwrite = format!("/channels/{}/permissions/{}", guild.general, guild.id);
    let set = |deny: Permissions| {
        let (app, path, token) = (&app, overwrite.clone(), owner.access_token.clone());
        async move {
            let body = json!({"type": 0, "deny": deny.bits().to_string()});
            let response = app.send(app.client.put(app.api(&path)).json(&body).bearer_auth(token)).await;
            assert_eq!(response.status(), StatusCode::NO_CONTENT);
        }
    };
    set(Permissions::CREATE_INSTANT_INVITE).await;
    let refused = assert_error(
        app.post_json(&format!("/channels/{}/invites", guild.general), &json!({}), Some(&member.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert!(refused["message"].as_str().unwrap().contains("CREATE_INSTANT_INVITE"));
    invite(&app, &owner, guild.general, json!({})).await; // the owner is never refused
    assert_error(
        app.post_json(&format!("/channels/{}/invites", guild.general), &json!({}), Some(&outsider.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    set(Permissions::VIEW_CHANNEL).await;
    assert_error(
        app.post_json(&format!("/channels/{}/invites", guild.general), &json!({}), Some(&member.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert_error(
        app.post_json("/channels/42/invites", &json!({}), Some(&member.access_token)).await,
        StatusCode::NOT_FOUND,
        10003,
    )
    .await;
}

async fn invite_limits_are_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("host").await;
    let guild = guild_of(&app, &owner).await;
    for bad in [
        json!({"max_age": -1}),
        json!({"max_age": 604_801}),
        json!({"max_uses": 101}),
        json!({"max_uses": -1}),
        json!({"max_uses": "ten"}),
    ] {
        assert_error(
            app.post_json(&format!("/channels/{}/invites", guild.general), &bad, Some(&owner.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
    }
    assert!(app.store.guild_invites(guild.id, None).await.unwrap().is_empty());
}

async fn deleting_and_listing_invites_need_the_right_permissions(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("host").await;
    let member = app.register("member").await;
    let guild = guild_of(&app, &owner).await;
    let join = invite(&app, &owner, guild.general, json!({})).await;
    let code = join["code"].as_str().unwrap().to_owned();
    app.post_json(&format!("/invites/{code}"), &json!({}), Some(&member.access_token)).await;

    assert_error(
        app.get(&format!("/guilds/{}/invites", guild.id), Some(&member.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(
        app.get(&format!("/channels/{}/invites", guild.general), Some(&member.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let (_, listed) =
        status_and_json(app.get(&format!("/guilds/{}/invites", guild.id), Some(&owner.access_token)).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (_, by_channel) =
        status_and_json(app.get(&format!("/channels/{}/invites", guild.general), Some(&owner.access_token)).await)
            .await;
    assert_eq!(by_channel[0]["code"], code.as_str());

    assert_error(app.delete(&format!("/invites/{code}"), &member.access_token).await, StatusCode::FORBIDDEN, 50013)
        .await;
    let mut events = app.bus.subscribe();
    let (status, deleted) = status_and_json(app.delete(&format!("/invites/{code}"), &owner.access_token).await).await;
    assert_eq!((status, deleted["code"].as_str()), (StatusCode::OK, Some(code.as_str())));
    assert_eq!(next_event(&mut events).await.name, EventName::InviteDelete);
    assert_error(app.get(&format!("/invites/{code}"), None).await, StatusCode::NOT_FOUND, 10006).await;
    assert_error(app.delete(&format!("/invites/{code}"), &owner.access_token).await, StatusCode::NOT_FOUND, 10006)
        .await;
}

async fn an_invites_code_goes_only_to_those_who_manage_its_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Codes", &[&bob]).await;
    let (mut ann_gw, _) = crate::gateway_client::GatewayClient::identified(&app, &ann).await;
    let (mut bob_gw, _) = crate::gateway_client::GatewayClient::identified(&app, &bob).await;
    // Bob may make invites himself (everyone may), but not manage #general.
    let made = invite(&app, &bob, guild.general.parse().unwrap(), json!({"max_age": 60})).await;
    let seen = ann_gw.wait_for("INVITE_CREATE").await;
    assert_eq!(seen["code"], made["code"]);
    bob_gw.assert_no("INVITE_CREATE", std::time::Duration::from_millis(500)).await;
    let deleted = app.delete(&format!("/invites/{}", made["code"].as_str().unwrap()), &ann.access_token).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(ann_gw.wait_for("INVITE_DELETE").await["code"], made["code"]);
    bob_gw.assert_no("INVITE_DELETE", std::time::Duration::from_millis(300)).await;
}

async fn bots_cannot_join_a_guild_through_an_invite(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "No bots by invite", &[]).await;
    let (_, bot) =
        status_and_json(app.post_json("/applications", &json!({"name": "Crawler"}), Some(&ann.access_token)).await)
            .await;
    let accepted = app
        .send(
            app.client
                .post(app.api(&format!("/invites/{}", guild.invite)))
                .header("authorization", format!("Bot {}", bot["token"].as_str().unwrap()))
                .json(&json!({})),
        )
        .await;
    assert_error(accepted, StatusCode::FORBIDDEN, 20001).await;
    assert!(
        app.store
            .member(guild.id.parse().unwrap(), bot["id"].as_str().unwrap().parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_hidden_channels_invites_and_audit_entries_stay_hidden_from_a_manager_who_cannot_see_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Hidden", &[&bob]).await;
    let manage = Permissions::MANAGE_GUILD | Permissions::VIEW_AUDIT_LOG | Permissions::VIEW_CHANNEL;
    let (status, role) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/roles", guild.id),
            &json!({"name": "managers", "permissions": manage.bits().to_string()}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{role}");
    let given = app
        .put(
            &format!("/guilds/{}/members/{}/roles/{}", guild.id, bob.user_id, role["id"].as_str().unwrap()),
            &ann.access_token,
        )
        .await;
    assert_eq!(given.status(), StatusCode::NO_CONTENT);
    let (status, secret) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/channels", guild.id),
            &json!({"name": "secret", "topic": "the secret topic"}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{secret}");
    let secret: Snowflake = secret["id"].as_str().unwrap().parse().unwrap();
    let hidden = app
        .put_json(
            &format!("/channels/{secret}/permissions/{}", guild.id),
            &json!({"type": 0, "allow": "0", "deny": Permissions::VIEW_CHANNEL.bits().to_string()}),
            &ann.access_token,
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    let open = invite(&app, &ann, guild.general.parse().unwrap(), json!({})).await;
    let closed = invite(&app, &ann, secret, json!({})).await;

    let codes = |list: &Value| -> Vec<String> {
        list.as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_owned()).collect()
    };
    let (_, for_ann) =
        status_and_json(app.get(&format!("/guilds/{}/invites", guild.id), Some(&ann.access_token)).await).await;
    let (_, for_bob) =
        status_and_json(app.get(&format!("/guilds/{}/invites", guild.id), Some(&bob.access_token)).await).await;
    let (open_code, closed_code) =
        (open["code"].as_str().unwrap().to_owned(), closed["code"].as_str().unwrap().to_owned());
    assert!(codes(&for_ann).contains(&closed_code));
    assert!(codes(&for_bob).contains(&open_code) && !codes(&for_bob).contains(&closed_code), "{for_bob}");
    assert_eq!(codes(&for_bob).len(), codes(&for_ann).len() - 1, "only the hidden channel's invite is left out");

    let log = |who: &Session| {
        let token = who.access_token.clone();
        let app = &app;
        let guild_id = guild.id.clone();
        async move {
            let (status, log) =
                status_and_json(app.get(&format!("/guilds/{guild_id}/audit-logs"), Some(&token)).await).await;
            assert_eq!(status, StatusCode::OK, "{log}");
            log.to_string()
        }
    };
    let (ann_log, bob_log) = (log(&ann).await, log(&bob).await);
    for (what, needle) in [
        ("the code", closed["code"].as_str().unwrap().to_owned()),
        ("the topic", "the secret topic".to_owned()),
        ("the id", secret.to_string()),
    ] {
        assert!(ann_log.contains(&needle), "the owner sees {what}");
        assert!(!bob_log.contains(&needle), "bob does not see {what}: {bob_log}");
    }
    assert!(bob_log.contains(open["code"].as_str().unwrap()), "bob still sees what he may: {bob_log}");
}

on_both_backends!(
    a_hidden_channels_invites_and_audit_entries_stay_hidden_from_a_manager_who_cannot_see_it,
    an_invites_code_goes_only_to_those_who_manage_its_channel,
    bots_cannot_join_a_guild_through_an_invite,
    a_friend_previews_an_invite_then_joins_and_the_guild_hears_of_it,
    a_used_up_or_expired_invite_admits_nobody,
    creating_an_invite_needs_create_instant_invite_in_a_visible_channel,
    invite_limits_are_enforced,
    deleting_and_listing_invites_need_the_right_permissions,
);
