// A guild's custom emoji as the client uses them: in message text as <:name:id> (<a:name:id>
// when it moves), in reactions as name:id, in the picker and the composer's :name
// autocomplete beside the unicode ones, and their names as the server allows them.

import type { Emoji } from "./data";

/** A custom emoji as guild objects and GUILD_EMOJIS_UPDATE carry it (the fields used). */
export interface CustomEmoji {
  id: string;
  name: string;
  animated?: boolean;
}

/** The emoji of one guild, as the picker shows them: a section per guild. */
export interface GuildEmojis {
  guild: { id: string; name: string };
  emojis: CustomEmoji[];
}

/** What the picker and the autocomplete offer: a unicode emoji, or a custom one (it has an id). */
export type AnyEmoji = Emoji | CustomEmoji;

/** An emoji in a reaction, as the server sends it: unicode `{id: null, name: "👍"}`, custom
 * `{id, name, animated}`, and `name` null once a custom emoji was deleted. */
export interface ReactionEmoji {
  id?: string | null;
  name?: string | null;
  animated?: boolean | null;
}

export function isCustom(emoji: AnyEmoji): emoji is CustomEmoji {
  return "id" in emoji;
}

/** A custom emoji's name: the server's rule (2-32 letters, digits or underscores). */
export const EMOJI_NAME = /^[A-Za-z0-9_]{2,32}$/;

/** Why a name would be refused, in the person's words; null when it is fine. */
export function emojiNameProblem(name: string): string | null {
  if (name.length < 2) return "The name needs at least 2 characters.";
  if (name.length > 32) return "The name can be at most 32 characters.";
  if (!EMOJI_NAME.test(name)) return "Use only letters, digits and underscores (no spaces or accents).";
  return null;
}

/** A name to start from for an image file: "Party Parrot!.png" is "Party_Parrot". */
export function nameFromFile(fileName: string): string {
  const base = fileName.replace(/\.[^.]*$/, "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  const name = base.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 32);
  return name.length >= 2 ? name : "emoji";
}

/** How an emoji is written in a message: the character, or <:name:id> (<a:name:id>). */
export function emojiText(emoji: AnyEmoji): string {
  return isCustom(emoji) ? `<${emoji.animated ? "a" : ""}:${emoji.name}:${emoji.id}>` : emoji.char;
}

/** An emoji as a reaction carries it. */
export function asReaction(emoji: AnyEmoji): ReactionEmoji {
  return isCustom(emoji) ? { id: emoji.id, name: emoji.name, animated: !!emoji.animated } : { id: null, name: emoji.char };
}

/** Whether two reactions are of one emoji: a custom one by id (renamed or deleted, it is the
 * same emoji), a unicode one by its character. */
export function sameEmoji(a: ReactionEmoji, b: ReactionEmoji): boolean {
  return a.id ? a.id === b.id : !b.id && a.name === b.name;
}

/** The emoji as the reaction routes name it (before URL encoding): the character, or
 * name:id (the server goes by the id, so a deleted emoji, with no name, is `_:id`). */
export function reactionParam(emoji: ReactionEmoji): string {
  return emoji.id ? `${emoji.name ?? "_"}:${emoji.id}` : (emoji.name ?? "");
}

/** What a reaction is called in words: the character, :name:, or :deleted: for a custom
 * emoji that no longer exists. */
export function reactionName(emoji: ReactionEmoji): string {
  if (!emoji.id) return emoji.name ?? "";
  return `:${emoji.name ?? "deleted"}:`;
}

/** Custom emoji whose name contains every word of `query` (case ignored), those starting
 * with it first, each section keeping only its matches. */
export function searchCustom(groups: GuildEmojis[], query: string): GuildEmojis[] {
  const words = query.toLowerCase().split(/[\s:]+/).filter(Boolean);
  return groups
    .map((g) => ({
      guild: g.guild,
      emojis: g.emojis
        .filter((e) => words.every((w) => e.name.toLowerCase().includes(w)))
        .sort((a, b) => Number(!a.name.toLowerCase().startsWith(words[0] ?? "")) - Number(!b.name.toLowerCase().startsWith(words[0] ?? ""))),
    }))
    .filter((g) => g.emojis.length);
}
