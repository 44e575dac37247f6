//! An ordinary twilight bot (twilight-gateway, twilight-http, twilight-model 0.18) that plays
//! the scenario in tests/bots/SCENARIO.md against Parley.
//!
//!     CARGO_TARGET_DIR=~/.cache/parley/bots-target \
//!         cargo build --manifest-path server/parley/tests/bots/rust/Cargo.toml
//!     PARLEY_URL=http://127.0.0.1:8080 PARLEY_GATEWAY_URL=ws://127.0.0.1:8080/gateway \
//!         PARLEY_BOT_TOKEN=... ~/.cache/parley/bots-target/debug/twilight_bot
//!
//! What makes it a Parley bot rather than a Discord bot is two lines, both marked `// Parley:`
//! below: the REST client's `.proxy(HOST:PORT, true)` (plain http to Parley, which serves
//! `/api/v10/...` just as discord.com does) and the gateway's `.proxy_url(PARLEY_GATEWAY_URL)`.
//! The crates are built without TLS features since Parley is reached over plain http and ws here;
//! for an https Parley enable one of twilight's rustls features and pass `false` to `proxy`.

use parley_test_bots::{describe, file_bytes, log_library_problems, one_line, saw_file, say, sha256_hex};
use std::{collections::HashSet, env, error::Error, sync::Arc};
use twilight_gateway::{
    ConfigBuilder, Event, EventTypeFlags, Intents, Shard, ShardId, StreamExt as _,
    error::{ReceiveMessageError, ReceiveMessageErrorType},
};
use twilight_http::{Client, request::channel::reaction::RequestReactionType};
use twilight_model::{
    application::{
        command::CommandType,
        interaction::{
            Interaction, InteractionData,
            application_command::{CommandData, CommandOptionValue},
        },
    },
    channel::{
        Message,
        message::component::{ActionRow, ButtonStyle, Component},
    },
    gateway::payload::incoming::GuildCreate,
    guild::Guild,
    id::{
        Id,
        marker::{ApplicationMarker, GuildMarker, UserMarker},
    },
};
use twilight_util::builder::{
    command::{CommandBuilder, IntegerBuilder},
    embed::{EmbedBuilder, EmbedFieldBuilder, EmbedFooterBuilder},
    interaction_response::{ChannelMessageBuilder, UpdateMessageBuilder},
    message::ButtonBuilder,
};

type HandlerResult = Result<String, Box<dyn Error + Send + Sync>>;

#[tokio::main]
async fn main() {
    log_library_problems();
    let parley_url = env::var("PARLEY_URL").expect("PARLEY_URL");
    let gateway_url = env::var("PARLEY_GATEWAY_URL").expect("PARLEY_GATEWAY_URL");
    let token = env::var("PARLEY_BOT_TOKEN").expect("PARLEY_BOT_TOKEN");

    let parley_host = parley_url.trim_start_matches("http://").to_owned();
    let http = Arc::new(
        Client::builder()
            .token(token.clone())
            .proxy(parley_host, true) // Parley: REST at http://HOST:PORT/api/v10
            .build(),
    );

    let intents = Intents::GUILDS
        | Intents::GUILD_MEMBERS
        | Intents::GUILD_MESSAGES
        | Intents::GUILD_MESSAGE_REACTIONS
        | Intents::GUILD_MESSAGE_TYPING
        | Intents::DIRECT_MESSAGES
        | Intents::DIRECT_MESSAGE_TYPING
        | Intents::MESSAGE_CONTENT;
    let config = ConfigBuilder::new(token, intents)
        .proxy_url(gateway_url) // Parley: the gateway's URL, as GET /api/v10/gateway gives it
        .build();
    let mut shard = Shard::with_config(ShardId::ONE, config);

    let mut me: Option<Id<UserMarker>> = None;
    let mut application: Option<Id<ApplicationMarker>> = None;
    let mut guilds: Vec<Id<GuildMarker>> = Vec::new();
    let mut commands_set = false;
    let mut awaited_guilds: HashSet<Id<GuildMarker>> = HashSet::new();
    let mut guild_count = 0;
    let mut ready_said = false;

    while let Some(item) = shard.next_event(EventTypeFlags::all()).await {
        let event = match item {
            Ok(event) => event,
            Err(error) => {
                report_gateway_error(&error);
                continue;
            }
        };
        match event {
            Event::GatewayHello(_) => say("CONNECT"),
            Event::GatewayClose(_) => say("DISCONNECT"),
            Event::Ready(ready) => {
                me = Some(ready.user.id);
                application = Some(ready.application.id);
                guild_count = ready.guilds.len();
                awaited_guilds = ready.guilds.iter().map(|guild| guild.id).collect();
                guilds = ready.guilds.iter().map(|guild| guild.id).collect();
            }
            Event::GuildCreate(guild) => {
                if let GuildCreate::Available(guild) = *guild {
                    awaited_guilds.remove(&guild.id);
                }
            }
            Event::MessageCreate(message) if Some(message.author.id) != me => {
                let message = message.message;
                on_message(&message);
                if !message.attachments.is_empty() {
                    tokio::spawn(download_files(message.attachments.clone()));
                }
                if message.guild_id.is_some() {
                    tokio::spawn(run_command(Arc::clone(&http), message));
                }
            }
            Event::MessageUpdate(update) => {
                say(format!("MESSAGE_UPDATE {} {}", update.id, one_line(&update.content)));
            }
            Event::MessageDelete(delete) => say(format!("MESSAGE_DELETE {}", delete.id)),
            Event::ReactionAdd(reaction) => say(format!(
                "REACTION_ADD {} {} {}",
                reaction.message_id,
                reaction.user_id,
                emoji_name(&reaction.emoji)
            )),
            Event::ReactionRemove(reaction) => say(format!(
                "REACTION_REMOVE {} {} {}",
                reaction.message_id,
                reaction.user_id,
                emoji_name(&reaction.emoji)
            )),
            Event::TypingStart(typing) if Some(typing.user_id) != me => {
                say(format!("TYPING {} {}", typing.channel_id, typing.user_id));
            }
            Event::ChannelPinsUpdate(pins) => say(format!("PINS_UPDATE {}", pins.channel_id)),
            Event::ThreadCreate(thread) => {
                say(format!("THREAD_CREATE {} {}", thread.id, thread.name.as_deref().unwrap_or("")))
            }
            Event::MemberAdd(member) => {
                say(format!("MEMBER_JOIN {} {} {}", member.guild_id, member.user.id, member.user.name))
            }
            Event::CommandPermissionsUpdate(update) => {
                say(format!("COMMAND_PERMISSIONS {} {}", update.id, update.permissions.len()))
            }
            Event::InteractionCreate(interaction) => {
                tokio::spawn(run_interaction(Arc::clone(&http), interaction.0));
            }
            _ => {}
        }
        if let Some(me) = me.filter(|_| !ready_said && awaited_guilds.is_empty()) {
            ready_said = true;
            say(format!("READY {me} guilds={guild_count}"));
        }
        // Once every guild is here: the slash command, as each guild's commands.
        if let (true, false, Some(application)) = (ready_said, commands_set, application) {
            commands_set = true;
            tokio::spawn(set_commands(Arc::clone(&http), application, guilds.clone()));
        }
    }
    // The shard only ends after a fatal close (a bad token, disallowed intents).
    say("ERROR the gateway closed the session for good");
    std::future::pending::<()>().await;
}

/// An event twilight could not read: `ERROR <event name> <serde error>`, and the event itself
/// on stderr. GUILD_CREATE is an untagged enum (an unavailable or a whole guild) whose error
/// names no field, so its payload is read again as a guild for serde's real complaint.
fn report_gateway_error(error: &ReceiveMessageError) {
    let cause = error.source().map(describe).unwrap_or_default();
    match error.kind() {
        ReceiveMessageErrorType::Deserializing { event } => {
            let payload = serde_json::from_str::<serde_json::Value>(event).unwrap_or_default();
            let name = payload["t"].as_str().unwrap_or("(no event name)");
            let detail = match name {
                "GUILD_CREATE" => serde_json::from_value::<Guild>(payload["d"].clone())
                    .err()
                    .map(|e| format!(" (read as a guild: {e})"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            say(format!("ERROR {name} {cause}{detail}"));
            eprintln!("could not deserialize: {event}");
        }
        _ => say(format!("ERROR {error} {cause}")),
    }
}

fn on_message(message: &Message) {
    say(format!("MESSAGE {} {} {}", message.id, message.author.id, one_line(&message.content)));
    if message.guild_id.is_none() {
        say(format!("DM_MESSAGE {} {} {}", message.channel_id, message.author.id, one_line(&message.content)));
    }
    if let Some(embed) = message.embeds.first() {
        say(format!("SAW_EMBED {}", embed.title.as_deref().unwrap_or("")));
    }
}

/// Downloads each file of a message through its URL, as a twilight bot does it (twilight has no
/// HTTP client for attachment URLs; bots bring their own).
async fn download_files(attachments: Vec<twilight_model::channel::Attachment>) {
    for attachment in attachments {
        match download(&attachment.url).await {
            Ok(read) => say(saw_file(&attachment.filename, attachment.size, attachment.content_type.as_deref(), &read)),
            Err(error) => say(format!("FAILED download {}", describe(error.as_ref()))),
        }
    }
}

async fn download(url: &str) -> Result<Vec<u8>, Box<dyn Error + Send + Sync>> {
    Ok(reqwest::get(url).await?.error_for_status()?.bytes().await?.to_vec())
}

fn emoji_name(emoji: &twilight_model::channel::message::EmojiReactionType) -> &str {
    use twilight_model::channel::message::EmojiReactionType;
    match emoji {
        EmojiReactionType::Unicode { name } => name,
        EmojiReactionType::Custom { name, .. } => name.as_deref().unwrap_or(""),
    }
}

async fn run_command(http: Arc<Client>, message: Message) {
    let command = message.content.trim().to_owned();
    let result = match command.as_str() {
        "!ping" => ping(&http, &message).await,
        "!history" => history(&http, &message).await,
        "!edit" => edit(&http, &message).await,
        "!react" => react(&http, &message).await,
        "!pin" => pin(&http, &message).await,
        "!thread" => thread(&http, &message).await,
        "!dm" => dm(&http, &message).await,
        "!typing" => typing(&http, &message).await,
        "!embed" => embed(&http, &message).await,
        "!file" => send_file(&http, &message).await,
        "!webhook" => webhook(&http, &message).await,
        _ => return,
    };
    match result {
        Ok(line) => say(line),
        Err(error) => say(format!("FAILED {command} {}", describe(error.as_ref()))),
    }
}

async fn ping(http: &Client, message: &Message) -> HandlerResult {
    let reply = http
        .create_message(message.channel_id)
        .content(&format!("pong {}", message.author.name))
        .reply(message.id)
        .await?
        .model()
        .await?;
    Ok(format!("PONG {}", reply.id))
}

async fn history(http: &Client, message: &Message) -> HandlerResult {
    let messages = http.channel_messages(message.channel_id).limit(5).await?.models().await?;
    let ids: Vec<String> = messages.iter().map(|m| m.id.to_string()).collect();
    Ok(format!("HISTORY {} {}", messages.len(), ids.join(",")))
}

async fn edit(http: &Client, message: &Message) -> HandlerResult {
    let channel = message.channel_id;
    let draft = http.create_message(channel).content("draft").await?.model().await?;
    http.update_message(channel, draft.id).content(Some("final")).await?;
    let fetched = http.message(channel, draft.id).await?.model().await?;
    http.delete_message(channel, draft.id).await?;
    Ok(format!("EDITED {} {}", draft.id, one_line(&fetched.content)))
}

async fn react(http: &Client, message: &Message) -> HandlerResult {
    let thumbs_up = RequestReactionType::Unicode { name: "👍" };
    http.create_reaction(message.channel_id, message.id, &thumbs_up).await?;
    Ok(format!("REACTED {}", message.id))
}

async fn pin(http: &Client, message: &Message) -> HandlerResult {
    http.create_pin(message.channel_id, message.id).await?;
    let pins = http.pins(message.channel_id).await?.model().await?;
    http.delete_pin(message.channel_id, message.id).await?;
    Ok(format!("PINNED {} pins={}", message.id, pins.items.len()))
}

async fn thread(http: &Client, message: &Message) -> HandlerResult {
    let thread = http.create_thread_from_message(message.channel_id, message.id, "bot thread").await?.model().await?;
    let sent = http.create_message(thread.id).content("in the thread").await?.model().await?;
    Ok(format!("THREAD {} {}", thread.id, sent.id))
}

async fn dm(http: &Client, message: &Message) -> HandlerResult {
    let channel = http.create_private_channel(message.author.id).await?.model().await?;
    let sent = http.create_message(channel.id).content("hello in private").await?.model().await?;
    Ok(format!("DM {} {}", channel.id, sent.id))
}

async fn typing(http: &Client, message: &Message) -> HandlerResult {
    http.create_typing_trigger(message.channel_id).await?;
    Ok(format!("TYPED {}", message.channel_id))
}

async fn send_file(http: &Client, message: &Message) -> HandlerResult {
    let mut notes = twilight_model::http::attachment::Attachment::from_bytes("notes.txt".to_owned(), file_bytes(), 0);
    notes.description = Some("some notes".to_owned());
    let sent = http.create_message(message.channel_id).content("a file").attachments(&[notes]).await?.model().await?;
    let attachment = &sent.attachments[0];
    // A GET of the attachment's signed URL.
    let read = download(&attachment.url).await?;
    Ok(format!("FILE {} {} {} {} {}", sent.id, attachment.id, attachment.filename, attachment.size, sha256_hex(&read)))
}

async fn embed(http: &Client, message: &Message) -> HandlerResult {
    let embed = EmbedBuilder::new()
        .title("Status")
        .description("all good")
        .color(0x2ecc71)
        .field(EmbedFieldBuilder::new("uptime", "3 days").inline())
        .footer(EmbedFooterBuilder::new("parley"))
        .validate()?
        .build();
    let sent = http.create_message(message.channel_id).content("status").embeds(&[embed]).await?.model().await?;
    Ok(format!("EMBED {}", sent.id))
}

async fn webhook(http: &Client, message: &Message) -> HandlerResult {
    let made = http.create_webhook(message.channel_id, "scenario hook").await?.model().await?;
    // A webhook URL as Discord writes it, read with twilight's own parser; the request goes
    // through the client's proxy, that is, to Parley.
    let url = format!("https://discord.com/api/webhooks/{}/{}", made.id, made.token.as_deref().unwrap_or(""));
    let (id, token) = twilight_util::link::webhook::parse(&url)?;
    let token = token.ok_or("the webhook URL has no token")?;
    let sent = http.execute_webhook(id, token).content("from the hook").username("Hook").wait().await?.model().await?;
    Ok(format!("WEBHOOK {} {}", made.id, sent.id))
}

/// The slash command `roll`, set as the commands of each guild the bot is in.
async fn set_commands(http: Arc<Client>, application: Id<ApplicationMarker>, guilds: Vec<Id<GuildMarker>>) {
    let result: HandlerResult = async {
        let roll = CommandBuilder::new("roll", "Roll a die", CommandType::ChatInput)
            .option(IntegerBuilder::new("sides", "How many sides").required(true).min_value(2).max_value(100))
            .validate()?
            .build();
        let mut count = 0;
        for guild in guilds {
            count +=
                http.interaction(application).set_guild_commands(guild, &[roll.clone()]).await?.models().await?.len();
        }
        Ok(format!("COMMANDS_SET {count}"))
    }
    .await;
    match result {
        Ok(line) => say(line),
        Err(error) => say(format!("FAILED commands {}", describe(error.as_ref()))),
    }
}

async fn run_interaction(http: Arc<Client>, interaction: Interaction) {
    let (what, result) = match &interaction.data {
        Some(InteractionData::ApplicationCommand(command)) if command.name == "roll" => {
            ("/roll", roll(&http, &interaction, command).await)
        }
        Some(InteractionData::MessageComponent(press)) if press.custom_id == "reroll" => {
            ("reroll", reroll(&http, &interaction).await)
        }
        _ => return,
    };
    match result {
        Ok(line) => say(line),
        Err(error) => say(format!("FAILED {what} {}", describe(error.as_ref()))),
    }
}

/// `/roll sides`: a message with the roll and a Reroll button.
async fn roll(http: &Client, interaction: &Interaction, command: &CommandData) -> HandlerResult {
    let sides = command.options.iter().find(|option| option.name == "sides").map(|option| &option.value);
    let Some(&CommandOptionValue::Integer(sides)) = sides else {
        return Err(format!("no integer `sides` in {:?}", command.options).into());
    };
    // No rand crate here: the interaction's id stands in for a random number.
    let rolled = 1 + interaction.id.get() % sides.unsigned_abs().max(1);
    let reroll = ButtonBuilder::new(ButtonStyle::Primary).custom_id("reroll").label("Reroll").validate()?.build();
    let row = ActionRow { components: vec![Component::Button(reroll)], id: None };
    let answer = ChannelMessageBuilder::new().content(format!("rolled {rolled} of {sides}")).components([row]).build();
    http.interaction(interaction.application_id).create_response(interaction.id, &interaction.token, &answer).await?;
    Ok(format!("SLASH {} {sides}", interaction.id))
}

/// The Reroll button: the message says `rerolled` and loses its button.
async fn reroll(http: &Client, interaction: &Interaction) -> HandlerResult {
    let message = interaction.message.as_ref().ok_or("a button press without its message")?;
    let update = UpdateMessageBuilder::new().content("rerolled").components(Vec::<Component>::new()).build();
    http.interaction(interaction.application_id).create_response(interaction.id, &interaction.token, &update).await?;
    Ok(format!("BUTTON {} {}", interaction.id, message.id))
}
