// Files between two people, in Chromium against a real `parley serve` on PostgreSQL: ann pastes
// an image and drops a file on the channel, gives the image alt text, and sends them with a
// line of text over an upload slowed down (Chromium's network emulation) so its progress can
// be watched, cancelled and sent again; bob sees the image preview and the file card, opens
// the lightbox, and the bytes behind the download link are the bytes ann sent. A spoiler
// stays covered until clicked; a file over the instance's limit is refused with the server's
// words and stays in the tray. Video and audio play in place; HTML and SVG are only ever files
// to download. Every screen with files passes axe-core in both themes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, person, register } from "./browser";
import { startStack, type Stack } from "./stack";

/** The instance's upload limit here, small enough to go past in a test. */
const LIMIT_MIB = 16;
/** The dropped file: large enough that a slowed upload takes seconds. */
const NOTES_BYTES = 6 * 1024 * 1024;
/** Bytes a second the upload is slowed to while it is watched. */
const SLOW_UPLOAD = 1024 * 1024;

/** Screenshots in the dark theme and in the light one. */
async function screenshots(page: Page, name: string): Promise<void> {
  for (const theme of ["dark", "light"]) {
    await page.evaluate((theme) => document.documentElement.setAttribute("data-theme", theme), theme);
    await page.screenshot({ path: `${ARTIFACTS}/${name}-${theme}.png` });
  }
  await page.evaluate(() => document.documentElement.removeAttribute("data-theme"));
}

/** Makes files in ann's page and keeps them (and their SHA-256) on `window.testFiles`. */
async function makeFiles(page: Page): Promise<void> {
  await page.evaluate(async (notesBytes) => {
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 200;
    const g = canvas.getContext("2d") as CanvasRenderingContext2D;
    const sky = g.createLinearGradient(0, 0, 0, 200);
    sky.addColorStop(0, "#5865f2");
    sky.addColorStop(1, "#f0b232");
    g.fillStyle = sky;
    g.fillRect(0, 0, 320, 200);
    g.fillStyle = "#23a55a";
    g.beginPath();
    g.arc(160, 230, 130, 0, Math.PI * 2);
    g.fill();
    const png = await new Promise<Blob>((done) => canvas.toBlob((b) => done(b as Blob), "image/png"));
    const bytes = new Uint8Array(notesBytes);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 12)) & 255;
    const hex = async (blob: Blob) =>
      Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer())), (b) => b.toString(16).padStart(2, "0")).join("");
    const photo = new File([png], "hill.png", { type: "image/png" });
    const notes = new File([bytes], "field-notes.bin", { type: "application/octet-stream" });
    (window as unknown as { testFiles: unknown }).testFiles = { photo, notes, notesSha: await hex(notes) };
  }, NOTES_BYTES);
}

/** One second of a 440 Hz tone as a WAV file (8 kHz, 16-bit, mono). */
function tone(): Buffer {
  const samples = 8000;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write("WAVEfmt ", 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(8000, 24);
  wav.writeUInt32LE(16000, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), 44 + i * 2);
  return wav;
}

/** SHA-256 of what a URL serves, fetched in `page`. */
function sha256Of(page: Page, url: string): Promise<string> {
  return page.evaluate(async (url) => {
    const body = await (await fetch(url)).arrayBuffer();
    return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", body)), (b) => b.toString(16).padStart(2, "0")).join("");
  }, url);
}

describe("sending files", () => {
  let stack: Stack;
  let ann: Page;
  let bob: Page;

  beforeAll(async () => {
    stack = await startStack({ env: { PARLEY_FILES_MAX_UPLOAD_MIB: String(LIMIT_MIB) } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("brings two people into one guild", async () => {
    ann = await person(stack.browser, stack.server.url);
    await register(ann, "ann");
    await ann.getByRole("button", { name: "Create a guild" }).click();
    await ann.getByLabel("Guild name").fill("Field Trip");
    await ann.getByRole("dialog", { name: "Create a guild" }).getByRole("button", { name: "Create" }).click();
    await ann.getByRole("button", { name: /^general/ }).waitFor();
    await ann.getByRole("button", { name: "Invite people" }).click();
    const field = ann.getByLabel("Invite link");
    await expect.poll(() => field.inputValue()).toMatch(/\/invite\/\S+$/);
    const link = await field.inputValue();
    await ann.keyboard.press("Escape");
    bob = await person(stack.browser, link);
    await register(bob, "bob");
    await bob.getByRole("button", { name: /^general/ }).waitFor();
  });

  it("takes a pasted image and a dropped file into the tray, with a drop target while dragging", async () => {
    await makeFiles(ann);
    // A paste of an image, as the browser delivers one from the clipboard.
    await ann.getByLabel("Message #general").focus();
    const pasted = await ann.evaluate(() => {
      const { photo } = (window as unknown as { testFiles: { photo: File } }).testFiles;
      const data = new DataTransfer();
      data.items.add(photo);
      const event = new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true });
      document.activeElement?.dispatchEvent(event);
      return event.defaultPrevented;
    });
    expect(pasted, "the paste is taken as a file, not pasted as text").toBe(true);
    const tray = ann.getByRole("region", { name: /^Files to send/ });
    await tray.getByText("hill.png", { exact: true }).waitFor();
    expect(await tray.locator("img").getAttribute("src"), "a thumbnail of the image itself").toMatch(/^blob:/);

    // A file dragged in from the desktop: the drop target shows until it is dropped.
    await ann.evaluate(() => {
      const { notes } = (window as unknown as { testFiles: { notes: File } }).testFiles;
      const data = new DataTransfer();
      data.items.add(notes);
      (window as unknown as { drag: DataTransfer }).drag = data;
      const list = document.querySelector("ol.message-list") as HTMLElement;
      for (const type of ["dragenter", "dragover"]) list.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await ann.getByText("Drop to attach").waitFor();
    await ann.screenshot({ path: `${ARTIFACTS}/files-drop.png` });
    await ann.evaluate(() => {
      const data = (window as unknown as { drag: DataTransfer }).drag;
      const list = document.querySelector("ol.message-list") as HTMLElement;
      list.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await ann.getByText("Drop to attach").waitFor({ state: "detached" });
    await tray.getByText("field-notes.bin", { exact: true }).waitFor();
    await tray.getByText("6.0 MB").waitFor();
    await ann.getByLabel("Alt text for hill.png").fill("A green hill under an evening sky");
    expect(await accessibilityProblems(ann), "the composer with files waiting").toEqual([]);
    await screenshots(ann, "files-tray");
  });

  it("shows each file's progress while it uploads, cancels with nothing lost, and shows the message only once the server has it", async () => {
    const cdp = await ann.context().newCDPSession(ann);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: SLOW_UPLOAD });
    const box = ann.getByLabel("Message #general");
    const progress = ann.getByRole("progressbar", { name: "Uploading field-notes.bin" });

    // Cancelled partway: the files and the text are all still there.
    await box.fill("the hill, and my notes");
    await box.press("Enter");
    await expect.poll(async () => Number(await progress.getAttribute("value")), { timeout: 15_000 }).toBeGreaterThan(0);
    await ann.getByRole("button", { name: "Cancel upload" }).click();
    await progress.waitFor({ state: "detached" });
    expect(await box.inputValue()).toBe("the hill, and my notes");
    expect(await ann.getByLabel("Alt text for hill.png").inputValue()).toBe("A green hill under an evening sky");
    await ann.getByRole("region", { name: "Files to send: 2 files" }).waitFor();
    expect(await ann.getByRole("alert").count(), "a cancel is no failure").toBe(0);

    // Sent again: the progress moves, and the message is nowhere until the server has it.
    await box.press("Enter");
    await expect.poll(async () => Number(await progress.getAttribute("value")), { timeout: 15_000 }).toBeGreaterThan(10);
    const partway = Number(await progress.getAttribute("value"));
    expect(partway).toBeLessThan(100);
    await ann.getByText(/^\d+%$/).first().waitFor();
    expect(await ann.getByRole("progressbar", { name: "Uploading hill.png" }).getAttribute("value"), "the image goes first").toBe("100");
    expect(await ann.locator("li.message", { hasText: "the hill, and my notes" }).count()).toBe(0);
    expect(await bob.locator("li.message", { hasText: "the hill, and my notes" }).count()).toBe(0);
    expect(await accessibilityProblems(ann), "the tray while uploading").toEqual([]);
    await screenshots(ann, "files-uploading");

    await ann.locator("li.message", { hasText: "the hill, and my notes" }).waitFor({ timeout: 30_000 });
    await ann.getByRole("region", { name: /^Files to send/ }).waitFor({ state: "detached" });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
  });

  it("shows bob the image and the file, opens the lightbox, and downloads the very bytes ann sent", async () => {
    const message = bob.locator("li.message", { hasText: "the hill, and my notes" });
    const preview = message.locator(".image-preview img");
    await preview.waitFor();
    // Sized from the server's width and height before it loads, named by its alt text.
    expect([await preview.getAttribute("width"), await preview.getAttribute("height")]).toEqual(["320", "200"]);
    expect(await preview.getAttribute("alt")).toBe("A green hill under an evening sky");
    expect(await preview.getAttribute("loading")).toBe("lazy");
    // Through the media proxy, asking for its box: a larger image would come as a thumbnail.
    expect(await preview.getAttribute("src")).toMatch(/^\/media\/attachments\/\d+\/\d+\/hill\.png\?ex=.*&width=320&height=200$/);
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320);

    const card = message.getByRole("link", { name: /field-notes\.bin/ });
    await card.waitFor();
    expect(await card.textContent()).toContain("6.0 MB");
    const href = (await card.getAttribute("href")) as string;
    expect(href).toMatch(/\/attachments\/\d+\/\d+\/field-notes\.bin\?ex=/);
    const sent = await ann.evaluate(() => (window as unknown as { testFiles: { notesSha: string } }).testFiles.notesSha);
    expect(await sha256Of(bob, href), "the download is byte for byte what ann sent").toBe(sent);
    expect(await accessibilityProblems(bob), "a message with an image and a file").toEqual([]);
    await screenshots(bob, "files-message");

    // The lightbox: the image at its own size, a link to the original; Escape closes it and
    // focus returns to the preview.
    await message.getByRole("button", { name: "View A green hill under an evening sky" }).click();
    const lightbox = bob.getByRole("dialog", { name: "hill.png" });
    await lightbox.waitFor();
    const full = lightbox.getByRole("img", { name: "A green hill under an evening sky" });
    await expect.poll(() => full.evaluate((img: HTMLImageElement) => img.complete && img.getBoundingClientRect().width)).toBe(320);
    const original = lightbox.getByRole("link", { name: "Open original" });
    expect(await original.getAttribute("target")).toBe("_blank");
    expect(await original.getAttribute("href")).toMatch(/\/hill\.png\?ex=/);
    await lightbox.getByRole("link", { name: "Download" }).waitFor();
    expect(await accessibilityProblems(bob), "the lightbox").toEqual([]);
    await screenshots(bob, "files-lightbox");
    await bob.keyboard.press("Escape");
    await lightbox.waitFor({ state: "detached" });
    expect(await bob.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("View A green hill under an evening sky");
  });

  it("keeps a spoiler chosen with the attach button covered until bob clicks it", async () => {
    const chooser = ann.waitForEvent("filechooser");
    await ann.getByRole("button", { name: "Attach files" }).click();
    await (await chooser).setFiles({ name: "ending.png", mimeType: "image/png", buffer: Buffer.from(await ann.evaluate(async () => {
      const { photo } = (window as unknown as { testFiles: { photo: File } }).testFiles;
      return Array.from(new Uint8Array(await photo.arrayBuffer()));
    })) });
    await ann.getByRole("checkbox", { name: "Spoiler: hide ending.png until clicked" }).check();
    await ann.getByLabel("Message #general").press("Enter");
    await ann.getByRole("region", { name: /^Files to send/ }).waitFor({ state: "detached" });

    const covered = bob.locator("li.message").filter({ has: bob.getByRole("button", { name: "Spoiler: show the image" }) });
    await covered.waitFor();
    const message = bob.locator(`li.message[data-id="${await covered.getAttribute("data-id")}"]`);
    const hidden = message.locator(".image-preview");
    expect(await hidden.evaluate((button: HTMLElement) => (button.focus(), document.activeElement === button)), "nothing of it reachable while covered").toBe(false);
    await screenshots(bob, "files-spoiler");
    await message.getByRole("button", { name: "Spoiler: show the image" }).click();
    const revealed = message.getByRole("button", { name: "View ending.png" });
    await revealed.waitFor();
    expect(await bob.evaluate(() => document.activeElement?.getAttribute("aria-label")), "focus goes to what was uncovered").toBe("View ending.png");
  });

  it("plays video and audio in place, and offers HTML and SVG only as files to download", async () => {
    const chooser = ann.waitForEvent("filechooser");
    await ann.getByRole("button", { name: "Attach files" }).click();
    await (await chooser).setFiles([
      // The server types files by their bytes: an MP4's box header, a WAV's RIFF header.
      { name: "clip.mp4", mimeType: "video/mp4", buffer: Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from("ftypisom"), Buffer.alloc(64)]) },
      { name: "tone.wav", mimeType: "audio/wav", buffer: tone() },
      { name: "page.html", mimeType: "text/html", buffer: Buffer.from("<!doctype html><h1 id=injected>hello</h1><script>alert(1)</script>") },
      { name: "logo.svg", mimeType: "image/svg+xml", buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="9"/></svg>') },
    ]);
    await ann.getByRole("region", { name: "Files to send: 4 files" }).waitFor();
    await ann.getByLabel("Message #general").fill("media and markup");
    await ann.getByLabel("Message #general").press("Enter");

    const message = bob.locator("li.message", { hasText: "media and markup" });
    await message.locator("video[controls]").waitFor();
    expect(await message.locator("video").getAttribute("aria-label")).toBe("clip.mp4");
    await message.locator("audio[controls]").waitFor();
    await message.getByRole("link", { name: /^tone\.wav/ }).waitFor();
    // Markup is a file card: nothing of it is drawn or run in the page.
    await message.getByRole("link", { name: /^page\.html/ }).waitFor();
    await message.getByRole("link", { name: /^logo\.svg/ }).waitFor();
    expect(await message.locator("img, iframe, object, embed, svg circle").count()).toBe(0);
    expect(await bob.locator("#injected").count()).toBe(0);
    expect(await accessibilityProblems(bob), "video, audio and file cards").toEqual([]);
    await screenshots(bob, "files-media");
  });

  it("shows the server's refusal of a file over the limit, and keeps the file in the tray", async () => {
    const chooser = ann.waitForEvent("filechooser");
    await ann.getByRole("button", { name: "Attach files" }).click();
    await (await chooser).setFiles({ name: "too-big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc((LIMIT_MIB + 1) * 1024 * 1024, 7) });
    await ann.getByLabel("Message #general").fill("this will not fit");
    await ann.getByLabel("Message #general").press("Enter");
    const refusal = ann.getByRole("region", { name: /^Files to send/ }).getByRole("alert");
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toContain(`${LIMIT_MIB} MiB`);
    await ann.getByRole("region", { name: "Files to send: 1 file" }).getByText("too-big.bin", { exact: true }).waitFor();
    expect(await ann.getByLabel("Message #general").inputValue()).toBe("this will not fit");
    // The tray took room from the list; the newest message is still in view above it.
    const newestInView = () =>
      ann.locator("li.message").last().evaluate((li) => li.getBoundingClientRect().bottom <= (li.closest("ol") as HTMLElement).getBoundingClientRect().bottom + 1);
    await expect.poll(newestInView).toBe(true);
    await screenshots(ann, "files-refused");
    await ann.getByRole("button", { name: "Remove too-big.bin" }).click();
  });
});
