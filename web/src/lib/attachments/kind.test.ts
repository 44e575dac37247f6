import { describe, expect, it } from "vitest";
import { attachmentKind, previewSize } from "./kind";

describe("how a file is shown", () => {
  it("shows the images, video and audio the server serves inline in place", () => {
    expect(attachmentKind("image/png")).toBe("image");
    expect(attachmentKind("image/webp")).toBe("image");
    expect(attachmentKind("video/webm")).toBe("video");
    expect(attachmentKind("audio/mpeg")).toBe("audio");
  });

  it("never renders SVG or HTML: they are files to download", () => {
    expect(attachmentKind("image/svg+xml")).toBe("file");
    expect(attachmentKind("text/html")).toBe("file");
    expect(attachmentKind("text/plain; charset=utf-8")).toBe("file");
  });

  it("makes a file of an unknown or missing type", () => {
    expect(attachmentKind("application/x-unknown")).toBe("file");
    expect(attachmentKind(undefined)).toBe("file");
  });

  it("reads a type with parameters or capitals", () => {
    expect(attachmentKind("Image/PNG; foo=bar")).toBe("image");
    expect(attachmentKind("VIDEO/MP4")).toBe("video");
  });

  it("does not take a type that only begins like a known one", () => {
    expect(attachmentKind("image/pngx")).toBe("file");
    expect(attachmentKind("image/png+xml")).toBe("file");
    expect(attachmentKind("x-image/png")).toBe("file");
  });
});

describe("the box a preview takes", () => {
  it("keeps a small image at its own size", () => {
    expect(previewSize(37, 23)).toEqual({ width: 37, height: 23 });
  });

  it("shrinks a wide image to the width and a tall one to the height, keeping its shape", () => {
    expect(previewSize(1600, 900)).toEqual({ width: 400, height: 225 });
    expect(previewSize(600, 1200)).toEqual({ width: 150, height: 300 });
  });

  it("has no box when the server did not say the dimensions", () => {
    expect(previewSize(null, 300)).toBeNull();
    expect(previewSize(undefined, undefined)).toBeNull();
  });
});
