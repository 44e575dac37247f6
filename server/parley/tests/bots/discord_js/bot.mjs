// An ordinary discord.js 14 bot playing Parley's bot scenario (../SCENARIO.md): it reports
// what it sees on the gateway and answers the scenario's commands, one printed line each.
//
// Run it (Node 18 or newer):
//
//     cd server/parley/tests/bots/discord_js && npm ci
//     PARLEY_URL=http://127.0.0.1:8080 PARLEY_BOT_TOKEN=... node bot.mjs
//
// The one Parley-specific line is marked "PARLEY" below: the REST base. discord.js appends
// `/v10` to it itself, so it asks `http://127.0.0.1:8080/api/v10/...`. The gateway URL needs
// no setting: discord.js asks `GET /gateway/bot` for it, as it does on Discord, so
// PARLEY_GATEWAY_URL (which the suite also sets) is not read here. Everything else is what a
// bot for discord.com would write.
//
// Set DJS_DEBUG=1 to have discord.js's own debug log (gateway and REST) on stderr.

import { createHash } from 'node:crypto';

import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  Partials,
  SlashCommandBuilder,
  WebhookClient,
} from 'discord.js';

const PARLEY_URL = process.env.PARLEY_URL.replace(/\/+$/, '');

const client = new Client({
  rest: { api: `${PARLEY_URL}/api` }, // PARLEY: where the REST API is (discord.js adds /v10)
  intents: [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMembers,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.GuildMessageReactions,
    GatewayIntentBits.GuildMessageTyping,
    GatewayIntentBits.DirectMessages,
    GatewayIntentBits.DirectMessageTyping,
    GatewayIntentBits.MessageContent,
  ],
  // DMs, and reactions or edits of messages the bot has not cached, arrive as partials.
  partials: [Partials.Channel, Partials.Message, Partials.Reaction, Partials.User, Partials.GuildMember],
});

/** Prints one line to stdout at once (console.log writes synchronously to a pipe or file). */
function say(line) {
  console.log(line);
}

/** An error as one line: discord.js's API errors also name the request and the status. */
function oneLine(error) {
  const where = error?.url ? ` [${error.method?.toUpperCase()} ${error.url} -> ${error.status}]` : '';
  return `${error?.name ?? 'Error'}: ${error?.message ?? error}${where}`.replace(/\s*\n\s*/g, ' ');
}

const oneLineContent = (content) => (content ?? '').replace(/\n/g, '\\n');

// --- connection --------------------------------------------------------------------------

client.on(Events.ShardReady, () => say('CONNECT'));
client.on(Events.ShardResume, () => say('CONNECT'));
client.on(Events.ShardReconnecting, () => say('DISCONNECT'));
client.on(Events.ShardDisconnect, () => say('DISCONNECT'));
client.on(Events.Error, (error) => {
  say(`ERROR ${oneLine(error)}`);
  console.error(error);
});
client.on(Events.ShardError, (error) => {
  say(`ERROR ${oneLine(error)}`);
  console.error(error);
});
if (process.env.DJS_DEBUG) {
  client.on(Events.Debug, (info) => console.error(`[debug] ${info}`));
  client.rest.on('restDebug', (info) => console.error(`[rest] ${info}`));
  client.rest.on('response', (request, response) =>
    console.error(`[rest] ${request.method} ${request.path} -> ${response.status}`),
  );
}

client.once(Events.ClientReady, async (ready) => {
  say(`READY ${ready.user.id} guilds=${ready.guilds.cache.size}`);
  // The slash command, as the guild's commands (PUT /applications/{id}/guilds/{guild}/commands).
  const roll = new SlashCommandBuilder()
    .setName('roll')
    .setDescription('Roll a die')
    .addIntegerOption((option) =>
      option.setName('sides').setDescription('How many sides').setRequired(true).setMinValue(2).setMaxValue(100),
    );
  try {
    const guild = ready.guilds.cache.first();
    const set = await ready.application.commands.set([roll], guild.id);
    say(`COMMANDS_SET ${set.size}`);
  } catch (error) {
    say(`FAILED commands ${oneLine(error)}`);
    console.error(error);
  }
});

// --- the slash command and its button ----------------------------------------------------

client.on(Events.InteractionCreate, async (interaction) => {
  try {
    if (interaction.isChatInputCommand() && interaction.commandName === 'roll') {
      const sides = interaction.options.getInteger('sides', true);
      const reroll = new ButtonBuilder().setCustomId('reroll').setLabel('Reroll').setStyle(ButtonStyle.Primary);
      const rolled = 1 + Math.floor(Math.random() * sides);
      const answer = await interaction.reply({
        content: `rolled ${rolled} of ${sides}`,
        components: [new ActionRowBuilder().addComponents(reroll)],
        withResponse: true,
      });
      if (answer.resource?.message?.content !== `rolled ${rolled} of ${sides}`) {
        throw new Error(`the answer came back as ${JSON.stringify(answer.resource?.message?.content)}`);
      }
      say(`SLASH ${interaction.id} ${sides}`);
    } else if (interaction.isButton() && interaction.customId === 'reroll') {
      await interaction.update({ content: 'rerolled', components: [] });
      say(`BUTTON ${interaction.id} ${interaction.message.id}`);
    }
  } catch (error) {
    say(`FAILED interaction ${oneLine(error)}`);
    console.error(error);
  }
});

// --- files -------------------------------------------------------------------------------

// What !file sends: a few hundred KiB, so the upload and the download each take many chunks.
const FILE_BYTES = Buffer.from('parley file send\n'.repeat(20000));
// What !addfile adds in an edit.
const MORE_BYTES = Buffer.from('more parley\n'.repeat(1000));

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function download(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

// --- events ------------------------------------------------------------------------------

client.on(Events.MessageCreate, async (message) => {
  if (message.author.id === client.user.id) return;
  say(`MESSAGE ${message.id} ${message.author.id} ${oneLineContent(message.content)}`);
  if (!message.inGuild()) {
    say(`DM_MESSAGE ${message.channelId} ${message.author.id} ${oneLineContent(message.content)}`);
  }
  if (message.embeds.length > 0) say(`SAW_EMBED ${message.embeds[0].title}`);
  for (const attachment of message.attachments.values()) {
    const read = await download(attachment.url);
    say(`SAW_FILE ${attachment.name} ${attachment.size} ${attachment.contentType} ${sha256(read)}`);
  }

  const handler = message.inGuild() ? commands[message.content.trim()] : undefined;
  if (!handler) return;
  try {
    await handler(message);
  } catch (error) {
    say(`FAILED ${message.content.trim()} ${oneLine(error)}`);
    console.error(error);
  }
});

client.on(Events.MessageUpdate, (_old, message) => {
  say(`MESSAGE_UPDATE ${message.id} ${oneLineContent(message.content)}`);
});

client.on(Events.MessageDelete, (message) => say(`MESSAGE_DELETE ${message.id}`));

client.on(Events.MessageReactionAdd, (reaction, user) => {
  say(`REACTION_ADD ${reaction.message.id} ${user.id} ${reaction.emoji.name}`);
});

client.on(Events.MessageReactionRemove, (reaction, user) => {
  say(`REACTION_REMOVE ${reaction.message.id} ${user.id} ${reaction.emoji.name}`);
});

client.on(Events.TypingStart, (typing) => {
  if (typing.user.id === client.user.id) return;
  say(`TYPING ${typing.channel.id} ${typing.user.id}`);
});

client.on(Events.ChannelPinsUpdate, (channel) => say(`PINS_UPDATE ${channel.id}`));

client.on(Events.ThreadCreate, (thread) => say(`THREAD_CREATE ${thread.id} ${thread.name}`));

client.on(Events.ApplicationCommandPermissionsUpdate, (data) => {
  say(`COMMAND_PERMISSIONS ${data.id} ${data.permissions.length}`);
});

client.on(Events.GuildMemberAdd, (member) => {
  say(`MEMBER_JOIN ${member.guild.id} ${member.id} ${member.user.username}`);
});

// --- commands (from anyone, in a guild text channel) -------------------------------------

const commands = {
  async '!ping'(message) {
    const reply = await message.reply(`pong ${message.author.username}`);
    say(`PONG ${reply.id}`);
  },

  async '!history'(message) {
    const recent = await message.channel.messages.fetch({ limit: 5 });
    say(`HISTORY ${recent.size} ${[...recent.keys()].join(',')}`);
  },

  async '!edit'(message) {
    const draft = await message.channel.send('draft');
    await draft.edit('final');
    const fetched = await message.channel.messages.fetch({ message: draft.id, force: true });
    await fetched.delete();
    say(`EDITED ${fetched.id} ${fetched.content}`);
  },

  async '!react'(message) {
    await message.react('👍');
    say(`REACTED ${message.id}`);
  },

  async '!pin'(message) {
    await message.pin();
    const pins = await message.channel.messages.fetchPins();
    await message.unpin();
    say(`PINNED ${message.id} pins=${pins.items.length}`);
  },

  async '!thread'(message) {
    const thread = await message.startThread({ name: 'bot thread' });
    const sent = await thread.send('in the thread');
    say(`THREAD ${thread.id} ${sent.id}`);
  },

  async '!dm'(message) {
    const dm = await message.author.createDM();
    const sent = await dm.send('hello in private');
    say(`DM ${dm.id} ${sent.id}`);
  },

  async '!typing'(message) {
    await message.channel.sendTyping();
    say(`TYPED ${message.channel.id}`);
  },

  async '!embed'(message) {
    const embed = new EmbedBuilder()
      .setTitle('Status')
      .setDescription('all good')
      .setColor(0x2ecc71)
      .addFields({ name: 'uptime', value: '3 days', inline: true })
      .setFooter({ text: 'parley' });
    const sent = await message.channel.send({ content: 'status', embeds: [embed] });
    say(`EMBED ${sent.id}`);
  },

  async '!file'(message) {
    const notes = new AttachmentBuilder(FILE_BYTES, { name: 'notes.txt', description: 'some notes' });
    const sent = await message.channel.send({ content: 'a file', files: [notes] });
    const attachment = sent.attachments.first();
    const read = await download(attachment.url); // a GET of the attachment's signed URL
    say(`FILE ${sent.id} ${attachment.id} ${attachment.name} ${attachment.size} ${sha256(read)}`);
  },

  async '!addfile'(message) {
    const notes = new AttachmentBuilder(FILE_BYTES, { name: 'notes.txt' });
    const sent = await message.channel.send({ content: 'one file', files: [notes] });
    // discord.js sends a multipart PATCH: the kept attachment by id, the new file as a part.
    const more = new AttachmentBuilder(MORE_BYTES, { name: 'more.txt' });
    const edited = await sent.edit({ attachments: [...sent.attachments.values()], files: [more] });
    const added = edited.attachments.find((a) => a.name === 'more.txt');
    const read = await download(added.url);
    say(`ADDED ${edited.id} ${edited.attachments.size} ${sha256(read)}`);
  },

  async '!webhook'(message) {
    const made = await message.channel.createWebhook({ name: 'scenario hook' });
    // A webhook URL as Discord writes it: WebhookClient checks the host is discord.com, and
    // then asks wherever `rest.api` says (PARLEY), like the client above.
    const hook = new WebhookClient(
      { url: `https://discord.com/api/webhooks/${made.id}/${made.token}` },
      { rest: { api: `${PARLEY_URL}/api` } }, // PARLEY
    );
    const sent = await hook.send({ content: 'from the hook', username: 'Hook' });
    say(`WEBHOOK ${made.id} ${sent.id}`);
  },
};

// A bot that runs for days does not die of one unexpected rejection; say it and carry on.
process.on('unhandledRejection', (error) => {
  say(`ERROR ${oneLine(error)}`);
  console.error(error);
});

client.login(process.env.PARLEY_BOT_TOKEN).catch((error) => {
  say(`ERROR ${oneLine(error)}`);
  console.error(error);
});
