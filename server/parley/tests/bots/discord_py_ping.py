"""An ordinary discord.py bot, changed only in where it connects: it answers "!ping" with
"pong <name>". The integration suite runs it against a real Parley server.

    PARLEY_URL=http://127.0.0.1:8080 PARLEY_GATEWAY_URL=ws://127.0.0.1:8080/gateway \
    PARLEY_BOT_TOKEN=... python discord_py_ping.py
"""

import os

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

# The two changes a Discord bot needs: the REST base and the gateway URL (GET /api/v10/gateway
# tells it; discord.py 2 no longer asks, so it is set here).
Route.BASE = os.environ["PARLEY_URL"].rstrip("/") + "/api/v10"
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["PARLEY_GATEWAY_URL"])

intents = discord.Intents.default()
intents.message_content = True
client = discord.Client(intents=intents)


@client.event
async def on_ready():
    guilds = ",".join(g.name for g in client.guilds)
    print(f"READY {client.user.id} guilds={guilds}", flush=True)


@client.event
async def on_message(message):
    if message.author.id == client.user.id:
        return
    print(f"MESSAGE {message.author.name}: {message.content}", flush=True)
    if message.content == "!ping":
        reply = await message.channel.send(f"pong {message.author.name}", reference=message)
        print(f"REPLIED {reply.id}", flush=True)


client.run(os.environ["PARLEY_BOT_TOKEN"], log_handler=None)
