// The client side by side with Discord (issue 20): a newcomer's first screen, the sign-up
// rules, labelled rail buttons, the channel header, messages grouped by author and anchored
// at the bottom, hover actions, a person's popout, the user menu, settings as a sidebar of
// sections, and the same on a phone. Every new screen passes axe-core in both themes; the
// screenshots land in ARTIFACTS.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, apiAs, openSettings, person, register, say, userId } from "./browser";
import { startStack, type Stack } from "./stack";

/** The texts an element's aria-describedby points at, in order. */
async function description(page: Page, label: string): Promise<string[]> {
  return page.getByLabel(label, { exact: true }).evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? `(no #${id})`),
  );
}

/** What a button's tooltip shows (drawn by CSS from data-tip), or "none". */
const tooltip = (page: Page, name: string) => page.locator(`button[data-tip="${name}"]`).evaluate((el) => getComputedStyle(el, "::after").content);

describe("the look and feel", () => {
  let stack: Stack;
  let ann: Page;
  let bob: Page;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("shows the sign-up rules before anything is sent, and names a broken rule at its field", async () => {
    ann = await person(stack.browser, stack.server.url);
    await ann.getByText("You are the first here").waitFor();
    // The rules are there before the first try.
    expect(await description(ann, "Username")).toEqual(["2 to 32 characters: letters, digits, _ and . (not two dots in a row)."]);
    expect(await description(ann, "Password")).toEqual(["8 to 128 characters."]);
    await ann.getByLabel("Username").fill("a");
    await ann.getByLabel("Password").fill("short");
    await ann.getByRole("button", { name: "Create account" }).click();
    // Each field says what is wrong with it, tied to it, and the first gets focus.
    expect(await ann.getByLabel("Username").getAttribute("aria-invalid")).toBe("true");
    expect(await description(ann, "Username")).toEqual([
      "2 to 32 characters: letters, digits, _ and . (not two dots in a row).",
      "A username needs at least 2 characters.",
    ]);
    expect(await description(ann, "Password")).toEqual(["8 to 128 characters.", "A password needs at least 8 characters."]);
    expect(await ann.evaluate(() => document.activeElement?.id)).toBe("auth-username");
    expect(await accessibilityProblems(ann), "the sign-up form with its errors").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/signup-errors.png` });
    // Nothing was sent: there is still no account, so ann is still the first.
    await ann.getByText("You are the first here").waitFor();
    await ann.getByLabel("Username").fill("ann");
    await ann.getByLabel("Password").fill("correct horse battery");
    await ann.getByRole("button", { name: "Create account" }).click();
    await ann.getByRole("button", { name: "Account menu" }).waitFor();
  });

  it("welcomes a new account with no guild with the two ways in, each explained", async () => {
    const welcome = ann.getByRole("region", { name: "Welcome to Parley" });
    await welcome.waitFor();
    await welcome.getByText("Make a guild for your friends, team or club").waitFor();
    await welcome.getByText("Someone sent you an invite link or code?").waitFor();
    expect(await accessibilityProblems(ann), "the onboarding screen").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/onboarding.png` });
    await welcome.getByRole("button", { name: "Use an invite" }).click();
    await ann.getByRole("dialog", { name: "Join a guild" }).waitFor();
    await ann.keyboard.press("Escape");
    await welcome.getByRole("button", { name: "Start a guild" }).click();
    await ann.getByLabel("Guild name").fill("Garden Club");
    await ann.getByRole("dialog", { name: "Create a guild" }).getByRole("button", { name: "Create" }).click();
    await ann.getByRole("button", { name: /^general/ }).waitFor();
    expect(await welcome.count(), "the welcome is gone once in a guild").toBe(0);
  });

  it("names each rail button in a tooltip while pointed at or focused", async () => {
    const rail = ann.getByRole("navigation", { name: "Guilds" });
    expect(await tooltip(ann, "Create a guild")).toBe("none");
    await rail.getByRole("button", { name: "Create a guild" }).hover();
    expect(await tooltip(ann, "Create a guild")).toBe('"Create a guild"');
    await rail.getByRole("button", { name: "Garden Club" }).hover();
    expect(await tooltip(ann, "Garden Club")).toBe('"Garden Club"');
    await ann.mouse.move(600, 400);
    // From the keyboard: Tab from the guild to the next button shows its name.
    await rail.getByRole("button", { name: "Garden Club" }).focus();
    await ann.keyboard.press("Tab");
    expect(await ann.evaluate(() => document.activeElement?.getAttribute("data-tip"))).toBe("Create a guild");
    expect(await tooltip(ann, "Create a guild")).toBe('"Create a guild"');
    await ann.screenshot({ path: `${ARTIFACTS}/rail-tooltip.png` });
  });

  it("shows a channel header with the name, topic, pins, member list and search", async () => {
    const invite = await (await apiAs(ann, stack.server.url))<{ code: string }>(
      "POST",
      `/channels/${await channelId(ann, "general")}/invites`,
      {},
    );
    bob = await person(stack.browser, `${stack.server.url}/invite/${invite.code}`);
    await register(bob, "bob");
    await bob.getByRole("button", { name: /^general/ }).waitFor();

    // Ann sets the topic from the channel's editor; bob's header shows it.
    await ann.getByRole("button", { name: "Edit channel general", exact: true }).click();
    const editor = ann.getByRole("dialog", { name: "Edit #general" });
    await editor.getByLabel("Topic").fill("Seeds, soil and the shared plot");
    expect(await accessibilityProblems(ann), "the channel editor").toEqual([]);
    await editor.getByRole("button", { name: "Save changes" }).click();
    await editor.getByText("Saved: #general.").waitFor();
    await ann.keyboard.press("Escape");
    const header = bob.getByRole("region", { name: "Channel header" });
    await header.getByText("Seeds, soil and the shared plot").waitFor();
    await header.getByRole("button", { name: "Pinned messages" }).waitFor();
    await header.getByLabel("Search this guild's messages").waitFor();

    // The member list hides and comes back.
    const toggle = header.getByRole("button", { name: "Member list" });
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    await toggle.click();
    await bob.getByRole("complementary", { name: "Members" }).waitFor({ state: "detached" });
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    await bob.getByRole("complementary", { name: "Members" }).waitFor();
    expect(await accessibilityProblems(bob), "the channel header").toEqual([]);
  });

  it("keeps a short channel's messages at the bottom, over the composer", async () => {
    await say(ann, "general", "the tomatoes are in");
    const last = bob.locator("li.message", { hasText: "the tomatoes are in" });
    await last.waitFor();
    const gap = await bob.evaluate(() => {
      const list = document.querySelector("ol.message-list") as HTMLElement;
      const rows = list.querySelectorAll("li.message");
      const row = rows[rows.length - 1] as HTMLElement;
      return list.getBoundingClientRect().bottom - row.getBoundingClientRect().bottom;
    });
    expect(gap, "no gap above the composer").toBeLessThan(40);
  });

  it("groups one author's messages within minutes into compact rows, faces on the first only", async () => {
    await say(ann, "general", "and the beans");
    await say(ann, "general", "and the squash");
    await say(bob, "general", "lovely");
    await say(ann, "general", "thanks");
    await bob.locator("li.message", { hasText: "thanks" }).waitFor();
    const rows = await bob.locator("li.message").evaluateAll((rows) =>
      rows.map((r) => ({
        text: r.querySelector(".content")?.textContent ?? "",
        grouped: r.classList.contains("grouped"),
        face: !!r.querySelector(".face"),
        name: r.querySelector("button.author")?.textContent ?? null,
      })),
    );
    expect(rows).toEqual([
      { text: "the tomatoes are in", grouped: false, face: true, name: "ann" },
      { text: "and the beans", grouped: true, face: false, name: null },
      { text: "and the squash", grouped: true, face: false, name: null },
      { text: "lovely", grouped: false, face: true, name: "bob" },
      { text: "thanks", grouped: false, face: true, name: "ann" },
    ]);
    // A reply starts its own group even from the same author, as in Discord.
    const thanks = ann.locator("li.message", { hasText: "thanks" });
    await thanks.hover();
    await thanks.getByRole("button", { name: "Reply" }).click();
    await say(ann, "general", "you're welcome, me");
    const reply = bob.locator("li.message", { hasText: "you're welcome, me" });
    await reply.waitFor();
    expect(await reply.evaluate((r) => r.classList.contains("grouped"))).toBe(false);
    await bob.screenshot({ path: `${ARTIFACTS}/grouped.png` });
  });

  it("offers hover actions: reply and react on any message, edit and delete on mine, and more", async () => {
    const theirs = bob.locator("li.message", { hasText: "and the beans" });
    await theirs.hover();
    const bar = theirs.getByRole("group", { name: "Message actions" });
    expect(await bar.getByRole("button").evaluateAll((b) => b.map((x) => x.getAttribute("aria-label")))).toEqual(["Reply", "Add reaction", "Start a thread", "More"]);
    const mine = bob.locator("li.message", { hasText: "lovely" });
    await mine.hover();
    expect(await mine.getByRole("group", { name: "Message actions" }).getByRole("button").evaluateAll((b) => b.map((x) => x.getAttribute("aria-label")))).toEqual([
      "Reply",
      "Add reaction",
      "Start a thread",
      "Edit",
      "Delete",
      "More",
    ]);
    // The hover bar names its buttons in tooltips too.
    await mine.getByRole("button", { name: "Edit" }).hover();
    expect(await mine.getByRole("button", { name: "Edit" }).evaluate((el) => getComputedStyle(el, "::after").content)).toBe('"Edit"');
    await mine.getByRole("button", { name: "More" }).click();
    const menu = bob.getByRole("menu", { name: "More actions" });
    expect(await menu.getByRole("menuitem").allTextContents()).toEqual(["Pin", "Copy text"]);
    expect(await bob.evaluate(() => document.activeElement?.textContent)).toBe("Pin");
    expect(await accessibilityProblems(bob), "a message's hover bar and its menu").toEqual([]);
    await bob.screenshot({ path: `${ARTIFACTS}/hover-actions.png` });
    await bob.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
    expect(await bob.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("More");
  });

  it("opens a person's popout from their name on a message, with roles, joined date and a Message button", async () => {
    const api = await apiAs(ann, stack.server.url);
    const guildId = (await api<{ id: string }[]>("GET", "/users/@me/guilds"))[0]?.id;
    const role = await api<{ id: string }>("POST", `/guilds/${guildId}/roles`, { name: "Gardener", color: 0x23a55a });
    await api("PUT", `/guilds/${guildId}/members/${await userId(ann)}/roles/${role.id}`);
    const name = bob.locator("li.message", { hasText: "the tomatoes are in" }).getByRole("button", { name: "ann" });
    await name.click();
    const popout = bob.getByRole("dialog", { name: "ann's profile" });
    await popout.getByRole("heading", { name: "ann" }).waitFor();
    await popout.getByText("Member since").waitFor();
    await popout.getByRole("list", { name: "Roles" }).getByText("Gardener").waitFor();
    expect(await popout.getByRole("group", { name: "Moderation" }).count(), "bob may not moderate ann").toBe(0);
    expect(await accessibilityProblems(bob), "the user popout").toEqual([]);
    await bob.screenshot({ path: `${ARTIFACTS}/popout.png` });
    // Escape closes it and gives focus back to the name.
    await bob.keyboard.press("Escape");
    await popout.waitFor({ state: "detached" });
    expect(await bob.evaluate(() => document.activeElement?.textContent)).toBe("ann");
    // The face opens it too; its Message button opens the DM.
    await bob.locator("li.message", { hasText: "the tomatoes are in" }).locator("button.face").click();
    await popout.getByRole("button", { name: "Message" }).click();
    await bob.getByLabel("Message @ann").waitFor();
    await bob.getByRole("button", { name: "Garden Club" }).click();
    await bob.getByLabel("Message #general").waitFor();
  });

  it("keeps sign-out and settings behind the user menu, and shows settings as a sidebar of sections", async () => {
    const opener = ann.getByRole("button", { name: "Account menu" });
    await opener.click();
    const menu = ann.getByRole("menu", { name: "Account" });
    // Ann made the instance's first account, so she administers it: her menu has Admin too.
    expect(await menu.getByRole("menuitem").allTextContents()).toEqual(["Settings", "Admin", "Sign out"]);
    expect(await opener.getAttribute("aria-expanded")).toBe("true");
    expect(await accessibilityProblems(ann), "the user menu").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/user-menu.png` });
    // Arrow keys move between its items; Escape closes it and focus goes back.
    await ann.keyboard.press("ArrowDown");
    expect(await ann.evaluate(() => document.activeElement?.textContent)).toBe("Admin");
    await ann.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
    expect(await ann.evaluate(() => document.activeElement?.getAttribute("aria-haspopup")), "focus is back on the menu's button").toBe("menu");

    await openSettings(ann);
    const sections = ann.getByRole("tablist", { name: "Settings" });
    expect(await sections.getAttribute("aria-orientation")).toBe("vertical");
    expect(await sections.getByRole("tab").allTextContents()).toEqual(["My account", "Appearance", "Notifications", "Privacy", "Voice and video", "Devices"]);
    expect(await accessibilityProblems(ann), "my settings, my account").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/settings.png` });
    // Down moves to the next section and shows it.
    await ann.getByRole("tab", { name: "My account" }).focus();
    await ann.keyboard.press("ArrowDown");
    await ann.getByRole("tab", { name: "Appearance", selected: true }).waitFor();
    await ann.getByRole("tabpanel").getByText("Theme").waitFor();

    // My display name, edited here, shows in my panel at once.
    await ann.getByRole("tab", { name: "My account" }).click();
    await ann.getByLabel("Display name").fill("Ann Green");
    await ann.getByRole("button", { name: "Save", exact: true }).click();
    await ann.getByText("Your display name is saved.").waitFor();
    await ann.getByRole("button", { name: "Account menu" }).getByText("Ann Green").waitFor();
    await ann.getByRole("button", { name: "Close" }).click();

    await ann.getByRole("button", { name: "Guild settings" }).click();
    const guildSections = ann.getByRole("tablist", { name: "Garden Club settings" });
    expect(await guildSections.getAttribute("aria-orientation")).toBe("vertical");
    expect(await guildSections.getByRole("tab").allTextContents()).toContain("Roles");
    expect(await accessibilityProblems(ann), "the guild settings sidebar").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/guild-settings.png` });
    await ann.getByRole("button", { name: "Close" }).click();
  });

  it("works on a phone: drawers from the header, the popout at the bottom, the user menu", async () => {
    const phone = await bob.context().newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(stack.server.url);
    const header = phone.getByRole("region", { name: "Channel header" });
    await header.getByRole("heading", { name: "general" }).waitFor();
    expect(await phone.getByRole("complementary", { name: "Members" }).isVisible()).toBe(false);
    expect(await accessibilityProblems(phone), "the phone header").toEqual([]);
    await phone.screenshot({ path: `${ARTIFACTS}/phone-header.png` });

    await header.getByRole("button", { name: "Member list" }).click();
    const members = phone.getByRole("complementary", { name: "Members" });
    await members.waitFor();
    await members.locator(`button[data-member="${await userId(ann)}"]`).click();
    const popout = phone.getByRole("dialog", { name: "ann's profile" });
    await popout.waitFor();
    const box = await popout.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, "the popout fits the phone").toBe(true);
    expect(await accessibilityProblems(phone), "the popout on a phone").toEqual([]);
    await phone.screenshot({ path: `${ARTIFACTS}/phone-popout.png` });
    await phone.keyboard.press("Escape");
    await header.getByRole("button", { name: "Member list" }).click();

    await header.getByRole("button", { name: "Channels", exact: true }).click();
    const drawer = phone.getByRole("complementary", { name: "Channels" });
    await drawer.getByRole("button", { name: "Account menu" }).click();
    await phone.getByRole("menu", { name: "Account" }).waitFor();
    expect(await accessibilityProblems(phone), "the user menu on a phone").toEqual([]);
    await phone.screenshot({ path: `${ARTIFACTS}/phone-menu.png` });
    await phone.keyboard.press("Escape");
    await phone.close();
  });
});

async function channelId(page: Page, name: string): Promise<string> {
  const api = await apiAs(page, new URL(page.url()).origin);
  const [guild] = await api<{ id: string }[]>("GET", "/users/@me/guilds");
  const channels = await api<{ id: string; name: string }[]>("GET", `/guilds/${guild?.id}/channels`);
  return channels.find((c) => c.name === name)?.id ?? "";
}

