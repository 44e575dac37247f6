import { describe, expect, it } from "vitest";
import { copyText } from "./clipboard";

describe("copying text", () => {
  it("writes it to the clipboard when the browser has one", async () => {
    let written = "";
    const copied = await copyText("secret", { writeText: async (text) => void (written = text) });
    expect([copied, written]).toEqual([true, "secret"]);
  });

  it("says it could not when the browser has no clipboard (plain http, old browsers)", async () => {
    expect(await copyText("secret", undefined)).toBe(false);
  });

  it("says it could not when the browser refuses", async () => {
    expect(await copyText("secret", { writeText: () => Promise.reject(new DOMException("denied", "NotAllowedError")) })).toBe(false);
  });
});
