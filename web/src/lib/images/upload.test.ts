// Images checked before they are sent: only the formats the server keeps, within its limit,
// said in words a person reads.

import { describe, expect, it } from "vitest";
import { imageProblem, MAX_EMOJI_BYTES, MAX_PICTURE_BYTES } from "./upload";

describe("imageProblem", () => {
  it("takes PNG, JPEG, GIF and WebP within the limit", () => {
    for (const type of ["image/png", "image/jpeg", "image/gif", "image/webp"]) {
      expect(imageProblem({ name: "me", type, size: 2048 }, MAX_PICTURE_BYTES)).toBeNull();
    }
  });

  it("names the file and says which formats it may be", () => {
    expect(imageProblem({ name: "logo.svg", type: "image/svg+xml", size: 10 }, MAX_PICTURE_BYTES)).toBe(
      "logo.svg is not a PNG, JPEG, GIF or WebP image.",
    );
    expect(imageProblem({ name: "notes.txt", type: "", size: 10 }, MAX_PICTURE_BYTES)).toMatch(/not a PNG/);
  });

  it("says how large the file is and how large it may be", () => {
    expect(imageProblem({ name: "big.gif", type: "image/gif", size: 300 * 1024 }, MAX_EMOJI_BYTES)).toBe(
      "big.gif is 300 KB; the image must be at most 256 KB.",
    );
    expect(imageProblem({ name: "huge.png", type: "image/png", size: 11 * 1024 * 1024 }, MAX_PICTURE_BYTES)).toBe(
      "huge.png is 11 MB; the image must be at most 10 MB.",
    );
    expect(imageProblem({ name: "empty.png", type: "image/png", size: 0 }, MAX_PICTURE_BYTES)).toBe("empty.png is empty.");
  });
});
