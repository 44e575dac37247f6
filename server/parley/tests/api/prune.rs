//! Pruning a guild: who a prune counts and removes (members unseen for the days asked and
//! offline, with no role or only included ones; never the owner or a bot), its audit entry and removal
//! events; and its refusals: members without MANAGE_GUILD and KICK_MEMBERS, roles above the
//! caller, days and roles out of bounds, outsiders.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bots::{add_to_guild, create_bot};
use crate::gateway_client::GatewayClient;
use crate::helpers::{
    Backend, Session, TestApp, TestGuild, assert_error, on_both_backends, run_sql, spawn_app, status_and_json,
};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Ten days pass for the guild's members: they joined, and those named were last seen, then.
async fn ten_days_pass(app: &TestApp, guild: &TestGuild, unseen: &[&Session]) {
    let then = now_ms() - 10 * DAY_MS;
    let ids: Vec<String> = unseen.iter().map(|s| s.user_id.clone()).collect();
    run_sql(
        app,
        &[
            format!("UPDATE members SET joined_at = {then} WHERE guild_id = {}", guild.id),
            format!("UPDATE sessions SET last_seen_at = {then} WHERE user_id IN ({})", ids.join(", ")),
        ],
    )
    .await;
}

async fn count(app: &TestApp, who: &Session, guild: &TestGuild, query: &str) -> (StatusCode, Value) {
    status_and_json(app.get(&format!("/guilds/{}/prune{query}", guild.id), Some(&who.access_token)).await).await
}

async fn prune(app: &TestApp, who: &Session, guild: &TestGuild, body: Value) -> reqwest::Response {
    app.post_json(&format!("/guilds/{}/prune", guild.id), &body, Some(&who.access_token)).await
}

async fn role(app: &TestApp, owner: &Session, guild: &TestGuild, name: &str, permissions: u64) -> String {
    let (status, role) = status_and_json(
        app.post_json(
            &format!("/guilds/{}/roles", guild.id),
            &json!({"name": name, "permissions": permissions.to_string()}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{role}");
    role["id"].as_str().unwrap().to_owned()
}

async fn give(app: &TestApp, owner: &Session, guild: &TestGuild, who: &Session, role: &str) {
    let path = format!("/guilds/{}/members/{}/roles/{role}", guild.id, who.user_id);
    assert_eq!(app.put(&path, &owner.access_token).await.status(), StatusCode::NO_CONTENT);
}

async fn member_ids(app: &TestApp, owner: &Session, guild: &TestGuild) -> Vec<String> {
    let (_, members) =
        status_and_json(app.get(&format!("/guilds/{}/members?limit=100", guild.id), Some(&owner.access_token)).await)
            .await;
    let mut ids: Vec<String> =
        members.as_array().unwrap().iter().map(|m| m["user"]["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

async fn a_prune_removes_only_members_unseen_for_its_days_who_hold_no_kept_role_and_are_offline(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo, cy, dee) =
        (app.register("ann").await, app.register("bo").await, app.register("cy").await, app.register("dee").await);
    let guild = app.guild_with(&owner, "Quiet", &[&ann, &bo, &cy, &dee]).await;
    let bot = create_bot(&app, &owner, "Idle Bot").await;
    assert_eq!(add_to_guild(&app, &owner, &bot, &guild.id, "0").await.status(), StatusCode::OK);
    let regulars = role(&app, &owner, &guild, "Regulars", 0).await;
    give(&app, &owner, &guild, &cy, &regulars).await;
    // Everyone joined ten days ago; ann, bo, cy and the owner were last seen then, dee since.
    ten_days_pass(&app, &guild, &[&owner, &ann, &bo, &cy]).await;

    // Never the owner, nor the bot, nor dee (seen), nor cy (a role) unless Regulars is included.
    assert_eq!(count(&app, &owner, &guild, "").await, (StatusCode::OK, json!({"pruned": 2})));
    assert_eq!(count(&app, &owner, &guild, "?days=30").await.1, json!({"pruned": 0}));
    assert_eq!(count(&app, &owner, &guild, &format!("?days=7&include_roles={regulars}")).await.1, json!({"pruned": 3}));
    // ann comes back: using Parley is being seen.
    assert_eq!(app.me(&ann.access_token).await.status(), StatusCode::OK);
    assert_eq!(count(&app, &owner, &guild, &format!("?include_roles={regulars}")).await.1, json!({"pruned": 2}));

    // cy connects: being online is being seen (the count follows her presence).
    let (mut gateway, _) = GatewayClient::identified(&app, &cy).await;
    let with_regulars = format!("?include_roles={regulars}");
    for _ in 0..100 {
        if count(&app, &owner, &guild, &with_regulars).await.1 == json!({"pruned": 1}) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(count(&app, &owner, &guild, &with_regulars).await.1, json!({"pruned": 1}));

    let (status, pruned) =
        status_and_json(prune(&app, &owner, &guild, json!({"days": 7, "include_roles": [regulars]})).await).await;
    assert_eq!((status, pruned), (StatusCode::OK, json!({"pruned": 1})));
    assert_eq!(gateway.wait_for("GUILD_MEMBER_REMOVE").await["user"]["id"], bo.user_id.as_str());
    let mut left =
        vec![owner.user_id.clone(), ann.user_id.clone(), cy.user_id.clone(), dee.user_id.clone(), bot.id.clone()];
    left.sort();
    assert_eq!(member_ids(&app, &owner, &guild).await, left);
    let (_, log) = status_and_json(
        app.get(&format!("/guilds/{}/audit-logs?action_type=21", guild.id), Some(&owner.access_token)).await,
    )
    .await;
    assert_eq!(log["audit_log_entries"].as_array().unwrap().len(), 1, "{log}");
    // Without the count, the answer says nothing of it; a pruned member may come back.
    let (status, quiet) =
        status_and_json(prune(&app, &owner, &guild, json!({"compute_prune_count": false})).await).await;
    assert_eq!((status, quiet), (StatusCode::OK, json!({"pruned": null})));
    let (_, log) = status_and_json(
        app.get(&format!("/guilds/{}/audit-logs?action_type=21", guild.id), Some(&owner.access_token)).await,
    )
    .await;
    assert_eq!(log["audit_log_entries"].as_array().unwrap().len(), 1, "a prune that removed nobody is no entry");
    let back = app.post_json(&format!("/invites/{}", guild.invite), &json!({}), Some(&bo.access_token)).await;
    assert_eq!(back.status(), StatusCode::OK);
}

async fn a_prune_is_refused_to_members_without_the_rights_and_beyond_its_bounds(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.register("owner").await;
    let (ann, bo) = (app.register("ann").await, app.register("bo").await);
    let guild = app.guild_with(&owner, "Quiet", &[&ann, &bo]).await;
    ten_days_pass(&app, &guild, &[&bo]).await;
    let before = member_ids(&app, &owner, &guild).await;

    // ann holds neither MANAGE_GUILD nor KICK_MEMBERS; then only KICK_MEMBERS.
    assert_error(
        app.get(&format!("/guilds/{}/prune", guild.id), Some(&ann.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(prune(&app, &ann, &guild, json!({})).await, StatusCode::FORBIDDEN, 50013).await;
    let high = role(&app, &owner, &guild, "High", 0).await;
    let kickers = role(&app, &owner, &guild, "Kickers", 1 << 1).await;
    give(&app, &owner, &guild, &ann, &kickers).await;
    assert_error(prune(&app, &ann, &guild, json!({})).await, StatusCode::FORBIDDEN, 50013).await;
    // With both, she may not include a role at or above her own.
    let moderators = role(&app, &owner, &guild, "Moderators", (1 << 1) | (1 << 5)).await;
    give(&app, &owner, &guild, &ann, &moderators).await;
    assert_error(prune(&app, &ann, &guild, json!({"include_roles": [high]})).await, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(count(&app, &ann, &guild, "").await, (StatusCode::OK, json!({"pruned": 1})));

    // Out of bounds: days, unknown or malformed roles, @everyone, too many.
    for (query, field, code) in [
        ("?days=0", "days", "NUMBER_TYPE_MIN"),
        ("?days=31", "days", "NUMBER_TYPE_MAX"),
        ("?days=x", "days", "NUMBER_TYPE_COERCE"),
        ("?include_roles=abc", "include_roles", "NUMBER_TYPE_COERCE"),
    ] {
        let (status, bad) = count(&app, &owner, &guild, query).await;
        assert_eq!((status, bad["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(50035)), "{query}: {bad}");
        let errors = bad["errors"][field]["_errors"].as_array().unwrap();
        assert_eq!((errors.len(), errors[0]["code"].as_str()), (1, Some(code)), "{query}: {bad}");
    }
    let (status, unknown) = count(&app, &owner, &guild, "?include_roles=4242").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown["errors"]["include_roles"]["0"]["_errors"][0]["code"], "ROLE_UNKNOWN");
    let everyone = json!({"include_roles": [guild.id]});
    for body in [json!({"days": 0}), json!({"days": 31}), json!({"include_roles": ["4242"]}), everyone] {
        assert_error(prune(&app, &owner, &guild, body).await, StatusCode::BAD_REQUEST, 50035).await;
    }
    let many: Vec<String> = (0..101).map(|i| (4242 + i).to_string()).collect();
    assert_error(prune(&app, &owner, &guild, json!({"include_roles": many})).await, StatusCode::BAD_REQUEST, 50035)
        .await;
    // Outsiders and unknown guilds.
    let zed = app.register("zed").await;
    assert_error(prune(&app, &zed, &guild, json!({})).await, StatusCode::FORBIDDEN, 50001).await;
    let nowhere = app.post_json("/guilds/4242/prune", &json!({}), Some(&owner.access_token)).await;
    assert_error(nowhere, StatusCode::NOT_FOUND, 10004).await;
    assert_eq!(member_ids(&app, &owner, &guild).await, before, "nothing refused removed anyone");
}

on_both_backends!(
    a_prune_removes_only_members_unseen_for_its_days_who_hold_no_kept_role_and_are_offline,
    a_prune_is_refused_to_members_without_the_rights_and_beyond_its_bounds,
);
