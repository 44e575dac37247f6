"""An ordinary discord.py bot playing the scenario of SCENARIO.md (beside this file): it
answers !ping, !history, !edit, !react, !pin, !thread, !dm, !typing, !embed, !webhook and !file, and
the slash command /roll with its Reroll button, and reports the events it sees, one line each. Only its URLs are Parley's:

    PARLEY_URL=http://127.0.0.1:8080 PARLEY_GATEWAY_URL=ws://127.0.0.1:8080/gateway \
    PARLEY_BOT_TOKEN=... python discord_py_scenario.py
"""

import hashlib
import io
import os
import random

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

# The two Parley-specific lines: where the REST API and the gateway are.
Route.BASE = os.environ["PARLEY_URL"].rstrip("/") + "/api/v10"
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["PARLEY_GATEWAY_URL"])

intents = discord.Intents.default()
intents.message_content = True
intents.members = True
client = discord.Client(intents=intents)
tree = app_commands.CommandTree(client)
commands_set = False


def say(*words):
    print(" ".join(str(w).replace("\n", "\\n") for w in words), flush=True)


@client.event
async def on_connect():
    say("CONNECT")


@client.event
async def on_disconnect():
    say("DISCONNECT")


@client.event
async def on_ready():
    # Which transport compression discord.py asked the gateway for: zstd-stream when zstandard
    # is importable (a diagnostic line; the bot itself does nothing about it).
    say("COMPRESSION", discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE)
    say("READY", client.user.id, f"guilds={len(client.guilds)}")
    global commands_set
    if not commands_set:
        commands_set = True
        try:
            synced = await tree.sync()  # PUT /applications/{id}/commands: the global commands
            say("COMMANDS_SET", len(synced))
        except Exception as error:  # noqa: BLE001 - reported, and the bot carries on
            say("FAILED", "sync", repr(error))


class Reroll(discord.ui.View):
    """The button under a roll: pressing it changes the message and takes the button away."""

    @discord.ui.button(label="Reroll", custom_id="reroll", style=discord.ButtonStyle.primary)
    async def reroll(self, interaction: discord.Interaction, button: discord.ui.Button):
        await interaction.response.edit_message(content="rerolled", view=None)
        self.stop()
        say("BUTTON", interaction.id, interaction.message.id)

    async def on_error(self, interaction, error, item):
        say("FAILED", "reroll", repr(error))


@tree.command(name="roll", description="Roll a die")
@app_commands.describe(sides="How many sides")
async def roll(interaction: discord.Interaction, sides: app_commands.Range[int, 2, 100]):
    await interaction.response.send_message(f"rolled {random.randint(1, sides)} of {sides}", view=Reroll())
    say("SLASH", interaction.id, sides)


@tree.error
async def on_app_command_error(interaction, error):
    say("FAILED", "/roll", repr(error))


async def ping(message):
    reply = await message.reply(f"pong {message.author.name}")
    say("PONG", reply.id)


async def history(message):
    ids = [m.id async for m in message.channel.history(limit=5)]
    say("HISTORY", len(ids), ",".join(map(str, ids)))


async def edit(message):
    draft = await message.channel.send("draft")
    await draft.edit(content="final")
    fetched = await message.channel.fetch_message(draft.id)
    await fetched.delete()
    say("EDITED", draft.id, fetched.content)


async def react(message):
    await message.add_reaction("\N{THUMBS UP SIGN}")
    say("REACTED", message.id)


async def pin(message):
    await message.pin()
    pins = [m async for m in message.channel.pins()]
    await message.unpin()
    say("PINNED", message.id, f"pins={len(pins)}")


async def thread(message):
    started = await message.create_thread(name="bot thread")
    sent = await started.send("in the thread")
    say("THREAD", started.id, sent.id)


async def dm(message):
    sent = await message.author.send("hello in private")
    say("DM", sent.channel.id, sent.id)


async def typing(message):
    await message.channel.typing()
    say("TYPED", message.channel.id)


async def embed(message):
    card = discord.Embed(title="Status", description="all good", colour=0x2ECC71)
    card.add_field(name="uptime", value="3 days", inline=True)
    card.set_footer(text="parley")
    sent = await message.channel.send("status", embed=card)
    say("EMBED", sent.id)


async def webhook(message):
    made = await message.channel.create_webhook(name="scenario hook")
    # A webhook URL as Discord writes it: from_url checks the host is discord.com; its requests
    # go to Route.BASE, set to Parley above.
    hook = discord.Webhook.from_url(f"https://discord.com/api/webhooks/{made.id}/{made.token}", client=client)
    sent = await hook.send("from the hook", username="Hook", wait=True)
    say("WEBHOOK", made.id, sent.id)


# What !file sends: a few hundred KiB, so the upload and the download each take many chunks.
FILE_BYTES = b"parley file send\n" * 20000


async def send_file(message):
    notes = discord.File(io.BytesIO(FILE_BYTES), filename="notes.txt", description="some notes")
    sent = await message.channel.send("a file", file=notes)
    attachment = sent.attachments[0]
    read = await attachment.read()  # a GET of the attachment's signed URL
    say("FILE", sent.id, attachment.id, attachment.filename, attachment.size, hashlib.sha256(read).hexdigest())


# What !addfile adds in an edit.
MORE_BYTES = b"more parley\n" * 1000


async def add_file(message):
    sent = await message.channel.send("one file", file=discord.File(io.BytesIO(FILE_BYTES), filename="notes.txt"))
    more = discord.File(io.BytesIO(MORE_BYTES), filename="more.txt")
    # discord.py sends a multipart PATCH: the kept attachment's object and the new file's part.
    edited = await sent.edit(attachments=[*sent.attachments, more])
    added = next(a for a in edited.attachments if a.filename == "more.txt")
    read = await added.read()
    say("ADDED", edited.id, len(edited.attachments), hashlib.sha256(read).hexdigest())


COMMANDS = {
    "!ping": ping, "!history": history, "!edit": edit, "!react": react, "!pin": pin,
    "!thread": thread, "!dm": dm, "!typing": typing, "!embed": embed, "!webhook": webhook,
    "!file": send_file, "!addfile": add_file,
}


@client.event
async def on_message(message):
    if message.author.id == client.user.id:
        return
    say("MESSAGE", message.id, message.author.id, message.content)
    if isinstance(message.channel, discord.DMChannel):
        say("DM_MESSAGE", message.channel.id, message.author.id, message.content)
    if message.embeds:
        say("SAW_EMBED", message.embeds[0].title)
    for attachment in message.attachments:
        read = await attachment.read()
        say("SAW_FILE", attachment.filename, attachment.size, attachment.content_type, hashlib.sha256(read).hexdigest())
    command = COMMANDS.get(message.content)
    if command and message.guild:
        try:
            await command(message)
        except Exception as error:  # noqa: BLE001 - reported, and the bot carries on
            say("FAILED", message.content, repr(error))


@client.event
async def on_raw_message_edit(payload):
    say("MESSAGE_UPDATE", payload.message_id, payload.data.get("content", ""))


@client.event
async def on_raw_message_delete(payload):
    say("MESSAGE_DELETE", payload.message_id)


@client.event
async def on_raw_reaction_add(payload):
    say("REACTION_ADD", payload.message_id, payload.user_id, payload.emoji.name)


@client.event
async def on_raw_reaction_remove(payload):
    say("REACTION_REMOVE", payload.message_id, payload.user_id, payload.emoji.name)


@client.event
async def on_raw_typing(payload):
    if payload.user_id != client.user.id:
        say("TYPING", payload.channel_id, payload.user_id)


@client.event
async def on_guild_channel_pins_update(channel, last_pin):
    say("PINS_UPDATE", channel.id)


@client.event
async def on_thread_create(thread):
    say("THREAD_CREATE", thread.id, thread.name)


@client.event
async def on_member_join(member):
    say("MEMBER_JOIN", member.guild.id, member.id, member.name)


@client.event
async def on_raw_app_command_permissions_update(payload):
    say("COMMAND_PERMISSIONS", payload.target_id, len(payload.permissions))


@client.event
async def on_error(event, *args, **kwargs):
    import sys
    import traceback

    say("ERROR", event, traceback.format_exception(*sys.exc_info())[-1].strip())


client.run(os.environ["PARLEY_BOT_TOKEN"], log_handler=None)
