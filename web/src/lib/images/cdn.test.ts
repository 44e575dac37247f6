// Image URLs at the server's CDN paths: the size asked for covers the size shown on a HiDPI
// screen, and a moving image is a GIF only while it plays.

import { describe, expect, it } from "vitest";
import { avatarUrl, bannerUrl, cdnSize, emojiUrl, guildIconUrl, isAnimated } from "./cdn";

describe("cdnSize", () => {
  it("asks for the smallest power of two that covers twice the size shown", () => {
    expect(cdnSize(20)).toBe(64);
    expect(cdnSize(32)).toBe(64);
    expect(cdnSize(40)).toBe(128);
    expect(cdnSize(48)).toBe(128);
    expect(cdnSize(72)).toBe(256);
  });

  it("stays within the sizes the server takes", () => {
    expect(cdnSize(1)).toBe(16);
    expect(cdnSize(0)).toBe(16);
    expect(cdnSize(5000)).toBe(4096);
  });
});

describe("avatar, icon and banner URLs", () => {
  it("point at Discord's CDN paths on the same origin, as WebP", () => {
    expect(avatarUrl("10", "0123abcd", { px: 40 })).toBe("/avatars/10/0123abcd.webp?size=128");
    expect(guildIconUrl("20", "beef", { px: 48 })).toBe("/icons/20/beef.webp?size=128");
    expect(bannerUrl("20", "cafe", { px: 600 })).toBe("/banners/20/cafe.webp?size=2048");
  });

  it("ask for a GIF only for an animated hash that is playing", () => {
    expect(isAnimated("a_0123")).toBe(true);
    expect(isAnimated("0123")).toBe(false);
    expect(avatarUrl("10", "a_0123", { px: 32 })).toBe("/avatars/10/a_0123.webp?size=64");
    expect(avatarUrl("10", "a_0123", { px: 32, play: true })).toBe("/avatars/10/a_0123.gif?size=64");
    expect(avatarUrl("10", "0123", { px: 32, play: true })).toBe("/avatars/10/0123.webp?size=64");
    expect(guildIconUrl("20", "a_beef", { px: 48, play: true })).toBe("/icons/20/a_beef.gif?size=128");
  });
});

describe("emojiUrl", () => {
  it("plays an animated emoji unless told to stand still, and sizes like avatars", () => {
    expect(emojiUrl({ id: "30" }, { px: 22 })).toBe("/emojis/30.webp?size=64");
    expect(emojiUrl({ id: "31", animated: true }, { px: 22 })).toBe("/emojis/31.gif?size=64");
    expect(emojiUrl({ id: "31", animated: true }, { px: 48, play: false })).toBe("/emojis/31.webp?size=128");
  });
});
