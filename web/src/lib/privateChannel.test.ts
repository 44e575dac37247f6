import { describe, expect, it } from "vitest";
import { privateOverwrites } from "./privateChannel";

describe("a private channel's overwrites", () => {
  it("deny @everyone the channel and allow its creator and the chosen roles", () => {
    expect(privateOverwrites("1", "7", ["3", "1"])).toEqual([
      { id: "1", type: 0, allow: "0", deny: "1024" },
      { id: "7", type: 1, allow: "1024", deny: "0" },
      { id: "3", type: 0, allow: "1024", deny: "0" },
    ]);
  });
});
