// Markdown rendering: the formatting people use, and hostile input that must stay text.

import { describe, expect, it } from "vitest";
import { isJumbo, renderMarkdown } from "./render";

describe("renderMarkdown", () => {
  it("formats Discord's markdown", () => {
    expect(renderMarkdown("**bold** *it* _it_ __under__ ~~gone~~ ||secret||")).toBe(
      '<strong>bold</strong> <em>it</em> <em>it</em> <u>under</u> <s>gone</s> <span class="spoiler" tabindex="0" role="button" aria-label="Spoiler">secret</span>',
    );
    expect(renderMarkdown("use `cargo test` now")).toBe("use <code>cargo test</code> now");
    expect(renderMarkdown("```rust\nfn main() {}\n```")).toBe('<pre><code class="language-rust"><span class="hl-keyword">fn</span> main() {}</code></pre>');
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
    '<:x" onerror="alert(1):123>',
    "<:parrot:123\" onerror=\"alert(1)>",
    "<:../../api/v10/users/@me:1>",
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

describe("mentions", () => {
  const names = {
    user: (id: string) => ({ "10": "ann", "11": "<img src=x onerror=alert(1)>" })[id],
    role: (id: string) => ({ "20": "Mods" })[id],
    channel: (id: string) => ({ "30": "general" })[id],
  };

  it("shows people, roles and channels by name, and @everyone as a mention", () => {
    const html = renderMarkdown("hi <@10> and <@!10>, <@&20> see <#30> @everyone", names);
    expect(html).toBe(
      'hi <span class="mention" data-user="10">@ann</span> and <span class="mention" data-user="10">@ann</span>, ' +
        '<span class="mention" data-role="20">@Mods</span> see <span class="mention" data-channel="30">#general</span> <span class="mention">@everyone</span>',
    );
  });

  it("escapes a name that looks like markup, and names unknown ids plainly", () => {
    const html = renderMarkdown("<@11> <@99> <@&98> <#97>", names);
    expect(html).not.toContain("<img");
    expect(html).toContain("@&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("@unknown-user");
    expect(html).toContain("@deleted-role");
    expect(html).toContain("#unknown");
  });

  it("leaves mentions inside code alone", () => {
    expect(renderMarkdown("`<@10>`", names)).toBe("<code>&lt;@10&gt;</code>");
  });
});

describe("custom emoji", () => {
  it("draws <:name:id> as the emoji's image, named :name:, and <a:name:id> moving", () => {
    expect(renderMarkdown("nice <:parrot:900>!")).toBe(
      'nice <img class="emoji" src="/emojis/900.webp?size=64" alt=":parrot:" title=":parrot:" draggable="false">!',
    );
    expect(renderMarkdown("<a:dance:901> go")).toContain('src="/emojis/901.gif?size=64"');
    expect(renderMarkdown("<a:dance:901> go", undefined, { still: true })).toContain('src="/emojis/901.webp?size=64"');
  });

  it("draws them large, in a larger size, when the message is only emoji", () => {
    expect(renderMarkdown("<:parrot:900>", undefined, { jumbo: true })).toBe(
      '<img class="emoji jumbo" src="/emojis/900.webp?size=128" alt=":parrot:" title=":parrot:" draggable="false">',
    );
  });

  it("writes an emoji known to be deleted as its :name:", () => {
    expect(renderMarkdown("gone <:parrot:900>", undefined, { gone: (id) => id === "900" })).toBe('gone <span class="emoji-name">:parrot:</span>');
  });

  it("keeps emoji in code, and anything not quite an emoji, as text", () => {
    expect(renderMarkdown("`<:parrot:900>`")).toBe("<code>&lt;:parrot:900&gt;</code>");
    expect(renderMarkdown("<:party parrot:900>")).toBe("&lt;:party parrot:900&gt;");
    expect(renderMarkdown("<:parrot:abc>")).toBe("&lt;:parrot:abc&gt;");
  });

  it("is not cut by emphasis markers in its name", () => {
    expect(renderMarkdown("*<:big_grin_2:900>* _<:a_b_c:901>_")).toBe(
      '<em><img class="emoji" src="/emojis/900.webp?size=64" alt=":big_grin_2:" title=":big_grin_2:" draggable="false"></em> ' +
        '<em><img class="emoji" src="/emojis/901.webp?size=64" alt=":a_b_c:" title=":a_b_c:" draggable="false"></em>',
    );
  });
});

describe("isJumbo", () => {
  it("is true for a message of only emoji, custom or unicode, spaces between", () => {
    expect(isJumbo("<:parrot:900>")).toBe(true);
    expect(isJumbo("🎉 <a:dance:901> 👍🏽")).toBe(true);
    expect(isJumbo("👨‍👩‍👧 🇫🇷")).toBe(true);
  });

  it("is false with any text, for digits, for nothing, and past 27 emoji", () => {
    expect(isJumbo("yes 🎉")).toBe(false);
    expect(isJumbo("123")).toBe(false);
    expect(isJumbo("   ")).toBe(false);
    expect(isJumbo("🎉".repeat(27))).toBe(true);
    expect(isJumbo("🎉".repeat(28))).toBe(false);
  });
});

describe("code highlighting", () => {
  it("marks keywords, strings, numbers and comments in a language it knows", () => {
    const html = renderMarkdown('```rust\nlet x = "hi"; // greet\nfn main() { 42 }\n```');
    expect(html).toContain('<span class="hl-keyword">let</span>');
    expect(html).toContain('<span class="hl-string">&quot;hi&quot;</span>');
    expect(html).toContain('<span class="hl-comment">// greet</span>');
    expect(html).toContain('<span class="hl-keyword">fn</span> main()');
    expect(html).toContain('<span class="hl-number">42</span>');
  });

  it("keeps markup in code as text, in strings and comments too", () => {
    const html = renderMarkdown('```js\nconst a = "<script>alert(1)</script>"; // <img src=x onerror=alert(1)>\n```');
    expect(html).not.toMatch(/<(script|img)/i);
    expect(html).toContain("&lt;script&gt;");
  });

  it("does not guess: an unknown language is plain escaped text", () => {
    expect(renderMarkdown("```klingon\nlet x\n```")).toBe('<pre><code class="language-klingon">let x</code></pre>');
  });
});
