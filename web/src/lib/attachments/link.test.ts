import { describe, expect, it } from "vitest";
import { attachmentHref, previewHref } from "./link";

describe("where a file is loaded from", () => {
  it("opens the signed path on the client's own origin, whatever host the server named", () => {
    const signed = "https://chat.example.com/attachments/11/22/photo.png?ex=6b18&is=6b16&hm=38ab&";
    expect(attachmentHref(signed)).toBe("/attachments/11/22/photo.png?ex=6b18&is=6b16&hm=38ab&");
    const proxied = "https://chat.example.com/media/attachments/11/22/photo.png?ex=6b18&is=6b16&hm=38ab&";
    expect(attachmentHref(proxied)).toBe("/media/attachments/11/22/photo.png?ex=6b18&is=6b16&hm=38ab&");
  });

  it("keeps a link that is not one of Parley's files as it is", () => {
    expect(attachmentHref("https://cdn.example.com/photo.png")).toBe("https://cdn.example.com/photo.png");
  });
});

describe("an image's preview", () => {
  const photo = {
    url: "https://chat.example.com/attachments/11/22/photo.png?ex=1&is=2&hm=3&",
    proxy_url: "https://chat.example.com/media/attachments/11/22/photo.png?ex=1&is=2&hm=3&",
  };

  it("asks the media proxy for a thumbnail filling its box at the screen's density", () => {
    expect(previewHref(photo, { width: 400, height: 267 }, 1)).toBe(
      "/media/attachments/11/22/photo.png?ex=1&is=2&hm=3&width=400&height=267",
    );
    expect(previewHref(photo, { width: 400, height: 267 }, 2)).toBe(
      "/media/attachments/11/22/photo.png?ex=1&is=2&hm=3&width=800&height=534",
    );
    expect(previewHref(photo, { width: 100, height: 100 }, 5), "at most 3×").toContain("width=300&height=300");
  });

  it("loads the file itself when it has no box or no proxy URL", () => {
    expect(previewHref(photo, null)).toBe("/attachments/11/22/photo.png?ex=1&is=2&hm=3&");
    expect(previewHref({ url: photo.url }, { width: 10, height: 10 })).toBe("/attachments/11/22/photo.png?ex=1&is=2&hm=3&");
  });
});
