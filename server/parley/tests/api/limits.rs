//! Abuse limits: per-address and per-account rate limits with Discord's headers, and the
//! lockout after repeated failed logins.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    Backend, TestApp, assert_error, metrics_text, on_both_backends, password_of, sample, spawn_app_with,
    status_and_json,
};

async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = metrics_text(app).await;
    sample(&text, name).unwrap_or_else(|| panic!("{name} not in /metrics:\n{text}")) as u64
}

async fn an_address_over_its_auth_budget_gets_429_with_retry_after_and_discord_headers(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_AUTH_RATE_LIMIT_PER_MINUTE", "3")]).await;
    for _ in 0..3 {
        assert_eq!(app.login("nobody", "whatever-password").await.status(), StatusCode::BAD_REQUEST);
    }
    let response =
        app.post_json("/auth/register", &json!({"username": "late", "password": password_of("late")}), None).await;
    let headers = response.headers().clone();
    let body = assert_error(response, StatusCode::TOO_MANY_REQUESTS, 90006).await;
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert!(body["retry_after"].as_f64().unwrap() > 0.0);
    assert_eq!(body["global"], false);
    assert_eq!(headers["x-ratelimit-limit"], "3");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(headers["x-ratelimit-bucket"], "auth");
    assert!(headers.contains_key("x-ratelimit-reset-after") && headers.contains_key("x-ratelimit-reset"));
    assert_eq!(app.store.user_count().await.unwrap(), 0, "the refused registration created nothing");
    assert_eq!(metric(&app, "parley_auth_rate_limited_total").await, 1);
}

async fn an_account_over_its_login_budget_is_limited_from_every_address(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_LOGIN_RATE_LIMIT_PER_MINUTE", "2")]).await;
    app.register("gus").await;
    app.register("hal").await;
    for _ in 0..2 {
        assert_eq!(app.login("gus", &password_of("gus")).await.status(), StatusCode::OK);
    }
    let response = app.login("GUS", &password_of("gus")).await;
    assert_eq!(response.headers()["x-ratelimit-bucket"], "login");
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, 90006).await;
    assert_eq!(app.login("hal", &password_of("hal")).await.status(), StatusCode::OK, "other accounts are unaffected");
}

async fn repeated_failed_logins_lock_the_account_until_the_lock_expires(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("PARLEY_LOGIN_LOCKOUT_THRESHOLD", "3"), ("PARLEY_LOGIN_LOCKOUT_SECS", "2")]).await;
    app.register("ivy").await;
    app.register("joe").await;
    for _ in 0..2 {
        assert_error(app.login("ivy", "wrong-password").await, StatusCode::BAD_REQUEST, 50035).await;
    }
    let locked = assert_error(app.login("ivy", "wrong-password").await, StatusCode::FORBIDDEN, 90003).await;
    assert!(locked["message"].as_str().unwrap().contains("locked"));
    // Locked means locked: even the right password is refused.
    assert_error(app.login("ivy", &password_of("ivy")).await, StatusCode::FORBIDDEN, 90003).await;
    assert_eq!(app.login("joe", &password_of("joe")).await.status(), StatusCode::OK, "other accounts are unaffected");
    assert_eq!(metric(&app, "parley_account_lockouts_total").await, 1);
    assert_eq!(metric(&app, "parley_login_failures_total").await, 3);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = status_and_json(app.login("ivy", &password_of("ivy")).await).await;
    assert_eq!(status, StatusCode::OK, "the lock expired: {body}");
}

async fn a_successful_login_resets_the_failure_count(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_LOGIN_LOCKOUT_THRESHOLD", "3")]).await;
    app.register("kai").await;
    for _ in 0..2 {
        assert_error(app.login("kai", "wrong-password").await, StatusCode::BAD_REQUEST, 50035).await;
    }
    assert_eq!(app.login("kai", &password_of("kai")).await.status(), StatusCode::OK);
    for _ in 0..2 {
        assert_error(app.login("kai", "wrong-password").await, StatusCode::BAD_REQUEST, 50035).await;
    }
    assert_eq!(
        app.login("kai", &password_of("kai")).await.status(),
        StatusCode::OK,
        "four failures, never three in a row"
    );
}

async fn a_name_with_no_account_locks_out_exactly_like_an_account(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("PARLEY_LOGIN_LOCKOUT_THRESHOLD", "3"), ("PARLEY_LOGIN_LOCKOUT_SECS", "600")]).await;
    app.register("ivy").await;
    let mut answers = Vec::new();
    for name in ["ivy", "nobody"] {
        let mut seen = Vec::new();
        for _ in 0..4 {
            let (status, body) = status_and_json(app.login(name, "wrong-password").await).await;
            seen.push((status, body));
        }
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1], "the same answers, failure by failure, lock included");
    let statuses: Vec<StatusCode> = answers[0].iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses,
        [StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN]
    );
    assert_eq!(answers[1][2].1["code"], 90003);
    assert_eq!(metric(&app, "parley_account_lockouts_total").await, 2);
}

async fn the_current_password_check_counts_toward_the_lockout_and_refuses_a_locked_account(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("PARLEY_LOGIN_LOCKOUT_THRESHOLD", "3"), ("PARLEY_LOGIN_LOCKOUT_SECS", "600")]).await;
    let lia = app.register("lia").await;
    let change = |current: &str| json!({"password": current, "new_password": "a stolen token's new password"});
    for _ in 0..2 {
        let wrong = app.patch_json("/users/@me", &change("a guess"), &lia.access_token).await;
        assert_error(wrong, StatusCode::BAD_REQUEST, 50035).await;
    }
    let third = app.patch_json("/users/@me", &change("another guess"), &lia.access_token).await;
    assert_error(third, StatusCode::FORBIDDEN, 90003).await;
    // Locked: the right password no longer helps the holder of a stolen access token, and the
    // password stays what it was.
    let right = app.patch_json("/users/@me", &change(&password_of("lia")), &lia.access_token).await;
    assert_error(right, StatusCode::FORBIDDEN, 90003).await;
    assert_error(app.login("lia", &password_of("lia")).await, StatusCode::FORBIDDEN, 90003).await;
    assert_error(app.login("lia", "a stolen token's new password").await, StatusCode::FORBIDDEN, 90003).await;
    assert_eq!(metric(&app, "parley_account_lockouts_total").await, 1);
}

async fn the_current_password_check_shares_the_accounts_rate_limit(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_LOGIN_RATE_LIMIT_PER_MINUTE", "2")]).await;
    let max = app.register("max").await;
    for _ in 0..2 {
        let wrong =
            app.patch_json("/users/@me", &json!({"password": "guess", "username": "maxi"}), &max.access_token).await;
        assert_error(wrong, StatusCode::BAD_REQUEST, 50035).await;
    }
    let limited =
        app.patch_json("/users/@me", &json!({"password": "guess", "username": "maxi"}), &max.access_token).await;
    assert_error(limited, StatusCode::TOO_MANY_REQUESTS, 90006).await;
}

async fn send(app: &TestApp, token: &str, channel: &str) -> reqwest::Response {
    app.post_json(&format!("/channels/{channel}/messages"), &json!({"content": "hi"}), Some(token)).await
}

async fn every_answer_carries_its_bucket_and_a_burst_of_sends_is_refused_per_channel(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("PARLEY_REST_MESSAGES_PER_5S", "3"), ("PARLEY_REST_ROUTE_PER_10S", "100")]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Limits", &[&bob]).await;
    let (_, other) = status_and_json(
        app.post_json(&format!("/guilds/{}/channels", guild.id), &json!({"name": "other"}), Some(&ann.access_token))
            .await,
    )
    .await;
    let other = other["id"].as_str().unwrap().to_owned();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = send(&app, &ann.access_token, &guild.general).await;
        assert_eq!(response.status(), StatusCode::OK);
        let h = response.headers();
        assert_eq!(h["x-ratelimit-limit"], "3");
        assert!(
            h.contains_key("x-ratelimit-bucket")
                && h.contains_key("x-ratelimit-reset")
                && h.contains_key("x-ratelimit-reset-after")
        );
        remaining.push(h["x-ratelimit-remaining"].to_str().unwrap().to_owned());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let refused = send(&app, &ann.access_token, &guild.general).await;
    let headers = refused.headers().clone();
    let body = assert_error(refused, StatusCode::TOO_MANY_REQUESTS, 90006).await;
    assert_eq!(body["global"], false);
    let retry = body["retry_after"].as_f64().unwrap();
    assert!(retry > 0.0 && retry <= 5.0, "{body}");
    assert!(headers.contains_key("retry-after"));
    assert_eq!(headers["x-ratelimit-scope"], "user");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    // Another channel, and another account, have their own buckets.
    assert_eq!(send(&app, &ann.access_token, &other).await.status(), StatusCode::OK);
    assert_eq!(send(&app, &bob.access_token, &guild.general).await.status(), StatusCode::OK);
    // Reads carry their own bucket's headers.
    let read = app.get(&format!("/channels/{}/messages", guild.general), Some(&ann.access_token)).await;
    assert_eq!((read.status(), &read.headers()["x-ratelimit-limit"]), (StatusCode::OK, &"100".parse().unwrap()));
    let (_, history) =
        status_and_json(app.get(&format!("/channels/{}/messages", guild.general), Some(&ann.access_token)).await).await;
    assert_eq!(history.as_array().unwrap().len(), 4, "the refused send stored nothing");
}

async fn an_account_past_its_global_budget_is_told_so_and_guild_creation_has_its_own(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("PARLEY_REST_GLOBAL_PER_SECOND", "5"), ("PARLEY_REST_GUILD_CREATES_PER_HOUR", "2")])
            .await;
    let ann = app.register("ann").await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..8 {
        let response = app.me(&ann.access_token).await;
        statuses.push(response.status());
        last = Some(response);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 5, "{statuses:?}");
    let last = last.unwrap();
    assert_eq!(last.headers()["x-ratelimit-global"], "true");
    assert_eq!(last.headers()["x-ratelimit-scope"], "global");
    let body = assert_error(last, StatusCode::TOO_MANY_REQUESTS, 90006).await;
    assert_eq!(body["global"], true);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for n in 0..2 {
        let made = app.post_json("/guilds", &json!({"name": format!("g{n}")}), Some(&ann.access_token)).await;
        assert_eq!(made.status(), StatusCode::CREATED);
    }
    let third = app.post_json("/guilds", &json!({"name": "g3"}), Some(&ann.access_token)).await;
    let body = assert_error(third, StatusCode::TOO_MANY_REQUESTS, 90006).await;
    assert!(body["retry_after"].as_f64().unwrap() > 60.0, "an hourly bucket: {body}");
}

async fn exports_of_ones_data_are_limited_per_account_per_hour(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_REST_EXPORTS_PER_HOUR", "2")]).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    for _ in 0..2 {
        assert_eq!(app.get("/users/@me/export", Some(&ann.access_token)).await.status(), StatusCode::OK);
    }
    let third = app.get("/users/@me/export", Some(&ann.access_token)).await;
    let body = assert_error(third, StatusCode::TOO_MANY_REQUESTS, 90006).await;
    assert!(body["retry_after"].as_f64().unwrap() > 60.0, "an hourly bucket: {body}");
    assert_eq!(app.get("/users/@me/export", Some(&bob.access_token)).await.status(), StatusCode::OK, "per account");
}

async fn identify_is_limited_per_account_and_get_gateway_bot_says_how_much_is_left(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("PARLEY_GATEWAY_IDENTIFIES_PER_5S", "2"),
            ("PARLEY_GATEWAY_IDENTIFIES_PER_DAY", "10"),
            ("PARLEY_GATEWAY_SESSIONS_PER_ACCOUNT", "3"),
        ],
    )
    .await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let (_, before) = status_and_json(app.get("/gateway/bot", Some(&ann.access_token)).await).await;
    assert_eq!(
        before["session_start_limit"],
        json!({"total": 10, "remaining": 10, "reset_after": 0, "max_concurrency": 2})
    );
    let identify = |who: &crate::helpers::Session| json!({"op": 2, "d": {"token": who.access_token, "intents": 1, "properties": {}}});
    let mut open = Vec::new();
    for _ in 0..2 {
        let (client, _) = crate::gateway_client::GatewayClient::identified_with(&app, &ann, 1).await;
        open.push(client);
    }
    let mut third = crate::gateway_client::GatewayClient::connect(&app).await;
    third.send(identify(&ann)).await;
    assert_eq!(third.closed_with().await, Some(4008), "a third IDENTIFY within 5 s");
    let (bob_client, _) = crate::gateway_client::GatewayClient::identified_with(&app, &bob, 1).await;
    let (_, after) = status_and_json(app.get("/gateway/bot", Some(&ann.access_token)).await).await;
    let left = after["session_start_limit"]["remaining"].as_u64().unwrap();
    assert_eq!(left, 8, "two starts spent (the refused one spent none): {after}");
    assert!(after["session_start_limit"]["reset_after"].as_u64().unwrap() > 0);

    // Past the burst, the account may hold three sessions, not four.
    tokio::time::sleep(Duration::from_millis(5100)).await;
    let (third, _) = crate::gateway_client::GatewayClient::identified_with(&app, &ann, 1).await;
    open.push(third);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let mut fourth = crate::gateway_client::GatewayClient::connect(&app).await;
    fourth.send(identify(&ann)).await;
    assert_eq!(fourth.closed_with().await, Some(4008), "a fourth live session");
    drop(bob_client);
}

async fn respelling_a_channel_id_or_guessing_routes_escapes_no_limit(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("PARLEY_REST_MESSAGES_PER_5S", "3"),
            ("PARLEY_REST_GLOBAL_PER_SECOND", "8"),
            ("PARLEY_REST_ROUTE_PER_10S", "100"),
        ],
    )
    .await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Limits", &[]).await;
    let id = &guild.general;
    tokio::time::sleep(Duration::from_millis(1100)).await; // a fresh global budget
    let spellings = [id.clone(), format!("0{id}"), format!("00{id}"), format!("%3{}{}", &id[..1], &id[1..])];
    let mut statuses = Vec::new();
    for channel in &spellings {
        statuses.push(send(&app, &ann.access_token, channel).await.status());
    }
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS],
        "every spelling of the channel is one bucket"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // Paths that match no route count against the global budget, and say so.
    let mut statuses = Vec::new();
    for n in 0..10 {
        let response = app.get(&format!("/no-such-route-{n}"), Some(&ann.access_token)).await;
        if n == 0 {
            assert!(response.headers().contains_key("x-ratelimit-bucket"), "{:?}", response.headers());
        }
        statuses.push(response.status());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::NOT_FOUND).count(), 8, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
}

async fn identifies_racing_each_other_never_pass_the_live_session_cap(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_GATEWAY_SESSIONS_PER_ACCOUNT", "3")]).await;
    let ann = app.register("ann").await;
    app.guild_with(&ann, "Racing", &[]).await;
    let mut clients = Vec::new();
    for _ in 0..12 {
        clients.push(crate::gateway_client::GatewayClient::connect(&app).await);
    }
    let identify = json!({"op": 2, "d": {"token": ann.access_token, "intents": 1, "properties": {}}});
    // Every IDENTIFY is on its way before any is answered.
    futures::future::join_all(clients.iter_mut().map(|c| c.send(identify.clone()))).await;
    let outcomes = futures::future::join_all(clients.iter_mut().map(|client| async move {
        loop {
            match client.receive().await {
                crate::gateway_client::Received::Payload(p) if p["t"] == "READY" => return Ok(()),
                crate::gateway_client::Received::Payload(_) => continue,
                crate::gateway_client::Received::Closed(code) => return Err(code),
            }
        }
    }))
    .await;
    let ready = outcomes.iter().filter(|o| o.is_ok()).count();
    let refused = outcomes.iter().filter(|o| **o == Err(Some(4008))).count();
    assert_eq!((ready, refused), (3, 9), "{outcomes:?}");
}

on_both_backends!(
    identifies_racing_each_other_never_pass_the_live_session_cap,
    respelling_a_channel_id_or_guessing_routes_escapes_no_limit,
    every_answer_carries_its_bucket_and_a_burst_of_sends_is_refused_per_channel,
    an_account_past_its_global_budget_is_told_so_and_guild_creation_has_its_own,
    exports_of_ones_data_are_limited_per_account_per_hour,
    identify_is_limited_per_account_and_get_gateway_bot_says_how_much_is_left,
    a_name_with_no_account_locks_out_exactly_like_an_account,
    the_current_password_check_counts_toward_the_lockout_and_refuses_a_locked_account,
    the_current_password_check_shares_the_accounts_rate_limit,
    an_address_over_its_auth_budget_gets_429_with_retry_after_and_discord_headers,
    an_account_over_its_login_budget_is_limited_from_every_address,
    repeated_failed_logins_lock_the_account_until_the_lock_expires,
    a_successful_login_resets_the_failure_count,
);
