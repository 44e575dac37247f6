// Custom emoji typed by hand: ":parrot:" sent without picking the suggestion becomes
// "<:parrot:id>" when one of the emoji on offer is called that, as Discord's client does.
// The exact name wins, else one that differs only in case; code is left as typed, and so is
// an emoji already written out (<:parrot:123>).

import { CODE } from "../typedMentions";
import { emojiText, type CustomEmoji } from "./custom";

/** :name: not inside <:name:id> or <a:name:id>. */
const TYPED = /(?<!<a?):([A-Za-z0-9_]{2,32}):(?!\d{1,20}>)/g;

function resolveText(text: string, emojis: CustomEmoji[]): string {
  return text.replace(TYPED, (typed, name: string) => {
    const found = emojis.find((e) => e.name === name) ?? emojis.find((e) => e.name.toLowerCase() === name.toLowerCase());
    return found ? emojiText(found) : typed;
  });
}

/** The message with each typed :name: of `emojis` written as that custom emoji. */
export function resolveTypedEmoji(content: string, emojis: CustomEmoji[]): string {
  if (!emojis.length || !content.includes(":")) return content;
  let out = "";
  let last = 0;
  for (const code of content.matchAll(CODE)) {
    out += resolveText(content.slice(last, code.index), emojis) + code[0];
    last = code.index + code[0].length;
  }
  return out + resolveText(content.slice(last), emojis);
}
