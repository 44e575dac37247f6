import { describe, expect, it } from "vitest";
import { badgeOf, badgeText, channelMuted, defaultSettings, LEVEL, levelIn, muteFields, mutedNow, shouldNotify, titleWith, type GuildSettings, type Incoming, type NotifyContext } from "./notify";

const NOW = Date.parse("2026-12-07T12:00:00Z");
const me = { id: "1" };
const later = new Date(NOW + 60_000).toISOString();
const earlier = new Date(NOW - 60_000).toISOString();

function settings(change: Partial<GuildSettings> = {}): GuildSettings {
  return { ...defaultSettings("g"), ...change };
}
function override(channel_id: string, change: Partial<GuildSettings["channel_overrides"][number]> = {}) {
  return { channel_id, message_notifications: LEVEL.AS_GUILD, muted: false, mute_config: null, collapsed: false, flags: 0, ...change };
}
function msg(change: Partial<Incoming> = {}): Incoming {
  return { author: { id: "2" }, content: "hi", guild_id: "g", mentions: [], mention_roles: [], mention_everyone: false, ...change };
}
function ctx(change: Partial<NotifyContext> = {}): NotifyContext {
  return { chain: ["c", "cat"], myRoles: ["r1"], blocked: () => false, now: NOW, ...change };
}

describe("shouldNotify", () => {
  it("notifies of every message in a guild left at its defaults", () => {
    expect(shouldNotify(msg(), undefined, me, ctx())).toBe("message");
  });

  it("never notifies of my own messages, even mentioning me", () => {
    expect(shouldNotify(msg({ author: { id: "1" }, mentions: [{ id: "1" }] }), undefined, me, ctx())).toBeNull();
  });

  it("never notifies of a blocked author, even a direct mention or a DM", () => {
    const blocked = (id: string) => id === "2";
    expect(shouldNotify(msg({ mentions: [{ id: "1" }] }), undefined, me, ctx({ blocked }))).toBeNull();
    expect(shouldNotify(msg({ guild_id: null }), undefined, me, ctx({ blocked, chain: ["dm"] }))).toBeNull();
  });

  it("never notifies of an ephemeral answer", () => {
    expect(shouldNotify(msg({ flags: 64, mentions: [{ id: "1" }] }), undefined, me, ctx())).toBeNull();
  });

  it("says a DM notifies as a DM and a mention in a DM as a mention", () => {
    expect(shouldNotify(msg({ guild_id: null }), undefined, me, ctx({ chain: ["dm"] }))).toBe("dm");
    expect(shouldNotify(msg({ guild_id: null, mentions: [{ id: "1" }] }), undefined, me, ctx({ chain: ["dm"] }))).toBe("mention");
  });

  it("keeps a muted guild silent, mentions included", () => {
    const muted = settings({ muted: true });
    expect(shouldNotify(msg({ mentions: [{ id: "1" }] }), muted, me, ctx())).toBeNull();
  });

  it("notifies again once a timed mute has ended, before the server says so", () => {
    const ended = settings({ muted: true, mute_config: { end_time: earlier, selected_time_window: 900 } });
    const running = settings({ muted: true, mute_config: { end_time: later, selected_time_window: 900 } });
    expect(shouldNotify(msg(), ended, me, ctx())).toBe("message");
    expect(shouldNotify(msg(), running, me, ctx())).toBeNull();
  });

  it("keeps a muted channel silent, and a channel in a muted category or a thread of a muted channel", () => {
    const channel = settings({ channel_overrides: [override("c", { muted: true })] });
    const category = settings({ channel_overrides: [override("cat", { muted: true })] });
    expect(shouldNotify(msg({ mentions: [{ id: "1" }] }), channel, me, ctx())).toBeNull();
    expect(shouldNotify(msg(), category, me, ctx())).toBeNull();
    expect(shouldNotify(msg(), channel, me, ctx({ chain: ["thread", "c", "cat"] }))).toBeNull();
    expect(shouldNotify(msg(), channel, me, ctx({ chain: ["other", "cat"] }))).toBe("message");
  });

  it("keeps a muted DM silent (the @me settings' channel override)", () => {
    const dms = settings({ guild_id: null, channel_overrides: [override("dm", { muted: true })] });
    expect(shouldNotify(msg({ guild_id: null }), dms, me, ctx({ chain: ["dm"] }))).toBeNull();
    expect(shouldNotify(msg({ guild_id: null }), dms, me, ctx({ chain: ["other-dm"] }))).toBe("dm");
  });

  it("at 'nothing', says nothing even of a direct mention", () => {
    expect(shouldNotify(msg({ mentions: [{ id: "1" }] }), settings({ message_notifications: LEVEL.NOTHING }), me, ctx())).toBeNull();
  });

  it("at 'only @mentions', notifies of mentions of me, my roles and everyone, and of nothing else", () => {
    const s = settings({ message_notifications: LEVEL.MENTIONS });
    expect(shouldNotify(msg(), s, me, ctx())).toBeNull();
    expect(shouldNotify(msg({ mentions: [{ id: "3" }] }), s, me, ctx())).toBeNull();
    expect(shouldNotify(msg({ mentions: [{ id: "1" }] }), s, me, ctx())).toBe("mention");
    expect(shouldNotify(msg({ mention_roles: ["r1"] }), s, me, ctx())).toBe("mention");
    expect(shouldNotify(msg({ mention_roles: ["r2"] }), s, me, ctx())).toBeNull();
    expect(shouldNotify(msg({ mention_everyone: true }), s, me, ctx())).toBe("mention");
  });

  it("does not count @everyone and @here when they are suppressed, but still a direct mention", () => {
    const s = settings({ message_notifications: LEVEL.MENTIONS, suppress_everyone: true });
    expect(shouldNotify(msg({ mention_everyone: true }), s, me, ctx())).toBeNull();
    expect(shouldNotify(msg({ mention_everyone: true, mentions: [{ id: "1" }] }), s, me, ctx())).toBe("mention");
  });

  it("does not count role mentions when they are suppressed", () => {
    const s = settings({ message_notifications: LEVEL.MENTIONS, suppress_roles: true });
    expect(shouldNotify(msg({ mention_roles: ["r1"] }), s, me, ctx())).toBeNull();
  });

  it("lets a channel's level win over the guild's, both ways", () => {
    const quietGuild = settings({ message_notifications: LEVEL.NOTHING, channel_overrides: [override("c", { message_notifications: LEVEL.ALL })] });
    const loudGuild = settings({ message_notifications: LEVEL.ALL, channel_overrides: [override("c", { message_notifications: LEVEL.MENTIONS })] });
    expect(shouldNotify(msg(), quietGuild, me, ctx())).toBe("message");
    expect(shouldNotify(msg(), loudGuild, me, ctx())).toBeNull();
    expect(shouldNotify(msg({ mentions: [{ id: "1" }] }), loudGuild, me, ctx())).toBe("mention");
  });
});

describe("levels and mutes", () => {
  it("takes the guild's level where each override says 'as the guild'", () => {
    const s = settings({ message_notifications: LEVEL.MENTIONS, channel_overrides: [override("c"), override("cat")] });
    expect(levelIn(s, ["c", "cat"])).toBe(LEVEL.MENTIONS);
  });

  it("takes a category's level for a channel without its own", () => {
    const s = settings({ channel_overrides: [override("cat", { message_notifications: LEVEL.NOTHING })] });
    expect(levelIn(s, ["c", "cat"])).toBe(LEVEL.NOTHING);
  });

  it("reads a mute without an end as lasting, and one with an end as over at its end", () => {
    expect(mutedNow({ muted: true, mute_config: null }, NOW)).toBe(true);
    expect(mutedNow({ muted: true, mute_config: { end_time: NOW_ISO() } }, NOW)).toBe(false);
    expect(mutedNow({ muted: false, mute_config: { end_time: later } }, NOW)).toBe(false);
    expect(channelMuted(undefined, ["c"], NOW)).toBe(false);
  });

  it("makes the PATCH for a mute of a duration, until turned back on, and unmuting", () => {
    expect(muteFields(3600, NOW)).toEqual({ muted: true, mute_config: { end_time: new Date(NOW + 3_600_000).toISOString(), selected_time_window: 3600 } });
    expect(muteFields(-1, NOW)).toEqual({ muted: true, mute_config: { end_time: null, selected_time_window: -1 } });
    expect(muteFields(null, NOW)).toEqual({ muted: false, mute_config: null });
  });
});

function NOW_ISO() {
  return new Date(NOW).toISOString();
}

describe("badges", () => {
  const channels = [
    { chain: ["a", "cat"], unread: true, mentions: 2 },
    { chain: ["b", "cat"], unread: false, mentions: 1 },
    { chain: ["c"], unread: true, mentions: 0 },
  ];

  it("adds up unread marks and mentions of the channels", () => {
    expect(badgeOf(undefined, channels, NOW)).toEqual({ unread: true, mentions: 3 });
  });

  it("shows nothing for a muted guild", () => {
    expect(badgeOf(settings({ muted: true }), channels, NOW)).toEqual({ unread: false, mentions: 0 });
  });

  it("leaves out muted channels and the channels of a muted category", () => {
    expect(badgeOf(settings({ channel_overrides: [override("a", { muted: true })] }), channels, NOW)).toEqual({ unread: true, mentions: 1 });
    expect(badgeOf(settings({ channel_overrides: [override("cat", { muted: true })] }), channels, NOW)).toEqual({ unread: true, mentions: 0 });
  });

  it("names the count in the tab title and on the favicon, and nothing at zero", () => {
    expect(titleWith(0)).toBe("Parley");
    expect(titleWith(3)).toBe("(3) Parley");
    expect(badgeText(7)).toBe("7");
    expect(badgeText(120)).toBe("99+");
  });
});
