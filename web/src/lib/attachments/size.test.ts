import { describe, expect, it } from "vitest";
import { formatSize } from "./size";

describe("a file's size in words", () => {
  it("counts bytes below one kilobyte one by one", () => {
    expect([formatSize(0), formatSize(1), formatSize(1023)]).toEqual(["0 B", "1 B", "1023 B"]);
  });

  it("shows one decimal below ten units and whole numbers above", () => {
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(340 * 1024)).toBe("340 KB");
    expect(formatSize(2.44 * 1024 * 1024)).toBe("2.4 MB");
    expect(formatSize(25 * 1024 * 1024 * 1024)).toBe("25 GB");
  });

  it("moves to the next unit rather than reading 1024 of the last", () => {
    expect(formatSize(1024 * 1024 - 10)).toBe("1.0 MB");
  });
});
