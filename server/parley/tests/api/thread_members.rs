//! Thread members: the starter and whoever writes join a thread; joining, leaving, adding and
//! removing through the thread-members routes, what the gateway tells whom, and every refusal.

use std::time::Duration;

use parley_core::Permissions;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::gateway_client::GatewayClient;
use crate::helpers::{
    Backend, Session, TestApp, TestGuild, assert_error, on_both_backends, spawn_app, status_and_json,
};

const GUILDS: u64 = 1;
const GUILD_MEMBERS: u64 = 1 << 1;

async fn start_thread(app: &TestApp, who: &Session, guild: &TestGuild, name: &str) -> Value {
    let (status, thread) = status_and_json(
        app.post_json(&format!("/channels/{}/threads", guild.general), &json!({"name": name}), Some(&who.access_token))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{thread}");
    thread
}

async fn say(app: &TestApp, who: &Session, channel: &str, content: &str) {
    let sent = app
        .post_json(&format!("/channels/{channel}/messages"), &json!({"content": content}), Some(&who.access_token))
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
}

async fn members_of(app: &TestApp, who: &Session, thread: &str, query: &str) -> Value {
    let (status, members) =
        status_and_json(app.get(&format!("/channels/{thread}/thread-members{query}"), Some(&who.access_token)).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{members}");
    members
}

fn user_ids(members: &Value) -> Vec<&str> {
    members.as_array().unwrap().iter().map(|m| m["user_id"].as_str().unwrap()).collect()
}

/// Denies `permissions` to @everyone on the guild's #general (and so in its threads).
async fn deny_everyone(app: &TestApp, owner: &Session, guild: &TestGuild, permissions: Permissions) {
    let deny = json!({"type": 0, "deny": permissions.bits().to_string()});
    let path = format!("/channels/{}/permissions/{}", guild.general, guild.id);
    assert_eq!(app.put_json(&path, &deny, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
}

async fn a_thread_s_starter_and_whoever_writes_in_it_are_its_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo) = (app.register("ann").await, app.register("bo").await);
    let guild = app.guild_with(&owner, "Threads", &[&ann, &bo]).await;
    let thread = start_thread(&app, &owner, &guild, "Plans").await;
    let id = thread["id"].as_str().unwrap();
    assert_eq!(thread["member_count"], 1, "its starter joined it: {thread}");
    assert_eq!(thread["member"]["user_id"], owner.user_id.as_str(), "the starter sees their own membership");

    say(&app, &ann, id, "count me in").await;
    let (_, seen) = status_and_json(app.get(&format!("/channels/{id}"), Some(&ann.access_token)).await).await;
    assert_eq!(seen["member_count"], 2, "writing joined ann: {seen}");
    assert_eq!(seen["member"]["user_id"], ann.user_id.as_str());
    assert_eq!(seen["member"]["id"], id);
    let (_, unjoined) = status_and_json(app.get(&format!("/channels/{id}"), Some(&bo.access_token)).await).await;
    assert!(unjoined.get("member").is_none(), "bo has not joined: {unjoined}");

    let members = members_of(&app, &bo, id, "").await;
    let mut expected = vec![owner.user_id.as_str(), ann.user_id.as_str()];
    expected.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(user_ids(&members), expected, "by user id");
    let first = &members[0];
    assert_eq!(first["id"], id);
    assert!(first["join_timestamp"].as_str().is_some_and(|t| t.ends_with("+00:00")), "{first}");
    assert_eq!(first["flags"], 0);
    assert!(first.get("member").is_none(), "no guild member unless asked: {first}");

    let with = members_of(&app, &bo, id, "?with_member=true").await;
    assert_eq!(with[0]["member"]["user"]["id"], with[0]["user_id"]);
    assert!(with[0]["member"]["joined_at"].is_string());
    let (status, one) = status_and_json(
        app.get(&format!("/channels/{id}/thread-members/{}?with_member=True", ann.user_id), Some(&bo.access_token))
            .await,
    )
    .await;
    assert_eq!((status, one["user_id"].as_str()), (StatusCode::OK, Some(ann.user_id.as_str())));
    assert_eq!(one["member"]["user"]["username"], "ann");
    assert_error(
        app.get(&format!("/channels/{id}/thread-members/{}", bo.user_id), Some(&ann.access_token)).await,
        StatusCode::NOT_FOUND,
        10007,
    )
    .await;

    let (_, active) =
        status_and_json(app.get(&format!("/guilds/{}/threads/active", guild.id), Some(&ann.access_token)).await).await;
    assert_eq!(active["members"], json!([members[ann_index(&members, &ann)]]), "ann's own membership: {active}");
    let (_, none) =
        status_and_json(app.get(&format!("/guilds/{}/threads/active", guild.id), Some(&bo.access_token)).await).await;
    assert_eq!(none["members"], json!([]));
}

fn ann_index(members: &Value, ann: &Session) -> usize {
    members.as_array().unwrap().iter().position(|m| m["user_id"] == ann.user_id.as_str()).unwrap()
}

async fn thread_members_are_paged_by_user_id_with_their_guild_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let mut others = Vec::new();
    for i in 0..4 {
        others.push(app.register(&format!("m{i}")).await);
    }
    let guild = app.guild_with(&owner, "Threads", &others.iter().collect::<Vec<_>>()).await;
    let thread = start_thread(&app, &owner, &guild, "Busy").await;
    let id = thread["id"].as_str().unwrap();
    for other in &others {
        assert_eq!(
            app.put(&format!("/channels/{id}/thread-members/@me"), &other.access_token).await.status(),
            StatusCode::NO_CONTENT
        );
    }
    let everyone = user_ids(&members_of(&app, &owner, id, "").await).into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(everyone.len(), 5);
    let mut seen = Vec::new();
    let mut after = "0".to_owned();
    loop {
        let page = members_of(&app, &owner, id, &format!("?with_member=true&limit=2&after={after}")).await;
        let page = page.as_array().unwrap().clone();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = last["user_id"].as_str().unwrap().to_owned();
        assert!(page.iter().all(|m| m["member"]["user"]["id"] == m["user_id"]));
        seen.extend(page.iter().map(|m| m["user_id"].as_str().unwrap().to_owned()));
    }
    assert_eq!(seen, everyone, "the pages hold everyone once, in order");
    assert_eq!(user_ids(&members_of(&app, &owner, id, "?limit=1").await).len(), 5, "v10 pages only with_member");
    let (_, channel) = status_and_json(app.get(&format!("/channels/{id}"), Some(&owner.access_token)).await).await;
    assert_eq!(channel["member_count"], 5);

    for bad in ["?limit=0", "?limit=101", "?after=x", "?with_member=yes", "?with_member=true&limit=abc"] {
        let error = assert_error(
            app.get(&format!("/channels/{id}/thread-members{bad}"), Some(&owner.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
        assert!(error["errors"].is_object(), "{bad}: {error}");
    }
}

async fn joining_and_leaving_tells_the_thread_and_the_one_who_joined(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo, cy) = (app.register("ann").await, app.register("bo").await, app.register("cy").await);
    let guild = app.guild_with(&owner, "Threads", &[&ann, &bo, &cy]).await;
    let thread = start_thread(&app, &owner, &guild, "Gossip").await;
    let id = thread["id"].as_str().unwrap();
    let (mut ann_gw, _) = GatewayClient::identified_with(&app, &ann, GUILDS).await;
    let (mut bo_gw, _) = GatewayClient::identified_with(&app, &bo, GUILDS | GUILD_MEMBERS).await;
    let (mut cy_gw, _) = GatewayClient::identified_with(&app, &cy, GUILDS).await;

    assert_eq!(app.put(&format!("/channels/{id}/thread-members/@me"), &ann.access_token).await.status(), 204);
    let update = bo_gw.wait_for("THREAD_MEMBERS_UPDATE").await;
    assert_eq!((update["id"].as_str(), update["guild_id"].as_str()), (Some(id), Some(guild.id.as_str())));
    assert_eq!(update["member_count"], 2);
    let added = &update["added_members"][0];
    assert_eq!((added["user_id"].as_str(), added["id"].as_str()), (Some(ann.user_id.as_str()), Some(id)));
    assert_eq!(added["member"]["user"]["id"], ann.user_id.as_str(), "with their guild member: {update}");
    assert!(added["join_timestamp"].is_string() && added["presence"].is_null(), "{update}");
    let own = ann_gw.wait_for("THREAD_MEMBERS_UPDATE").await;
    assert_eq!(
        own["added_members"][0]["user_id"],
        ann.user_id.as_str(),
        "her own join reaches her without GUILD_MEMBERS"
    );
    let mine = ann_gw.wait_for("THREAD_MEMBER_UPDATE").await;
    assert_eq!(
        (mine["id"].as_str(), mine["user_id"].as_str(), mine["guild_id"].as_str()),
        (Some(id), Some(ann.user_id.as_str()), Some(guild.id.as_str()))
    );
    cy_gw.assert_no("THREAD_MEMBERS_UPDATE", Duration::from_millis(300)).await;

    assert_eq!(
        app.put(&format!("/channels/{id}/thread-members/@me"), &ann.access_token).await.status(),
        204,
        "joining again changes nothing"
    );
    assert_eq!(app.delete(&format!("/channels/{id}/thread-members/@me"), &ann.access_token).await.status(), 204);
    let left = bo_gw.wait_for("THREAD_MEMBERS_UPDATE").await;
    assert_eq!(left["removed_member_ids"], json!([ann.user_id]), "{left}");
    assert_eq!(left["member_count"], 1);
    assert!(left.get("added_members").is_none());
    assert_eq!(ann_gw.wait_for("THREAD_MEMBERS_UPDATE").await["removed_member_ids"], json!([ann.user_id]));
    assert_eq!(app.delete(&format!("/channels/{id}/thread-members/@me"), &ann.access_token).await.status(), 204);
    assert_eq!(user_ids(&members_of(&app, &ann, id, "").await), vec![owner.user_id.as_str()]);

    // A thread ann joined comes with her membership in the GUILD_CREATE of her next session.
    assert_eq!(app.put(&format!("/channels/{id}/thread-members/@me"), &ann.access_token).await.status(), 204);
    let (mut again, _) = GatewayClient::identified_with(&app, &ann, GUILDS).await;
    let created = again.wait_for("GUILD_CREATE").await;
    let listed = created["threads"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap().clone();
    assert_eq!(listed["member"]["user_id"], ann.user_id.as_str(), "{listed}");
    assert_eq!(listed["member_count"], 2);
}

async fn adding_needs_send_messages_in_threads_and_removing_manage_threads(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo, cy) = (app.register("ann").await, app.register("bo").await, app.register("cy").await);
    let stranger = app.register("stranger").await;
    let guild = app.guild_with(&owner, "Threads", &[&ann, &bo, &cy]).await;
    let thread = start_thread(&app, &ann, &guild, "Ann's").await;
    let id = thread["id"].as_str().unwrap();
    let add = |who: &str| format!("/channels/{id}/thread-members/{who}");

    assert_eq!(app.put(&add(&bo.user_id), &ann.access_token).await.status(), 204, "a member who may write adds");
    assert_eq!(app.put(&add(&bo.user_id), &ann.access_token).await.status(), 204, "twice is fine");
    assert_error(app.put(&add(&stranger.user_id), &ann.access_token).await, StatusCode::NOT_FOUND, 10007).await;
    assert_error(app.put(&add("123"), &ann.access_token).await, StatusCode::NOT_FOUND, 10007).await;
    assert_error(app.put(&add("someone"), &ann.access_token).await, StatusCode::NOT_FOUND, 10007).await;
    // cy cannot see #general (so nor its thread): she cannot be added to it.
    let hide = json!({"type": 1, "deny": Permissions::VIEW_CHANNEL.bits().to_string()});
    let path = format!("/channels/{}/permissions/{}", guild.general, cy.user_id);
    assert_eq!(app.put_json(&path, &hide, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
    assert_error(app.put(&add(&cy.user_id), &ann.access_token).await, StatusCode::FORBIDDEN, 50001).await;
    assert_error(
        app.put(&format!("/channels/{id}/thread-members/@me"), &cy.access_token).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert_error(
        app.get(&format!("/channels/{id}/thread-members"), Some(&cy.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;

    // Removing others takes MANAGE_THREADS, even for the thread's starter (public threads).
    assert_error(app.delete(&add(&bo.user_id), &ann.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(app.delete(&add(&bo.user_id), &owner.access_token).await.status(), 204);
    assert_eq!(user_ids(&members_of(&app, &owner, id, "").await), vec![ann.user_id.as_str()]);

    deny_everyone(&app, &owner, &guild, Permissions::SEND_MESSAGES_IN_THREADS).await;
    let refused = assert_error(app.put(&add(&bo.user_id), &ann.access_token).await, StatusCode::FORBIDDEN, 50013).await;
    assert!(refused["message"].as_str().unwrap().contains("SEND_MESSAGES_IN_THREADS"), "{refused}");
    assert_eq!(
        app.put(&format!("/channels/{id}/thread-members/@me"), &bo.access_token).await.status(),
        204,
        "joining needs only to see the thread"
    );
}

async fn archived_threads_keep_their_members_and_other_refusals(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, outsider) = (app.register("ann").await, app.register("outsider").await);
    let guild = app.guild_with(&owner, "Threads", &[&ann]).await;
    let elsewhere = app.guild_with(&outsider, "Elsewhere", &[]).await;
    let theirs = start_thread(&app, &outsider, &elsewhere, "Theirs").await;
    let thread = start_thread(&app, &owner, &guild, "Old").await;
    let id = thread["id"].as_str().unwrap();
    assert_eq!(app.put(&format!("/channels/{id}/thread-members/@me"), &ann.access_token).await.status(), 204);
    let archive = app.patch_json(&format!("/channels/{id}"), &json!({"archived": true}), &owner.access_token).await;
    assert_eq!(archive.status(), StatusCode::OK);

    let me = format!("/channels/{id}/thread-members/@me");
    let ann_path = format!("/channels/{id}/thread-members/{}", ann.user_id);
    assert_error(app.put(&me, &owner.access_token).await, StatusCode::BAD_REQUEST, 50083).await;
    assert_error(app.delete(&me, &ann.access_token).await, StatusCode::BAD_REQUEST, 50083).await;
    assert_error(app.put(&ann_path, &owner.access_token).await, StatusCode::BAD_REQUEST, 50083).await;
    assert_error(app.delete(&ann_path, &owner.access_token).await, StatusCode::BAD_REQUEST, 50083).await;
    assert_eq!(members_of(&app, &ann, id, "").await.as_array().unwrap().len(), 2, "still listed while archived");

    // Not a thread, another guild's thread, an unknown one.
    let general = format!("/channels/{}/thread-members", guild.general);
    assert_error(app.get(&general, Some(&owner.access_token)).await, StatusCode::BAD_REQUEST, 50024).await;
    assert_error(app.put(&format!("{general}/@me"), &owner.access_token).await, StatusCode::BAD_REQUEST, 50024).await;
    let other = format!("/channels/{}/thread-members", theirs["id"].as_str().unwrap());
    assert_error(app.get(&other, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 50001).await;
    assert_error(app.put(&format!("{other}/@me"), &ann.access_token).await, StatusCode::FORBIDDEN, 50001).await;
    assert_error(
        app.get(&format!("{other}/{}", outsider.user_id), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50001,
    )
    .await;
    assert_error(app.get("/channels/42/thread-members", Some(&ann.access_token)).await, StatusCode::NOT_FOUND, 10003)
        .await;
    assert_error(app.put("/channels/42/thread-members/@me", &ann.access_token).await, StatusCode::NOT_FOUND, 10003)
        .await;
    assert_eq!(app.get(&general, None).await.status(), StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    a_thread_s_starter_and_whoever_writes_in_it_are_its_members,
    thread_members_are_paged_by_user_id_with_their_guild_members,
    joining_and_leaving_tells_the_thread_and_the_one_who_joined,
    adding_needs_send_messages_in_threads_and_removing_manage_threads,
    archived_threads_keep_their_members_and_other_refusals,
);
