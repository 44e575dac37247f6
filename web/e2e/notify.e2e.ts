// Notifications, blocking and DM privacy (issue 20, part 4): a mention elsewhere raises the
// rail's badge, the tab's title and favicon, and a desktop notification while the tab is
// hidden; a muted guild or channel raises none; blocking from the popout folds the blocked
// person's messages and both DMs are refused in the server's words; my settings' Privacy and
// the blocked list. Every new screen passes axe-core in both themes, and on a phone.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, apiAs, openSettings, person, register, say, userId } from "./browser";
import { startStack, type Stack } from "./stack";

const DOCS_IMAGES = "../docs/images";

/** Records each desktop notification the page makes (the real one still runs), and lets the
 * test hide the tab: `document.hidden` and `visibilityState` read `__hidden`. */
function observe() {
  const w = window as unknown as { __notifications: { title: string; body: string }[]; __hidden: boolean };
  w.__notifications = [];
  w.__hidden = false;
  const Real = window.Notification;
  window.Notification = new Proxy(Real, {
    construct(target, args: [string, NotificationOptions?]) {
      w.__notifications.push({ title: args[0], body: args[1]?.body ?? "" });
      return Reflect.construct(target, args);
    },
  });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => w.__hidden });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (w.__hidden ? "hidden" : "visible") });
}

const notifications = (page: Page) => page.evaluate(() => (window as unknown as { __notifications: { title: string; body: string }[] }).__notifications);
const hide = (page: Page, hidden: boolean) =>
  page.evaluate((hidden) => {
    (window as unknown as { __hidden: boolean }).__hidden = hidden;
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
/** Opens a channel of the guild shown and says something there. */
async function sayIn(page: Page, channel: string, text: string): Promise<void> {
  await page.getByRole("button", { name: new RegExp(`^${channel}`) }).click();
  await say(page, channel, text);
}

const rail = (page: Page) => page.getByRole("navigation", { name: "Guilds" });

describe("notifications, blocking and DM privacy", () => {
  let stack: Stack;
  let ann: Page;
  let bob: Page;
  let annApi: Awaited<ReturnType<typeof apiAs>>;
  let guildId = "";
  let randomId = "";
  let dmId = "";

  beforeAll(async () => {
    stack = await startStack();
    ann = await person(stack.browser, stack.server.url);
    await register(ann, "ann");
    annApi = await apiAs(ann, stack.server.url);
    const guild = await annApi<{ id: string }>("POST", "/guilds", { name: "Notify Club" });
    guildId = guild.id;
    const channels = await annApi<{ id: string; name: string }[]>("GET", `/guilds/${guildId}/channels`);
    const general = channels.find((c) => c.name === "general")?.id ?? "";
    randomId = (await annApi<{ id: string }>("POST", `/guilds/${guildId}/channels`, { name: "random", type: 0 })).id;
    const invite = await annApi<{ code: string }>("POST", `/channels/${general}/invites`, { max_uses: 0 });
    bob = await person(stack.browser, `${stack.server.url}/invite/${invite.code}`, observe);
    await bob.context().grantPermissions(["notifications"], { origin: stack.server.url });
    await register(bob, "bob");
    await bob.getByRole("button", { name: /^general/ }).waitFor();
    await ann.reload();
    await ann.getByRole("button", { name: /Notify Club/ }).click();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("turns desktop notifications on from my settings, where the permission is asked", async () => {
    await openSettings(bob, "Notifications");
    const toggle = bob.getByRole("checkbox", { name: "Enable desktop notifications" });
    expect(await toggle.isChecked(), "off until I turn them on").toBe(false);
    expect(await accessibilityProblems(bob), "my notification settings").toEqual([]);
    await toggle.check();
    expect(await toggle.isChecked()).toBe(true);
    await bob.getByRole("button", { name: "Close" }).click();
    await bob.getByLabel("Message #general").waitFor();
  });

  it("raises the rail's badge, the tab's title and favicon and a desktop notification for a mention elsewhere while hidden", async () => {
    await rail(bob).getByRole("button", { name: /^Direct messages/ }).click();
    await hide(bob, true);
    await sayIn(ann, "random", "@bob the seedlings are up");
    await rail(bob).getByRole("button", { name: "Notify Club, unread, 1 mention" }).waitFor();
    expect(await rail(bob).getByRole("button", { name: /Notify Club/ }).locator(".rail-count").textContent()).toBe("1");
    await expect.poll(() => bob.title()).toBe("(1) Parley");
    await expect.poll(() => bob.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href.slice(0, 22))).toBe("data:image/png;base64,");
    await expect.poll(() => notifications(bob)).toEqual([{ title: "ann (#random, Notify Club)", body: "@bob the seedlings are up" }]);
    await bob.screenshot({ path: `${ARTIFACTS}/notify-badges.png` });

    // A message that mentions nobody in a guild at "only @mentions" raises a dot but no
    // notification; reading the channel clears the badge and the title.
    await hide(bob, false);
    await rail(bob).getByRole("button", { name: /Notify Club/ }).click();
    await bob.getByRole("button", { name: /^random/ }).click();
    await bob.getByText("the seedlings are up").waitFor();
    await expect.poll(() => bob.title()).toBe("Parley");
    expect(await bob.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.getAttribute("href"))).toBe("/favicon.svg");
  });

  it("shows nothing for a muted guild: no badge, no count in the title, no notification", async () => {
    await bob.getByRole("button", { name: "Notification settings", exact: true }).click();
    const dialog = bob.getByRole("dialog", { name: "Notification settings: Notify Club" });
    await dialog.getByRole("radio", { name: "All messages" }).waitFor();
    expect(await dialog.getByRole("radio", { name: "All messages" }).isChecked()).toBe(true);
    expect(await accessibilityProblems(bob), "a guild's notification settings").toEqual([]);
    await dialog.getByLabel("Mute Notify Club").selectOption({ label: "Until I turn it back on" });
    await dialog.getByText("Notify Club is muted until i turn it back on.").waitFor();
    await dialog.getByText("Muted until you turn it back on").waitFor();
    await dialog.getByRole("checkbox", { name: "Suppress @everyone and @here" }).check();
    await dialog.getByText("Saved.").waitFor();
    await bob.screenshot({ path: `${DOCS_IMAGES}/notification-settings.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/notification-settings.png` });
    // Kept by the server: a reload shows the same.
    const saved = await (await apiAs(bob, stack.server.url))<{ muted: boolean; suppress_everyone: boolean }>("GET", `/users/@me/guilds/${guildId}/settings`);
    expect(saved).toMatchObject({ muted: true, suppress_everyone: true });
    await bob.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    // Bob reads #general (the DM list would show the DM, read at once).
    await bob.getByRole("button", { name: /^general/ }).click();
    await hide(bob, true);
    await sayIn(ann, "random", "@bob are you there?");
    // Then a DM, which is not muted: once it notifies, the guild's mention has arrived too.
    dmId = (await annApi<{ id: string }>("POST", "/users/@me/channels", { recipient_id: await userId(bob) })).id;
    await annApi("POST", `/channels/${dmId}/messages`, { content: "psst, a DM" });
    await expect.poll(async () => (await notifications(bob)).length).toBe(2);
    expect((await notifications(bob))[1]).toEqual({ title: "ann", body: "psst, a DM" });
    await rail(bob).getByRole("button", { name: "Notify Club, muted" }).waitFor();
    expect(await rail(bob).getByRole("button", { name: /Notify Club/ }).locator(".rail-count").count(), "no count on a muted guild").toBe(0);
    // Only the DM counts in the title.
    await expect.poll(() => bob.title()).toBe("(1) Parley");
    await hide(bob, false);

    // Unmuted, the guild counts again.
    await rail(bob).getByRole("button", { name: /Notify Club/ }).click();
    await bob.getByRole("button", { name: "Notification settings", exact: true }).click();
    await dialog.getByLabel("Mute Notify Club").selectOption({ label: "Not muted" });
    await dialog.getByText("Notify Club is no longer muted.").waitFor();
    await bob.keyboard.press("Escape");
  });

  it("mutes one channel for a while from its header, and a DM too", async () => {
    await bob.getByRole("button", { name: /^general/ }).click();
    await bob.getByRole("region", { name: "Channel header" }).getByRole("button", { name: "Channel notification settings" }).click();
    const dialog = bob.getByRole("dialog", { name: "Notification settings: #general" });
    expect(await dialog.getByRole("radio", { name: "Use the guild's default" }).isChecked()).toBe(true);
    await dialog.getByLabel("Mute #general").selectOption({ label: "For 1 hour" });
    await dialog.getByText("#general is muted for 1 hour.").waitFor();
    await dialog.getByText(/^Muted until/).waitFor();
    await dialog.getByRole("radio", { name: "Only @mentions" }).check();
    await dialog.getByText("#general: only @mentions.").waitFor();
    expect(await accessibilityProblems(bob), "a channel's notification settings").toEqual([]);
    await bob.keyboard.press("Escape");
    await bob.getByRole("button", { name: /^general, muted/ }).waitFor();
    // A mention there raises no badge while I look elsewhere.
    await bob.getByRole("button", { name: /^random/ }).click();
    await sayIn(ann, "general", "@bob in general");
    await sayIn(ann, "random", "and in random");
    await bob.getByText("and in random").waitFor();
    expect(await bob.getByRole("button", { name: /^general/ }).locator(".badge").count(), "no mention badge on a muted channel").toBe(0);

    // The DM from ann, muted from its header.
    await rail(bob).getByRole("button", { name: /^Direct messages/ }).click();
    await bob.getByRole("complementary", { name: "Direct messages" }).getByRole("button", { name: /ann/ }).click();
    await bob.getByRole("region", { name: "Channel header" }).getByRole("button", { name: "Conversation notification settings" }).click();
    const dm = bob.getByRole("dialog", { name: "Notification settings: ann" });
    await dm.getByLabel("Mute ann").selectOption({ label: "For 15 minutes" });
    await dm.getByText("ann is muted for 15 minutes.").waitFor();
    await bob.keyboard.press("Escape");
    await rail(bob).getByRole("button", { name: /Notify Club/ }).click();
    await hide(bob, true);
    const before = (await notifications(bob)).length;
    await annApi("POST", `/channels/${dmId}/messages`, { content: "muted DM" });
    await sayIn(ann, "random", "@bob after the muted DM");
    await expect.poll(async () => (await notifications(bob)).length).toBe(before + 1);
    expect((await notifications(bob)).at(-1)?.body, "the DM said nothing; the mention after it did").toBe("@bob after the muted DM");
    // The mention came into the channel shown, but while the tab was hidden: it counts (the
    // muted DM and channel do not) until bob comes back to the tab.
    await expect.poll(() => bob.title()).toBe("(1) Parley");
    await hide(bob, false);
    await expect.poll(() => bob.title()).toBe("Parley");
  });

  it("shows the notification dialog on a phone", async () => {
    await bob.setViewportSize({ width: 390, height: 844 });
    await bob.getByRole("button", { name: "Channels" }).click();
    await bob.getByRole("button", { name: "Notification settings", exact: true }).click();
    const dialog = bob.getByRole("dialog", { name: "Notification settings: Notify Club" });
    await dialog.getByRole("radio", { name: "Only @mentions" }).waitFor();
    const box = await dialog.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390, "the dialog fits the screen").toBe(true);
    expect(await accessibilityProblems(bob), "the notification dialog on a phone").toEqual([]);
    await bob.screenshot({ path: `${ARTIFACTS}/notification-settings-phone.png` });
    await bob.keyboard.press("Escape");
    await bob.setViewportSize({ width: 1280, height: 720 });
  });

  it("blocks someone from their popout: their messages fold away and DMs are refused both ways", async () => {
    await sayIn(ann, "general", "hello from ann");
    await bob.getByRole("button", { name: /^general/ }).click();
    await bob.locator("li.message", { hasText: "hello from ann" }).waitFor();
    // Her follow-up rows carry no name: her popout opens from the member list.
    await bob.getByRole("complementary", { name: "Members" }).getByRole("button", { name: /ann/ }).first().click();
    const popout = bob.getByRole("dialog", { name: "ann's profile" });
    await popout.getByRole("button", { name: "Block" }).click();
    const confirm = bob.getByRole("dialog", { name: "Block ann" });
    await confirm.getByRole("button", { name: "Block" }).click();
    await popout.getByRole("button", { name: "Unblock" }).waitFor();
    await popout.getByText("You block ann.").waitFor();
    expect(await accessibilityProblems(bob), "the popout of someone I block").toEqual([]);

    // Her message is folded, and shown on request.
    await bob.keyboard.press("Escape");
    const folded = bob.locator("li.blocked-message").first();
    await folded.getByText("Blocked message").waitFor();
    expect(await bob.locator("li.message", { hasText: "hello from ann" }).count(), "her text is not shown").toBe(0);
    expect(await accessibilityProblems(bob), "a blocked message").toEqual([]);
    await bob.getByRole("button", { name: "Show blocked message from ann" }).last().click();
    await bob.getByText("hello from ann").waitFor();

    // New messages from her fold too, and never notify.
    await hide(bob, true);
    const before = (await notifications(bob)).length;
    await sayIn(ann, "general", "@bob can you hear me");
    await bob.locator("li.blocked-message").nth(1).waitFor();
    await hide(bob, false);
    expect((await notifications(bob)).length, "a blocked author never notifies").toBe(before);

    // Her mention in another channel marks it unread, as Discord does, but is no mention: no
    // count on the channel, the guild's rail button or the tab's title.
    await sayIn(ann, "random", "@bob over here");
    await bob.getByRole("button", { name: "random, unread", exact: true }).waitFor();
    expect(await bob.getByRole("button", { name: /^random/ }).locator(".badge").count(), "no mention badge for a blocked author").toBe(0);
    expect(await rail(bob).getByRole("button", { name: /Notify Club/ }).locator(".rail-count").count(), "no count on the rail").toBe(0);
    expect(await bob.title(), "nothing counted in the tab's title").toBe("Parley");

    // Bob's DM to her is refused in the server's words; so is hers to him.
    await rail(bob).getByRole("button", { name: /^Direct messages/ }).click();
    await bob.getByRole("complementary", { name: "Direct messages" }).getByRole("button", { name: /ann/ }).click();
    await say(bob, "@ann", "are you still there?");
    await bob.getByRole("alert").getByText("Not sent: Cannot send messages to this user").waitFor();
    await rail(ann).getByRole("button", { name: /^Direct messages/ }).click();
    await ann.getByRole("complementary", { name: "Direct messages" }).getByRole("button", { name: /bob/ }).click();
    await say(ann, "@bob", "hello?");
    await ann.getByRole("alert").getByText("Not sent: Cannot send messages to this user").waitFor();
    await bob.screenshot({ path: `${ARTIFACTS}/blocked-dm.png` });
  });

  it("lists the people I block in my settings' Privacy, unblocks there, and sets who may DM me", async () => {
    await openSettings(bob, "Privacy");
    const list = bob.getByRole("list", { name: "Blocked people" });
    await list.getByText("ann", { exact: true }).waitFor();
    const dms = bob.getByRole("checkbox", { name: "Allow direct messages from members of servers I join" });
    expect(await dms.isChecked()).toBe(true);
    expect(await accessibilityProblems(bob), "my privacy settings").toEqual([]);
    await bob.screenshot({ path: `${ARTIFACTS}/privacy.png` });
    await dms.uncheck();
    await bob.getByText("Members of guilds you join from now on may not start direct messages with you.").waitFor();
    const me = await (await apiAs(bob, stack.server.url))<{ default_guilds_restricted: boolean }>("GET", "/users/@me/settings");
    expect(me.default_guilds_restricted).toBe(true);
    await list.getByRole("button", { name: "Unblock ann" }).click();
    await bob.getByText("ann is no longer blocked.").waitFor();
    await bob.getByText("You block nobody.", { exact: false }).waitFor();
    await bob.getByRole("button", { name: "Close" }).click();
  });

  it("refuses a DM from a guild whose members I do not take DMs from, in the server's words", async () => {
    await rail(bob).getByRole("button", { name: /Notify Club/ }).click();
    await bob.getByRole("button", { name: "Notification settings", exact: true }).click();
    const dialog = bob.getByRole("dialog", { name: "Notification settings: Notify Club" });
    const allow = dialog.getByRole("checkbox", { name: "Allow direct messages from members of this guild" });
    expect(await allow.isChecked()).toBe(true);
    await allow.uncheck();
    await dialog.getByText("Members of Notify Club may no longer start direct messages with you.").waitFor();
    await bob.keyboard.press("Escape");
    // Ann, in the guild only with bob, is refused: from the popout, the notice says why.
    await rail(ann).getByRole("button", { name: /Notify Club/ }).click();
    await ann.getByRole("button", { name: /^general/ }).click();
    await ann.getByRole("complementary", { name: "Members" }).getByRole("button", { name: /bob/ }).first().click();
    await ann.getByRole("dialog", { name: "bob's profile" }).getByRole("button", { name: "Message" }).click();
    await ann.getByText("Cannot send messages to this user").first().waitFor();
  });
});
