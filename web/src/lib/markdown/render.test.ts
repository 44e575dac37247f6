// Markdown rendering: the formatting people use, and hostile input that must stay text.

import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./render";

describe("renderMarkdown", () => {
  it("formats Discord's markdown", () => {
    expect(renderMarkdown("**bold** *it* _it_ __under__ ~~gone~~ ||secret||")).toBe(
      '<strong>bold</strong> <em>it</em> <em>it</em> <u>under</u> <s>gone</s> <span class="spoiler" tabindex="0" role="button" aria-label="Spoiler">secret</span>',
    );
    expect(renderMarkdown("use `cargo test` now")).toBe("use <code>cargo test</code> now");
    expect(renderMarkdown("```rust\nfn main() {}\n```")).toBe('<pre><code class="language-rust">fn main() {}</code></pre>');
    expect(renderMarkdown("> quoted\n> twice\nafter")).toBe("<blockquote>quoted<br>twice</blockquote>after");
    expect(renderMarkdown("line one\nline two")).toBe("line one<br>line two");
  });

  it("links http and https only, and keeps trailing punctuation out", () => {
    expect(renderMarkdown("see https://example.com/a?b=1&c=2.")).toBe(
      'see <a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">https://example.com/a?b=1&amp;c=2</a>.',
    );
    expect(renderMarkdown("<https://example.com>")).toContain('href="https://example.com"');
    expect(renderMarkdown("javascript:alert(1)")).toBe("javascript:alert(1)");
    expect(renderMarkdown("[click](javascript:alert(1))")).not.toContain("<a");
  });

  it("leaves code unformatted", () => {
    expect(renderMarkdown("`**not bold**`")).toBe("<code>**not bold**</code>");
    expect(renderMarkdown("```\n<b>*x*</b>\n```")).toBe("<pre><code>&lt;b&gt;*x*&lt;/b&gt;</code></pre>");
  });

  const payloads = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
    "**<b onmouseover=alert(1)>hover</b>**",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "```\"><img src=x onerror=alert(1)>\nx```",
    'https://example.com/"onmouseover="alert(1)',
    "<https://example.com/\"><script>alert(1)</script>>",
    "||<iframe src=javascript:alert(1)>||",
    "> <a href=javascript:alert(1)>x</a>",
    "\u0000 0 \u0000 <script>",
  ];

  it.each(payloads)("renders %j as text, never as markup", (payload) => {
    const html = renderMarkdown(payload);
    // The only tags are the ones the renderer writes.
    const tags = html.match(/<\/?([a-z]+)/g) ?? [];
    for (const tag of tags) {
      expect(["<strong", "</strong", "<em", "</em", "<u", "</u", "<s", "</s", "<span", "</span", "<code", "</code", "<pre", "</pre", "<blockquote", "</blockquote", "<br", "<a", "</a"]).toContain(tag);
    }
    expect(html).not.toMatch(/<(script|img|svg|iframe)/i);
    // No event handler inside any tag (as text, escaped, it is harmless and stays).
    for (const tag of html.match(/<[a-z][^>]*>/g) ?? []) {
      expect(tag).not.toMatch(/\son\w+=/i);
    }
    expect(html).not.toContain("javascript:alert(1)\"");
    // An attribute never ends early: every href holds one escaped URL.
    for (const href of html.match(/href="[^"]*"/g) ?? []) {
      expect(href).toMatch(/^href="https?:\/\/[^"<>\s]*"$/);
    }
  });
});
