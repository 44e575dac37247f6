// Emphasis in a line whose atoms (code, links, mentions) are already placeholders: **bold**,
// *italic* and _italic_, __underline__, ~~strike~~ and ||spoiler||. Read left to right, each
// marker closing the nearest match and its inside read again, so the tags always nest; text
// between them is escaped here, and a marker that closes nothing stays text.

import { escapeHtml } from "./escape";

interface Rule {
  /** Matches at the start of the rest of the line; group 1 is the inside. */
  pattern: RegExp;
  tag: (inside: string) => string;
  /** Its marker character: an inside made only of it is no emphasis ("****" stays text). */
  marker: string;
  /** Only where the character before is not part of a word (snake_case stays as it is). */
  wordStart?: boolean;
}

const RULES: Rule[] = [
  { pattern: /^\*\*([\s\S]+?)\*\*(?!\*)/, tag: (s) => `<strong>${s}</strong>`, marker: "*" },
  { pattern: /^__([\s\S]+?)__(?!_)/, tag: (s) => `<u>${s}</u>`, marker: "_" },
  { pattern: /^\*(?=[^\s*])([^*]*?[^\s*])\*(?!\*)/, tag: (s) => `<em>${s}</em>`, marker: "*" },
  { pattern: /^_(?=[^\s_])([^_]*?[^\s_])_(?![\p{L}\p{N}_])/u, tag: (s) => `<em>${s}</em>`, marker: "_", wordStart: true },
  { pattern: /^~~([\s\S]+?)~~/, tag: (s) => `<s>${s}</s>`, marker: "~" },
  { pattern: /^\|\|([\s\S]+?)\|\|/, tag: (s) => `<span class="spoiler" tabindex="0" role="button" aria-label="Spoiler">${s}</span>`, marker: "|" },
];

/** Text that cannot start a marker, or one placeholder, taken whole. */
const PLAIN = /^(?:[^*_~|\u0000]+|\u0000\d+\u0000)/;
const WORD = /[\p{L}\p{N}_]/u;

/** Past this depth markers are text, so nesting cannot grow without bound. */
const MAX_DEPTH = 8;

const onlyMarkers = (inside: string, marker: string) => inside.split(marker).join("") === "";

/** The marker pair starting at `i`, if one closes. */
function opened(text: string, i: number): { rule: Rule; inside: string; length: number } | null {
  const rest = text.slice(i);
  for (const rule of RULES) {
    if (rule.wordStart && WORD.test(text[i - 1] ?? "")) continue;
    const match = rule.pattern.exec(rest);
    if (match && !onlyMarkers(match[1] ?? "", rule.marker)) return { rule, inside: match[1] ?? "", length: match[0].length };
  }
  return null;
}

export function emphasis(text: string, depth = 0): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const plain = PLAIN.exec(rest);
    if (plain) {
      out += escapeHtml(plain[0]);
      i += plain[0].length;
      continue;
    }
    const found = depth < MAX_DEPTH ? opened(text, i) : null;
    if (found) {
      out += found.rule.tag(emphasis(found.inside, depth + 1));
      i += found.length;
    } else {
      // A run of markers that opens nothing is text, whole: read again from each of its
      // characters, a line of asterisks would cost its length squared.
      const run = /^([*_~|])\1*/.exec(rest)?.[0] ?? rest.slice(0, 1);
      out += escapeHtml(run);
      i += run.length;
    }
  }
  return out;
}
