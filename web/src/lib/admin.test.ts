import { describe, expect, it } from "vitest";
import { bytes, duration } from "./admin";

describe("the admin console's numbers", () => {
  it("says sizes in the largest unit under 1024, with a decimal only under 10", () => {
    expect(bytes(0)).toBe("0 bytes");
    expect(bytes(1)).toBe("1 byte");
    expect(bytes(1023)).toBe("1023 bytes");
    expect(bytes(1536)).toBe("1.5 KB");
    expect(bytes(200 * 1024 * 1024)).toBe("200 MB");
    expect(bytes(3 * 1024 ** 4)).toBe("3.0 TB");
  });

  it("says a duration in its two largest units, leaving out zeros", () => {
    expect(duration(0)).toBe("0 s");
    expect(duration(42)).toBe("42 s");
    expect(duration(3600)).toBe("1 h");
    expect(duration(93784)).toBe("1 d 2 h");
    expect(duration(3 * 86400 + 5 * 60)).toBe("3 d");
    expect(duration(125)).toBe("2 min 5 s");
  });
});
