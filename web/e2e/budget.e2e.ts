// The client's load budget. What a signed-in person's browser downloads to show the chat, as
// the server sends it (precompressed, brotli for a browser that takes it), stays at most
// 80 KB of JavaScript: settings, guild settings, dialogs, the popout and other screens load
// when first opened. And all JavaScript the client has, gzipped, stays under 250 KB.

import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { person, register, say } from "./browser";
import { startStack, type Stack } from "./stack";

const FIRST_LOAD_JS = 80 * 1024;

describe("the client's first load", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("downloads at most 80 KB of JavaScript, compressed as served, to show a signed-in person their chat", async () => {
    const ann = await person(stack.browser, stack.server.url);
    await register(ann, "ann");
    await ann.getByRole("button", { name: "Create a guild" }).click();
    await ann.getByLabel("Guild name").fill("Budget");
    await ann.getByRole("dialog", { name: "Create a guild" }).getByRole("button", { name: "Create" }).click();
    await say(ann, "general", "a message to show");

    // A new tab for the same person: signed in, nothing cached, every byte counted as it
    // crosses the wire (the DevTools protocol's encodedDataLength: headers and compressed body).
    const page = await ann.context().newPage();
    const cdp = await ann.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const responses = new Map<string, { url: string; encoding: string }>();
    const scripts: { url: string; bytes: number; encoding: string }[] = [];
    cdp.on("Network.responseReceived", (e) => {
      const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      if (e.type === "Script") responses.set(e.requestId, { url: e.response.url, encoding: headers["content-encoding"] ?? "identity" });
    });
    cdp.on("Network.loadingFinished", (e) => {
      const script = responses.get(e.requestId);
      if (script) scripts.push({ ...script, bytes: e.encodedDataLength });
    });
    await page.goto(stack.server.url);
    await page.getByText("a message to show").waitFor();
    await page.waitForLoadState("networkidle");

    const total = scripts.reduce((sum, s) => sum + s.bytes, 0);
    console.log(
      `signed-in first load: ${(total / 1024).toFixed(1)} KB of JavaScript in ${scripts.length} files: ` +
        scripts.map((s) => `${new URL(s.url).pathname} ${(s.bytes / 1024).toFixed(1)} KB ${s.encoding}`).join(", "),
    );
    expect(scripts.length, "the entry and the chat are both counted").toBeGreaterThanOrEqual(2);
    expect(scripts.every((s) => s.encoding === "br"), "each script comes brotli-compressed").toBe(true);
    expect(total).toBeLessThanOrEqual(FIRST_LOAD_JS);
    // The screens that wait for their first use were not fetched.
    expect(scripts.filter((s) => /\/screens-/.test(s.url)).length, "no settings, dialogs or popout on first load").toBe(0);
    await page.close();
  });

  it("stays under 250 KB of gzipped JavaScript", () => {
    const assets = readdirSync("dist/assets").filter((f) => f.endsWith(".js"));
    expect(assets.length, "the client is built (dist/assets)").toBeGreaterThan(0);
    const gzipped = assets.reduce((sum, f) => sum + gzipSync(readFileSync(`dist/assets/${f}`)).length, 0);
    console.log(`all JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(250 * 1024);
  });
});
