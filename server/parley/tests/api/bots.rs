//! Applications and bots: creating one, its token (REST and gateway), adding it to a guild,
//! privileged intents, the MESSAGE_CONTENT rule, and a real discord.py bot answering a user.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::bot_process::BotProcess;
use crate::gateway_client::GatewayClient;
use crate::helpers::{Backend, Session, TestApp, assert_error, on_both_backends, spawn_app, status_and_json};

const GUILDS: u64 = 1;
const GUILD_MESSAGES: u64 = 1 << 9;
const MESSAGE_CONTENT: u64 = 1 << 15;
const GATEWAY_MESSAGE_CONTENT_FLAG: i64 = 1 << 18;
const GATEWAY_GUILD_MEMBERS_FLAG: i64 = 1 << 14;

/// A bot made through the API: its id and token.
pub struct Bot {
    pub id: String,
    pub token: String,
}

pub async fn create_bot(app: &TestApp, owner: &Session, name: &str) -> Bot {
    let (status, created) = status_and_json(
        app.post_json(
            "/applications",
            &json!({"name": name, "description": "answers pings"}),
            Some(&owner.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    Bot { id: created["id"].as_str().unwrap().to_owned(), token: created["token"].as_str().unwrap().to_owned() }
}

/// A request with the bot's token: its status and JSON body (null for 204).
pub async fn as_bot(
    app: &TestApp,
    bot: &Bot,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let mut request = app.client.request(method, app.api(path)).header("Authorization", format!("Bot {}", bot.token));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = app.send(request).await;
    if response.status() == StatusCode::NO_CONTENT {
        return (StatusCode::NO_CONTENT, serde_json::Value::Null);
    }
    status_and_json(response).await
}

/// The bot's gateway session (every intent but the privileged ones), once READY.
pub async fn bot_gateway(app: &TestApp, bot: &Bot) -> GatewayClient {
    let mut client = GatewayClient::connect(app).await;
    client
        .send(json!({"op": 2, "d": {"token": bot.token, "intents": 3_243_773,
                                      "properties": {"os": "linux", "browser": "test", "device": "test"}}}))
        .await;
    client.wait_for("READY").await;
    client
}

pub async fn add_to_guild(
    app: &TestApp,
    who: &Session,
    bot: &Bot,
    guild: &str,
    permissions: &str,
) -> reqwest::Response {
    app.post_json(
        &format!("/oauth2/authorize?client_id={}&scope=bot&permissions={permissions}", bot.id),
        &json!({"guild_id": guild, "authorize": true}),
        Some(&who.access_token),
    )
    .await
}

async fn bot_get(app: &TestApp, bot: &Bot, path: &str) -> reqwest::Response {
    app.send(app.client.get(app.api(path)).header("Authorization", format!("Bot {}", bot.token))).await
}

async fn applications_make_bots_whose_tokens_work_until_reset(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let bot = create_bot(&app, &ann, "Ping Bot").await;
    let (status, me) = status_and_json(bot_get(&app, &bot, "/users/@me").await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (me["id"].as_str(), me["bot"].as_bool(), me["username"].as_str()),
        (Some(bot.id.as_str()), Some(true), Some("ping_bot"))
    );
    let (status, application) = status_and_json(bot_get(&app, &bot, "/oauth2/applications/@me").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (application["id"].as_str(), application["owner"]["id"].as_str()),
        (Some(bot.id.as_str()), Some(ann.user_id.as_str()))
    );
    assert!(application.get("token").is_none(), "the token is shown only when made");
    assert_error(app.get("/oauth2/applications/@me", Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 20002)
        .await;
    assert_error(bot_get(&app, &bot, "/auth/sessions").await, StatusCode::FORBIDDEN, 20001).await;
    // A bot renames itself with its token; it has no password or email to change, and its
    // attempts are not failed logins.
    let bot_patch = |body: serde_json::Value| {
        app.send(
            app.client.patch(app.api("/users/@me")).header("Authorization", format!("Bot {}", bot.token)).json(&body),
        )
    };
    for body in [
        json!({"password": "guess", "new_password": "a new long password"}),
        json!({"email": "bot@example.com"}),
        json!({"username": "pinger", "password": "guess"}),
    ] {
        assert_error(bot_patch(body).await, StatusCode::FORBIDDEN, 20001).await;
    }
    let (status, renamed) = status_and_json(bot_patch(json!({"username": "pinger"})).await).await;
    assert_eq!((status, renamed["username"].as_str()), (StatusCode::OK, Some("pinger")), "{renamed}");
    assert_error(
        app.get(&format!("/applications/{}", bot.id), Some(&bob.access_token)).await,
        StatusCode::NOT_FOUND,
        10002,
    )
    .await;
    let (_, mine) = status_and_json(app.get("/applications", Some(&ann.access_token)).await).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    let second = create_bot(&app, &ann, "Ping Bot").await;
    assert_ne!(second.id, bot.id);

    let (status, reset) = status_and_json(
        app.post_json(&format!("/applications/{}/bot/reset", bot.id), &json!({}), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_error(bot_get(&app, &bot, "/users/@me").await, StatusCode::UNAUTHORIZED, 40001).await;
    let renewed = Bot { id: bot.id.clone(), token: reset["token"].as_str().unwrap().to_owned() };
    assert_eq!(bot_get(&app, &renewed, "/users/@me").await.status(), StatusCode::OK);
    let forged = Bot { id: bot.id.clone(), token: format!("{}x", renewed.token) };
    assert_error(bot_get(&app, &forged, "/users/@me").await, StatusCode::UNAUTHORIZED, 40001).await;

    let bad = app.post_json("/applications", &json!({"name": "x"}), Some(&ann.access_token)).await;
    assert_error(bad, StatusCode::BAD_REQUEST, 50035).await;
    let bad_flags = app.patch_json(&format!("/applications/{}", bot.id), &json!({"flags": 1}), &ann.access_token).await;
    assert_error(bad_flags, StatusCode::BAD_REQUEST, 50035).await;
}

async fn only_members_with_manage_guild_add_bots_and_only_with_permissions_they_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Lounge", &[&bob]).await;
    let bot = create_bot(&app, &ann, "Helper").await;
    assert_error(add_to_guild(&app, &bob, &bot, &guild.id, "0").await, StatusCode::FORBIDDEN, 50013).await;
    let unknown = Bot { id: "4242".into(), token: String::new() };
    assert_error(add_to_guild(&app, &ann, &unknown, &guild.id, "0").await, StatusCode::NOT_FOUND, 10002).await;
    let mut events = app.bus.subscribe();
    // 8192 = MANAGE_MESSAGES, given through a role named after the bot.
    let added = add_to_guild(&app, &ann, &bot, &guild.id, "8192").await;
    assert_eq!(added.status(), StatusCode::OK);
    let joined = loop {
        let event = crate::helpers::next_event(&mut events).await;
        if event.name == parley_events::EventName::GuildMemberAdd {
            break event;
        }
    };
    assert_eq!(joined.json()["user"]["id"], bot.id.as_str());
    let (_, member) =
        status_and_json(app.get(&format!("/guilds/{}/members/{}", guild.id, bot.id), Some(&ann.access_token)).await)
            .await;
    assert_eq!(member["user"]["bot"], true);
    assert_eq!(member["roles"].as_array().map(Vec::len), Some(1), "{member}");
    let (_, log) = status_and_json(
        app.get(&format!("/guilds/{}/audit-logs?action_type=28", guild.id), Some(&ann.access_token)).await,
    )
    .await;
    assert_eq!(log["audit_log_entries"][0]["target_id"], bot.id.as_str());
    let (_, guilds) = status_and_json(bot_get(&app, &bot, "/users/@me/guilds").await).await;
    assert_eq!(guilds[0]["id"], guild.id.as_str());
}

async fn privileged_intents_need_the_owners_consent_and_content_is_withheld_without_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Lounge", &[]).await;
    let bot = create_bot(&app, &ann, "Reader").await;
    assert_eq!(add_to_guild(&app, &ann, &bot, &guild.id, "0").await.status(), StatusCode::OK);

    let mut refused = GatewayClient::connect(&app).await;
    refused.send(json!({"op": 2, "d": {"token": bot.token, "intents": GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, "properties": {}}})).await;
    assert_eq!(refused.closed_with().await, Some(4014), "MESSAGE_CONTENT is not switched on for this bot");

    let mut blind = GatewayClient::connect(&app).await;
    blind.send(json!({"op": 2, "d": {"token": bot.token, "intents": GUILDS | GUILD_MESSAGES, "properties": {}}})).await;
    let ready = blind.wait_for("READY").await;
    assert_eq!(
        (ready["user"]["bot"].as_bool(), ready["application"]["id"].as_str()),
        (Some(true), Some(bot.id.as_str()))
    );
    blind.wait_for("GUILD_CREATE").await;
    let say = |text: String| {
        let (app, token, general) = (&app, ann.access_token.clone(), guild.general.clone());
        async move {
            let r =
                app.post_json(&format!("/channels/{general}/messages"), &json!({"content": text}), Some(&token)).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
    };
    say("a secret".into()).await;
    let seen = blind.wait_for("MESSAGE_CREATE").await;
    assert_eq!((seen["content"].as_str(), seen["author"]["id"].as_str()), (Some(""), Some(ann.user_id.as_str())));
    say(format!("<@{}> you may read this", bot.id)).await;
    assert!(
        blind.wait_for("MESSAGE_CREATE").await["content"].as_str().unwrap().ends_with("read this"),
        "a mention shows it"
    );

    let consent = app
        .patch_json(
            &format!("/applications/{}", bot.id),
            &json!({"flags": GATEWAY_MESSAGE_CONTENT_FLAG}),
            &ann.access_token,
        )
        .await;
    assert_eq!(consent.status(), StatusCode::OK);
    let mut reader = GatewayClient::connect(&app).await;
    reader.send(json!({"op": 2, "d": {"token": bot.token, "intents": GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, "properties": {}}})).await;
    let ready = reader.wait_for("READY").await;
    assert_eq!(ready["application"]["flags"], GATEWAY_MESSAGE_CONTENT_FLAG, "READY says what the owner switched on");
    reader.wait_for("GUILD_CREATE").await;
    say("plain words".into()).await;
    assert_eq!(reader.wait_for("MESSAGE_CREATE").await["content"], "plain words");
}

async fn a_bot_reads_its_application_at_both_of_discords_paths_and_a_person_at_neither(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let bot = create_bot(&app, &ann, "Reader").await;
    for path in ["/applications/@me", "/oauth2/applications/@me"] {
        let (status, application) = status_and_json(bot_get(&app, &bot, path).await).await;
        assert_eq!(status, StatusCode::OK, "{path}: {application}");
        assert_eq!((application["id"].as_str(), application["name"].as_str()), (Some(bot.id.as_str()), Some("Reader")));
        assert_eq!(application["bot"]["id"], bot.id.as_str());
        assert_error(app.get(path, Some(&ann.access_token)).await, StatusCode::FORBIDDEN, 20002).await;
        assert_error(app.get(path, None).await, StatusCode::UNAUTHORIZED, 40001).await;
    }
}

async fn a_discord_py_bot_answers_a_user_with_only_its_urls_changed(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Bot Lab", &[]).await;
    let bot = create_bot(&app, &ann, "Pinger").await;
    let flags = app
        .patch_json(
            &format!("/applications/{}", bot.id),
            &json!({"flags": GATEWAY_MESSAGE_CONTENT_FLAG}),
            &ann.access_token,
        )
        .await;
    assert_eq!(flags.status(), StatusCode::OK);
    assert_eq!(add_to_guild(&app, &ann, &bot, &guild.id, "0").await.status(), StatusCode::OK);

    let mut process = BotProcess::python(&app, "discord_py_ping.py", &bot.token).await;
    let ready = process.wait_for("READY", Duration::from_secs(60)).await;
    assert!(ready.contains(&bot.id) && ready.contains("Bot Lab"), "{ready}");

    let (status, ping) = status_and_json(
        app.post_json(
            &format!("/channels/{}/messages", guild.general),
            &json!({"content": "!ping"}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    process.wait_for("REPLIED", Duration::from_secs(30)).await;
    let (_, history) = status_and_json(
        app.get(&format!("/channels/{}/messages?limit=5", guild.general), Some(&ann.access_token)).await,
    )
    .await;
    let reply = history.as_array().unwrap().iter().find(|m| m["author"]["id"] == bot.id.as_str()).cloned();
    let reply = reply.unwrap_or_else(|| panic!("no reply from the bot:\n{}", process.said().join("\n")));
    assert_eq!(reply["content"], "pong ann");
    assert_eq!(reply["message_reference"]["message_id"], ping["id"], "it replied to the ping");
}

async fn a_discord_py_bot_lives_through_threads_reactions_and_new_members_without_dropping_its_connection(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let guild = app.guild_with(&ann, "Community", &[]).await;
    // A thread exists before the bot connects: its GUILD_CREATE carries it.
    let (status, thread) = status_and_json(
        app.post_json(
            &format!("/channels/{}/threads", guild.general),
            &json!({"name": "before the bot", "type": 11}),
            Some(&ann.access_token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{thread}");
    let bot = create_bot(&app, &ann, "Host").await;
    let flags = app
        .patch_json(
            &format!("/applications/{}", bot.id),
            &json!({"flags": GATEWAY_MESSAGE_CONTENT_FLAG | GATEWAY_GUILD_MEMBERS_FLAG}),
            &ann.access_token,
        )
        .await;
    assert_eq!(flags.status(), StatusCode::OK);
    // ADD_REACTIONS, READ_MESSAGE_HISTORY, SEND_MESSAGES, CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS.
    let permissions = (1u64 << 6 | 1 << 16 | 1 << 11 | 1 << 35 | 1 << 38).to_string();
    assert_eq!(add_to_guild(&app, &ann, &bot, &guild.id, &permissions).await.status(), StatusCode::OK);

    let mut process = BotProcess::python(&app, "discord_py_community.py", &bot.token).await;
    let ready = process.wait_for("READY", Duration::from_secs(60)).await;
    assert!(ready.contains("threads=before the bot"), "GUILD_CREATE with a thread is read: {ready}");

    let say = |text: &'static str| {
        let (app, token, channel) = (&app, ann.access_token.clone(), guild.general.clone());
        async move {
            let (status, message) = status_and_json(
                app.post_json(&format!("/channels/{channel}/messages"), &json!({"content": text}), Some(&token)).await,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{message}");
            message["id"].as_str().unwrap().to_owned()
        }
    };
    // The bot reacts; both reactions (its own, then ann's) reach it.
    let asked = say("!react").await;
    process.wait_for("REACTED", Duration::from_secs(30)).await;
    let own = process.wait_for("REACTION_ADD", Duration::from_secs(10)).await;
    assert!(own.starts_with(&format!("REACTION_ADD {} ", bot.id)) && own.ends_with("burst=False"), "{own}");
    let emoji = "%F0%9F%91%8D";
    let path = format!("/channels/{}/messages/{asked}/reactions/{emoji}/@me", guild.general);
    assert_eq!(app.put(&path, &ann.access_token).await.status(), StatusCode::NO_CONTENT);
    let added = process.wait_for("REACTION_ADD", Duration::from_secs(10)).await;
    assert!(added.starts_with(&format!("REACTION_ADD {} ", ann.user_id)), "{added}");
    assert_eq!(app.delete(&path, &ann.access_token).await.status(), StatusCode::NO_CONTENT);
    process.wait_for("REACTION_REMOVE", Duration::from_secs(10)).await;

    // Someone joins: GUILD_MEMBER_ADD is read.
    let joined = app.post_json(&format!("/invites/{}", guild.invite), &json!({}), Some(&bob.access_token)).await;
    assert_eq!(joined.status(), StatusCode::OK);
    let join = process.wait_for("MEMBER_JOIN", Duration::from_secs(10)).await;
    assert_eq!(join, format!("MEMBER_JOIN {} bob flags=0", bob.user_id));

    // The bot opens a thread and writes in it.
    say("!thread").await;
    let created = process.wait_for("THREAD ", Duration::from_secs(30)).await;
    let thread_id = created.split_whitespace().nth(1).unwrap().to_owned();
    let (_, inside) =
        status_and_json(app.get(&format!("/channels/{thread_id}/messages"), Some(&ann.access_token)).await).await;
    assert_eq!(inside[0]["content"], "a thread of my own");

    // It never lost its connection: one connect, no disconnect.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let said = process.said().to_vec();
    assert_eq!(said.iter().filter(|l| *l == "CONNECT").count(), 1, "{said:#?}");
    assert!(!said.iter().any(|l| l == "DISCONNECT" || l.contains("Traceback")), "{said:#?}");
}

async fn bot_patch(app: &TestApp, bot: &Bot, body: &serde_json::Value) -> reqwest::Response {
    let request = app.client.patch(app.api("/applications/@me")).json(body);
    request.header("Authorization", format!("Bot {}", bot.token)).send().await.unwrap()
}

async fn a_bot_changes_its_own_application_with_the_owners_checks_and_nobody_elses(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let (helper, other) = (create_bot(&app, &ann, "Helper").await, create_bot(&app, &bob, "Other").await);
    let body = json!({"description": "helps out", "bot_public": false, "flags": GATEWAY_MESSAGE_CONTENT_FLAG});
    let (status, changed) = status_and_json(bot_patch(&app, &helper, &body).await).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["id"].as_str(), changed["description"].as_str()),
        (Some(helper.id.as_str()), Some("helps out"))
    );
    assert_eq!(changed["flags"].as_i64().map(|f| f & GATEWAY_MESSAGE_CONTENT_FLAG), Some(GATEWAY_MESSAGE_CONTENT_FLAG));
    // Its owner sees the change; the other bot's application is untouched.
    let (_, seen) =
        status_and_json(app.get(&format!("/applications/{}", helper.id), Some(&ann.access_token)).await).await;
    assert_eq!((seen["description"].as_str(), seen["bot_public"].as_bool()), (Some("helps out"), Some(false)));
    let (_, untouched) = status_and_json(bot_get(&app, &other, "/applications/@me").await).await;
    assert_eq!(untouched["description"], "answers pings");

    // The owner's checks: a name too short, a flag that is not a privileged intent.
    for (body, field) in [(json!({"name": "x"}), "name"), (json!({"flags": 1}), "flags")] {
        let refused = assert_error(bot_patch(&app, &helper, &body).await, StatusCode::BAD_REQUEST, 50035).await;
        assert!(refused["errors"][field].is_object(), "{refused}");
    }
    // A person has no application of their own to change here; nobody signed in, none at all.
    let by_person = app.patch_json("/applications/@me", &json!({"description": "mine now"}), &ann.access_token).await;
    assert_error(by_person, StatusCode::FORBIDDEN, 20002).await;
    let anonymous = app.client.patch(app.api("/applications/@me")).json(&json!({})).send().await.unwrap();
    assert_error(anonymous, StatusCode::UNAUTHORIZED, 40001).await;
    let (_, after) = status_and_json(bot_get(&app, &helper, "/applications/@me").await).await;
    assert_eq!(after["description"], "helps out");
}

on_both_backends!(
    a_bot_changes_its_own_application_with_the_owners_checks_and_nobody_elses,
    applications_make_bots_whose_tokens_work_until_reset,
    only_members_with_manage_guild_add_bots_and_only_with_permissions_they_hold,
    privileged_intents_need_the_owners_consent_and_content_is_withheld_without_it,
    a_bot_reads_its_application_at_both_of_discords_paths_and_a_person_at_neither,
    a_discord_py_bot_answers_a_user_with_only_its_urls_changed,
    a_discord_py_bot_lives_through_threads_reactions_and_new_members_without_dropping_its_connection,
);
