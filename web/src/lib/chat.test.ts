// The client's state as gateway dispatches change it: unread marks and mention badges, and
// channels under their categories.

import { describe, expect, it } from "vitest";
import { Chat, groupChannels, type Channel } from "./chat.svelte";

const channel = (id: string, type: number, name: string, position: number, parent_id: string | null = null): Channel => ({
  id,
  type,
  name,
  position,
  parent_id,
  guild_id: "1",
});

describe("groupChannels", () => {
  it("puts channels under their categories in position order, loose ones first", () => {
    const groups = groupChannels([
      channel("20", 4, "Voice Channels", 1),
      channel("10", 4, "Text Channels", 0),
      channel("12", 0, "random", 1, "10"),
      channel("11", 0, "general", 0, "10"),
      channel("21", 2, "General", 0, "20"),
      channel("30", 0, "announcements", 0),
    ]);
    expect(groups.map((g) => [g.category?.name ?? null, g.channels.map((c) => c.name)])).toEqual([
      [null, ["announcements"]],
      ["Text Channels", ["general", "random"]],
      ["Voice Channels", ["General"]],
    ]);
  });
});

describe("read states", () => {
  const me = { id: "100", username: "ann", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
  const bob = { id: "200", username: "bob", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
  const message = (id: string, author: typeof me, extra: Record<string, unknown> = {}) => ({
    id,
    channel_id: "11",
    author,
    content: "hi",
    timestamp: "2026-11-23T17:00:00.000Z",
    guild_id: "1",
    mentions: [],
    mention_everyone: false,
    ...extra,
  });

  function ready(): Chat {
    const chat = new Chat();
    chat.dispatch("READY", { session_id: "s1", user: me, read_state: { entries: [{ id: "11", last_message_id: "500", mention_count: 0 }] } });
    chat.dispatch("GUILD_CREATE", { id: "1", name: "g", channels: [{ ...channel("11", 0, "general", 0), last_message_id: "500" }] });
    return chat;
  }

  it("marks a channel unread when others write, and counts the mentions of me", () => {
    const chat = ready();
    expect(chat.unread("11")).toBe(false);
    chat.dispatch("MESSAGE_CREATE", message("600", bob));
    expect([chat.unread("11"), chat.mentions("11")]).toEqual([true, 0]);
    chat.dispatch("MESSAGE_CREATE", message("700", bob, { mentions: [me] }));
    chat.dispatch("MESSAGE_CREATE", message("800", bob, { mention_everyone: true }));
    expect(chat.mentions("11")).toBe(2);
  });

  it("reads a channel by acknowledging it (from any of my devices) or by writing in it", () => {
    const chat = ready();
    chat.dispatch("MESSAGE_CREATE", message("600", bob, { mentions: [me] }));
    chat.dispatch("MESSAGE_ACK", { channel_id: "11", message_id: "600" });
    expect([chat.unread("11"), chat.mentions("11")]).toEqual([false, 0]);
    chat.dispatch("MESSAGE_CREATE", message("700", bob));
    chat.dispatch("MESSAGE_CREATE", message("800", me));
    expect(chat.unread("11")).toBe(false);
  });
});

describe("read states after a reload or a new sign-in", () => {
  it("marks unread the channels and threads whose newest message is past what I read", () => {
    const chat = new Chat();
    chat.dispatch("READY", {
      session_id: "s1",
      user: { id: "100", username: "ann", discriminator: "0", bot: false, public_flags: 0, flags: 0 },
      read_state: {
        entries: [
          { id: "11", last_message_id: "500", mention_count: 0 },
          { id: "12", last_message_id: "400", mention_count: 2 },
          { id: "13", last_message_id: "300", mention_count: 0 },
        ],
      },
    });
    chat.dispatch("GUILD_CREATE", {
      id: "1",
      name: "g",
      channels: [
        { ...channel("11", 0, "general", 0), last_message_id: "500" },
        { ...channel("12", 0, "plans", 1), last_message_id: "450" },
        { ...channel("14", 0, "never-read", 2), last_message_id: "100" },
        { ...channel("15", 0, "empty", 3), last_message_id: null },
      ],
      threads: [{ ...channel("13", 11, "venue", 0, "11"), last_message_id: "350" }],
    });
    expect(["11", "12", "13", "14", "15"].map((id) => chat.unread(id))).toEqual([false, true, true, true, false]);
    expect(chat.mentions("12")).toBe(2);
  });
});

describe("reactions", () => {
  it("count up and down, remember mine, and disappear at zero", async () => {
    const { react } = await import("./chat.svelte");
    let reactions = react([], "👍", true, false);
    reactions = react(reactions, "👍", true, true);
    const thumbs = { count_details: { burst: 0, normal: 0 }, me_burst: false, emoji: { id: null, name: "👍" }, burst_colors: [] };
    expect(reactions).toEqual([{ ...thumbs, count: 2, count_details: { burst: 0, normal: 2 }, me: true }]);
    reactions = react(reactions, "👍", false, true);
    expect(reactions).toEqual([{ ...thumbs, count: 1, count_details: { burst: 0, normal: 1 }, me: false }]);
    expect(react(reactions, "👍", false, false)).toEqual([]);
    expect(react([], "🎉", false, true)).toEqual([]);
  });
});

describe("members and DMs", () => {
  it("lists members under their highest hoisted role, then online, then offline", async () => {
    const { memberGroups } = await import("./chat.svelte");
    const user = (id: string, username: string) => ({ id, username, discriminator: "0", bot: false, public_flags: 0, flags: 0 });
    const guild = {
      id: "1",
      name: "g",
      channels: [],
      threads: [],
      roles: [
        { id: "1", name: "@everyone", color: 0, hoist: false, position: 0 },
        { id: "5", name: "Mods", color: 0, hoist: true, position: 2 },
        { id: "6", name: "Helpers", color: 0, hoist: true, position: 1 },
      ],
      members: [
        { user: user("10", "zed"), nick: null, roles: ["6", "5"] },
        { user: user("11", "amy"), nick: null, roles: ["6"] },
        { user: user("12", "bo"), nick: null, roles: [] },
        { user: user("13", "cy"), nick: null, roles: ["5"] },
      ],
    };
    const online = new Set(["10", "11", "12"]);
    const groups = memberGroups(guild, (id) => (online.has(id) ? "online" : "offline"));
    expect(groups.map((g) => [g.title, g.members.map((m) => m.user.username)])).toEqual([
      ["Mods", ["zed"]],
      ["Helpers", ["amy"]],
      ["Online", ["bo"]],
      ["Offline", ["cy"]],
    ]);
  });

  it("names a DM after its people unless it has a name", async () => {
    const { privateName } = await import("./chat.svelte");
    const bob = { id: "2", username: "bob", global_name: "Bob", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
    expect(privateName({ id: "9", type: 1, name: null, recipients: [bob] })).toBe("Bob");
    expect(privateName({ id: "9", type: 3, name: "Trip", recipients: [bob] })).toBe("Trip");
  });
});

describe("DM read states", () => {
  it("counts every unread message in a DM", () => {
    const chat = new Chat();
    const me = { id: "100", username: "ann", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
    const bob = { id: "200", username: "bob", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
    chat.dispatch("READY", { session_id: "s1", user: me, private_channels: [], read_state: { entries: [] } });
    chat.dispatch("CHANNEL_CREATE", { id: "9", type: 1, name: null, recipients: [bob] });
    chat.dispatch("MESSAGE_CREATE", { id: "600", channel_id: "9", author: bob, content: "psst", timestamp: "2026-11-23T17:00:00.000Z" });
    expect([chat.privateChannels.length, chat.unread("9"), chat.mentions("9")]).toEqual([1, true, 1]);
  });
});
