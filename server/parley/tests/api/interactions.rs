//! Application commands and interactions, end to end over REST and the gateway: a bot
//! defines commands, a member uses one, the bot hears of it in INTERACTION_CREATE and answers
//! through the callback; buttons, select menus, modals, autocomplete, deferred answers,
//! follow-ups and ephemeral messages; and every refusal: another application's commands, a
//! wrong token, a second answer, a member without the permissions a command asks for.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bots::{Bot, add_to_guild, as_bot, bot_gateway, create_bot};
use crate::gateway_client::GatewayClient;
use crate::helpers::{
    Backend, Session, TestApp, TestGuild, assert_error, on_both_backends, spawn_app, status_and_json,
};

/// No sign-in: the interaction's token is the credential.
async fn callback(app: &TestApp, interaction: &Value, body: Value) -> (StatusCode, Value) {
    let (id, token) = (interaction["id"].as_str().unwrap(), interaction["token"].as_str().unwrap());
    let url = app.api(&format!("/interactions/{id}/{token}/callback?with_response=true"));
    status_and_json(app.send(app.client.post(url).json(&body)).await).await
}

async fn interact(app: &TestApp, who: &Session, body: Value) -> reqwest::Response {
    app.post_json("/interactions", &body, Some(&who.access_token)).await
}

struct World {
    app: TestApp,
    owner: Session,
    ann: Session,
    guild: TestGuild,
    bot: Bot,
    roll: Value,
}

/// A guild with ann in it, and a bot (with its `roll` command and a `profile` user command).
async fn world(backend: Backend) -> World {
    let app = spawn_app(backend).await;
    let (owner, ann) = (app.register("owner").await, app.register("ann").await);
    let guild = app.guild_with(&owner, "Dice", &[&ann]).await;
    let bot = create_bot(&app, &owner, "Dice Bot").await;
    assert_eq!(add_to_guild(&app, &owner, &bot, &guild.id, "0").await.status(), StatusCode::OK);
    // `sides` as serenity sends an option: every list, empty ones too (`channel_types: []`).
    let commands = json!([
        {"name": "roll", "description": "Roll a die", "options": [
            {"type": 4, "name": "sides", "description": "How many sides", "required": true, "min_value": 2, "max_value": 100,
             "choices": [], "options": [], "channel_types": [], "autocomplete": false, "min_length": null},
            {"type": 3, "name": "colour", "description": "Colour", "autocomplete": true}
        ]},
        {"name": "profile", "type": 2}
    ]);
    let (status, saved) =
        as_bot(&app, &bot, reqwest::Method::PUT, &format!("/applications/{}/commands", bot.id), Some(commands)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let roll = saved.as_array().unwrap().iter().find(|c| c["name"] == "roll").unwrap().clone();
    // An integer option's range is integers, as twilight and serenity read it (`2`, not `2.0`).
    let sides = &roll["options"][0];
    assert_eq!((sides["min_value"].as_i64(), sides["max_value"].as_i64()), (Some(2), Some(100)), "{sides}");
    World { app, owner, ann, guild, bot, roll }
}

fn use_roll(w: &World, sides: Value) -> Value {
    json!({"type": 2, "application_id": w.bot.id, "guild_id": w.guild.id, "channel_id": w.guild.general, "nonce": "n-1",
           "data": {"id": w.roll["id"], "name": "roll", "type": 1, "options": [{"name": "sides", "type": 4, "value": sides}]}})
}

async fn a_member_uses_a_slash_command_and_the_bot_answers_with_a_message_and_a_button(backend: Backend) {
    let w = world(backend).await;
    let mut gateway = bot_gateway(&w.app, &w.bot).await;
    let (mut ann_gateway, _) = GatewayClient::identified(&w.app, &w.ann).await;

    // The picker offers the bot's commands to a member.
    let (status, index) = status_and_json(
        w.app.get(&format!("/guilds/{}/application-command-index", w.guild.id), Some(&w.ann.access_token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{index}");
    let names: Vec<&str> =
        index["application_commands"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["profile", "roll"]);
    assert_eq!(index["applications"][0]["id"], w.bot.id.as_str());

    assert_eq!(interact(&w.app, &w.ann, use_roll(&w, json!(20))).await.status(), StatusCode::NO_CONTENT);
    let started = ann_gateway.wait_for("INTERACTION_CREATE").await;
    assert_eq!(started["nonce"], "n-1", "{started}");
    let interaction = gateway.wait_for("INTERACTION_CREATE").await;
    assert_eq!(interaction["id"], started["id"]);
    assert_eq!((interaction["type"].as_i64(), interaction["version"].as_i64()), (Some(2), Some(1)));
    assert_eq!(interaction["data"]["name"], "roll");
    assert_eq!(interaction["data"]["options"][0]["value"], 20);
    assert_eq!(interaction["member"]["user"]["id"], w.ann.user_id.as_str());
    assert!(interaction["member"]["permissions"].as_str().unwrap().parse::<u64>().is_ok());
    assert_eq!(interaction["channel"]["id"], w.guild.general.as_str());
    assert_eq!(interaction["authorizing_integration_owners"]["0"], w.guild.id.as_str());
    assert!(interaction["token"].as_str().unwrap().starts_with("aW50ZXJhY3Rpb246"));

    let answer = json!({"type": 4, "data": {"content": "You rolled 7", "components": [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "Again", "custom_id": "again"}]}
    ]}});
    let (status, response) = callback(&w.app, &interaction, answer.clone()).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    let message = &response["resource"]["message"];
    assert_eq!((message["type"].as_i64(), message["content"].as_str()), (Some(20), Some("You rolled 7")));
    assert_eq!(message["author"]["id"], w.bot.id.as_str());
    assert_eq!(message["interaction_metadata"]["user"]["id"], w.ann.user_id.as_str());
    assert_eq!(message["interaction"]["name"], "roll");
    assert_eq!(message["components"][0]["components"][0]["custom_id"], "again");
    assert_eq!(response["interaction"]["response_message_id"], message["id"]);
    assert_eq!(ann_gateway.wait_for("INTERACTION_SUCCESS").await["id"], started["id"]);
    // Answered once.
    let (status, again) = callback(&w.app, &interaction, answer).await;
    assert_eq!((status, again["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(40060)));

    // The answer is in the channel, with its button, for everyone.
    let (_, history) = status_and_json(
        w.app.get(&format!("/channels/{}/messages?limit=1", w.guild.general), Some(&w.owner.access_token)).await,
    )
    .await;
    assert_eq!(history[0]["id"], message["id"]);
    assert_eq!(history[0]["components"][0]["components"][0]["label"], "Again");

    // Ann presses the button: the bot hears it with the message, and changes the message.
    let press = json!({"type": 3, "application_id": w.bot.id, "channel_id": w.guild.general, "message_id": message["id"],
                       "data": {"custom_id": "again", "component_type": 2}});
    assert_eq!(interact(&w.app, &w.ann, press).await.status(), StatusCode::NO_CONTENT);
    let pressed = gateway.wait_for("INTERACTION_CREATE").await;
    assert_eq!((pressed["type"].as_i64(), pressed["data"]["custom_id"].as_str()), (Some(3), Some("again")));
    assert_eq!(pressed["message"]["id"], message["id"]);
    let (status, updated) =
        callback(&w.app, &pressed, json!({"type": 7, "data": {"content": "Rolled 3", "components": []}})).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let edited = gateway.wait_for("MESSAGE_UPDATE").await;
    assert_eq!((edited["id"].clone(), edited["content"].as_str()), (message["id"].clone(), Some("Rolled 3")));
    assert_eq!(edited["components"], json!([]));

    // Counted for the operator: what people used, what the bot answered.
    let text = crate::helpers::metrics_text(&w.app).await;
    let counted = |series: &str| crate::helpers::sample(&text, series).unwrap_or(0.0);
    assert_eq!(counted(r#"parley_interactions_total{type="command"}"#), 1.0);
    assert_eq!(counted(r#"parley_interactions_total{type="component"}"#), 1.0);
    assert_eq!(counted(r#"parley_interaction_answers_total{callback="7"}"#), 1.0);

    // A follow-up through the interaction's webhook, and one only ann sees.
    let token = pressed["token"].as_str().unwrap();
    let follow = w.app.api(&format!("/webhooks/{}/{token}?wait=true", w.bot.id));
    let (status, public) =
        status_and_json(w.app.send(w.app.client.post(&follow).json(&json!({"content": "for all"}))).await).await;
    assert_eq!(status, StatusCode::OK, "{public}");
    let (status, private) = status_and_json(
        w.app.send(w.app.client.post(&follow).json(&json!({"content": "just you", "flags": 64}))).await,
    )
    .await;
    assert_eq!((status, private["flags"].as_i64()), (StatusCode::OK, Some(64)), "{private}");
    let seen = ann_gateway.wait_for("MESSAGE_CREATE").await;
    let seen = if seen["content"] == "for all" { ann_gateway.wait_for("MESSAGE_CREATE").await } else { seen };
    assert_eq!(seen["content"], "just you");
    let (_, history) = status_and_json(
        w.app.get(&format!("/channels/{}/messages?limit=5", w.guild.general), Some(&w.ann.access_token)).await,
    )
    .await;
    let contents: Vec<&str> = history.as_array().unwrap().iter().filter_map(|m| m["content"].as_str()).collect();
    assert!(
        contents.contains(&"for all") && !contents.contains(&"just you"),
        "ephemeral stays out of history: {contents:?}"
    );
    // The component's message is @original for the component's interaction.
    let original = w.app.api(&format!("/webhooks/{}/{token}/messages/@original", w.bot.id));
    let (status, got) = status_and_json(w.app.send(w.app.client.get(&original)).await).await;
    assert_eq!((status, got["id"].clone()), (StatusCode::OK, message["id"].clone()));
}

async fn a_deferred_answer_shows_thinking_until_the_first_follow_up_fills_it_in(backend: Backend) {
    let w = world(backend).await;
    let mut gateway = bot_gateway(&w.app, &w.bot).await;
    assert_eq!(interact(&w.app, &w.ann, use_roll(&w, json!(6))).await.status(), StatusCode::NO_CONTENT);
    let interaction = gateway.wait_for("INTERACTION_CREATE").await;
    let (status, deferred) = callback(&w.app, &interaction, json!({"type": 5})).await;
    assert_eq!(status, StatusCode::OK, "{deferred}");
    assert_eq!(deferred["interaction"]["response_message_loading"], true);
    let loading = &deferred["resource"]["message"];
    assert_eq!((loading["flags"].as_i64(), loading["content"].as_str()), (Some(128), Some("")));

    let token = interaction["token"].as_str().unwrap();
    let follow = w.app.api(&format!("/webhooks/{}/{token}?wait=true", w.bot.id));
    let (status, filled) =
        status_and_json(w.app.send(w.app.client.post(&follow).json(&json!({"content": "6!"}))).await).await;
    assert_eq!(status, StatusCode::OK, "{filled}");
    assert_eq!((filled["id"].clone(), filled["flags"].as_i64()), (loading["id"].clone(), Some(0)));
    assert_eq!(filled["content"], "6!");
    // The next follow-up is a message of its own; @original can still be edited.
    let (_, second) =
        status_and_json(w.app.send(w.app.client.post(&follow).json(&json!({"content": "again"}))).await).await;
    assert_ne!(second["id"], loading["id"]);
    let original = w.app.api(&format!("/webhooks/{}/{token}/messages/@original", w.bot.id));
    let (status, edited) =
        status_and_json(w.app.send(w.app.client.patch(&original).json(&json!({"content": "six"}))).await).await;
    assert_eq!((status, edited["content"].as_str()), (StatusCode::OK, Some("six")));
    assert!(edited["edited_timestamp"].is_string());
    assert_eq!(w.app.send(w.app.client.delete(&original)).await.status(), StatusCode::NO_CONTENT);
    let (_, gone) = status_and_json(w.app.send(w.app.client.get(&original)).await).await;
    assert_eq!(gone["code"], 10008);
}

async fn a_modal_is_shown_to_the_person_and_submitted_once(backend: Backend) {
    let w = world(backend).await;
    let mut gateway = bot_gateway(&w.app, &w.bot).await;
    let (mut ann_gateway, _) = GatewayClient::identified(&w.app, &w.ann).await;
    assert_eq!(interact(&w.app, &w.ann, use_roll(&w, json!(2))).await.status(), StatusCode::NO_CONTENT);
    let interaction = gateway.wait_for("INTERACTION_CREATE").await;
    let modal = json!({"type": 9, "data": {"custom_id": "why", "title": "Why roll?", "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "reason", "style": 2, "label": "Reason", "min_length": 3, "max_length": 50}]}
    ]}});
    let (status, _) = callback(&w.app, &interaction, modal).await;
    assert_eq!(status, StatusCode::OK);
    let shown = ann_gateway.wait_for("INTERACTION_MODAL_CREATE").await;
    assert_eq!((shown["custom_id"].as_str(), shown["title"].as_str()), (Some("why"), Some("Why roll?")));

    let submit = |value: &str| {
        json!({"type": 5, "application_id": w.bot.id, "channel_id": w.guild.general, "guild_id": w.guild.id,
               "data": {"id": shown["id"], "custom_id": "why", "components": [
                   {"type": 1, "components": [{"type": 4, "custom_id": "reason", "value": value}]}]}})
    };
    // Too short for the modal's rule: refused, and the modal stays open.
    assert_error(interact(&w.app, &w.ann, submit("no")).await, StatusCode::BAD_REQUEST, 50035).await;
    assert_eq!(interact(&w.app, &w.ann, submit("for fun")).await.status(), StatusCode::NO_CONTENT);
    let submitted = gateway.wait_for("INTERACTION_CREATE").await;
    assert_eq!(submitted["type"], 5);
    assert_eq!(submitted["data"]["components"][0]["components"][0]["value"], "for fun");
    // Submitted once.
    assert_error(interact(&w.app, &w.ann, submit("again")).await, StatusCode::NOT_FOUND, 10062).await;
    let (status, _) = callback(&w.app, &submitted, json!({"type": 4, "data": {"content": "noted"}})).await;
    assert_eq!(status, StatusCode::OK);
}

async fn autocomplete_suggestions_reach_only_the_person_typing(backend: Backend) {
    let w = world(backend).await;
    let mut gateway = bot_gateway(&w.app, &w.bot).await;
    let (mut ann_gateway, _) = GatewayClient::identified(&w.app, &w.ann).await;
    let typing = json!({"type": 4, "application_id": w.bot.id, "channel_id": w.guild.general,
        "data": {"id": w.roll["id"], "name": "roll", "type": 1,
                 "options": [{"name": "colour", "type": 3, "value": "re", "focused": true}]}});
    assert_eq!(interact(&w.app, &w.ann, typing).await.status(), StatusCode::NO_CONTENT);
    let asked = gateway.wait_for("INTERACTION_CREATE").await;
    assert_eq!((asked["type"].as_i64(), asked["data"]["options"][0]["focused"].as_bool()), (Some(4), Some(true)));
    // Only choices answer an autocomplete request.
    let (status, wrong) = callback(&w.app, &asked, json!({"type": 4, "data": {"content": "x"}})).await;
    assert_eq!((status, wrong["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(50035)));
    let choices =
        json!({"type": 8, "data": {"choices": [{"name": "Red", "value": "red"}, {"name": "Rust", "value": "rust"}]}});
    assert_eq!(callback(&w.app, &asked, choices).await.0, StatusCode::OK);
    let suggested = ann_gateway.wait_for("APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE").await;
    assert_eq!(suggested["choices"][1]["value"], "rust");
    assert_eq!(suggested["id"], asked["id"]);
}

async fn commands_and_interactions_refuse_everyone_they_are_not_for(backend: Backend) {
    let w = world(backend).await;
    let zed = w.app.register("zed").await;
    let other = create_bot(&w.app, &zed, "Other Bot").await;
    // Another bot or person cannot read or change this application's commands.
    let path = format!("/applications/{}/commands", w.bot.id);
    assert_eq!(as_bot(&w.app, &other, reqwest::Method::GET, &path, None).await.1["code"], 10002);
    assert_error(w.app.get(&path, Some(&zed.access_token)).await, StatusCode::NOT_FOUND, 10002).await;
    // Its owner may, signed in.
    let (status, listed) = status_and_json(w.app.get(&path, Some(&w.owner.access_token)).await).await;
    assert_eq!((status, listed.as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
    // Guild commands need the bot in the guild.
    let elsewhere = w.app.guild_with(&zed, "Elsewhere", &[]).await;
    let (status, refused) = as_bot(
        &w.app,
        &w.bot,
        reqwest::Method::GET,
        &format!("/applications/{}/guilds/{}/commands", w.bot.id, elsewhere.id),
        None,
    )
    .await;
    assert_eq!((status, refused["code"].as_i64()), (StatusCode::FORBIDDEN, Some(50001)));
    // Bad definitions, each at its path.
    let (status, bad) =
        as_bot(&w.app, &w.bot, reqwest::Method::POST, &path, Some(json!({"name": "Bad Name", "description": ""})))
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["errors"]["name"]["_errors"][0]["code"], "APPLICATION_COMMAND_INVALID_NAME");

    // Out of range, the wrong type, an option the command lacks: refused before the bot hears.
    for sides in [json!(1), json!(101), json!("six")] {
        assert_error(interact(&w.app, &w.ann, use_roll(&w, sides)).await, StatusCode::BAD_REQUEST, 50035).await;
    }
    let mut unknown = use_roll(&w, json!(6));
    unknown["data"]["id"] = json!("4242");
    assert_error(interact(&w.app, &w.ann, unknown).await, StatusCode::NOT_FOUND, 10063).await;
    // A bot cannot start interactions; zed is not in the guild.
    let (status, bot_refused) =
        as_bot(&w.app, &other, reqwest::Method::POST, "/interactions", Some(use_roll(&w, json!(6)))).await;
    assert_eq!((status, bot_refused["code"].as_i64()), (StatusCode::FORBIDDEN, Some(20001)));
    assert_error(interact(&w.app, &zed, use_roll(&w, json!(6))).await, StatusCode::FORBIDDEN, 50001).await;
    // An admin-only command is refused to ann and offered to the owner only.
    let (status, admin) = as_bot(
        &w.app,
        &w.bot,
        reqwest::Method::POST,
        &path,
        Some(json!({"name": "purge", "description": "Admins only", "default_member_permissions": "8"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{admin}");
    let purge = json!({"type": 2, "application_id": w.bot.id, "channel_id": w.guild.general,
                       "data": {"id": admin["id"], "name": "purge", "type": 1}});
    assert_error(interact(&w.app, &w.ann, purge.clone()).await, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(interact(&w.app, &w.owner, purge).await.status(), StatusCode::NO_CONTENT);
    let (_, index) = status_and_json(
        w.app.get(&format!("/guilds/{}/application-command-index", w.guild.id), Some(&w.ann.access_token)).await,
    )
    .await;
    assert!(!index["application_commands"].as_array().unwrap().iter().any(|c| c["name"] == "purge"));
    // Without USE_APPLICATION_COMMANDS (taken from @everyone), nobody but the owner may.
    let (_, roles) =
        status_and_json(w.app.get(&format!("/guilds/{}/roles", w.guild.id), Some(&w.owner.access_token)).await).await;
    let everyone = roles.as_array().unwrap().iter().find(|r| r["id"] == w.guild.id.as_str()).unwrap();
    let without = everyone["permissions"].as_str().unwrap().parse::<u64>().unwrap() & !(1u64 << 31);
    let changed = w
        .app
        .patch_json(
            &format!("/guilds/{}/roles/{}", w.guild.id, w.guild.id),
            &json!({"permissions": without.to_string()}),
            &w.owner.access_token,
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_error(interact(&w.app, &w.ann, use_roll(&w, json!(6))).await, StatusCode::FORBIDDEN, 50013).await;

    // A wrong token is no interaction; a person cannot post components.
    let forged = json!({"id": "4242", "token": "aW50ZXJhY3Rpb246nope"});
    assert_eq!(callback(&w.app, &forged, json!({"type": 4, "data": {"content": "x"}})).await.1["code"], 10062);
    let (status, components) = status_and_json(w.app.post_json(&format!("/channels/{}/messages", w.guild.general),
        &json!({"content": "hi", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "A", "custom_id": "a"}]}]}),
        Some(&w.owner.access_token)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(components["errors"]["components"]["_errors"][0]["code"], "COMPONENTS_BOTS_ONLY");
    // Someone who is not in the guild cannot be named in an option (nobody is looked up
    // through a command who could not be mentioned there).
    let (status, user_command) = as_bot(&w.app, &w.bot, reqwest::Method::POST, &path,
        Some(json!({"name": "whois", "description": "Who", "options": [{"type": 6, "name": "who", "description": "Who", "required": true}]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{user_command}");
    let whois = |who: &str| {
        json!({"type": 2, "application_id": w.bot.id, "channel_id": w.guild.general,
        "data": {"id": user_command["id"], "name": "whois", "type": 1, "options": [{"name": "who", "type": 6, "value": who}]}})
    };
    let (status, outsider) = status_and_json(interact(&w.app, &w.owner, whois(&zed.user_id)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        outsider["errors"]["data"]["options"]["0"]["value"]["_errors"][0]["code"],
        "APPLICATION_COMMAND_OPTION_UNKNOWN_TARGET"
    );
    assert_eq!(interact(&w.app, &w.owner, whois(&w.ann.user_id)).await.status(), StatusCode::NO_CONTENT);

    // A button that is not on the message, or a message that is not the bot's.
    let (_, plain) = status_and_json(
        w.app
            .post_json(
                &format!("/channels/{}/messages", w.guild.general),
                &json!({"content": "mine"}),
                Some(&w.owner.access_token),
            )
            .await,
    )
    .await;
    let press = json!({"type": 3, "application_id": w.bot.id, "channel_id": w.guild.general, "message_id": plain["id"],
                       "data": {"custom_id": "again", "component_type": 2}});
    assert_error(interact(&w.app, &w.owner, press).await, StatusCode::BAD_REQUEST, 50035).await;
}

/// The bot speaks with its own mentions: without MENTION_EVERYONE its answer pings nobody
/// with @everyone; and once it is kicked, its interactions' tokens post nothing more.
async fn an_answer_mentions_only_as_its_bot_may_and_ends_with_the_bots_membership(backend: Backend) {
    let w = world(backend).await;
    let mut gateway = bot_gateway(&w.app, &w.bot).await;
    assert_eq!(interact(&w.app, &w.ann, use_roll(&w, json!(6))).await.status(), StatusCode::NO_CONTENT);
    let interaction = gateway.wait_for("INTERACTION_CREATE").await;
    let (status, answered) =
        callback(&w.app, &interaction, json!({"type": 4, "data": {"content": "@everyone rolled"}})).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["resource"]["message"]["mention_everyone"], false, "the bot lacks MENTION_EVERYONE");
    // A refused body leaves the interaction unanswered, to be answered right.
    assert_eq!(interact(&w.app, &w.ann, use_roll(&w, json!(7))).await.status(), StatusCode::NO_CONTENT);
    let second = gateway.wait_for("INTERACTION_CREATE").await;
    let (status, _) = callback(&w.app, &second, json!({"type": 4, "data": {"content": ""}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = callback(&w.app, &second, json!({"type": 4, "data": {"content": "seven"}})).await;
    assert_eq!(status, StatusCode::OK, "a refused body did not use up the answer");

    let kicked = w.app.delete(&format!("/guilds/{}/members/{}", w.guild.id, w.bot.id), &w.owner.access_token).await;
    assert_eq!(kicked.status(), StatusCode::NO_CONTENT);
    let token = interaction["token"].as_str().unwrap();
    let follow = w.app.api(&format!("/webhooks/{}/{token}?wait=true", w.bot.id));
    let (status, refused) =
        status_and_json(w.app.client.post(&follow).json(&json!({"content": "still here"})).send().await.unwrap()).await;
    assert_eq!((status, refused["code"].as_i64()), (StatusCode::NOT_FOUND, Some(10062)), "{refused}");
}

on_both_backends!(
    an_answer_mentions_only_as_its_bot_may_and_ends_with_the_bots_membership,
    a_member_uses_a_slash_command_and_the_bot_answers_with_a_message_and_a_button,
    a_deferred_answer_shows_thinking_until_the_first_follow_up_fills_it_in,
    a_modal_is_shown_to_the_person_and_submitted_once,
    autocomplete_suggestions_reach_only_the_person_typing,
    commands_and_interactions_refuse_everyone_they_are_not_for,
);
