//! Who may register: open, invite_only (with instance invites) and closed; the first
//! account becoming admin exactly once, even under concurrency.

use parley_core::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, on_both_backends, password_of, spawn_app_with, status_and_json};

fn new_user(name: &str) -> Value {
    json!({"username": name, "password": password_of(name)})
}

fn with_invite(name: &str, invite: &str) -> Value {
    json!({"username": name, "password": password_of(name), "invite": invite})
}

async fn user_count(app: &crate::helpers::TestApp) -> i64 {
    app.store.user_count().await.unwrap()
}

async fn an_open_instance_lets_anyone_register(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "open")]).await;
    let (_, info) = status_and_json(app.get("/instance", None).await).await;
    assert_eq!(info["registration"], "open");
    app.register("ann").await;
    app.register("ben").await;
    assert_eq!(user_count(&app).await, 2);
}

async fn an_invite_only_instance_needs_an_invite_after_its_first_account(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "invite_only")]).await;
    let (_, info) = status_and_json(app.get("/instance", None).await).await;
    assert_eq!(info["first_account_becomes_admin"], true);
    let admin = app.register("root").await; // the bootstrap account needs no invite
    let (_, info) = status_and_json(app.get("/instance", None).await).await;
    assert_eq!(info["first_account_becomes_admin"], false);

    assert_error(app.post_json("/auth/register", &new_user("cat"), None).await, StatusCode::FORBIDDEN, 90005).await;
    assert_error(
        app.post_json("/auth/register", &with_invite("cat", "nope"), None).await,
        StatusCode::BAD_REQUEST,
        10006,
    )
    .await;

    let (status, invite) =
        status_and_json(app.post_json("/admin/invites", &json!({"max_uses": 1}), Some(&admin.access_token)).await)
            .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    let code = invite["code"].as_str().unwrap().to_owned();
    assert_eq!(invite["max_uses"], 1);
    assert!(invite["expires_at"].is_string(), "invites expire after a day by default");

    // A taken username fails without spending the invite...
    assert_error(
        app.post_json("/auth/register", &with_invite("root", &code), None).await,
        StatusCode::BAD_REQUEST,
        50035,
    )
    .await;
    // ...so it still admits one new account, and then it is used up.
    app.register_with(&with_invite("cat", &code)).await;
    assert_error(
        app.post_json("/auth/register", &with_invite("dan", &code), None).await,
        StatusCode::BAD_REQUEST,
        10006,
    )
    .await;

    let (_, listed) = status_and_json(app.get("/admin/invites", Some(&admin.access_token)).await).await;
    assert_eq!(listed[0]["uses"], 1);
    assert_eq!(user_count(&app).await, 2);
}

async fn an_expired_or_deleted_invite_admits_nobody(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "invite_only")]).await;
    let admin = app.register("root").await;
    let past = Timestamp::now().plus_millis(-1000);
    app.store.create_instance_invite("expired-code", None, 0, Some(past), Timestamp::now()).await.unwrap();
    assert_error(
        app.post_json("/auth/register", &with_invite("eve", "expired-code"), None).await,
        StatusCode::BAD_REQUEST,
        10006,
    )
    .await;

    let (_, invite) = status_and_json(
        app.post_json("/admin/invites", &json!({"max_uses": 0, "max_age": 0}), Some(&admin.access_token)).await,
    )
    .await;
    let code = invite["code"].as_str().unwrap();
    assert_eq!(invite["expires_at"], json!(null));
    assert_eq!(
        app.delete(&format!("/admin/invites/{code}"), &admin.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_error(
        app.post_json("/auth/register", &with_invite("eve", code), None).await,
        StatusCode::BAD_REQUEST,
        10006,
    )
    .await;
    assert_error(
        app.delete(&format!("/admin/invites/{code}"), &admin.access_token).await,
        StatusCode::NOT_FOUND,
        10006,
    )
    .await;
    assert_eq!(user_count(&app).await, 1);
}

async fn only_instance_admins_manage_invites(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "open")]).await;
    app.register("root").await;
    let guest = app.register("guest").await;
    assert_error(
        app.post_json("/admin/invites", &json!({}), Some(&guest.access_token)).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    assert_error(app.get("/admin/invites", Some(&guest.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(app.post_json("/admin/invites", &json!({}), None).await, StatusCode::UNAUTHORIZED, 40001).await;
    assert!(app.store.instance_invites().await.unwrap().is_empty());
}

async fn invite_limits_out_of_range_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "open")]).await;
    let root = app.register("root").await;
    for body in [
        json!({"max_uses": -1}),
        json!({"max_uses": 10_001}),
        json!({"max_age": 999_999_999}),
        json!({"max_age": "soon"}),
    ] {
        assert_error(
            app.post_json("/admin/invites", &body, Some(&root.access_token)).await,
            StatusCode::BAD_REQUEST,
            50035,
        )
        .await;
    }
    assert!(app.store.instance_invites().await.unwrap().is_empty());
}

async fn a_closed_instance_refuses_every_registration(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "closed")]).await;
    let (_, info) = status_and_json(app.get("/instance", None).await).await;
    assert_eq!(info["first_account_becomes_admin"], false);
    assert_error(app.post_json("/auth/register", &new_user("fay"), None).await, StatusCode::FORBIDDEN, 90004).await;
    assert_eq!(user_count(&app).await, 0);
}

async fn concurrent_first_registrations_make_exactly_one_admin(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "open")]).await;
    let names: Vec<String> = (0..8).map(|i| format!("racer{i}")).collect();
    let sessions = futures::future::join_all(names.iter().map(|n| app.register(n))).await;
    let mut admins = 0;
    for s in &sessions {
        let (_, me) = status_and_json(app.me(&s.access_token).await).await;
        admins += i32::from(me["instance_admin"] == true);
    }
    assert_eq!(admins, 1);
}

async fn a_guild_invite_admits_a_new_account_and_brings_it_into_the_guild(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "invite_only")]).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Book Club", &[]).await;
    let (status, tokens) =
        status_and_json(app.post_json("/auth/register", &with_invite("bob", &guild.invite), None).await).await;
    assert_eq!(status, StatusCode::CREATED, "{tokens}");
    let (_, guilds) = status_and_json(app.get("/users/@me/guilds", tokens["access_token"].as_str()).await).await;
    assert_eq!(guilds[0]["id"], guild.id.as_str(), "bob is in the guild he was invited to");

    // A one-use guild invite admits one person; the second gets nothing, not even an account.
    let (_, single) = status_and_json(
        app.post_json(
            &format!("/channels/{}/invites", guild.general),
            &json!({"max_uses": 1}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    let code = single["code"].as_str().unwrap();
    let before = user_count(&app).await;
    assert_eq!(app.post_json("/auth/register", &with_invite("cat", code), None).await.status(), StatusCode::CREATED);
    assert_error(
        app.post_json("/auth/register", &with_invite("dan", code), None).await,
        StatusCode::BAD_REQUEST,
        10006,
    )
    .await;
    assert_eq!(user_count(&app).await, before + 1);
    assert_error(
        app.post_json("/auth/register", &with_invite("dan", "nope"), None).await,
        StatusCode::BAD_REQUEST,
        10006,
    )
    .await;
    assert_error(app.post_json("/auth/register", &new_user("dan"), None).await, StatusCode::FORBIDDEN, 90005).await;

    // On an open instance the invite still brings the new account into its guild.
    let open = spawn_app_with(backend, &[("PARLEY_REGISTRATION", "open")]).await;
    let owner = open.register("owner").await;
    let club = open.guild_with(&owner, "Open Club", &[]).await;
    let (_, tokens) =
        status_and_json(open.post_json("/auth/register", &with_invite("eve", &club.invite), None).await).await;
    let (_, guilds) = status_and_json(open.get("/users/@me/guilds", tokens["access_token"].as_str()).await).await;
    assert_eq!(guilds[0]["id"], club.id.as_str());
}

on_both_backends!(
    a_guild_invite_admits_a_new_account_and_brings_it_into_the_guild,
    an_open_instance_lets_anyone_register,
    an_invite_only_instance_needs_an_invite_after_its_first_account,
    an_expired_or_deleted_invite_admits_nobody,
    only_instance_admins_manage_invites,
    invite_limits_out_of_range_are_refused,
    a_closed_instance_refuses_every_registration,
    concurrent_first_registrations_make_exactly_one_admin,
);
