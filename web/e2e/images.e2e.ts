// Faces and custom emoji between two people, in Chromium against a real `parley serve` on
// PostgreSQL: ann chooses an avatar in her settings (a damaged image first, which the server
// refuses in its own words), and bob sees it on her messages and in the member list without
// reloading, the image really loaded, and on her profile card and in their DM; ann gives the guild an icon and a banner; ann adds a
// custom emoji in the guild's emoji manager, bob finds it in his picker as it arrives, sends
// it through `:name` autocomplete and reacts with it, and ann sees both drawn as images. A
// renamed and then deleted emoji leaves its reaction, shown by name. Every screen passes
// axe-core in both themes, and the screenshots land in ARTIFACTS.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, apiAs, openSettings, person, register, say, userId } from "./browser";
import { startStack, type Stack } from "./stack";

/** Screenshots in the dark theme and in the light one. */
async function screenshots(page: Page, name: string): Promise<void> {
  for (const theme of ["dark", "light"]) {
    await page.evaluate((theme) => document.documentElement.setAttribute("data-theme", theme), theme);
    await page.screenshot({ path: `${ARTIFACTS}/${name}-${theme}.png` });
  }
  await page.evaluate(() => document.documentElement.removeAttribute("data-theme"));
}

/** A PNG drawn in the page: a gradient with a circle (an avatar, an icon), a wide landscape
 * (a banner), or a round face (an emoji). */
async function drawPng(page: Page, kind: "face" | "banner" | "emoji"): Promise<Buffer> {
  const base64 = await page.evaluate(async (kind) => {
    const [width, height] = kind === "banner" ? [960, 400] : kind === "emoji" ? [64, 64] : [256, 256];
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext("2d") as CanvasRenderingContext2D;
    if (kind === "emoji") {
      g.fillStyle = "#f0b232";
      g.beginPath();
      g.arc(32, 32, 30, 0, Math.PI * 2);
      g.fill();
      g.fillStyle = "#2b2d31";
      for (const x of [22, 42]) {
        g.beginPath();
        g.arc(x, 26, 5, 0, Math.PI * 2);
        g.fill();
      }
      g.lineWidth = 4;
      g.strokeStyle = "#2b2d31";
      g.beginPath();
      g.arc(32, 34, 16, 0.15 * Math.PI, 0.85 * Math.PI);
      g.stroke();
    } else {
      const sky = g.createLinearGradient(0, 0, width, height);
      sky.addColorStop(0, kind === "banner" ? "#0b6e99" : "#be185d");
      sky.addColorStop(1, "#f0b232");
      g.fillStyle = sky;
      g.fillRect(0, 0, width, height);
      g.fillStyle = "#23a55a";
      g.beginPath();
      if (kind === "banner") g.ellipse(width / 2, height * 1.1, width * 0.7, height * 0.55, 0, 0, Math.PI * 2);
      else g.arc(width / 2, height * 0.62, width * 0.3, 0, Math.PI * 2);
      g.fill();
    }
    const blob = await new Promise<Blob>((done) => canvas.toBlob((b) => done(b as Blob), "image/png"));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }, kind);
  return Buffer.from(base64, "base64");
}

/** Chooses `file` in the file chooser that clicking `button` opens. */
async function choose(page: Page, button: Locator, file: { name: string; buffer: Buffer; mimeType?: string }): Promise<void> {
  const chooser = page.waitForEvent("filechooser");
  await button.click();
  await (await chooser).setFiles({ mimeType: "image/png", ...file });
}

/** The image's source, once it has loaded (a decoded picture, not a broken one). */
async function loadedSource(image: Locator): Promise<string> {
  await image.waitFor();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { timeout: 15_000 }).toBeGreaterThan(0);
  return (await image.getAttribute("src")) ?? "";
}

describe("faces and custom emoji", () => {
  let stack: Stack;
  let ann: Page;
  let bob: Page;
  let annId: string;
  let guildId: string;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("brings two people into one guild, where ann has written", async () => {
    ann = await person(stack.browser, stack.server.url);
    await register(ann, "ann");
    annId = await userId(ann);
    await ann.getByRole("button", { name: "Create a guild" }).click();
    await ann.getByLabel("Guild name").fill("Picture Club");
    await ann.getByRole("dialog", { name: "Create a guild" }).getByRole("button", { name: "Create" }).click();
    await ann.getByRole("button", { name: /^general/ }).waitFor();
    const [guild] = await (await apiAs(ann, stack.server.url))<{ id: string }[]>("GET", "/users/@me/guilds");
    guildId = guild?.id ?? "";
    await ann.getByRole("button", { name: "Invite people" }).click();
    const field = ann.getByLabel("Invite link");
    await expect.poll(() => field.inputValue()).toMatch(/\/invite\/\S+$/);
    const link = await field.inputValue();
    await ann.keyboard.press("Escape");
    bob = await person(stack.browser, link);
    await register(bob, "bob");
    await bob.getByRole("button", { name: /^general/ }).waitFor();
    await say(ann, "general", "hello from ann");
    await bob.getByText("hello from ann").waitFor();
    // No avatar yet: initials on her colour, and no image anywhere.
    const face = bob.locator("li.message", { hasText: "hello from ann" }).locator(".face");
    expect(await face.textContent()).toBe("A");
    expect(await bob.locator("main img").count()).toBe(0);
  });

  it("sets ann's avatar from her settings, and bob sees it on her messages and in the member list without reloading", async () => {
    await openSettings(ann);
    const avatar = ann.getByRole("region", { name: "Avatar" });
    await avatar.getByRole("button", { name: "Upload avatar…" }).waitFor();
    expect(await accessibilityProblems(ann), "the avatar settings").toEqual([]);

    // A damaged PNG: the server refuses it, in its own words, and nothing changes.
    const picture = await drawPng(ann, "face");
    await choose(ann, avatar.getByRole("button", { name: "Upload avatar…" }), { name: "broken.png", buffer: picture.subarray(0, 120) });
    await avatar.getByText("broken.png").waitFor();
    await avatar.getByRole("button", { name: "Save avatar" }).click();
    const refusal = avatar.getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/damaged/i);
    // Not an image at all: refused before anything is sent.
    await choose(ann, avatar.getByRole("button", { name: "Choose another…" }), { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    expect(await refusal.textContent()).toBe("notes.txt is not a PNG, JPEG, GIF or WebP image.");

    await choose(ann, avatar.getByRole("button", { name: "Choose another…" }), { name: "ann.png", buffer: picture });
    await avatar.getByRole("img", { name: "The new avatar: ann.png" }).waitFor();
    expect(await accessibilityProblems(ann), "the avatar settings with a preview").toEqual([]);
    await screenshots(ann, "images-avatar-preview");
    await avatar.getByRole("button", { name: "Save avatar" }).click();
    await avatar.getByRole("status").getByText("Your new avatar is saved.").waitFor();
    const { avatar: hash } = await (await apiAs(ann, stack.server.url))<{ avatar: string }>("GET", "/users/@me");
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(await loadedSource(avatar.getByRole("img", { name: "Your avatar" }))).toMatch(new RegExp(`^/avatars/${annId}/${hash}\\.webp\\?size=256$`));
    // Her own panel, at once.
    expect(await loadedSource(ann.locator(".channels footer img"))).toContain(`/avatars/${annId}/${hash}.`);
    await screenshots(ann, "images-avatar-saved");

    // Bob, who has not reloaded: her face in the member list and on her message.
    const member = bob.getByRole("complementary", { name: "Members" }).locator(`button[data-member="${annId}"] img`);
    expect(await loadedSource(member)).toBe(`/avatars/${annId}/${hash}.webp?size=64`);
    const onMessage = bob.locator("li.message", { hasText: "hello from ann" }).locator(".face img");
    expect(await loadedSource(onMessage)).toBe(`/avatars/${annId}/${hash}.webp?size=128`);
    expect(await accessibilityProblems(bob), "the chat with ann's avatar").toEqual([]);
    await screenshots(bob, "images-avatar-seen");
    await ann.getByRole("button", { name: "Close" }).click();
  });

  it("shows ann's face on her profile card, in bob's DM list and at the top of their DM", async () => {
    const members = bob.getByRole("complementary", { name: "Members" });
    await members.locator(`button[data-member="${annId}"]`).click();
    const card = bob.getByRole("dialog", { name: "ann's profile" });
    expect(await loadedSource(card.locator("img"))).toMatch(new RegExp(`^/avatars/${annId}/[0-9a-f]{32}\\.webp\\?size=256$`));
    await card.getByRole("button", { name: "Message" }).click();
    await bob.getByLabel("Message @ann").waitFor();
    expect(await loadedSource(bob.locator(".dm-bar img"))).toContain(`/avatars/${annId}/`);
    const listed = bob.getByRole("complementary", { name: "Direct messages" }).getByRole("button", { name: "ann" });
    expect(await loadedSource(listed.locator("img"))).toContain(`/avatars/${annId}/`);
    expect(await accessibilityProblems(bob), "a DM with faces").toEqual([]);
    await screenshots(bob, "images-dm");
    await bob.getByRole("navigation", { name: "Guilds" }).getByRole("button", { name: "Picture Club" }).click();
    await bob.getByLabel("Message #general").waitFor();
  });

  it("gives the guild an icon and a banner, which bob sees in his guild list and above the channels", async () => {
    await ann.getByRole("button", { name: "Guild settings" }).click();
    await ann.getByRole("tab", { name: "Overview", selected: true }).waitFor();
    const icon = ann.getByRole("region", { name: "Icon" });
    await choose(ann, icon.getByRole("button", { name: "Upload icon…" }), { name: "club.png", buffer: await drawPng(ann, "face") });
    await icon.getByRole("button", { name: "Save icon" }).click();
    await icon.getByText("Your new icon is saved.").waitFor();
    const banner = ann.getByRole("region", { name: "Banner" });
    await choose(ann, banner.getByRole("button", { name: "Upload banner…" }), { name: "hills.png", buffer: await drawPng(ann, "banner") });
    await banner.getByRole("button", { name: "Save banner" }).click();
    await banner.getByText("Your new banner is saved.").waitFor();
    expect(await accessibilityProblems(ann), "the guild's icon and banner settings").toEqual([]);
    await screenshots(ann, "images-guild-overview");

    const rail = bob.getByRole("navigation", { name: "Guilds" }).getByRole("button", { name: "Picture Club" });
    expect(await loadedSource(rail.locator("img"))).toMatch(new RegExp(`^/icons/${guildId}/[0-9a-f]{32}\\.webp\\?size=128$`));
    expect(await loadedSource(bob.locator("img.guild-banner"))).toMatch(new RegExp(`^/banners/${guildId}/[0-9a-f]{32}\\.webp\\?size=512$`));
  });

  it("adds a custom emoji in the emoji manager, and bob finds it in his picker as it arrives", async () => {
    await ann.getByRole("tab", { name: "Emoji" }).click();
    await ann.getByText("No custom emoji yet.").waitFor();
    const form = ann.getByRole("form", { name: "Add an emoji" });
    await choose(ann, form.getByRole("button", { name: "Choose image…" }), { name: "Party Parrot.png", buffer: await drawPng(ann, "emoji") });
    const name = form.getByLabel("Name");
    // Suggested from the file's name; a name the server would refuse is refused here first.
    expect(await name.inputValue()).toBe("Party_Parrot");
    await name.fill("party parrot");
    await form.getByText("Use only letters, digits and underscores (no spaces or accents).").waitFor();
    expect(await form.getByRole("button", { name: "Upload emoji" }).isDisabled()).toBe(true);
    expect(await accessibilityProblems(ann), "the emoji manager with a name refused").toEqual([]);
    await name.fill("parrot");
    await form.getByRole("button", { name: "Upload emoji" }).click();
    await form.getByRole("status").getByText(":parrot: is added.", { exact: false }).waitFor();
    const row = ann.locator(".emoji-row", { hasText: ":parrot:" });
    await row.getByText("Added by ann").waitFor();
    expect(await loadedSource(row.getByRole("img", { name: ":parrot:" }))).toMatch(/^\/emojis\/\d+\.webp\?size=64$/);
    expect(await accessibilityProblems(ann), "the emoji manager").toEqual([]);
    await screenshots(ann, "images-emoji-manager");

    // Bob's picker offers it under the guild's name, found by searching too.
    const hello = bob.locator("li.message", { hasText: "hello from ann" });
    await hello.hover();
    await hello.getByRole("button", { name: "Add reaction" }).click();
    await bob.getByRole("button", { name: "More emoji" }).click();
    const picker = bob.getByRole("dialog", { name: "Pick a reaction" });
    await picker.getByRole("heading", { name: "Picture Club" }).waitFor();
    await loadedSource(picker.getByRole("button", { name: "React with :parrot:" }).locator("img"));
    expect(await accessibilityProblems(bob), "the emoji picker with custom emoji").toEqual([]);
    await screenshots(bob, "images-picker");
    await picker.getByLabel("Find an emoji").fill("parr");
    await picker.getByRole("heading", { name: "Results" }).waitFor();
    await picker.getByRole("button", { name: "React with :parrot:" }).click();
    await hello.getByRole("button", { name: ":parrot: 1" }).waitFor();
    await ann.getByRole("button", { name: "Close" }).click();
  });

  it("sends the emoji through :name autocomplete, and ann sees it and bob's reaction as images", async () => {
    const box = bob.getByLabel("Message #general");
    await box.click();
    await box.pressSequentially(":parr");
    const option = bob.getByRole("listbox", { name: "Suggestions" }).getByRole("option", { name: /:parrot:/ });
    await option.waitFor();
    expect(await accessibilityProblems(bob), "the emoji suggestions").toEqual([]);
    await screenshots(bob, "images-autocomplete");
    await box.press("Enter");
    expect(await box.inputValue()).toMatch(/^<:parrot:\d+> $/);
    await box.pressSequentially("look at this");
    await box.press("Enter");

    const sent = ann.locator("li.message", { hasText: "look at this" });
    const inline = sent.locator("img.emoji");
    expect(await inline.getAttribute("alt")).toBe(":parrot:");
    expect(await loadedSource(inline)).toMatch(/^\/emojis\/\d+\.webp\?size=64$/);
    // Bob's face beside his message (initials: he has no avatar).
    expect(await sent.locator(".face").textContent()).toBe("B");
    const reaction = ann.locator("li.message", { hasText: "hello from ann" }).getByRole("button", { name: ":parrot: 1" });
    expect(await loadedSource(reaction.locator("img"))).toMatch(/^\/emojis\/\d+\.webp\?size=64$/);

    // A message of only emoji shows it large.
    await say(bob, "general", ":parrot:");
    const jumbo = ann.locator("li.message .content.jumbo img.emoji.jumbo");
    expect(await loadedSource(jumbo)).toMatch(/^\/emojis\/\d+\.webp\?size=128$/);
    expect(await accessibilityProblems(ann), "messages and reactions with custom emoji").toEqual([]);
    await screenshots(ann, "images-chat");
  });

  it("renames and deletes the emoji; its reaction stays, shown by name", async () => {
    await ann.getByRole("button", { name: "Guild settings" }).click();
    await ann.getByRole("tab", { name: "Emoji" }).click();
    const row = ann.locator(".emoji-row", { hasText: ":parrot:" });
    await row.getByRole("button", { name: "Rename :parrot:" }).click();
    await ann.getByLabel("New name for :parrot:").fill("parrot_2");
    await ann.getByLabel("New name for :parrot:").press("Enter");
    await ann.locator(".emoji-row", { hasText: ":parrot_2:" }).waitFor();
    // Renamed for bob too, live: his autocomplete offers the new name.
    const box = bob.getByLabel("Message #general");
    await box.pressSequentially(":parrot_");
    await bob.getByRole("listbox", { name: "Suggestions" }).getByRole("option", { name: /:parrot_2:/ }).waitFor();
    await box.fill("");

    await ann.locator(".emoji-row", { hasText: ":parrot_2:" }).getByRole("button", { name: "Delete :parrot_2:" }).click();
    const question = ann.getByRole("dialog", { name: "Delete :parrot_2:" });
    expect(await accessibilityProblems(ann), "the delete confirmation").toEqual([]);
    await question.getByRole("button", { name: "Delete emoji" }).click();
    await ann.getByText("No custom emoji yet.").waitFor();
    await ann.getByRole("button", { name: "Close" }).click();

    // Its image is gone: the reaction shows the name it had, and after a reload (the server
    // no longer knows the name) :deleted:.
    const hello = ann.locator("li.message", { hasText: "hello from ann" });
    await hello.getByRole("button", { name: ":parrot: 1" }).getByText(":parrot:").waitFor();
    await bob.reload();
    await bob.locator("li.message", { hasText: "hello from ann" }).getByRole("button", { name: ":deleted: 1" }).waitFor();
    await screenshots(ann, "images-deleted-emoji");
  });

  it("removes ann's avatar, and bob sees her initials again", async () => {
    await openSettings(ann);
    await ann.getByRole("region", { name: "Avatar" }).getByRole("button", { name: "Remove avatar" }).click();
    await ann.getByRole("region", { name: "Avatar" }).getByText("The avatar is removed.").waitFor();
    const member = bob.getByRole("complementary", { name: "Members" }).locator(`button[data-member="${annId}"]`);
    await member.locator("img").waitFor({ state: "detached" });
    expect(await member.locator(".avatar").textContent()).toBe("A");
    await ann.getByRole("button", { name: "Close" }).click();
  });
});
