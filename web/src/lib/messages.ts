// A message as the client holds it (mine may be pending), and the pure rules for lists of
// them: order, merging pages, and reactions counted up and down.

import type { components } from "./api/schema";
import { sameEmoji, type ReactionEmoji } from "./emoji/custom";
import type { InteractionParts } from "./interactions/types";

type Schemas = components["schemas"];

export type Message = Pick<Schemas["MessageObject"], "id" | "channel_id" | "author" | "content" | "timestamp"> &
  Partial<Pick<Schemas["MessageObject"], "edited_timestamp" | "message_reference" | "reactions" | "pinned" | "type" | "embeds" | "attachments" | "flags" | "webhook_id">> &
  InteractionParts & {
  nonce?: string | null;
  /** Local only: a send that has not been confirmed, or that failed. */
  pending?: "sending" | "failed";
  /** Local only: why the server refused a failed send (a DM the recipient does not take). */
  problem?: string;
};

type Reaction = Schemas["ReactionObject"];

/** A message's file, as the server describes it (a signed, expiring `url`). */
export type Attachment = Schemas["AttachmentObject"];

/** Messages per request, and at most how many a channel's window holds (the rest are
 * loaded again when scrolled to), so the page stays light in a channel of any length. */
export const PAGE = 50;
export const WINDOW = 150;

/** A message's reactions after someone added (or took back) `emoji` (a unicode one may be
 * given as its character). A custom emoji is one reaction by id, whatever its name. */
export function react(reactions: Reaction[], emoji: ReactionEmoji | string, add: boolean, byMe: boolean): Reaction[] {
  const which: ReactionEmoji = typeof emoji === "string" ? { id: null, name: emoji } : emoji;
  const found = reactions.find((r) => sameEmoji(r.emoji, which));
  if (!found) {
    const first = { count: 1, count_details: { burst: 0, normal: 1 }, me: byMe, me_burst: false, emoji: which, burst_colors: [] };
    return add ? [...reactions, first] : reactions;
  }
  const count = found.count + (add ? 1 : -1);
  const changed = { ...found, count, count_details: { burst: 0, normal: count }, me: byMe ? add : found.me };
  return count > 0 ? reactions.map((r) => (r === found ? changed : r)) : reactions.filter((r) => r !== found);
}

/** Two lists of messages as one, oldest first, each message once. */
export function mergeById(a: Message[], b: Message[]): Message[] {
  const seen = new Set<string>();
  return [...a, ...b].filter((m) => !seen.has(m.id) && !!seen.add(m.id)).sort(byIdPendingLast);
}

/** Oldest first by id (snowflakes grow with time); unconfirmed sends last. */
export function byIdPendingLast(a: Message, b: Message): number {
  if (!!a.pending !== !!b.pending) return a.pending ? 1 : -1;
  if (a.pending) return 0;
  return BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0;
}
