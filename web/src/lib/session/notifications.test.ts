// My notification settings, blocks and DM privacy as READY and later dispatches set them, and
// the badges they leave on the rail and in the tab's count.

import { describe, expect, it, vi } from "vitest";
import { Chat, type Channel } from "../chat.svelte";
import { defaultSettings } from "../notify";
import { mentionsMe } from "./readStates.svelte";

const me = { id: "100", username: "ann", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
const bob = { id: "200", username: "bob", discriminator: "0", bot: false, public_flags: 0, flags: 0 };
const channel = (id: string, name: string, parent_id: string | null = null): Channel => ({ id, type: 0, name, position: 0, parent_id, guild_id: "1", last_message_id: "500" });

function ready(extra: Record<string, unknown> = {}): Chat {
  const chat = new Chat();
  chat.dispatch("READY", {
    session_id: "s1",
    user: me,
    read_state: { entries: [{ id: "11", last_message_id: "500", mention_count: 0 }, { id: "12", last_message_id: "500", mention_count: 0 }] },
    ...extra,
  });
  chat.dispatch("GUILD_CREATE", { id: "1", name: "g", channels: [{ ...channel("10", "Text", null), type: 4 }, channel("11", "general", "10"), channel("12", "random")] });
  return chat;
}
const mention = (id: string, channel_id: string) => ({
  id,
  channel_id,
  author: bob,
  content: "<@100>",
  timestamp: "2026-11-23T17:00:00.000Z",
  guild_id: "1",
  mentions: [{ id: "100" }],
  mention_everyone: false,
});

describe("notification settings in the session", () => {
  it("counts mentions on the guild's badge and in the tab's count", () => {
    const chat = ready();
    chat.dispatch("MESSAGE_CREATE", mention("600", "11"));
    chat.dispatch("MESSAGE_CREATE", mention("601", "12"));
    const guild = chat.guilds[0]!;
    expect(chat.guildBadge(guild)).toEqual({ unread: true, mentions: 2 });
    expect(chat.attention()).toBe(2);
  });

  it("takes READY's settings: a muted guild has no badge and adds nothing to the count", () => {
    const chat = ready({ user_guild_settings: { entries: [{ ...defaultSettings("1"), muted: true }] } });
    chat.dispatch("MESSAGE_CREATE", mention("600", "11"));
    expect(chat.guildMuted("1")).toBe(true);
    expect(chat.guildBadge(chat.guilds[0]!)).toEqual({ unread: false, mentions: 0 });
    expect(chat.attention()).toBe(0);
  });

  it("leaves out a channel muted through its category, from USER_GUILD_SETTINGS_UPDATE", () => {
    const chat = ready();
    chat.dispatch("MESSAGE_CREATE", mention("600", "11"));
    chat.dispatch("MESSAGE_CREATE", mention("601", "12"));
    chat.dispatch("USER_GUILD_SETTINGS_UPDATE", {
      ...defaultSettings("1"),
      version: 3,
      channel_overrides: [{ channel_id: "10", muted: true, mute_config: null, message_notifications: 3, collapsed: false, flags: 0 }],
    });
    expect(chat.muted("11")).toBe(true);
    expect(chat.muted("12")).toBe(false);
    expect(chat.guildBadge(chat.guilds[0]!)).toEqual({ unread: true, mentions: 1 });
  });

  it("keeps the newer of two settings that cross (a REST answer and an older echo)", () => {
    const chat = ready();
    chat.dispatch("USER_GUILD_SETTINGS_UPDATE", { ...defaultSettings("1"), version: 5, muted: true });
    chat.dispatch("USER_GUILD_SETTINGS_UPDATE", { ...defaultSettings("1"), version: 4, muted: false });
    expect(chat.guildMuted("1")).toBe(true);
  });

  it("keeps the people I block from READY and RELATIONSHIP_ADD/REMOVE", () => {
    const chat = ready({ relationships: [{ id: "200", type: 2, user: bob, since: "2026-11-01T00:00:00Z" }] });
    expect(chat.notifications.isBlocked("200")).toBe(true);
    chat.dispatch("RELATIONSHIP_REMOVE", { id: "200", type: 2 });
    expect(chat.notifications.isBlocked("200")).toBe(false);
    chat.dispatch("RELATIONSHIP_ADD", { id: "200", type: 2, user: bob, since: "2026-11-02T00:00:00Z" });
    expect(Object.keys(chat.notifications.blocked)).toEqual(["200"]);
  });

  it("keeps who may DM me from READY and USER_SETTINGS_UPDATE", () => {
    const chat = ready({ user_settings: { restricted_guilds: ["1"], default_guilds_restricted: false } });
    expect(chat.notifications.privacy.restricted_guilds).toEqual(["1"]);
    chat.dispatch("USER_SETTINGS_UPDATE", { default_guilds_restricted: true });
    expect(chat.notifications.privacy).toEqual({ restricted_guilds: ["1"], default_guilds_restricted: true });
  });

  it("forgets all of it when the person signs out", () => {
    const chat = ready({ relationships: [{ id: "200", type: 2, user: bob, since: "2026-11-01T00:00:00Z" }], user_guild_settings: { entries: [{ ...defaultSettings("1"), muted: true }] } });
    chat.stop();
    expect(chat.notifications.isBlocked("200")).toBe(false);
    expect(chat.guildMuted("1")).toBe(false);
  });
});

describe("a hidden tab", () => {
  it("marks nothing read while hidden, so what arrives in the channel shown still counts", () => {
    const chat = ready();
    const doc = globalThis as unknown as { document?: { hidden: boolean } };
    const before = doc.document;
    doc.document = { hidden: true };
    try {
      void chat.open("12").catch(() => {});
      chat.dispatch("MESSAGE_CREATE", mention("600", "12"));
      expect(chat.unread("12")).toBe(true);
      expect(chat.attention()).toBe(1);
      chat.markRead("12");
      expect(chat.mentions("12"), "not even when asked").toBe(1);
    } finally {
      doc.document = before;
    }
  });
});

describe("a timed mute", () => {
  it("ends on time: the clock moves when it ends, and the guild counts again", () => {
    vi.useFakeTimers({ now: Date.parse("2026-12-07T12:00:00Z") });
    try {
      const chat = ready();
      chat.dispatch("MESSAGE_CREATE", mention("600", "11"));
      chat.dispatch("USER_GUILD_SETTINGS_UPDATE", { ...defaultSettings("1"), version: 1, muted: true, mute_config: { end_time: "2026-12-07T12:15:00Z", selected_time_window: 900 } });
      expect(chat.attention()).toBe(0);
      const clock = chat.notifications.clock;
      vi.advanceTimersByTime(14 * 60 * 1000);
      expect(chat.notifications.clock, "not before its end").toBe(clock);
      vi.advanceTimersByTime(61 * 1000);
      expect(chat.notifications.clock).toBe(clock + 1);
      expect(chat.guildMuted("1")).toBe(false);
      expect(chat.attention()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("a blocked person's messages in the read states", () => {
  const dm = (id: string) => ({ id, channel_id: "9", author: bob, content: "psst", timestamp: "2026-11-23T17:00:00.000Z" });

  it("is no mention of me (pure): a blocked author's mention, DM or @everyone counts for nothing", () => {
    const blocked = (id: string) => id === "200";
    expect(mentionsMe(mention("600", "11"), "100", () => false)).toBe(true);
    expect(mentionsMe(mention("600", "11"), "100", blocked)).toBe(false);
    expect(mentionsMe(dm("601"), "100", blocked)).toBe(false);
    expect(mentionsMe({ ...mention("602", "11"), mentions: [], mention_everyone: true }, "100", blocked)).toBe(false);
    expect(mentionsMe({ ...mention("603", "11"), author: me }, "100", () => false), "nor my own").toBe(false);
  });

  it("marks the channel unread but raises no mention count, blocked from READY or RELATIONSHIP_ADD", () => {
    const chat = ready({ relationships: [{ id: "200", type: 2, user: bob, since: "2026-11-01T00:00:00Z" }] });
    chat.dispatch("MESSAGE_CREATE", mention("600", "11"));
    expect([chat.unread("11"), chat.mentions("11")]).toEqual([true, 0]);
    expect(chat.guildBadge(chat.guilds[0]!)).toEqual({ unread: true, mentions: 0 });
    expect(chat.attention()).toBe(0);
    chat.dispatch("RELATIONSHIP_REMOVE", { id: "200", type: 2 });
    chat.dispatch("MESSAGE_CREATE", mention("601", "11"));
    expect(chat.mentions("11"), "unblocked, a mention counts again").toBe(1);
    chat.dispatch("RELATIONSHIP_ADD", { id: "200", type: 2, user: bob, since: "2026-11-02T00:00:00Z" });
    chat.dispatch("MESSAGE_CREATE", mention("602", "12"));
    expect([chat.unread("12"), chat.mentions("12")]).toEqual([true, 0]);
  });

  it("adds nothing to the unread DM count for a blocked person's DM", () => {
    const chat = ready({ relationships: [{ id: "200", type: 2, user: bob, since: "2026-11-01T00:00:00Z" }] });
    chat.dispatch("CHANNEL_CREATE", { id: "9", type: 1, name: null, recipients: [bob] });
    chat.dispatch("MESSAGE_CREATE", dm("600"));
    expect([chat.unread("9"), chat.mentions("9"), chat.attention()]).toEqual([true, 0, 0]);
  });
});
