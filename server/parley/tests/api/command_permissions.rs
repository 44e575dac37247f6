//! Application command permissions, end to end: a moderator limits a bot's command to a role
//! and keeps the bot's commands out of a channel; the command picker and the interaction
//! route follow, the bot hears APPLICATION_COMMAND_PERMISSIONS_UPDATE, the change is audited;
//! and every refusal: bots, members without MANAGE_GUILD and MANAGE_ROLES, roles above the
//! caller, channels they cannot see, unknown targets and commands, too many overwrites.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bots::{Bot, add_to_guild, as_bot, bot_gateway, create_bot};
use crate::helpers::{
    Backend, Session, TestApp, TestGuild, assert_error, on_both_backends, spawn_app, status_and_json,
};

struct World {
    app: TestApp,
    owner: Session,
    ann: Session,
    bo: Session,
    guild: TestGuild,
    bot: Bot,
    /// The bot's guild command `roll`, and its admin-only `purge` ("0").
    roll: String,
    purge: String,
}

async fn world(backend: Backend) -> World {
    let app = spawn_app(backend).await;
    let (owner, ann, bo) = (app.register("owner").await, app.register("ann").await, app.register("bo").await);
    let guild = app.guild_with(&owner, "Dice", &[&ann, &bo]).await;
    let bot = create_bot(&app, &owner, "Dice Bot").await;
    assert_eq!(add_to_guild(&app, &owner, &bot, &guild.id, "0").await.status(), StatusCode::OK);
    let commands = json!([
        {"name": "roll", "description": "Roll a die"},
        {"name": "purge", "description": "Admins only", "default_member_permissions": "0"},
    ]);
    let path = format!("/applications/{}/guilds/{}/commands", bot.id, guild.id);
    let (status, saved) = as_bot(&app, &bot, reqwest::Method::PUT, &path, Some(commands)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let id_of = |name: &str| {
        saved.as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let (roll, purge) = (id_of("roll"), id_of("purge"));
    World { app, owner, ann, bo, guild, bot, roll, purge }
}

impl World {
    fn path(&self, command: &str) -> String {
        format!("/applications/{}/guilds/{}/commands/{command}/permissions", self.bot.id, self.guild.id)
    }

    async fn set(&self, who: &Session, command: &str, permissions: Value) -> reqwest::Response {
        self.app.put_json(&self.path(command), &json!({ "permissions": permissions }), &who.access_token).await
    }

    async fn use_command(&self, who: &Session, command: &str, name: &str, channel: &str) -> reqwest::Response {
        let body = json!({"type": 2, "application_id": self.bot.id, "channel_id": channel,
                          "data": {"id": command, "name": name, "type": 1}});
        self.app.post_json("/interactions", &body, Some(&who.access_token)).await
    }

    /// The names of the commands `who` is offered in a channel.
    async fn offered(&self, who: &Session, channel: &str) -> Vec<String> {
        let (status, index) = status_and_json(
            self.app.get(&format!("/channels/{channel}/application-command-index"), Some(&who.access_token)).await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{index}");
        index["application_commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn role(&self, name: &str, permissions: u64) -> String {
        let (status, role) = status_and_json(
            self.app
                .post_json(
                    &format!("/guilds/{}/roles", self.guild.id),
                    &json!({"name": name, "permissions": permissions.to_string()}),
                    Some(&self.owner.access_token),
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{role}");
        role["id"].as_str().unwrap().to_owned()
    }

    async fn give(&self, who: &Session, role: &str) {
        let path = format!("/guilds/{}/members/{}/roles/{role}", self.guild.id, who.user_id);
        assert_eq!(self.app.put(&path, &self.owner.access_token).await.status(), StatusCode::NO_CONTENT);
    }

    async fn channel(&self, name: &str) -> String {
        let (status, channel) = status_and_json(
            self.app
                .post_json(
                    &format!("/guilds/{}/channels", self.guild.id),
                    &json!({"name": name, "type": 0}),
                    Some(&self.owner.access_token),
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{channel}");
        channel["id"].as_str().unwrap().to_owned()
    }
}

async fn a_moderator_limits_a_command_to_a_role_and_keeps_the_bot_out_of_a_channel(backend: Backend) {
    let w = world(backend).await;
    let mut gateway = bot_gateway(&w.app, &w.bot).await;
    let mods = w.role("Mods", 0).await;
    w.give(&w.ann, &mods).await;
    let spam = w.channel("bot-spam").await;

    // Before any overwrite: roll for everyone, purge ("0") for nobody but administrators.
    assert_eq!(w.offered(&w.bo, &w.guild.general).await, vec!["roll"]);
    assert_error(w.use_command(&w.bo, &w.purge, "purge", &w.guild.general).await, StatusCode::FORBIDDEN, 50013).await;

    // roll: Mods only; purge: lifted for Mods (an overwrite outweighs "0").
    let everyone = &w.guild.id;
    let (status, set) = status_and_json(
        w.set(
            &w.owner,
            &w.roll,
            json!([{"id": everyone, "type": 1, "permission": false}, {"id": mods, "type": 1, "permission": true}]),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["id"], w.roll.as_str());
    assert_eq!(set["application_id"], w.bot.id.as_str());
    assert_eq!(set["guild_id"], w.guild.id.as_str());
    assert_eq!(set["permissions"][1], json!({"id": mods, "type": 1, "permission": true}));
    let heard = gateway.wait_for("APPLICATION_COMMAND_PERMISSIONS_UPDATE").await;
    assert_eq!(heard, set, "the bot hears the permissions as they now are");
    let purge_for_mods = w.set(&w.owner, &w.purge, json!([{"id": mods, "type": 1, "permission": true}])).await;
    assert_eq!(purge_for_mods.status(), StatusCode::OK);

    assert_eq!(w.offered(&w.ann, &w.guild.general).await, vec!["purge", "roll"]);
    assert!(w.offered(&w.bo, &w.guild.general).await.is_empty());
    assert_eq!(w.use_command(&w.ann, &w.roll, "roll", &w.guild.general).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(w.use_command(&w.ann, &w.purge, "purge", &w.guild.general).await.status(), StatusCode::NO_CONTENT);
    assert_error(w.use_command(&w.bo, &w.roll, "roll", &w.guild.general).await, StatusCode::FORBIDDEN, 50013).await;

    // For all the bot's commands (the application's id): not in #general. bot-spam stays open.
    let all = w.set(&w.owner, &w.bot.id, json!([{"id": w.guild.general, "type": 3, "permission": false}])).await;
    assert_eq!(all.status(), StatusCode::OK);
    assert!(w.offered(&w.ann, &w.guild.general).await.is_empty());
    assert_error(w.use_command(&w.ann, &w.roll, "roll", &w.guild.general).await, StatusCode::FORBIDDEN, 50013).await;
    assert_eq!(w.offered(&w.ann, &spam).await, vec!["purge", "roll"]);
    assert_eq!(w.use_command(&w.ann, &w.roll, "roll", &spam).await.status(), StatusCode::NO_CONTENT);
    // Off in every channel: the guild-wide picker offers it to nobody but administrators.
    let everywhere_off =
        json!([{"id": (w.guild.id.parse::<u64>().unwrap() - 1).to_string(), "type": 3, "permission": false}]);
    assert_eq!(w.set(&w.owner, &w.roll, everywhere_off).await.status(), StatusCode::OK);
    let (_, index) = status_and_json(
        w.app.get(&format!("/guilds/{}/application-command-index", w.guild.id), Some(&w.ann.access_token)).await,
    )
    .await;
    let names: Vec<&str> =
        index["application_commands"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["purge"], "{index}");
    assert!(w.offered(&w.ann, &spam).await == vec!["purge"]);
    let back = json!([{"id": everyone, "type": 1, "permission": false}, {"id": mods, "type": 1, "permission": true}]);
    assert_eq!(w.set(&w.owner, &w.roll, back).await.status(), StatusCode::OK);
    // The owner administers the guild: every command, everywhere.
    assert_eq!(w.use_command(&w.owner, &w.roll, "roll", &w.guild.general).await.status(), StatusCode::NO_CONTENT);

    // The bot reads them all, and one by one.
    let list_path = format!("/applications/{}/guilds/{}/commands/permissions", w.bot.id, w.guild.id);
    let (status, list) = as_bot(&w.app, &w.bot, reqwest::Method::GET, &list_path, None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let mut ids: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut expected = vec![w.roll.as_str(), w.purge.as_str(), w.bot.id.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    let (status, one) = as_bot(&w.app, &w.bot, reqwest::Method::GET, &w.path(&w.roll), None).await;
    assert_eq!((status, &one), (StatusCode::OK, &set));

    // Audited, keyed by what each overwrite names.
    let (_, log) = status_and_json(
        w.app.get(&format!("/guilds/{}/audit-logs?action_type=121", w.guild.id), Some(&w.owner.access_token)).await,
    )
    .await;
    let entries = log["audit_log_entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5, "{log}");
    // The first change to roll (entries come newest first).
    let roll_entry = entries.iter().rev().find(|e| e["target_id"] == w.roll.as_str()).unwrap();
    let keys: Vec<&str> =
        roll_entry["changes"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec![everyone.as_str(), mods.as_str()]);

    // An empty list removes them; a deleted command takes its permissions with it.
    let cleared = w.set(&w.owner, &w.roll, json!([])).await;
    assert_eq!(cleared.status(), StatusCode::OK);
    let (status, gone) = as_bot(&w.app, &w.bot, reqwest::Method::GET, &w.path(&w.roll), None).await;
    assert_eq!((status, gone["code"].as_i64()), (StatusCode::NOT_FOUND, Some(10066)));
    let command_path = format!("/applications/{}/guilds/{}/commands/{}", w.bot.id, w.guild.id, w.purge);
    assert_eq!(as_bot(&w.app, &w.bot, reqwest::Method::DELETE, &command_path, None).await.0, StatusCode::NO_CONTENT);
    let (_, list) = as_bot(&w.app, &w.bot, reqwest::Method::GET, &list_path, None).await;
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![w.bot.id.as_str()]);
}

async fn command_permissions_refuse_bots_members_without_the_rights_and_targets_they_cannot_manage(backend: Backend) {
    let w = world(backend).await;
    let allow_bo = json!([{"id": w.bo.user_id, "type": 2, "permission": true}]);
    // Bots never set them (Discord asks for a person's token); bo lacks MANAGE_GUILD and
    // MANAGE_ROLES; zed is not in the guild.
    let (status, refused) =
        as_bot(&w.app, &w.bot, reqwest::Method::PUT, &w.path(&w.roll), Some(json!({"permissions": allow_bo}))).await;
    assert_eq!((status, refused["code"].as_i64()), (StatusCode::FORBIDDEN, Some(20001)), "{refused}");
    assert_error(w.set(&w.bo, &w.roll, allow_bo.clone()).await, StatusCode::FORBIDDEN, 50013).await;
    assert_error(w.app.get(&w.path(&w.roll), Some(&w.bo.access_token)).await, StatusCode::FORBIDDEN, 50013).await;
    let zed = w.app.register("zed").await;
    assert_error(w.set(&zed, &w.roll, allow_bo.clone()).await, StatusCode::FORBIDDEN, 50001).await;
    assert_error(w.app.get(&w.path(&w.roll), Some(&zed.access_token)).await, StatusCode::FORBIDDEN, 50001).await;

    // Unknown commands and applications; a command of another guild.
    assert_error(w.set(&w.owner, "4242", allow_bo.clone()).await, StatusCode::NOT_FOUND, 10063).await;
    let other = w.app.guild_with(&w.owner, "Elsewhere", &[]).await;
    assert_eq!(add_to_guild(&w.app, &w.owner, &w.bot, &other.id, "0").await.status(), StatusCode::OK);
    let (_, elsewhere) = as_bot(
        &w.app,
        &w.bot,
        reqwest::Method::POST,
        &format!("/applications/{}/guilds/{}/commands", w.bot.id, other.id),
        Some(json!({"name": "away", "description": "Elsewhere"})),
    )
    .await;
    assert_error(
        w.set(&w.owner, elsewhere["id"].as_str().unwrap(), allow_bo.clone()).await,
        StatusCode::NOT_FOUND,
        10063,
    )
    .await;
    let no_app = format!("/applications/4242/guilds/{}/commands/4242/permissions", w.guild.id);
    assert_error(
        w.app.put_json(&no_app, &json!({"permissions": []}), &w.owner.access_token).await,
        StatusCode::NOT_FOUND,
        10002,
    )
    .await;

    // Bad lists, each at its place: an unknown role, member or channel; one named twice; a
    // type that is none; more than 100.
    for (list, field, code) in [
        (
            json!([{"id": "4242", "type": 1, "permission": true}]),
            "id",
            "APPLICATION_COMMAND_PERMISSIONS_UNKNOWN_TARGET",
        ),
        (
            json!([{"id": "4242", "type": 2, "permission": true}]),
            "id",
            "APPLICATION_COMMAND_PERMISSIONS_UNKNOWN_TARGET",
        ),
        (
            json!([{"id": "4242", "type": 3, "permission": true}]),
            "id",
            "APPLICATION_COMMAND_PERMISSIONS_UNKNOWN_TARGET",
        ),
        (
            json!([{"id": zed.user_id, "type": 2, "permission": true}]),
            "id",
            "APPLICATION_COMMAND_PERMISSIONS_UNKNOWN_TARGET",
        ),
        (json!([{"id": w.bo.user_id, "type": 4, "permission": true}]), "type", "BASE_TYPE_CHOICES"),
    ] {
        let (status, bad) = status_and_json(w.set(&w.owner, &w.roll, list.clone()).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{list}: {bad}");
        assert_eq!(bad["errors"]["permissions"]["0"][field]["_errors"][0]["code"], code, "{list}: {bad}");
    }
    let twice = json!([{"id": w.bo.user_id, "type": 2, "permission": true}, {"id": w.bo.user_id, "type": 2, "permission": false}]);
    let (status, bad) = status_and_json(w.set(&w.owner, &w.roll, twice).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad["errors"]["permissions"]["1"]["id"]["_errors"][0]["code"],
        "APPLICATION_COMMAND_PERMISSIONS_DUPLICATE"
    );
    let many: Vec<Value> = (0..101).map(|_| json!({"id": w.bo.user_id, "type": 2, "permission": true})).collect();
    assert_error(w.set(&w.owner, &w.roll, json!(many)).await, StatusCode::BAD_REQUEST, 50035).await;

    // ann manages the guild and roles, below the High role: she cannot name High, nor a
    // channel she cannot see, nor set the permissions of purge, which she may not use.
    let high = w.role("High", 0).await;
    let managers = w.role("Managers", (1 << 5) | (1 << 28)).await;
    w.give(&w.ann, &managers).await;
    let hidden = w.channel("hidden").await;
    let deny_view = json!({"type": 0, "allow": "0", "deny": (1u64 << 10).to_string()});
    let hide = w
        .app
        .put_json(&format!("/channels/{hidden}/permissions/{}", w.guild.id), &deny_view, &w.owner.access_token)
        .await;
    assert_eq!(hide.status(), StatusCode::NO_CONTENT);
    assert_error(
        w.set(&w.ann, &w.roll, json!([{"id": high, "type": 1, "permission": true}])).await,
        StatusCode::FORBIDDEN,
        50013,
    )
    .await;
    let (status, bad) =
        status_and_json(w.set(&w.ann, &w.roll, json!([{"id": hidden, "type": 3, "permission": false}])).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_error(w.set(&w.ann, &w.purge, allow_bo.clone()).await, StatusCode::FORBIDDEN, 50013).await;
    // Nor, for the same reason, the entry for all the bot's commands (purge among them): she
    // cannot open an admin-only command to everyone through it.
    let everyone_on = json!([{"id": w.guild.id, "type": 1, "permission": true}]);
    assert_error(w.set(&w.ann, &w.bot.id, everyone_on).await, StatusCode::FORBIDDEN, 50013).await;
    // What the owner set about High stays: ann can neither change nor drop it.
    let owner_high = json!([{"id": high, "type": 1, "permission": false}]);
    assert_eq!(w.set(&w.owner, &w.roll, owner_high).await.status(), StatusCode::OK);
    assert_error(w.set(&w.ann, &w.roll, json!([])).await, StatusCode::FORBIDDEN, 50013).await;
    let kept =
        json!([{"id": high, "type": 1, "permission": false}, {"id": w.bo.user_id, "type": 2, "permission": true}]);
    assert_eq!(w.set(&w.ann, &w.roll, kept).await.status(), StatusCode::OK, "she may add beside it");
    // A body without the list (a misspelt key) wipes nothing.
    let typo = w.app.put_json(&w.path(&w.roll), &json!({"permisions": []}), &w.owner.access_token).await;
    assert_error(typo, StatusCode::BAD_REQUEST, 50035).await;
    // Another application's bot reads none of this one's.
    let other_bot = create_bot(&w.app, &w.owner, "Other Bot").await;
    assert_eq!(add_to_guild(&w.app, &w.owner, &other_bot, &w.guild.id, "0").await.status(), StatusCode::OK);
    let (status, foreign) = as_bot(&w.app, &other_bot, reqwest::Method::GET, &w.path(&w.roll), None).await;
    assert_eq!((status, foreign["code"].as_i64()), (StatusCode::NOT_FOUND, Some(10002)), "{foreign}");
    // Nothing refused was stored.
    let (_, list) = as_bot(
        &w.app,
        &w.bot,
        reqwest::Method::GET,
        &format!("/applications/{}/guilds/{}/commands/permissions", w.bot.id, w.guild.id),
        None,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["permissions"].as_array().unwrap().len(), 2, "{list}");
}

on_both_backends!(
    a_moderator_limits_a_command_to_a_role_and_keeps_the_bot_out_of_a_channel,
    command_permissions_refuse_bots_members_without_the_rights_and_targets_they_cannot_manage,
);
