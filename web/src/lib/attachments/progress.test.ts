import { describe, expect, it } from "vitest";
import { fileProgress } from "./progress";

describe("progress per file", () => {
  const ranges = [
    { start: 100, end: 200 },
    { start: 300, end: 700 },
  ];

  it("has no file started while the JSON goes", () => {
    expect(fileProgress(50, ranges)).toEqual([0, 0]);
  });

  it("fills the files in order as the body's bytes go", () => {
    expect(fileProgress(150, ranges)).toEqual([0.5, 0]);
    expect(fileProgress(250, ranges)).toEqual([1, 0]);
    expect(fileProgress(400, ranges)).toEqual([1, 0.25]);
    expect(fileProgress(10_000, ranges)).toEqual([1, 1]);
  });

  it("counts an empty file done once the body reaches it", () => {
    expect(fileProgress(99, [{ start: 100, end: 100 }])).toEqual([0]);
    expect(fileProgress(100, [{ start: 100, end: 100 }])).toEqual([1]);
  });
});
