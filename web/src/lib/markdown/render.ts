// Message markdown, Discord's subset, rendered to HTML that is safe to insert: only the
// markup these files write is HTML, and every character of the message is escaped.
// Supported: **bold**, *italic* and _italic_, __underline__, ~~strike~~, ||spoiler||,
// `inline code` (``with ` inside``), ```fenced code``` (with a language, highlighted),
// > quotes, http(s) links (bare or <angle-bracketed>), mentions of people (<@id>), roles
// (<@&id>), channels (<#id>), @everyone and @here, and custom emoji (<:name:id>, emoji.ts). Anything else stays text; a link to any
// other scheme stays text. The order is what keeps it safe and well formed: code blocks
// first, then per line the atoms (code spans, links, mentions) rendered whole, then emphasis
// around them (atoms.ts, emphasis.ts).

import { Atoms, MARK, extractAtoms, type MentionNames } from "./atoms";
import type { EmojiStyle } from "./emoji";
import { emphasis } from "./emphasis";
import { escapeHtml } from "./escape";
import { highlight, knownLanguage } from "./highlight";

export { escapeHtml, type EmojiStyle, type MentionNames };
export { isJumbo } from "./emoji";

const NO_NAMES: MentionNames = { user: () => undefined, role: () => undefined, channel: () => undefined };

/** A language name as it may appear in a class attribute. */
function language(raw: string): string {
  return /^[A-Za-z0-9_+-]{1,20}$/.test(raw) ? raw.toLowerCase() : "";
}

export function renderMarkdown(source: string, names: MentionNames = NO_NAMES, emoji: EmojiStyle = {}): string {
  const atoms = new Atoms();
  // Code blocks first: nothing inside them is formatted, and they may span lines.
  const text = source
    .split(MARK)
    .join("")
    .replace(/```(?:([^\n`]*)\n)?([\s\S]*?)```/g, (_m, lang: string | undefined, body: string) => {
      const cls = language(lang ?? "");
      const code = body.replace(/\n$/, "");
      const html = knownLanguage(cls) ? highlight(code, cls) : escapeHtml(code);
      return atoms.keep(`<pre><code${cls ? ` class="language-${cls}"` : ""}>${html}</code></pre>`);
    });
  const line = (raw: string) => emphasis(extractAtoms(raw, atoms, names, emoji));
  const out: string[] = [];
  let quote: string[] = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
    quote = [];
  };
  for (const raw of text.split("\n")) {
    const quoted = /^> ?(.*)$/.exec(raw);
    if (quoted) {
      quote.push(line(quoted[1] ?? ""));
    } else {
      flush();
      out.push(line(raw));
    }
  }
  flush();
  return atoms.restore(out.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>"));
}
