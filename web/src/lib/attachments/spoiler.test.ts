import { describe, expect, it } from "vitest";
import { isSpoiler, shownName, spoilerName } from "./spoiler";

describe("spoiler names", () => {
  it("marks a spoiler by the SPOILER_ prefix, as Discord does", () => {
    expect(spoilerName("ending.png", true)).toBe("SPOILER_ending.png");
    expect(isSpoiler("SPOILER_ending.png")).toBe(true);
    expect(isSpoiler("ending.png")).toBe(false);
  });

  it("adds the prefix once however often the toggle is turned on", () => {
    expect(spoilerName("SPOILER_ending.png", true)).toBe("SPOILER_ending.png");
  });

  it("takes the prefix off when the toggle is turned off", () => {
    expect(spoilerName("SPOILER_ending.png", false)).toBe("ending.png");
  });

  it("shows the name without its marker", () => {
    expect(shownName("SPOILER_ending.png")).toBe("ending.png");
    expect(shownName("spoiler_notes.txt")).toBe("spoiler_notes.txt");
  });
});
