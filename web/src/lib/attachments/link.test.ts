import { describe, expect, it } from "vitest";
import { attachmentHref } from "./link";

describe("where a file is loaded from", () => {
  it("opens the signed path on the client's own origin, whatever host the server named", () => {
    const signed = "https://chat.example.com/attachments/11/22/photo.png?ex=6b18&is=6b16&hm=38ab&";
    expect(attachmentHref(signed)).toBe("/attachments/11/22/photo.png?ex=6b18&is=6b16&hm=38ab&");
  });

  it("keeps a link that is not one of Parley's files as it is", () => {
    expect(attachmentHref("https://cdn.example.com/photo.png")).toBe("https://cdn.example.com/photo.png");
  });
});
