// Scrolling a channel of 10,000 messages from the newest to the first, in Chromium against a
// real `parley serve`: the reader reaches the beginning, the page never holds more than the
// window's worth of messages, and the way back to the present works. The frame figures are
// measured beside a baseline from the same run (scrolling a 40-message channel, where nothing
// loads) and written to e2e/artifacts/scroll.json for docs/performance.md; they are reported,
// not asserted, because a timed assertion on a shared machine tests the machine.

import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, apiAs, person, register, userId } from "./browser";
import { startStack, type Stack } from "./stack";

const LONG = 10_000;
// Fewer than a page, so the whole channel is there at once and the baseline loads nothing.
const SHORT = 40;

interface Run {
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  /** Share of frames over 50 ms (a visible stutter). */
  long: number;
  maxMessagesInPage: number;
  heapMb: number;
  seconds: number;
}

/** Scrolls the message list up by `step` pixels a frame until `done` says so (or `frames`
 * frames pass), timing every frame. Runs in the page. */
async function scrollRun(page: Page, options: { step: number; frames?: number; untilBeginning: boolean }): Promise<Run> {
  return page.evaluate(async ({ step, frames, untilBeginning }) => {
    const list = document.querySelector("ol.message-list") as HTMLElement;
    const times: number[] = [];
    let maxMessages = 0;
    const start = performance.now();
    let last = start;
    let direction = -1;
    await new Promise<void>((done) => {
      const frame = (now: number) => {
        times.push(now - last);
        last = now;
        maxMessages = Math.max(maxMessages, list.querySelectorAll("li.message").length);
        if (untilBeginning) {
          if (document.querySelector("li.beginning") && list.scrollTop === 0) return done();
          list.scrollTop -= step;
        } else {
          // Up and down over what is there, loading nothing.
          if (list.scrollTop <= 0) direction = 1;
          if (list.scrollTop + list.clientHeight >= list.scrollHeight) direction = -1;
          list.scrollTop += direction * step;
        }
        if (times.length >= (frames ?? 100_000) || now - start > 240_000) return done();
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    const sorted = times.slice(1).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return {
      frames: sorted.length,
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      long: sorted.filter((t) => t > 50).length / Math.max(1, sorted.length),
      maxMessagesInPage: maxMessages,
      heapMb: (memory?.usedJSHeapSize ?? 0) / 1e6,
      seconds: (performance.now() - start) / 1000,
    };
  }, options);
}

describe("a channel with 10,000 messages", () => {
  let stack: Stack;
  let reader: Page;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("scrolls from the newest message to the first with a bounded page, and back to the present", async () => {
    reader = await person(stack.browser, stack.server.url);
    await register(reader, "reader");
    await reader.getByRole("button", { name: "Create a guild" }).click();
    await reader.getByLabel("Guild name").fill("Archive");
    await reader.getByRole("dialog", { name: "Create a guild" }).getByRole("button", { name: "Create" }).click();
    await reader.getByLabel("Message #general").waitFor();
    const api = await apiAs(reader, stack.server.url);
    const [guild] = await api<{ id: string }[]>("GET", "/users/@me/guilds");
    const channels = await api<{ id: string; name: string }[]>("GET", `/guilds/${guild?.id}/channels`);
    const general = channels.find((c) => c.name === "general")?.id;
    const short = await api<{ id: string }>("POST", `/guilds/${guild?.id}/channels`, { name: "short" });
    const author = await userId(reader);

    // Seeded straight into the database: the test is about reading, and 10,000 sends through
    // the API would mostly measure the send rate limit.
    const base = Date.now() - (LONG + 10) * 1000;
    const seed = (channel: string | undefined, count: number, offset: number) =>
      stack.db.sql(`INSERT INTO messages (id, channel_id, guild_id, author_id, content, created_at)
        SELECT ((${base} + (n + ${offset}) * 1000 - 1420070400000) << 22) + n, ${channel}, ${guild?.id}, ${author},
               'scroll line ' || n || CASE WHEN n % 7 = 0 THEN E'\\nwith a **second** line and \`code\`' ELSE '' END,
               ${base} + (n + ${offset}) * 1000
        FROM generate_series(1, ${count}) AS n`);
    seed(general, LONG, 0);
    seed(short.id, SHORT, LONG + 1);

    await reader.reload();
    await reader.getByRole("button", { name: /^short/ }).click();
    await reader.getByText(`scroll line ${SHORT}`, { exact: true }).waitFor();
    await reader.getByText("This is the beginning of #short.").waitFor();
    const baseline = await scrollRun(reader, { step: 40, frames: 300, untilBeginning: false });

    await reader.getByRole("button", { name: /^general/ }).click();
    await reader.getByText(`scroll line ${LONG}`, { exact: true }).waitFor();
    const long = await scrollRun(reader, { step: 600, untilBeginning: true });
    await reader.screenshot({ path: `${ARTIFACTS}/scroll-beginning.png` });

    // The beginning is reached, with the first message there, and the page never held more
    // than the window (150 messages) however far the reader went.
    await reader.getByText("This is the beginning of #general.").waitFor();
    await reader.getByText("scroll line 1", { exact: true }).waitFor();
    expect(long.maxMessagesInPage).toBeLessThanOrEqual(150);
    expect(await reader.locator("li.message").count()).toBeLessThanOrEqual(150);

    // Back to the present in one step.
    await reader.getByRole("button", { name: "Jump to present" }).click();
    await reader.getByText(`scroll line ${LONG}`, { exact: true }).waitFor();
    expect(await reader.getByRole("button", { name: "Jump to present" }).count()).toBe(0);

    const figures = { messages: LONG, baseline, long, ratio: { p50: long.p50 / baseline.p50, p95: long.p95 / baseline.p95, p99: long.p99 / baseline.p99 } };
    writeFileSync(`${ARTIFACTS}/scroll.json`, JSON.stringify(figures, null, 2));
    const row = (name: string, r: Run) =>
      `${name.padEnd(28)} ${String(r.frames).padStart(6)} ${r.p50.toFixed(1).padStart(7)} ${r.p95.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${(r.long * 100).toFixed(1).padStart(6)}% ${String(r.maxMessagesInPage).padStart(5)} ${r.heapMb.toFixed(1).padStart(7)}`;
    console.log(
      [
        `${"run".padEnd(28)} frames p50(ms) p95(ms) p99(ms) >50ms   DOM  heap(MB)`,
        row(`baseline: ${SHORT} messages`, baseline),
        row(`${LONG} messages, to the top`, long),
        `ratio p50 ${figures.ratio.p50.toFixed(2)}  p95 ${figures.ratio.p95.toFixed(2)}  p99 ${figures.ratio.p99.toFixed(2)}; ${long.seconds.toFixed(1)} s to the first message`,
      ].join("\n"),
    );
  }, 300_000);
});
