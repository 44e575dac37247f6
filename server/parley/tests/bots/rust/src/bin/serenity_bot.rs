//! An ordinary serenity 0.12 bot that plays the scenario in tests/bots/SCENARIO.md against Parley.
//!
//!     CARGO_TARGET_DIR=~/.cache/parley/bots-target \
//!         cargo build --manifest-path server/parley/tests/bots/rust/Cargo.toml
//!     PARLEY_URL=http://127.0.0.1:8080 PARLEY_GATEWAY_URL=ws://127.0.0.1:8080/gateway \
//!         PARLEY_BOT_TOKEN=... ~/.cache/parley/bots-target/debug/serenity_bot
//!
//! What makes it a Parley bot rather than a Discord bot is two lines, marked `// Parley:` below:
//! `HttpBuilder::new(token).proxy(PARLEY_URL).ratelimiter_disabled(true)`. serenity then sends
//! every REST request that it would send to `https://discord.com/api/v10/...` to
//! `PARLEY_URL/api/v10/...` instead, and it finds the gateway by asking Parley
//! (`GET /api/v10/gateway`), so PARLEY_GATEWAY_URL is not needed here. The ratelimiter must be
//! off because serenity 0.12's ratelimiter builds its requests without the proxy (they would go
//! to discord.com); serenity's own docs pair `proxy` with `ratelimiter_disabled`. Parley still
//! enforces its limits and answers 429, which then reaches the handler as an error.

use parley_test_bots::{describe, file_bytes, log_library_problems, one_line, saw_file, say, sha256_hex};
use serenity::{
    all::{
        ButtonStyle, ChannelCreateEvent, ChannelId, ChannelPinsUpdateEvent, ChannelUpdateEvent, ClientBuilder, Colour,
        Command, CommandInteraction, CommandOptionType, CommandPermissions, CommandPermissionsUpdateEvent,
        ComponentInteraction, ConnectionStage, Context, CreateActionRow, CreateAttachment, CreateButton, CreateCommand,
        CreateCommandOption, CreateEmbed, CreateEmbedFooter, CreateInteractionResponse,
        CreateInteractionResponseMessage, CreateMessage, CreateThread, CreateWebhook, EditMessage, Event, EventHandler,
        ExecuteWebhook, GatewayIntents, GetMessages, GuildChannel, GuildCreateEvent, GuildId, GuildMemberAddEvent,
        GuildMemberUpdateEvent, GuildRoleCreateEvent, GuildRoleUpdateEvent, GuildUpdateEvent, HttpBuilder, Interaction,
        InteractionCreateEvent, Member, Message, MessageCreateEvent, MessageDeleteEvent, MessageId, MessageUpdateEvent,
        RawEventHandler, Reaction, ReactionAddEvent, ReactionRemoveEvent, ReactionType, Ready, ReadyEvent,
        ResumedEvent, ShardStageUpdateEvent, ThreadCreateEvent, TypingStartEvent, Webhook,
    },
    async_trait,
    json::Value,
};
use std::{
    env,
    sync::atomic::{AtomicBool, Ordering},
};

type HandlerResult = Result<String, serenity::Error>;

struct Handler {
    ready_said: AtomicBool,
    connected: AtomicBool,
    commands_set: AtomicBool,
}

#[tokio::main]
async fn main() {
    log_library_problems();
    let parley_url = env::var("PARLEY_URL").expect("PARLEY_URL");
    let token = env::var("PARLEY_BOT_TOKEN").expect("PARLEY_BOT_TOKEN");

    let http = HttpBuilder::new(&token)
        .proxy(parley_url) // Parley: REST at PARLEY_URL/api/v10
        .ratelimiter_disabled(true) // Parley: serenity's ratelimiter ignores the proxy
        .build();

    let intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::GUILD_MESSAGE_TYPING
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::DIRECT_MESSAGE_TYPING
        | GatewayIntents::MESSAGE_CONTENT;
    let handler = Handler {
        ready_said: AtomicBool::new(false),
        connected: AtomicBool::new(false),
        commands_set: AtomicBool::new(false),
    };
    let mut client =
        match ClientBuilder::new_with_http(http, intents).event_handler(handler).raw_event_handler(Unreadable).await {
            Ok(client) => client,
            Err(error) => return fail_for_good(&error).await,
        };
    if let Err(error) = client.start().await {
        fail_for_good(&error).await;
    }
}

/// serenity gives up (a bad token, disallowed intents): say so and stay, as SCENARIO.md asks.
async fn fail_for_good(error: &serenity::Error) {
    say(format!("ERROR {} {error:?}", describe(error)));
    std::future::pending::<()>().await;
}

impl Handler {
    /// serenity tells of a lost connection with a ShardStageUpdate only when the shard itself
    /// resumes; when it gives up on the connection and restarts the shard, the next thing it
    /// tells is a new `ready`. So a `ready` or `resume` while still connected means the previous
    /// connection was lost.
    fn connected(&self) {
        if self.connected.swap(true, Ordering::SeqCst) {
            say("DISCONNECT");
        }
        say("CONNECT");
    }

    fn disconnected(&self) {
        if self.connected.swap(false, Ordering::SeqCst) {
            say("DISCONNECT");
        }
    }

    fn say_ready_once(&self, ctx: &Context, guilds: usize) {
        if !self.ready_said.swap(true, Ordering::SeqCst) {
            say(format!("READY {} guilds={guilds}", ctx.cache.current_user().id));
        }
    }

    /// The slash command, as the application's global commands (once, on the first `ready`).
    async fn set_commands_once(&self, ctx: &Context) {
        if self.commands_set.swap(true, Ordering::SeqCst) {
            return;
        }
        let sides = CreateCommandOption::new(CommandOptionType::Integer, "sides", "How many sides")
            .required(true)
            .min_int_value(2)
            .max_int_value(100);
        let roll = CreateCommand::new("roll").description("Roll a die").add_option(sides);
        match Command::set_global_commands(ctx, vec![roll]).await {
            Ok(commands) => say(format!("COMMANDS_SET {}", commands.len())),
            Err(error) => say(format!("FAILED commands {} {}", describe(&error), one_line(&format!("{error:?}")))),
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        self.connected();
        // With guilds to wait for, cache_ready tells when serenity has them all.
        if ready.guilds.is_empty() {
            self.say_ready_once(&ctx, 0);
        }
        self.set_commands_once(&ctx).await;
    }

    async fn cache_ready(&self, ctx: Context, guilds: Vec<GuildId>) {
        self.say_ready_once(&ctx, guilds.len());
    }

    async fn resume(&self, _: Context, _: ResumedEvent) {
        self.connected();
    }

    async fn shard_stage_update(&self, _: Context, event: ShardStageUpdateEvent) {
        if event.old == ConnectionStage::Connected && event.new != ConnectionStage::Connected {
            self.disconnected();
        }
    }

    async fn message(&self, ctx: Context, message: Message) {
        if message.author.id == ctx.cache.current_user().id {
            return;
        }
        let content = one_line(&message.content);
        say(format!("MESSAGE {} {} {content}", message.id, message.author.id));
        if message.guild_id.is_none() {
            say(format!("DM_MESSAGE {} {} {content}", message.channel_id, message.author.id));
        }
        if let Some(embed) = message.embeds.first() {
            say(format!("SAW_EMBED {}", embed.title.as_deref().unwrap_or("")));
        }
        for attachment in &message.attachments {
            match attachment.download().await {
                Ok(read) => say(saw_file(
                    &attachment.filename,
                    u64::from(attachment.size),
                    attachment.content_type.as_deref(),
                    &read,
                )),
                Err(error) => say(format!("FAILED download {}", describe(&error))),
            }
        }
        if message.guild_id.is_some() {
            run_command(&ctx, &message).await;
        }
    }

    async fn message_update(&self, _: Context, _: Option<Message>, _: Option<Message>, event: MessageUpdateEvent) {
        let content = event.content.as_deref().unwrap_or("");
        say(format!("MESSAGE_UPDATE {} {}", event.id, one_line(content)));
    }

    async fn message_delete(&self, _: Context, _: ChannelId, message_id: MessageId, _: Option<GuildId>) {
        say(format!("MESSAGE_DELETE {message_id}"));
    }

    async fn reaction_add(&self, _: Context, reaction: Reaction) {
        say(format!("REACTION_ADD {}", describe_reaction(&reaction)));
    }

    async fn reaction_remove(&self, _: Context, reaction: Reaction) {
        say(format!("REACTION_REMOVE {}", describe_reaction(&reaction)));
    }

    async fn typing_start(&self, ctx: Context, event: TypingStartEvent) {
        if event.user_id != ctx.cache.current_user().id {
            say(format!("TYPING {} {}", event.channel_id, event.user_id));
        }
    }

    async fn channel_pins_update(&self, _: Context, pins: ChannelPinsUpdateEvent) {
        say(format!("PINS_UPDATE {}", pins.channel_id));
    }

    async fn thread_create(&self, _: Context, thread: GuildChannel) {
        say(format!("THREAD_CREATE {} {}", thread.id, thread.name));
    }

    async fn guild_member_addition(&self, _: Context, member: Member) {
        say(format!("MEMBER_JOIN {} {} {}", member.guild_id, member.user.id, member.user.name));
    }

    async fn command_permissions_update(&self, _: Context, permission: CommandPermissions) {
        say(format!("COMMAND_PERMISSIONS {} {}", permission.id, permission.permissions.len()));
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let (what, result) = match interaction {
            Interaction::Command(command) if command.data.name == "roll" => ("/roll", roll(&ctx, &command).await),
            Interaction::Component(press) if press.data.custom_id == "reroll" => ("reroll", reroll(&ctx, &press).await),
            _ => return,
        };
        match result {
            Ok(line) => say(line),
            Err(error) => say(format!("FAILED {what} {} {}", describe(&error), one_line(&format!("{error:?}")))),
        }
    }
}

/// serenity turns a gateway event whose payload it cannot read into `Event::Unknown` and drops
/// it without a word (its `EventHandler` never hears of it). The raw handler sees it: print
/// `ERROR <event name> <why>`, reading the payload again as the event serenity expected to get
/// the serde error.
struct Unreadable;

#[async_trait]
impl RawEventHandler for Unreadable {
    async fn raw_event(&self, _: Context, event: Event) {
        if let Event::Unknown(unknown) = event {
            eprintln!("could not read {}: {}", unknown.kind, unknown.value);
            say(format!("ERROR {} {}", unknown.kind, why_unreadable(&unknown.kind, unknown.value)));
        }
    }
}

fn why_unreadable(kind: &str, payload: Value) -> String {
    macro_rules! read_as {
        ($($name:literal => $event:ty),* $(,)?) => {
            match kind {
                $($name => serde_json::from_value::<$event>(payload).err().map(|e| e.to_string()),)*
                _ => Some("serenity could not read it".to_owned()),
            }
        };
    }
    read_as!(
        "READY" => ReadyEvent,
        "RESUMED" => ResumedEvent,
        "GUILD_CREATE" => GuildCreateEvent,
        "GUILD_UPDATE" => GuildUpdateEvent,
        "GUILD_ROLE_CREATE" => GuildRoleCreateEvent,
        "GUILD_ROLE_UPDATE" => GuildRoleUpdateEvent,
        "GUILD_MEMBER_ADD" => GuildMemberAddEvent,
        "GUILD_MEMBER_UPDATE" => GuildMemberUpdateEvent,
        "MESSAGE_CREATE" => MessageCreateEvent,
        "MESSAGE_UPDATE" => MessageUpdateEvent,
        "MESSAGE_DELETE" => MessageDeleteEvent,
        "MESSAGE_REACTION_ADD" => ReactionAddEvent,
        "MESSAGE_REACTION_REMOVE" => ReactionRemoveEvent,
        "TYPING_START" => TypingStartEvent,
        "CHANNEL_PINS_UPDATE" => ChannelPinsUpdateEvent,
        "THREAD_CREATE" => ThreadCreateEvent,
        "CHANNEL_CREATE" => ChannelCreateEvent,
        "CHANNEL_UPDATE" => ChannelUpdateEvent,
        "INTERACTION_CREATE" => InteractionCreateEvent,
        "APPLICATION_COMMAND_PERMISSIONS_UPDATE" => CommandPermissionsUpdateEvent,
    )
    .map(|error| one_line(&error))
    .unwrap_or_else(|| "read as Unknown, yet its payload reads on its own".to_owned())
}

fn describe_reaction(reaction: &Reaction) -> String {
    let user = reaction.user_id.map(|id| id.to_string()).unwrap_or_default();
    let emoji = match &reaction.emoji {
        ReactionType::Unicode(name) => name.clone(),
        ReactionType::Custom { name, .. } => name.clone().unwrap_or_default(),
        _ => String::new(),
    };
    format!("{} {user} {emoji}", reaction.message_id)
}

async fn run_command(ctx: &Context, message: &Message) {
    let command = message.content.trim();
    let result = match command {
        "!ping" => ping(ctx, message).await,
        "!history" => history(ctx, message).await,
        "!edit" => edit(ctx, message).await,
        "!react" => react(ctx, message).await,
        "!pin" => pin(ctx, message).await,
        "!thread" => thread(ctx, message).await,
        "!dm" => dm(ctx, message).await,
        "!typing" => typing(ctx, message).await,
        "!embed" => embed(ctx, message).await,
        "!file" => send_file(ctx, message).await,
        "!webhook" => webhook(ctx, message).await,
        _ => return,
    };
    match result {
        Ok(line) => say(line),
        // serenity's Display of an HTTP error is only Discord's message; its Debug has the
        // status, method, URL and error code too.
        Err(error) => say(format!("FAILED {command} {} {}", describe(&error), one_line(&format!("{error:?}")))),
    }
}

async fn ping(ctx: &Context, message: &Message) -> HandlerResult {
    let reply = message.reply(ctx, format!("pong {}", message.author.name)).await?;
    Ok(format!("PONG {}", reply.id))
}

async fn history(ctx: &Context, message: &Message) -> HandlerResult {
    let messages = message.channel_id.messages(ctx, GetMessages::new().limit(5)).await?;
    let ids: Vec<String> = messages.iter().map(|m| m.id.to_string()).collect();
    Ok(format!("HISTORY {} {}", messages.len(), ids.join(",")))
}

async fn edit(ctx: &Context, message: &Message) -> HandlerResult {
    let mut draft = message.channel_id.say(ctx, "draft").await?;
    draft.edit(ctx, EditMessage::new().content("final")).await?;
    let fetched = message.channel_id.message(ctx, draft.id).await?;
    draft.delete(ctx).await?;
    Ok(format!("EDITED {} {}", draft.id, one_line(&fetched.content)))
}

async fn react(ctx: &Context, message: &Message) -> HandlerResult {
    message.react(ctx, '👍').await?;
    Ok(format!("REACTED {}", message.id))
}

async fn pin(ctx: &Context, message: &Message) -> HandlerResult {
    message.pin(ctx).await?;
    let pins = message.channel_id.pins(ctx).await?;
    message.unpin(ctx).await?;
    Ok(format!("PINNED {} pins={}", message.id, pins.len()))
}

async fn thread(ctx: &Context, message: &Message) -> HandlerResult {
    let thread =
        message.channel_id.create_thread_from_message(ctx, message.id, CreateThread::new("bot thread")).await?;
    let sent = thread.id.say(ctx, "in the thread").await?;
    Ok(format!("THREAD {} {}", thread.id, sent.id))
}

async fn dm(ctx: &Context, message: &Message) -> HandlerResult {
    let channel = message.author.create_dm_channel(ctx).await?;
    let sent = channel.id.say(ctx, "hello in private").await?;
    Ok(format!("DM {} {}", channel.id, sent.id))
}

async fn typing(ctx: &Context, message: &Message) -> HandlerResult {
    message.channel_id.broadcast_typing(ctx).await?;
    Ok(format!("TYPED {}", message.channel_id))
}

async fn send_file(ctx: &Context, message: &Message) -> HandlerResult {
    let notes = CreateAttachment::bytes(file_bytes(), "notes.txt").description("some notes");
    let sent = message.channel_id.send_message(ctx, CreateMessage::new().content("a file").add_file(notes)).await?;
    let attachment = &sent.attachments[0];
    // A GET of the attachment's signed URL.
    let read = attachment.download().await?;
    Ok(format!("FILE {} {} {} {} {}", sent.id, attachment.id, attachment.filename, attachment.size, sha256_hex(&read)))
}

async fn embed(ctx: &Context, message: &Message) -> HandlerResult {
    let embed = CreateEmbed::new()
        .title("Status")
        .description("all good")
        .colour(Colour::new(0x2ecc71))
        .field("uptime", "3 days", true)
        .footer(CreateEmbedFooter::new("parley"));
    let sent = message.channel_id.send_message(ctx, CreateMessage::new().content("status").embed(embed)).await?;
    Ok(format!("EMBED {}", sent.id))
}

async fn webhook(ctx: &Context, message: &Message) -> HandlerResult {
    let made = message.channel_id.create_webhook(ctx, CreateWebhook::new("scenario hook")).await?;
    // Its URL as Discord writes it (https://discord.com/api/webhooks/{id}/{token}): from_url
    // accepts only discord.com's hosts, and asks through the client's proxy, that is, Parley.
    let hook = Webhook::from_url(ctx, &made.url()?).await?;
    let sent = hook.execute(ctx, true, ExecuteWebhook::new().content("from the hook").username("Hook")).await?;
    let sent = sent.map(|sent| sent.id.to_string()).unwrap_or_default();
    Ok(format!("WEBHOOK {} {sent}", made.id))
}

/// `/roll sides`: a message with the roll and a Reroll button.
async fn roll(ctx: &Context, command: &CommandInteraction) -> HandlerResult {
    let sides =
        command.data.options.iter().find(|option| option.name == "sides").and_then(|option| option.value.as_i64());
    let sides = sides.ok_or_else(|| serenity::Error::Other("no integer `sides`"))?;
    // No rand crate here: the interaction's id stands in for a random number.
    let rolled = 1 + command.id.get() % sides.unsigned_abs().max(1);
    let reroll = CreateButton::new("reroll").label("Reroll").style(ButtonStyle::Primary);
    let answer = CreateInteractionResponseMessage::new()
        .content(format!("rolled {rolled} of {sides}"))
        .components(vec![CreateActionRow::Buttons(vec![reroll])]);
    command.create_response(ctx, CreateInteractionResponse::Message(answer)).await?;
    Ok(format!("SLASH {} {sides}", command.id))
}

/// The Reroll button: the message says `rerolled` and loses its button.
async fn reroll(ctx: &Context, press: &ComponentInteraction) -> HandlerResult {
    let update = CreateInteractionResponseMessage::new().content("rerolled").components(vec![]);
    press.create_response(ctx, CreateInteractionResponse::UpdateMessage(update)).await?;
    Ok(format!("BUTTON {} {}", press.id, press.message.id))
}
