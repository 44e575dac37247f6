// Message markdown, Discord's subset, rendered to HTML that is safe to insert: every
// character of the message is escaped first, and only the markup this file writes is HTML.
// Supported: **bold**, *italic* and _italic_, __underline__, ~~strike~~, ||spoiler||,
// `inline code`, ```fenced code``` (with a language, highlighted), > quotes, http(s) links
// (bare or <angle-bracketed>), and mentions of people (<@id>), roles (<@&id>), channels
// (<#id>), @everyone and @here. Anything else stays text; a link to any other scheme stays text.

import { escapeHtml } from "./escape";
import { highlight, knownLanguage } from "./highlight";

export { escapeHtml };

/** Names for the ids in mentions; an unknown id is shown as such. */
export interface MentionNames {
  user(id: string): string | undefined;
  role(id: string): string | undefined;
  channel(id: string): string | undefined;
}

const NO_NAMES: MentionNames = { user: () => undefined, role: () => undefined, channel: () => undefined };

/** Placeholder delimiters; removed from input first, so a message cannot forge one. */
const MARK = "\u0000";

/** A language name as it may appear in a class attribute. */
function language(raw: string): string {
  return /^[A-Za-z0-9_+-]{1,20}$/.test(raw) ? raw.toLowerCase() : "";
}

function mentions(escaped: string, names: MentionNames): string {
  const chip = (kind: string, id: string, text: string) => `<span class="mention" data-${kind}="${id}">${escapeHtml(text)}</span>`;
  return escaped
    .replace(/&lt;@!?(\d{1,20})&gt;/g, (_m, id: string) => chip("user", id, `@${names.user(id) ?? "unknown-user"}`))
    .replace(/&lt;@&amp;(\d{1,20})&gt;/g, (_m, id: string) => chip("role", id, `@${names.role(id) ?? "deleted-role"}`))
    .replace(/&lt;#(\d{1,20})&gt;/g, (_m, id: string) => chip("channel", id, `#${names.channel(id) ?? "unknown"}`))
    .replace(/(^|\s)@(everyone|here)\b/g, (_m, before: string, who: string) => `${before}<span class="mention">@${who}</span>`);
}

function inline(escaped: string, names: MentionNames): string {
  return (
    mentions(escaped, names)
      // Links: <https://...> and bare https://... (already escaped, so no quote can end the attribute).
      .replace(/&lt;(https?:\/\/[^\s&]+(?:&amp;[^\s&]+)*)&gt;|(https?:\/\/[^\s<]+[^\s<.,:;!?)\]'"&])/g, (_m, angled, bare) => {
        const url = (angled ?? bare) as string;
        return `<a href="${url}" target="_blank" rel="noopener noreferrer nofollow">${url}</a>`;
      })
      .replace(/\*\*([^*]+?)\*\*/g, "<strong>$1</strong>")
      .replace(/__([^_]+?)__/g, "<u>$1</u>")
      .replace(/(^|[^*])\*([^*\s][^*]*?)\*(?!\*)/g, "$1<em>$2</em>")
      .replace(/(^|[^\w_])_([^_\s][^_]*?)_(?![\w_])/g, "$1<em>$2</em>")
      .replace(/~~([^~]+?)~~/g, "<s>$1</s>")
      .replace(/\|\|([^|]+?)\|\|/g, '<span class="spoiler" tabindex="0" role="button" aria-label="Spoiler">$1</span>')
  );
}

export function renderMarkdown(source: string, names: MentionNames = NO_NAMES): string {
  const text = source.split(MARK).join("");
  const codes: string[] = [];
  const keep = (html: string) => `${MARK}${codes.push(html) - 1}${MARK}`;
  // Code first: nothing inside it is formatted.
  let rest = text.replace(/```(?:([^\n`]*)\n)?([\s\S]*?)```/g, (_m, lang: string | undefined, body: string) => {
    const cls = language(lang ?? "");
    const code = body.replace(/\n$/, "");
    const html = knownLanguage(cls) ? highlight(code, cls) : escapeHtml(code);
    return keep(`<pre><code${cls ? ` class="language-${cls}"` : ""}>${html}</code></pre>`);
  });
  rest = rest.replace(/`([^`\n]+)`/g, (_m, body: string) => keep(`<code>${escapeHtml(body)}</code>`));
  const lines = escapeHtml(rest).split("\n");
  const out: string[] = [];
  let quote: string[] = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
    quote = [];
  };
  for (const line of lines) {
    const quoted = /^&gt; ?(.*)$/.exec(line);
    if (quoted) {
      quote.push(inline(quoted[1] ?? "", names));
    } else {
      flush();
      out.push(inline(line, names));
    }
  }
  flush();
  const html = out.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
  return html.replace(new RegExp(`${MARK}(\\d+)${MARK}`, "g"), (_m, n: string) => codes[Number(n)] ?? "");
}
