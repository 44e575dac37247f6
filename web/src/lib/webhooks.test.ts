// The webhook settings' logic: the URL a program posts to, the list under its channels, a
// new webhook's name, where one may be put, and each refusal in words.

import { describe, expect, it } from "vitest";
import { ApiError } from "./api/client";
import { guildFrom, type Channel } from "./guilds";
import { PERMISSION } from "./permissions";
import { defaultWebhookName, groupByChannel, webhookChannels, webhookProblem, webhookUrl, type Webhook } from "./webhooks";

const TOKEN = "a".repeat(68);

const hook = (id: string, name: string, channelId: string): Webhook => ({ id, name, channel_id: channelId, guild_id: "1", type: 1, token: TOKEN });

const channel = (id: string, name: string, position: number, type = 0, parent: string | null = null): Channel => ({
  id,
  name,
  position,
  type,
  parent_id: parent,
  guild_id: "1",
});

describe("a webhook's URL", () => {
  it("is Discord's /api/webhooks/{id}/{token} on the page's origin", () => {
    expect(webhookUrl("https://chat.example.org", { id: "42", token: TOKEN })).toBe(`https://chat.example.org/api/webhooks/42/${TOKEN}`);
  });

  it("keeps the port and drops a trailing slash of the origin", () => {
    expect(webhookUrl("http://127.0.0.1:5173/", { id: "42", token: "t" })).toBe("http://127.0.0.1:5173/api/webhooks/42/t");
  });

  it("is not made without the token", () => {
    expect(webhookUrl("https://chat.example.org", { id: "42", token: null })).toBeNull();
    expect(webhookUrl("https://chat.example.org", { id: "42" })).toBeNull();
  });
});

describe("webhooks grouped by channel", () => {
  const channels = [
    channel("100", "Text", 0, 4),
    channel("12", "announcements", 1, 0, "100"),
    channel("11", "builds", 0, 0, "100"),
    channel("10", "general", 0),
  ];

  it("follow the channel list's order: channels outside a category first, then each category's", () => {
    const groups = groupByChannel([hook("1", "A", "12"), hook("2", "B", "10"), hook("3", "C", "11")], channels);
    expect(groups.map((g) => g.channel?.name)).toEqual(["general", "builds", "announcements"]);
  });

  it("sort each channel's webhooks by name, ignoring case, and the oldest first for equal names", () => {
    const [group] = groupByChannel([hook("5", "zeta", "10"), hook("4", "Alpha", "10"), hook("3", "alpha", "10"), hook("2", "Beta", "10")], channels);
    expect(group?.webhooks.map((w) => `${w.name}:${w.id}`)).toEqual(["alpha:3", "Alpha:4", "Beta:2", "zeta:5"]);
  });

  it("put webhooks of a channel the client does not know last, without a channel", () => {
    const groups = groupByChannel([hook("1", "Lost", "999"), hook("2", "Found", "10")], channels);
    expect(groups.map((g) => [g.channelId, g.channel?.name ?? null])).toEqual([
      ["10", "general"],
      ["999", null],
    ]);
  });

  it("are no groups at all when there are no webhooks", () => {
    expect(groupByChannel([], channels)).toEqual([]);
  });
});

describe("a new webhook's name", () => {
  it("is Captain Hook first, as on Discord", () => {
    expect(defaultWebhookName([])).toBe("Captain Hook");
  });

  it("is Spidey Bot when Captain Hook is taken, whatever its case", () => {
    expect(defaultWebhookName(["captain hook"])).toBe("Spidey Bot");
  });

  it("is the first free Webhook N after both", () => {
    expect(defaultWebhookName(["Captain Hook", "Spidey Bot"])).toBe("Webhook 3");
    expect(defaultWebhookName(["Captain Hook", "Spidey Bot", "Webhook 3", "Webhook 4"])).toBe("Webhook 5");
  });
});

describe("the channels a webhook may be put in", () => {
  const guild = guildFrom({
    id: "1",
    name: "Book Club",
    owner_id: "10",
    channels: [
      channel("20", "general", 0),
      channel("21", "Lounge", 1, 2),
      { ...channel("22", "staff", 2), permission_overwrites: [{ id: "5", type: 0, allow: "0", deny: String(PERMISSION.MANAGE_WEBHOOKS) }] },
      { ...channel("23", "secret", 3), permission_overwrites: [{ id: "1", type: 0, allow: "0", deny: String(PERMISSION.VIEW_CHANNEL) }] },
    ],
    roles: [
      { id: "1", name: "@everyone", color: 0, hoist: false, position: 0, permissions: String(PERMISSION.VIEW_CHANNEL) },
      { id: "5", name: "Hooks", color: 0, hoist: false, position: 1, permissions: String(PERMISSION.MANAGE_WEBHOOKS) },
    ],
    members: [
      { user: { id: "10", username: "ann", discriminator: "0", bot: false, public_flags: 0, flags: 0 }, nick: null, roles: [] },
      { user: { id: "11", username: "bob", discriminator: "0", bot: false, public_flags: 0, flags: 0 }, nick: null, roles: ["5"] },
    ],
  });

  it("are every text channel for the owner", () => {
    expect(webhookChannels(guild, "10").map((c) => c.name)).toEqual(["general", "staff", "secret"]);
  });

  it("leave out voice channels, channels they cannot see and channels that take Manage webhooks away", () => {
    expect(webhookChannels(guild, "11").map((c) => c.name)).toEqual(["general"]);
  });
});

describe("a refused webhook change in words", () => {
  const refusal = (status: number, code: number, message: string, errors = {}) => new ApiError(status, code, message, errors);

  it("says a full channel holds 15 webhooks at most", () => {
    expect(webhookProblem(refusal(400, 30007, "Maximum number of webhooks reached (15)"), "create")).toBe(
      "This channel already has 15 webhooks, the most one channel may have. Delete one there first, or choose another channel.",
    );
    expect(webhookProblem(refusal(400, 30007, "Maximum number of webhooks reached (15)"), "move")).toMatch(/^That channel already has 15 webhooks/);
  });

  it("gives the server's message for a bad name", () => {
    const error = refusal(400, 50035, "Invalid Form Body", { name: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 80 in length." }] } });
    expect(webhookProblem(error, "rename")).toBe("That name cannot be used: Must be between 1 and 80 in length.");
  });

  it("gives the server's message for a channel of another guild", () => {
    const error = refusal(400, 50035, "Invalid Form Body", { channel_id: { _errors: [{ code: "WEBHOOK_CHANNEL_INVALID", message: "Must be a channel of the webhook's guild." }] } });
    expect(webhookProblem(error, "move")).toBe("That channel cannot take this webhook: Must be a channel of the webhook's guild.");
  });

  it("names the missing permission, for the guild's list or for one channel", () => {
    expect(webhookProblem(refusal(403, 50013, "Missing Permissions"), "load")).toBe(
      "You do not have permission to manage this guild's webhooks (Manage webhooks).",
    );
    expect(webhookProblem(refusal(403, 50013, "Missing Permissions"), "create")).toBe(
      "You do not have permission to manage webhooks in that channel (Manage webhooks).",
    );
  });

  it("says a webhook deleted by someone else is gone", () => {
    expect(webhookProblem(refusal(404, 10015, "Unknown Webhook"), "delete")).toBe("This webhook no longer exists: someone else may have deleted it.");
  });

  it("falls back to the server's message, and to the text of anything that is not an answer", () => {
    expect(webhookProblem(refusal(0, 0, "Parley cannot be reached. Check your connection and try again."), "load")).toBe(
      "Parley cannot be reached. Check your connection and try again.",
    );
    expect(webhookProblem(new Error("boom"), "load")).toBe("Error: boom");
  });
});
