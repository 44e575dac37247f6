"""An ordinary discord.py bot that lives in a community: it reacts to "!react", reports the
reactions people add and remove, greets members who join, and opens a thread on "!thread".
It prints one line per thing it saw, and CONNECT/DISCONNECT for its gateway connection, so
the integration suite can tell it stayed connected throughout.

    PARLEY_URL=http://127.0.0.1:8080 PARLEY_GATEWAY_URL=ws://127.0.0.1:8080/gateway \
    PARLEY_BOT_TOKEN=... python discord_py_community.py
"""

import os

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

Route.BASE = os.environ["PARLEY_URL"].rstrip("/") + "/api/v10"
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["PARLEY_GATEWAY_URL"])

intents = discord.Intents.default()
intents.message_content = True
intents.members = True
client = discord.Client(intents=intents)


def say(line):
    print(line, flush=True)


@client.event
async def on_connect():
    say("CONNECT")


@client.event
async def on_disconnect():
    say("DISCONNECT")


@client.event
async def on_ready():
    threads = ",".join(t.name for g in client.guilds for t in g.threads)
    say(f"READY {client.user.id} threads={threads}")


@client.event
async def on_message(message):
    if message.author.id == client.user.id:
        return
    if message.content == "!react":
        await message.add_reaction("\N{THUMBS UP SIGN}")
        say(f"REACTED {message.id}")
    elif message.content == "!thread":
        thread = await message.create_thread(name="bot thread")
        sent = await thread.send("a thread of my own")
        say(f"THREAD {thread.id} {thread.message_count} {sent.id}")


@client.event
async def on_raw_reaction_add(payload):
    say(f"REACTION_ADD {payload.user_id} {payload.emoji.name} burst={payload.burst}")


@client.event
async def on_raw_reaction_remove(payload):
    say(f"REACTION_REMOVE {payload.user_id} {payload.emoji.name}")


@client.event
async def on_member_join(member):
    say(f"MEMBER_JOIN {member.id} {member.name} flags={member.flags.value}")


@client.event
async def on_thread_create(thread):
    say(f"THREAD_CREATE {thread.id} {thread.name} messages={thread.message_count} members={thread.member_count}")


client.run(os.environ["PARLEY_BOT_TOKEN"], log_handler=None)
