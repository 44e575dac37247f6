// Nasty markdown: markers inside links and code, formatting across links, nested backticks,
// other schemes, unclosed markers, markup, long inputs and seeded random mixes of all of them.
// Each case has its exact output; every output (and each random one) must also be well
// formed: only the renderer's own tags, properly nested, no `<` from the input, and no link
// but http(s).

import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./render";

const A = (url: string) => `<a href="${url}" target="_blank" rel="noopener noreferrer nofollow">${url}</a>`;
const names = {
  user: (id: string) => ({ "10": "ann", "12": "__x__ *y* https://evil.example/_z_" })[id],
  role: (id: string) => ({ "20": "Mods" })[id],
  channel: (id: string) => ({ "30": "general" })[id],
};

/** The exact tags the renderer writes, and nothing else. */
const OPEN = [
  /^<a href="https?:\/\/[^"<>\s]+" target="_blank" rel="noopener noreferrer nofollow">/,
  /^<span class="mention"(?: data-(?:user|role|channel)="\d{1,20}")?>/,
  /^<span class="spoiler" tabindex="0" role="button" aria-label="Spoiler">/,
  /^<span class="hl-(?:keyword|string|number|comment)">/,
  /^<code(?: class="language-[a-z0-9_+-]{1,20}")?>/,
  /^<(?:strong|em|u|s|pre|blockquote)>/,
];

/** Why `html` is not well formed, or null: each `<` starts one of the renderer's tags, tags
 * nest, every `&` starts an entity, and no quote is loose outside a tag. */
function malformed(html: string): string | null {
  const stack: string[] = [];
  let i = 0;
  while (i < html.length) {
    const rest = html.slice(i);
    if (rest.startsWith("<br>")) {
      i += 4;
      continue;
    }
    const close = /^<\/([a-z]+)>/.exec(rest);
    if (close) {
      if (stack.pop() !== close[1]) return `</${close[1]}> closes what it did not open at ${i}`;
      i += close[0].length;
      continue;
    }
    if (rest[0] === "<") {
      const open = OPEN.map((p) => p.exec(rest)).find(Boolean);
      if (!open) return `an unexpected < at ${i}: ${rest.slice(0, 40)}`;
      stack.push(/^<([a-z]+)/.exec(open[0])?.[1] ?? "");
      i += open[0].length;
      continue;
    }
    if (rest[0] === "&" && !/^&(?:amp|lt|gt|quot|#39);/.test(rest)) return `a bare & at ${i}`;
    if (rest[0] === ">" || rest[0] === '"') return `a loose ${rest[0]} at ${i}`;
    i += 1;
  }
  return stack.length ? `unclosed ${stack.join(", ")}` : null;
}

const cases: [string, string, string][] = [
  // Markers inside links are part of the link.
  ["underscores in a URL", "https://example.com/a_b_c_d", A("https://example.com/a_b_c_d")],
  ["asterisks in a URL", "https://example.com/*a*/b**c**d", A("https://example.com/*a*/b**c**d")],
  ["tildes, pipes and backticks in a URL", "https://x.org/~~a~~/||b||/`c`/d", A("https://x.org/~~a~~/||b||/`c`/d")],
  ["an angle-bracketed URL with underscores", "<https://x.org/_a_/__b__>", A("https://x.org/_a_/__b__")],
  ["a marker that opens before a URL and closes inside it", "*see https://x.org/a*b", `*see ${A("https://x.org/a*b")}`],
  ["a marker that opens inside a URL and closes after it", "https://x.org/a_b c_", `${A("https://x.org/a_b")} c_`],
  // Formatting around links wraps them whole.
  ["bold spanning a link", "**see https://x.org/a_b**", `<strong>see ${A("https://x.org/a_b")}</strong>`],
  ["italic around a link", "_https://x.org/a_b_", `<em>${A("https://x.org/a_b")}</em>`],
  ["a spoiler around an angle-bracketed link", "||<https://x.org/a>||", `<span class="spoiler" tabindex="0" role="button" aria-label="Spoiler">${A("https://x.org/a")}</span>`],
  ["a link in brackets keeps its own", "(see https://en.wikipedia.org/wiki/Foo_(bar)).", `(see ${A("https://en.wikipedia.org/wiki/Foo_(bar)")}).`],
  ["tags that would cross are not made", "**a _b** c_", "<strong>a _b</strong> c_"],
  ["bold and italic together", "***both***", "<strong><em>both</em></strong>"],
  ["snake_case stays as it is", "snake_case_name and 2*3*4", "snake_case_name and 2<em>3</em>4"],
  // Mentions are atoms too, and their names are never formatted.
  ["a mention in bold", "**<@10>**", '<strong><span class="mention" data-user="10">@ann</span></strong>'],
  ["a name full of markers", "<@12>", '<span class="mention" data-user="12">@__x__ *y* https://evil.example/_z_</span>'],
  ["a mention inside a link stays part of the link", "https://x.org/<@10>", `${A("https://x.org/")}<span class="mention" data-user="10">@ann</span>`],
  ["@everyone inside a word is not a mention", "mail@everyone.example", "mail@everyone.example"],
  // Code.
  ["nested backticks", "``a ` b``", "<code>a ` b</code>"],
  ["backticks shown in code", "`` `code` ``", "<code>`code`</code>"],
  ["a code span with a link and markers", "`https://x.org/a_b_ **no**`", "<code>https://x.org/a_b_ **no**</code>"],
  ["bold spanning code", "**a `b** c` d**", "<strong>a <code>b** c</code> d</strong>"],
  ["longer backtick runs inside a code span", "`a`` and ``b`", "<code>a`` and ``b</code>"],
  ["unbalanced backticks stay text", "``a` b", "``a` b"],
  ["a fence inside a quote", "> ```\n<b>*x*</b>\n```", "<blockquote><pre><code>&lt;b&gt;*x*&lt;/b&gt;</code></pre></blockquote>"],
  // Only http and https links.
  ["javascript: as text", "javascript:alert(1)", "javascript:alert(1)"],
  ["a masked javascript: link", "[click](javascript:alert(1))", "[click](javascript:alert(1))"],
  ["an angle-bracketed javascript: link", "<javascript:alert(1)>", "&lt;javascript:alert(1)&gt;"],
  ["data: and vbscript:", "data:text/html,<script>x</script> vbscript:x", "data:text/html,&lt;script&gt;x&lt;/script&gt; vbscript:x"],
  ["a scheme alone", "https:// and http://.", "https:// and http://."],
  ["a quote cannot leave the attribute", 'https://x.org/"onmouseover="alert(1)', A("https://x.org/&quot;onmouseover=&quot;alert(1)")],
  ["a link before markup", '<a href="https://x.org">y</a>', `&lt;a href=&quot;${A("https://x.org&quot;&gt;y")}&lt;/a&gt;`],
  // Markers that close nothing stay text.
  ["unclosed markers", "**bold __under ~~strike ||spoiler *it _it `code", "**bold __under ~~strike ||spoiler *it _it `code"],
  ["markers with nothing inside", "** __ ~~ || * _", "** __ ~~ || * _"],
  ["runs of markers alone", "**** ____ ~~~~ ||||", "**** ____ ~~~~ ||||"],
  // Markup is text.
  ["tags around formatting", "<b>**x**</b>", "&lt;b&gt;<strong>x</strong>&lt;/b&gt;"],
  ["a script in a spoiler", "||<script>alert(1)</script>||", '<span class="spoiler" tabindex="0" role="button" aria-label="Spoiler">&lt;script&gt;alert(1)&lt;/script&gt;</span>'],
  ["a forged placeholder", "\u00000\u0000 `x` \u00000\u0000", "0 <code>x</code> 0"],
  ["entities stay as typed", "&lt;script&gt; &amp;", "&amp;lt;script&amp;gt; &amp;amp;"],
];

describe("the markdown corpus", () => {
  it.each(cases)("renders %s exactly", (_name, input, html) => {
    expect(renderMarkdown(input, names)).toBe(html);
  });

  it.each(cases)("renders %s well formed", (_name, input) => {
    expect(malformed(renderMarkdown(input, names))).toBeNull();
  });

  it("renders long inputs whole and well formed", () => {
    const long = [
      "*".repeat(10_000),
      "_".repeat(10_000),
      "`".repeat(5_000),
      "a_".repeat(5_000),
      "**x** ".repeat(2_000),
      `https://x.org/${"a_b*".repeat(1_000)}`,
      "**https://x.org/a ".repeat(1_000),
      "<".repeat(4_000),
      "> ~~||*_`".repeat(1_000),
    ];
    for (const input of long) {
      const html = renderMarkdown(input, names);
      expect(malformed(html), input.slice(0, 20)).toBeNull();
    }
    expect(renderMarkdown("**x** ".repeat(2_000))).toBe("<strong>x</strong> ".repeat(2_000).trimEnd() + " ");
    expect(renderMarkdown("a_".repeat(5_000))).toBe("a_".repeat(5_000));
    expect(renderMarkdown(`https://x.org/${"a_b*".repeat(1_000)}`)).toBe(`${A(`https://x.org/${"a_b*".repeat(999)}a_b`)}*`);
  });

  it("renders seeded random mixes of markers, links, mentions and markup well formed", () => {
    const pieces = ["*", "**", "_", "__", "~~", "||", "`", "``", "```", "\n", "> ", " ", "a", "b_c", "<", ">", "&", '"', "<@10>", "<@&20>", "<#30>", "@everyone", "https://x.org/", "https://x.org/a_b*c", "<https://x.org>", "javascript:", "<script>", "(", ")", "[x](", "\u0000"];
    let seed = 15;
    const random = () => {
      // mulberry32: the same sequence on every run, so a failure can be replayed.
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let n = 0; n < 3_000; n++) {
      const input = Array.from({ length: 1 + Math.floor(random() * 24) }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      expect(malformed(renderMarkdown(input, names)), JSON.stringify(input)).toBeNull();
    }
  });
});
