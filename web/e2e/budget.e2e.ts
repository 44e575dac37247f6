// The first-load budget: all JavaScript the client loads, gzipped, stays under 250 KB.

import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

describe("the client's first load", () => {
  it("stays under 250 KB of gzipped JavaScript", () => {
    const assets = readdirSync("dist/assets").filter((f) => f.endsWith(".js"));
    expect(assets.length, "the client is built (dist/assets)").toBeGreaterThan(0);
    const gzipped = assets.reduce((sum, f) => sum + gzipSync(readFileSync(`dist/assets/${f}`)).length, 0);
    console.log(`first-load JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(250 * 1024);
  });
});
