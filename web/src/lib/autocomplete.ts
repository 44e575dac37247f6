// Autocomplete for the composer: what is being typed after @, # or :, who or what matches
// it, and the text once a choice is inserted (as <@id>, <@&id>, <#id>, or an emoji: its
// character, or <:name:id> for a custom one), which the server understands and every client
// shows by name or as the emoji.

import { EMOJI_CATEGORIES } from "./emoji/data";
import { emojiText, type AnyEmoji, type GuildEmojis } from "./emoji/custom";

export interface Mentionable {
  /** `avatar`: the hash of their picture, for the row's face. */
  members: { id: string; username: string; display: string; avatar?: string | null }[];
  roles: { id: string; name: string }[];
  channels: { id: string; name: string }[];
  /** The custom emoji that may be used here, by guild (this one first). */
  emoji?: GuildEmojis[];
}

export interface Suggestion {
  /** What the list shows. */
  label: string;
  /** A second line: the username, or what kind of thing it is. */
  detail: string;
  /** What replaces the typed trigger and query. */
  insert: string;
  /** A person: whose face the row shows. */
  person?: { id: string; name: string; avatar: string | null };
  /** An emoji: the row shows it. */
  emoji?: AnyEmoji;
}

export interface ActiveMention {
  trigger: "@" | "#" | ":";
  query: string;
  /** Where the trigger is in the text. */
  start: number;
}

/** The mention being typed just before the caret, if any: a trigger at the start or after
 * a space, then up to 32 name characters; for an emoji, a colon and at least two (so a
 * time or a smiley typed as ":)" stays text, as on Discord). */
export function activeMention(text: string, caret: number): ActiveMention | null {
  const match = /(^|\s)(?:([@#])([\p{L}\p{N}_.-]{0,32})|(:)([A-Za-z0-9_+-]{2,32}))$/u.exec(text.slice(0, caret));
  if (!match) return null;
  const trigger = (match[2] ?? match[4]) as ActiveMention["trigger"];
  const query = match[3] ?? match[5] ?? "";
  return { trigger, query, start: caret - query.length - 1 };
}

const LIMIT = 8;

/** Matches starting with the query first, then those containing it; case ignored. */
function rank<T>(items: T[], names: (item: T) => string[], query: string): T[] {
  const q = query.toLowerCase();
  const score = (item: T) => {
    const all = names(item).map((n) => n.toLowerCase());
    if (all.some((n) => n.startsWith(q))) return 0;
    if (all.some((n) => n.includes(q))) return 1;
    return 2;
  };
  return items
    .map((item) => ({ item, s: score(item) }))
    .filter((x) => x.s < 2)
    .sort((a, b) => a.s - b.s)
    .map((x) => x.item);
}

/** Custom emoji (this guild's first) then unicode ones whose name matches. */
function emojiSuggestions(query: string, from: Mentionable): Suggestion[] {
  const custom = (from.emoji ?? []).flatMap((g) => g.emojis.map((emoji) => ({ emoji, detail: g.guild.name })));
  const unicode = EMOJI_CATEGORIES.flatMap((c) => c.emoji).map((emoji) => ({ emoji, detail: "" }));
  return rank<{ emoji: AnyEmoji; detail: string }>([...custom, ...unicode], (e) => [e.emoji.name], query)
    .slice(0, LIMIT)
    .map(({ emoji, detail }) => ({ label: `:${emoji.name}:`, detail, insert: emojiText(emoji), emoji }));
}

export function suggestions(active: ActiveMention, from: Mentionable): Suggestion[] {
  if (active.trigger === ":") return emojiSuggestions(active.query, from);
  if (active.trigger === "#") {
    return rank(from.channels, (c) => [c.name], active.query)
      .slice(0, LIMIT)
      .map((c) => ({ label: `#${c.name}`, detail: "channel", insert: `<#${c.id}>` }));
  }
  const people = rank(from.members, (m) => [m.username, m.display], active.query).map((m) => ({
    label: m.display,
    detail: `@${m.username}`,
    insert: `<@${m.id}>`,
    person: { id: m.id, name: m.display, avatar: m.avatar ?? null },
  }));
  const roles = rank(from.roles, (r) => [r.name], active.query).map((r) => ({ label: `@${r.name}`, detail: "role", insert: `<@&${r.id}>` }));
  const everyone = rank(["everyone", "here"], (w) => [w], active.query).map((w) => ({
    label: `@${w}`,
    detail: w === "everyone" ? "everyone in the channel" : "everyone online in the channel",
    insert: `@${w}`,
  }));
  return [...people, ...roles, ...everyone].slice(0, LIMIT);
}

/** The text with the typed mention replaced by `insert` and a space, and where the caret goes. */
export function complete(text: string, active: ActiveMention, caret: number, insert: string): { text: string; caret: number } {
  const before = text.slice(0, active.start) + insert + " ";
  return { text: before + text.slice(caret), caret: before.length };
}
