// Custom emoji in message text (<:name:id>, <a:name:id> when it moves) drawn as images from
// the server's /emojis path, sized like the text around them (or as their :name: once known
// to be deleted), and "jumbo" messages: a message of nothing but emoji (custom or unicode, at
// most 27 of them) shows them large, as Discord does.

import { emojiUrl } from "../images/cdn";
import { escapeHtml } from "./escape";

/** How a message's emoji are drawn. */
export interface EmojiStyle {
  /** The message is only emoji: draw them large. */
  jumbo?: boolean;
  /** Moving emoji stand still (the reader prefers reduced motion). */
  still?: boolean;
  /** Whether the emoji with this id is known to be deleted: it is written as its :name:. */
  gone?: (id: string) => boolean;
}

/** Sizes on screen, in CSS pixels (app.css gives img.emoji the same). */
const INLINE_PX = 22;
const JUMBO_PX = 48;

export function customEmojiHtml(animated: boolean, name: string, id: string, style: EmojiStyle): string {
  const label = escapeHtml(`:${name}:`);
  if (style.gone?.(id)) return `<span class="emoji-name">${label}</span>`;
  const src = emojiUrl({ id, animated }, { px: style.jumbo ? JUMBO_PX : INLINE_PX, play: !style.still });
  return `<img class="emoji${style.jumbo ? " jumbo" : ""}" src="${src}" alt="${label}" title="${label}" draggable="false">`;
}

/** Whitespace, custom emoji and the code points unicode emoji are made of. */
const ONLY_EMOJI = /^(?:\s|<a?:[A-Za-z0-9_]{1,32}:\d{1,20}>|\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[\u200d\ufe0f\u20e3])+$/u;
/** One emoji each (a flag is two regional indicators; a sequence counts by its first). */
const ONE_EMOJI = /<a?:[A-Za-z0-9_]{1,32}:\d{1,20}>|\p{Extended_Pictographic}|\p{Regional_Indicator}{2}/gu;
const JUMBO_MOST = 27;

/** Whether a message is only emoji, few enough to be shown large. */
export function isJumbo(content: string): boolean {
  if (!ONLY_EMOJI.test(content)) return false;
  const count = content.match(ONE_EMOJI)?.length ?? 0;
  return count > 0 && count <= JUMBO_MOST;
}
