// The face shown for someone without a picture: their initials, on a colour of their own
// that white text reads well on.

import { describe, expect, it } from "vitest";
import { FACE_COLOURS, faceColour, initials } from "./initials";

/** WCAG's contrast ratio of white text on `hex`. */
function contrastWithWhite(hex: string): number {
  const channel = (i: number) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05);
}

describe("initials", () => {
  it("takes the first letter of the first words, in capitals", () => {
    expect(initials("ann")).toBe("A");
    expect(initials("Ann Lee")).toBe("AL");
    expect(initials("  book   club fans ")).toBe("BC");
    expect(initials("book club fans", 3)).toBe("BCF");
  });

  it("keeps an accented letter or an emoji whole, and is empty for no name", () => {
    expect(initials("élodie")).toBe("É");
    expect(initials("🎉 party")).toBe("🎉P");
    expect(initials("   ")).toBe("");
  });
});

describe("faceColour", () => {
  it("gives an id the same colour every time, from the palette", () => {
    expect(faceColour("1234567890")).toBe(faceColour("1234567890"));
    expect(FACE_COLOURS).toContain(faceColour("1234567890"));
  });

  it("spreads neighbouring ids over the colours", () => {
    const ids = Array.from({ length: 64 }, (_, i) => (1_300_000_000_000_000_000n + BigInt(i)).toString());
    expect(new Set(ids.map(faceColour)).size).toBe(FACE_COLOURS.length);
  });

  it("only uses colours that white initials read on at 4.5:1 or better", () => {
    for (const colour of FACE_COLOURS) expect(contrastWithWhite(colour), colour).toBeGreaterThanOrEqual(4.5);
  });
});
