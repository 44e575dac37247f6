// The atomic parts of a line of markdown: inline code, links, mentions and custom emoji. Each is rendered
// whole, then stands in the line as a placeholder while emphasis is read around it, so no
// marker inside one (a `_` or `**` in a URL, `~~` in code) is ever taken for formatting, and
// no formatting tag can cut an <a> or a mention in two.

import { customEmojiHtml, type EmojiStyle } from "./emoji";
import { escapeHtml } from "./escape";

/** Names for the ids in mentions; an unknown id is shown as such. */
export interface MentionNames {
  user(id: string): string | undefined;
  role(id: string): string | undefined;
  channel(id: string): string | undefined;
}

/** Placeholder delimiter; removed from the input first, so a message cannot forge one. */
export const MARK = "\u0000";

/** Rendered pieces of a message, each standing in the text as MARK index MARK. */
export class Atoms {
  private readonly html: string[] = [];

  keep(html: string): string {
    return `${MARK}${this.html.push(html) - 1}${MARK}`;
  }

  restore(text: string): string {
    return text.replace(/\u0000(\d+)\u0000/g, (_m, n: string) => this.html[Number(n)] ?? "");
  }
}

/** Earliest first; at one position, the first alternative that matches wins. */
const ATOM = new RegExp(
  [
    // 1, 2: a code span, closed by a run of as many backticks as opened it (``a ` b``).
    "(?<!`)(`+)([^`]|[^`][\\s\\S]*?[^`])\\1(?!`)",
    // 3: <https://...>, which Discord writes to keep a link's preview away.
    "<(https?:\\/\\/[^\\s<>]+)>",
    // 4, 5, 6: a person, a role, a channel.
    "<@!?(\\d{1,20})>",
    "<@&(\\d{1,20})>",
    "<#(\\d{1,20})>",
    // 7, 8, 9: a custom emoji (a: when it moves), its name and id.
    "<(a?):([A-Za-z0-9_]{1,32}):(\\d{1,20})>",
    // 10: @everyone and @here as words of their own.
    "(?<![\\p{L}\\p{N}_])@(everyone|here)(?![\\p{L}\\p{N}_])",
    // 11: a bare link; where it ends is decided by linkEnd.
    "(https?:\\/\\/[^\\s<]+)",
  ].join("|"),
  "gu",
);

const SCHEME = /^https?:\/\/./;

/** How much of a bare link belongs to it: not trailing punctuation or emphasis markers
 * ("see https://x.org/a_b_." or "**https://x.org**"), and not a closing bracket it did not
 * open itself ("(see https://x.org/Foo_(bar))" keeps its own). */
export function linkEnd(candidate: string): number {
  let end = candidate.length;
  const count = (c: string) => candidate.slice(0, end).split(c).length - 1;
  while (end > 0) {
    const last = candidate[end - 1] ?? "";
    if (".,:;!?'\"*_~|&>]".includes(last) || (last === ")" && count(")") > count("("))) end--;
    else break;
  }
  return end;
}

function link(url: string): string {
  const safe = escapeHtml(url);
  return `<a href="${safe}" target="_blank" rel="noopener noreferrer nofollow">${safe}</a>`;
}

function mention(kind: string, id: string, text: string): string {
  return `<span class="mention" data-${kind}="${id}">${escapeHtml(text)}</span>`;
}

/** Strips one space each side of a code span that has both, as Discord does (`` `a` ``). */
function codeBody(body: string): string {
  return body.length > 2 && body.startsWith(" ") && body.endsWith(" ") && body.trim() ? body.slice(1, -1) : body;
}

/** The line with each atom rendered and kept aside, leaving placeholders; the rest is left
 * as it was (raw, not yet escaped) for emphasis to be read in. */
export function extractAtoms(line: string, atoms: Atoms, names: MentionNames, emoji: EmojiStyle = {}): string {
  let out = "";
  let last = 0;
  ATOM.lastIndex = 0;
  for (let match = ATOM.exec(line); match; match = ATOM.exec(line)) {
    const [whole, , code, angled, user, role, channel, animated, emojiName, emojiId, everyone, bare] = match;
    let length = whole.length;
    let html: string | null = null;
    if (code !== undefined) html = `<code>${escapeHtml(codeBody(code))}</code>`;
    else if (angled !== undefined) html = link(angled);
    else if (user !== undefined) html = mention("user", user, `@${names.user(user) ?? "unknown-user"}`);
    else if (role !== undefined) html = mention("role", role, `@${names.role(role) ?? "deleted-role"}`);
    else if (channel !== undefined) html = mention("channel", channel, `#${names.channel(channel) ?? "unknown"}`);
    else if (emojiId !== undefined) html = customEmojiHtml(animated === "a", emojiName ?? "", emojiId, emoji);
    else if (everyone !== undefined) html = `<span class="mention">@${everyone}</span>`;
    else if (bare !== undefined) {
      length = linkEnd(bare);
      const url = bare.slice(0, length);
      html = SCHEME.test(url) ? link(url) : null;
    }
    if (html === null) {
      // Not an atom after all ("https://" alone): its first character stays text.
      ATOM.lastIndex = match.index + 1;
      continue;
    }
    out += line.slice(last, match.index) + atoms.keep(html);
    last = match.index + length;
    ATOM.lastIndex = last;
  }
  return out + line.slice(last);
}
