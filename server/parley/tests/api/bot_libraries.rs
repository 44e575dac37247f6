//! Real bots in each Discord library Parley promises (discord.py, discord.js, serenity and
//! twilight), unchanged but for their URLs, playing tests/bots/SCENARIO.md against a real
//! server while people act around them. What each bot prints is checked against what the
//! server then holds, and the bot must stay connected throughout.

use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bot_process::{BotProcess, bots_dir};
use crate::bots::{add_to_guild, create_bot};
use crate::helpers::{Backend, Session, TestApp, on_both_backends, status_and_json};

const GATEWAY_INTENT_FLAGS: i64 = (1 << 18) | (1 << 14); // MESSAGE_CONTENT, GUILD_MEMBERS
/// What the bot is given when added: VIEW_CHANNEL, SEND_MESSAGES, MANAGE_MESSAGES,
/// EMBED_LINKS, READ_MESSAGE_HISTORY, ADD_REACTIONS, CREATE_PUBLIC_THREADS,
/// SEND_MESSAGES_IN_THREADS, MANAGE_WEBHOOKS.
const BOT_PERMISSIONS: u64 =
    (1 << 10) | (1 << 11) | (1 << 13) | (1 << 14) | (1 << 16) | (1 << 6) | (1 << 35) | (1 << 38) | (1 << 29);
const SOON: Duration = Duration::from_secs(20);

/// A Discord library and how its scenario bot starts.
#[derive(Clone, Copy, Debug)]
enum Library {
    DiscordPy,
    DiscordJs,
    Serenity,
    Twilight,
}

impl Library {
    fn command(self) -> Command {
        match self {
            Library::DiscordPy => {
                let mut command = Command::new(crate::bot_process::python());
                command.arg(format!("{}/discord_py_scenario.py", bots_dir()));
                command
            }
            Library::DiscordJs => {
                let mut command = Command::new("node");
                command.arg(format!("{}/discord_js/bot.mjs", bots_dir()));
                command
            }
            Library::Serenity | Library::Twilight => {
                // ./scripts/test builds them once into a cached target directory and says where.
                let dir = std::env::var("PARLEY_TEST_RUST_BOTS").unwrap_or_else(|_| {
                    panic!("PARLEY_TEST_RUST_BOTS is not set: run ./scripts/test, which builds the serenity and twilight bots")
                });
                let name = if matches!(self, Library::Serenity) { "serenity_bot" } else { "twilight_bot" };
                Command::new(format!("{dir}/{name}"))
            }
        }
    }
}

/// Ann's guild, with a thread made before the bot came (its GUILD_CREATE carries it), and the
/// bot in it.
struct Stage {
    app: TestApp,
    ann: Session,
    guild: String,
    general: String,
    invite: String,
    bot_id: String,
    bot: BotProcess,
}

impl Stage {
    async fn set(backend: Backend, library: Library) -> Self {
        // Files' URLs name the public URL, which the bot downloads from: this server's own.
        let app = crate::helpers::spawn_app_at_its_public_url(backend).await;
        let ann = app.register("ann").await;
        let guild = app.guild_with(&ann, "Community", &[]).await;
        let thread = app
            .post_json(
                &format!("/channels/{}/threads", guild.general),
                &json!({"name": "before the bot", "type": 11}),
                Some(&ann.access_token),
            )
            .await;
        assert_eq!(thread.status(), StatusCode::CREATED);
        let bot = create_bot(&app, &ann, "Scenario").await;
        let flags = app
            .patch_json(
                &format!("/applications/{}", bot.id),
                &json!({"flags": GATEWAY_INTENT_FLAGS}),
                &ann.access_token,
            )
            .await;
        assert_eq!(flags.status(), StatusCode::OK);
        let added = add_to_guild(&app, &ann, &bot, &guild.id, &BOT_PERMISSIONS.to_string()).await;
        assert_eq!(added.status(), StatusCode::OK);
        let process = BotProcess::start(&app, library.command(), &bot.token, &format!("{library:?}")).await;
        Self {
            guild: guild.id.clone(),
            general: guild.general.clone(),
            invite: guild.invite.clone(),
            bot_id: bot.id.clone(),
            app,
            ann,
            bot: process,
        }
    }

    /// Ann says `text` in #general; the message's id.
    async fn say(&self, body: Value) -> String {
        let path = format!("/channels/{}/messages", self.general);
        let (status, message) =
            status_and_json(self.app.post_json(&path, &body, Some(&self.ann.access_token)).await).await;
        assert_eq!(status, StatusCode::OK, "{message}");
        message["id"].as_str().unwrap().to_owned()
    }

    async fn command(&mut self, text: &str, answer: &str) -> (String, Vec<String>) {
        let id = self.say(json!({"content": text})).await;
        let line = self.bot.wait_for(&format!("{answer} "), SOON).await;
        assert!(!line.starts_with("FAILED"), "{line}");
        (id, line.split(' ').skip(1).map(str::to_owned).collect())
    }

    async fn expect(&mut self, line: &str) {
        let got = self.bot.wait_for(line, SOON).await;
        assert_eq!(got, line);
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        status_and_json(self.app.get(path, Some(&self.ann.access_token)).await).await
    }
}

async fn play(backend: Backend, library: Library) {
    let mut stage = Stage::set(backend, library).await;
    let ready = stage.bot.wait_for("READY ", Duration::from_secs(60)).await;
    assert_eq!(ready, format!("READY {} guilds=1", stage.bot_id));
    let (general, ann_id, bot_id) = (stage.general.clone(), stage.ann.user_id.clone(), stage.bot_id.clone());
    if matches!(library, Library::DiscordPy) {
        // ./scripts/test installs zstandard beside discord.py, which then reads the whole
        // scenario through zstd-stream transport compression.
        stage.expect("COMPRESSION zstd-stream").await;
    }
    // Its slash command, set through the library on READY.
    stage.expect("COMMANDS_SET 1").await;

    // A prefix command answered with a reply.
    let (ping, said) = stage.command("!ping", "PONG").await;
    let (_, reply) = stage.get(&format!("/channels/{general}/messages/{}", said[0])).await;
    assert_eq!((reply["content"].as_str(), reply["author"]["id"].as_str()), (Some("pong ann"), Some(bot_id.as_str())));
    assert_eq!(reply["message_reference"]["message_id"], ping.as_str(), "it replied to the command");

    // History, as the server holds it.
    let (asked, said) = stage.command("!history", "HISTORY").await;
    let (_, page) = stage.get(&format!("/channels/{general}/messages?limit=5")).await;
    let held: Vec<&str> = page.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!((said[0].clone(), said[1].split(',').collect::<Vec<_>>()), (held.len().to_string(), held.clone()));
    assert_eq!(held[0], asked);

    // Send, edit, fetch back, delete; the edit and the deletion reach it as events.
    let (_, said) = stage.command("!edit", "EDITED").await;
    assert_eq!(said[1], "final", "it fetched back the edited text");
    stage.expect(&format!("MESSAGE_UPDATE {} final", said[0])).await;
    stage.expect(&format!("MESSAGE_DELETE {}", said[0])).await;
    let (gone, _) = stage.get(&format!("/channels/{general}/messages/{}", said[0])).await;
    assert_eq!(gone, StatusCode::NOT_FOUND);

    // Reactions: its own, then ann's, added and taken back.
    let (asked, said) = stage.command("!react", "REACTED").await;
    assert_eq!(said[0], asked);
    stage.expect(&format!("REACTION_ADD {asked} {bot_id} 👍")).await;
    let mine = format!("/channels/{general}/messages/{asked}/reactions/%F0%9F%91%8D/@me");
    assert_eq!(stage.app.put(&mine, &stage.ann.access_token).await.status(), StatusCode::NO_CONTENT);
    stage.expect(&format!("REACTION_ADD {asked} {ann_id} 👍")).await;
    assert_eq!(stage.app.delete(&mine, &stage.ann.access_token).await.status(), StatusCode::NO_CONTENT);
    stage.expect(&format!("REACTION_REMOVE {asked} {ann_id} 👍")).await;

    // Pins: pinned, listed, unpinned.
    let (asked, said) = stage.command("!pin", "PINNED").await;
    assert_eq!(said, vec![asked, "pins=1".to_owned()]);
    stage.expect(&format!("PINS_UPDATE {general}")).await;
    let (_, pins) = stage.get(&format!("/channels/{general}/messages/pins")).await;
    assert_eq!(pins["items"], json!([]), "it unpinned it again");

    // A thread from a message, and a message in it.
    let (_, said) = stage.command("!thread", "THREAD").await;
    stage.expect(&format!("THREAD_CREATE {} bot thread", said[0])).await;
    let (_, inside) = stage.get(&format!("/channels/{}/messages", said[0])).await;
    assert_eq!(inside[0]["id"], said[1].as_str());
    assert_eq!(inside[0]["content"], "in the thread");

    // A DM to ann, and her answer reaching it.
    let (_, said) = stage.command("!dm", "DM").await;
    let dm = said[0].clone();
    let (_, private) = stage.get(&format!("/channels/{dm}/messages")).await;
    assert_eq!(private[0]["content"], "hello in private");
    let answer = stage
        .app
        .post_json(&format!("/channels/{dm}/messages"), &json!({"content": "hi bot"}), Some(&stage.ann.access_token))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    stage.expect(&format!("DM_MESSAGE {dm} {ann_id} hi bot")).await;

    // Typing, both ways.
    let (_, said) = stage.command("!typing", "TYPED").await;
    assert_eq!(said[0], general);
    let typing =
        stage.app.post_json(&format!("/channels/{general}/typing"), &json!({}), Some(&stage.ann.access_token)).await;
    assert_eq!(typing.status(), StatusCode::NO_CONTENT);
    stage.expect(&format!("TYPING {general} {ann_id}")).await;

    // Embeds, both ways.
    let (_, said) = stage.command("!embed", "EMBED").await;
    let (_, sent) = stage.get(&format!("/channels/{general}/messages/{}", said[0])).await;
    assert_eq!(sent["content"], "status");
    let embed = &sent["embeds"][0];
    assert_eq!((embed["title"].as_str(), embed["description"].as_str()), (Some("Status"), Some("all good")));
    assert_eq!((embed["color"].as_i64(), embed["footer"]["text"].as_str()), (Some(0x2ecc71), Some("parley")));
    assert_eq!(embed["fields"], json!([{"name": "uptime", "value": "3 days", "inline": true}]));
    stage.say(json!({"content": "look", "embeds": [{"title": "From ann", "description": "a card"}]})).await;
    stage.expect("SAW_EMBED From ann").await;

    files(&mut stage).await;
    if matches!(library, Library::DiscordPy | Library::DiscordJs) {
        file_added_in_an_edit(&mut stage).await;
    }

    // A webhook, made by the bot and posted through with the library's webhook client.
    let (_, said) = stage.command("!webhook", "WEBHOOK").await;
    let (_, posted) = stage.get(&format!("/channels/{general}/messages/{}", said[1])).await;
    assert_eq!(
        (posted["content"].as_str(), posted["author"]["username"].as_str()),
        (Some("from the hook"), Some("Hook"))
    );
    assert_eq!(posted["webhook_id"], said[0].as_str());
    let (_, hooks) = stage.get(&format!("/channels/{general}/webhooks")).await;
    assert_eq!(hooks[0]["name"], "scenario hook");

    // Its slash command, used as a person uses it, answered with a button that ann presses.
    slash_command_and_button(&mut stage).await;

    // Who may use it: ann keeps /roll out of #general; the bot hears the permissions change.
    let (_, index) = stage.get(&format!("/guilds/{}/application-command-index", stage.guild)).await;
    let roll = index["application_commands"].as_array().unwrap().iter().find(|c| c["name"] == "roll").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/applications/{}/guilds/{}/commands/{roll}/permissions", stage.bot_id, stage.guild);
    let off = json!({"permissions": [{"id": general, "type": 3, "permission": false}]});
    let set = stage.app.put_json(&path, &off, &stage.ann.access_token).await;
    assert_eq!(set.status(), StatusCode::OK);
    stage.expect(&format!("COMMAND_PERMISSIONS {roll} 1")).await;

    // Someone joins.
    let bob = stage.app.register("bob").await;
    let joined = stage.app.post_json(&format!("/invites/{}", stage.invite), &json!({}), Some(&bob.access_token)).await;
    assert_eq!(joined.status(), StatusCode::OK);
    stage.expect(&format!("MEMBER_JOIN {} {} bob", stage.guild, bob.user_id)).await;

    // It never lost its connection and never choked on what it read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let said = stage.bot.said().to_vec();
    assert!(said.iter().filter(|l| *l == "CONNECT").count() <= 1, "it reconnected:\n{}", said.join("\n"));
    let trouble = ["DISCONNECT", "ERROR", "FAILED", "Traceback"];
    assert!(
        !said.iter().any(|l| trouble.iter().any(|t| l.starts_with(t))),
        "it reported trouble:\n{}",
        said.join("\n")
    );
}

/// Files both ways: the bot sends one with the library's file API and reads it back through
/// its signed URL; ann sends a photo, and the bot downloads the very bytes the server serves
/// (the photo without its location, every pixel as it was).
async fn files(stage: &mut Stage) {
    use sha2::Digest;
    let general = stage.general.clone();
    let (_, said) = stage.command("!file", "FILE").await;
    let (_, sent) = stage.get(&format!("/channels/{general}/messages/{}", said[0])).await;
    let attachment = &sent["attachments"][0];
    assert_eq!(attachment["id"], said[1].as_str());
    assert_eq!((attachment["filename"].as_str(), said[2].as_str()), (Some("notes.txt"), "notes.txt"));
    assert_eq!(attachment["description"], "some notes");
    assert_eq!(attachment["content_type"], "text/plain; charset=utf-8");
    let sent_bytes = b"parley file send\n".repeat(20_000);
    assert_eq!(said[3], sent_bytes.len().to_string());
    assert_eq!(said[4], hex::encode(sha2::Sha256::digest(&sent_bytes)), "it read back what it sent");

    let photo = crate::attachments::png_with_location();
    let body = crate::attachments::form(&[
        crate::attachments::payload(json!({"content": "a photo"})),
        crate::attachments::file(0, "photo.png", photo.clone()),
    ]);
    let (status, posted) =
        status_and_json(crate::attachments::send_form(&stage.app, &stage.ann, &general, body).await).await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let served = stage.app.client.get(posted["attachments"][0]["url"].as_str().unwrap()).send().await.unwrap();
    let served = served.bytes().await.unwrap();
    assert_eq!(crate::attachments::pixels(&served), crate::attachments::pixels(&photo));
    stage
        .expect(&format!(
            "SAW_FILE photo.png {} image/png {}",
            served.len(),
            hex::encode(sha2::Sha256::digest(&served))
        ))
        .await;
}

/// The library's edit with a new file beside the kept one (a multipart PATCH in its own shape):
/// the message shows both, and the added file reads back whole.
async fn file_added_in_an_edit(stage: &mut Stage) {
    use sha2::Digest;
    let general = stage.general.clone();
    let (_, said) = stage.command("!addfile", "ADDED").await;
    let (_, edited) = stage.get(&format!("/channels/{general}/messages/{}", said[0])).await;
    let names: Vec<&str> =
        edited["attachments"].as_array().unwrap().iter().map(|a| a["filename"].as_str().unwrap()).collect();
    assert_eq!(names, ["notes.txt", "more.txt"], "{edited}");
    assert_eq!(said[1], "2");
    assert!(edited["edited_timestamp"].is_string(), "{edited}");
    let more = b"more parley\n".repeat(1000);
    assert_eq!(said[2], hex::encode(sha2::Sha256::digest(&more)), "it read back the file it added");
}

/// Ann finds `/roll` in the guild's picker and uses it; the bot answers with a roll and a
/// Reroll button; ann presses it and the bot changes its message in place.
async fn slash_command_and_button(stage: &mut Stage) {
    let (general, ann_id, bot_id) = (stage.general.clone(), stage.ann.user_id.clone(), stage.bot_id.clone());
    let (status, index) = stage.get(&format!("/guilds/{}/application-command-index", stage.guild)).await;
    assert_eq!(status, StatusCode::OK, "{index}");
    let commands = index["application_commands"].as_array().unwrap();
    let roll = commands.iter().find(|c| c["name"] == "roll").unwrap_or_else(|| panic!("no /roll in {index}"));
    assert_eq!((roll["application_id"].as_str(), roll["type"].as_i64()), (Some(bot_id.as_str()), Some(1)));
    let sides = &roll["options"][0];
    assert_eq!(
        (sides["name"].as_str(), sides["type"].as_i64(), sides["required"].as_bool()),
        (Some("sides"), Some(4), Some(true))
    );
    assert_eq!((sides["min_value"].as_i64(), sides["max_value"].as_i64()), (Some(2), Some(100)));

    let used = json!({"type": 2, "application_id": bot_id, "guild_id": stage.guild, "channel_id": general, "nonce": "roll-1",
                      "data": {"id": roll["id"], "name": "roll", "type": 1,
                               "options": [{"name": "sides", "type": 4, "value": 20}]}});
    let started = stage.app.post_json("/interactions", &used, Some(&stage.ann.access_token)).await;
    assert_eq!(started.status(), StatusCode::NO_CONTENT);
    let said = stage.bot.wait_for("SLASH ", SOON).await;
    let said: Vec<&str> = said.split(' ').collect();
    assert_eq!(said[2], "20", "it read the option");

    // Its answer is in the channel for everyone: the roll, the button, who used the command.
    let (_, latest) = stage.get(&format!("/channels/{general}/messages?limit=1")).await;
    let answer = &latest[0];
    let content = answer["content"].as_str().unwrap();
    let rolled: u32 = content
        .strip_prefix("rolled ")
        .and_then(|c| c.strip_suffix(" of 20"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a roll of 20: {answer}"));
    assert!((1..=20).contains(&rolled), "{content}");
    assert_eq!((answer["type"].as_i64(), answer["author"]["id"].as_str()), (Some(20), Some(bot_id.as_str())));
    assert_eq!(answer["interaction_metadata"]["user"]["id"], ann_id.as_str());
    assert_eq!(answer["interaction_metadata"]["id"], said[1], "the interaction it printed");
    let row = &answer["components"][0];
    assert_eq!((row["type"].as_i64(), row["components"].as_array().map(Vec::len)), (Some(1), Some(1)), "{answer}");
    let button = &row["components"][0];
    assert_eq!(
        (button["type"].as_i64(), button["custom_id"].as_str(), button["label"].as_str()),
        (Some(2), Some("reroll"), Some("Reroll"))
    );

    // Ann presses the button: the message changes in place and loses it.
    let answer_id = answer["id"].as_str().unwrap().to_owned();
    let press = json!({"type": 3, "application_id": bot_id, "guild_id": stage.guild, "channel_id": general,
                       "message_id": answer_id, "data": {"custom_id": "reroll", "component_type": 2}});
    let pressed = stage.app.post_json("/interactions", &press, Some(&stage.ann.access_token)).await;
    assert_eq!(pressed.status(), StatusCode::NO_CONTENT);
    let said = stage.bot.wait_for("BUTTON ", SOON).await;
    let said: Vec<&str> = said.split(' ').collect();
    assert_eq!(said[2], answer_id, "it read the button's message");
    assert_ne!(said[1], answer["interaction_metadata"]["id"].as_str().unwrap(), "a new interaction");
    let (_, changed) = stage.get(&format!("/channels/{general}/messages/{answer_id}")).await;
    assert_eq!(changed["content"], "rerolled");
    assert_eq!(changed["components"], json!([]), "{changed}");
    stage.expect(&format!("MESSAGE_UPDATE {answer_id} rerolled")).await;
}

async fn a_discord_py_bot_plays_the_whole_scenario_without_reconnecting(backend: Backend) {
    play(backend, Library::DiscordPy).await;
}

async fn a_discord_js_bot_plays_the_whole_scenario_without_reconnecting(backend: Backend) {
    play(backend, Library::DiscordJs).await;
}

async fn a_serenity_bot_plays_the_whole_scenario_without_reconnecting(backend: Backend) {
    play(backend, Library::Serenity).await;
}

async fn a_twilight_bot_plays_the_whole_scenario_without_reconnecting(backend: Backend) {
    play(backend, Library::Twilight).await;
}

on_both_backends!(
    a_discord_py_bot_plays_the_whole_scenario_without_reconnecting,
    a_discord_js_bot_plays_the_whole_scenario_without_reconnecting,
    a_serenity_bot_plays_the_whole_scenario_without_reconnecting,
    a_twilight_bot_plays_the_whole_scenario_without_reconnecting,
);
