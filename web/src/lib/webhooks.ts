// A guild's webhooks as the settings show them: the URL each posts through, grouped under
// their channels in the channel list's order, a name for a new one, the channels one may be
// put in, and what to say when the server refuses a change. Pure, so the tests call it
// directly; the screens are in screens/guild/webhooks/.

import { ApiError } from "./api/client";
import type { components } from "./api/schema";
import { groupChannels, type Channel, type Guild } from "./guilds";
import { channelPermissions, has, PERMISSION } from "./permissions";

export type Webhook = components["schemas"]["WebhookObject"];

/** The address a program posts to: Discord's `https://discord.com/api/webhooks/{id}/{token}`,
 * on the origin this client was loaded from (which passes /api to the server). Null without
 * a token (the server shows it only to those who may manage the webhook). */
export function webhookUrl(origin: string, webhook: Pick<Webhook, "id" | "token">): string | null {
  if (!webhook.token) return null;
  return `${origin.replace(/\/+$/, "")}/api/webhooks/${webhook.id}/${webhook.token}`;
}

/** One channel's webhooks; `channel` is null for a channel this client does not know (one
 * made or hidden since the guild arrived). */
export interface WebhookGroup {
  channelId: string;
  channel: Channel | null;
  webhooks: Webhook[];
}

const byName = (a: Webhook, b: Webhook) =>
  a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

/** The webhooks under their channels, the channels in the channel list's order (unknown ones
 * last), each channel's webhooks by name (then oldest first, for equal names). */
export function groupByChannel(webhooks: Webhook[], channels: Channel[]): WebhookGroup[] {
  const order = groupChannels(channels).flatMap((g) => g.channels.map((c) => c.id));
  const rank = (id: string) => {
    const at = order.indexOf(id);
    return at === -1 ? order.length : at;
  };
  const groups = new Map<string, Webhook[]>();
  for (const webhook of webhooks) groups.set(webhook.channel_id, [...(groups.get(webhook.channel_id) ?? []), webhook]);
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (BigInt(a) < BigInt(b) ? -1 : 1))
    .map(([channelId, list]) => ({ channelId, channel: channels.find((c) => c.id === channelId) ?? null, webhooks: list.sort(byName) }));
}

/** Discord's first names for new webhooks; after them, "Webhook 2", "Webhook 3"... */
const FIRST_NAMES = ["Captain Hook", "Spidey Bot"];

/** A name for a new webhook that none of `taken` has: Discord's "Captain Hook" and "Spidey
 * Bot", then the first free "Webhook N". It can be changed right after. */
export function defaultWebhookName(taken: string[]): string {
  const used = new Set(taken.map((n) => n.trim().toLowerCase()));
  const free = FIRST_NAMES.find((n) => !used.has(n.toLowerCase()));
  if (free) return free;
  let n = FIRST_NAMES.length + 1;
  while (used.has(`webhook ${n}`)) n++;
  return `Webhook ${n}`;
}

/** The text channels where `userId` may have webhooks (seeing the channel and managing its
 * webhooks), in the channel list's order. The server decides for real. */
export function webhookChannels(guild: Guild, userId: string): Channel[] {
  const needed = PERMISSION.VIEW_CHANNEL | PERMISSION.MANAGE_WEBHOOKS;
  return groupChannels(guild.channels)
    .flatMap((g) => g.channels)
    .filter((c) => c.type === 0 && has(channelPermissions(guild, c, userId), needed));
}

/** What was being done when the server said no. */
export type WebhookAction = "load" | "create" | "rename" | "move" | "delete";

/** A refusal in one sentence, in the words of what was being done. */
export function webhookProblem(error: unknown, action: WebhookAction): string {
  if (!(error instanceof ApiError)) return String(error);
  if (error.code === 30007) {
    return action === "move"
      ? "That channel already has 15 webhooks, the most one channel may have. Delete one there first, or choose another channel."
      : "This channel already has 15 webhooks, the most one channel may have. Delete one there first, or choose another channel.";
  }
  if (error.code === 50035) {
    const name = error.fieldMessage("name");
    if (name) return `That name cannot be used: ${name}`;
    const channel = error.fieldMessage("channel_id");
    if (channel) return `That channel cannot take this webhook: ${channel}`;
  }
  if (error.status === 403) {
    return action === "load"
      ? "You do not have permission to manage this guild's webhooks (Manage webhooks)."
      : "You do not have permission to manage webhooks in that channel (Manage webhooks).";
  }
  if (error.code === 10015) return "This webhook no longer exists: someone else may have deleted it.";
  if (error.code === 50008) return "Webhooks can only post in text channels.";
  if (error.code === 10003) return "That channel no longer exists.";
  return error.message;
}
