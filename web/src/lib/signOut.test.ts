// Signing out forgets everything that belonged to the person signed in, so the next person
// to sign in on this page starts from nothing: no DM list, read states or presences of
// theirs, no guilds, messages, typing, voice states or calls, no files waiting to be sent,
// no question left open.

import { describe, expect, it } from "vitest";
import { Chat, type Message } from "./chat.svelte";
import { ask, confirmation } from "./confirm.svelte";

const ann = { id: "100", username: "ann", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
const bob = { id: "200", username: "bob", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
const carol = { id: "300", username: "carol", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
const dm = { id: "9", type: 1, name: null, recipients: [bob], last_message_id: "40" };
const general = { id: "11", type: 0, name: "general", position: 0, parent_id: null, guild_id: "1", last_message_id: "30" };
const voiceChannel = { id: "12", type: 2, name: "General", position: 1, parent_id: null, guild_id: "1" };
const inVoice = { guild_id: "1", channel_id: "12", user_id: bob.id, session_id: "b", mute: false, deaf: false, self_mute: false, self_deaf: false, self_video: false };

const message = (id: string, channel_id: string, author = bob): Message => ({ id, channel_id, author, content: `m${id}`, timestamp: "2026-11-23T17:00:00.000Z" });

/** A chat whose server answers every page of #general with three messages. */
function chatOfAnn(): Chat {
  const chat = new Chat();
  chat.api.request = (async (method: string) => (method === "GET" ? ["30", "20", "10"].map((id) => message(id, "11")) : undefined)) as typeof chat.api.request;
  return chat;
}

/** Ann signed in, with something in every piece of state that is hers. */
async function annInEverything(): Promise<Chat> {
  const chat = chatOfAnn();
  chat.dispatch("READY", {
    session_id: "s1",
    user: ann,
    private_channels: [dm],
    read_state: { entries: [{ id: "11", last_message_id: "20", mention_count: 1 }] },
  });
  chat.dispatch("GUILD_CREATE", {
    id: "1",
    name: "Book Club",
    channels: [general, voiceChannel],
    roles: [{ id: "1", name: "@everyone", color: 0, hoist: false, position: 0 }],
    members: [{ user: ann, nick: null, roles: [] }, { user: bob, nick: null, roles: [] }],
    presences: [{ user: { id: bob.id }, status: "idle" }],
    voice_states: [inVoice],
  });
  chat.dispatch("PRESENCE_UPDATE", { user: { id: carol.id }, status: "dnd" });
  chat.dispatch("MESSAGE_CREATE", { ...message("50", "9"), guild_id: null });
  // #general opened with its unread line, jumped back in history and paged both ways.
  await chat.open("11");
  await chat.jumpTo("11", "5");
  await chat.loadOlder("11");
  await chat.loadNewer("11");
  chat.dispatch("TYPING_START", { channel_id: "11", user_id: bob.id });
  // A call needs a microphone to join; as if it had been.
  chat.voice.call = { guildId: "1", channelId: "12", status: "connected" };
  chat.voice.ringing = { channelId: "9", from: bob.id };
  chat.voice.notice = "You were disconnected from the voice channel.";
  chat.voice.toggleMute();
  void ask({ title: "Leave Book people", body: "", action: "Leave group" });
  return chat;
}

describe("signing out", () => {
  it("signing out forgets the previous user's DMs, read states and presences, and all else that was theirs", async () => {
    const chat = await annInEverything();
    const everything = () => ({
      me: chat.me,
      dms: chat.privateChannels,
      readStates: chat.readStates,
      presences: chat.presences,
      guilds: chat.guilds,
      messages: chat.messages,
      beginning: chat.beginning,
      loadingOlder: chat.loadingOlder,
      loadingNewer: chat.loadingNewer,
      detached: chat.detached,
      marker: chat.marker,
      typing: chat.typing,
      voiceStates: chat.voice.states,
      call: chat.voice.call,
      ringing: chat.voice.ringing,
      voiceNotice: chat.voice.notice,
      selfMute: chat.voice.selfMute,
      question: confirmation.pending,
    });
    // Filled, so the emptiness below is the sign-out's doing.
    for (const [what, value] of Object.entries(everything())) expect(value, what).toBeTruthy();
    expect(Object.values(everything()).every((v) => typeof v !== "object" || v === null || Object.keys(v).length > 0)).toBe(true);

    const theirVoice = chat.voice;
    chat.stop();

    expect(theirVoice.call, "their call has ended").toBeNull();
    expect(everything()).toEqual({
      me: null,
      dms: [],
      readStates: {},
      presences: {},
      guilds: [],
      messages: {},
      beginning: {},
      loadingOlder: {},
      loadingNewer: {},
      detached: {},
      marker: {},
      typing: {},
      voiceStates: {},
      call: null,
      ringing: null,
      voiceNotice: null,
      selfMute: false,
      question: null,
    });
  });

  it("leaves the next person's channels unread where the previous one was reading", async () => {
    const chat = await annInEverything();
    await chat.present("11");
    chat.stop();
    chat.dispatch("READY", { session_id: "s2", user: carol, read_state: { entries: [{ id: "11", last_message_id: "30", mention_count: 0 }] } });
    chat.dispatch("GUILD_CREATE", { id: "1", name: "Book Club", channels: [general] });
    chat.dispatch("MESSAGE_CREATE", { ...message("60", "11"), guild_id: "1" });
    expect(chat.unread("11")).toBe(true);
  });

  it("keeps an answer that arrives after signing out from the next person's state", async () => {
    const chat = chatOfAnn();
    chat.dispatch("READY", { session_id: "s1", user: ann });
    let reply: (dm: unknown) => void = () => {};
    chat.api.request = (() => new Promise<unknown>((resolve) => (reply = resolve))) as typeof chat.api.request;
    const opening = chat.openDm(bob.id);
    chat.stop();
    reply(dm);
    await opening;
    expect(chat.privateChannels).toEqual([]);
  });

  it("drops the files the previous person was about to send", async () => {
    const chat = chatOfAnn();
    chat.dispatch("READY", { session_id: "s1", user: ann });
    await chat.attachments.add("11", [new File(["notes"], "notes.txt")]);
    const theirs = chat.attachments.of("11");
    expect(theirs?.files.length).toBe(1);
    chat.stop();
    expect(theirs?.files, "their draft is emptied").toEqual([]);
    expect(chat.attachments.of("11"), "the next person starts with none").toBeUndefined();
  });
});
