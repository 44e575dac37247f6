// Everyday management from the client (issue 20): a private channel made in one step;
// channels and categories renamed, moved (by dragging and from the keyboard) and deleted;
// leaving a guild; and a member's nickname, time out, kick and ban from their popout, offered
// only as permissions and the role hierarchy allow, with the server's word when it says no.
// Four people: ann owns the guild, bob, carol and dave join it.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, apiAs, person, register, say, userId } from "./browser";
import { startStack, type Stack } from "./stack";

type Api = Awaited<ReturnType<typeof apiAs>>;
interface Channel {
  id: string;
  name: string;
  type: number;
  position: number;
  parent_id: string | null;
  permission_overwrites: { id: string; type: number; allow: string; deny: string }[];
}

describe("managing a guild from the client", () => {
  let stack: Stack;
  let ann: Page;
  let bob: Page;
  let carol: Page;
  let dave: Page;
  let api: Api;
  let guildId: string;
  const ids: Record<string, string> = {};

  const channels = () => api<Channel[]>("GET", `/guilds/${guildId}/channels`);
  /** The names in bob's channel list, top to bottom. */
  const listed = (page: Page) =>
    page
      .getByRole("complementary", { name: "Channels" })
      .locator(".channel-list > ul > li > .channel-row > button:first-child, .category-row .category")
      .evaluateAll((rows) => rows.map((r) => (r.textContent ?? "").replace(/[#⌄›🔊]/g, "").trim()));
  /** Someone's popout, opened from the member list. */
  async function popout(page: Page, who: string, name: string) {
    await page.getByRole("complementary", { name: "Members" }).locator(`button[data-member="${ids[who]}"]`).click();
    const card = page.getByRole("dialog", { name: `${name}'s profile` });
    await card.waitFor();
    return card;
  }

  beforeAll(async () => {
    stack = await startStack();
    ann = await person(stack.browser, stack.server.url);
    await register(ann, "ann");
    api = await apiAs(ann, stack.server.url);
    guildId = (await api<{ id: string }>("POST", "/guilds", { name: "Orchard" })).id;
    await ann.getByRole("button", { name: /^general/ }).waitFor();
    const general = (await channels()).find((c) => c.name === "general");
    const { code } = await api<{ code: string }>("POST", `/channels/${general?.id}/invites`, { max_age: 0 });
    const join = async (name: string) => {
      const page = await person(stack.browser, `${stack.server.url}/invite/${code}`);
      await register(page, name);
      await page.getByRole("button", { name: /^general/ }).waitFor();
      ids[name] = await userId(page);
      return page;
    };
    bob = await join("bob");
    carol = await join("carol");
    dave = await join("dave");
    ids.ann = await userId(ann);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("creates a private channel in one step, seen only by its creator and the roles chosen", async () => {
    const role = await api<{ id: string }>("POST", `/guilds/${guildId}/roles`, { name: "Pickers" });
    await api("PUT", `/guilds/${guildId}/members/${ids.carol}/roles/${role.id}`);
    await ann.getByRole("button", { name: "Create a channel", exact: true }).click();
    const dialog = ann.getByRole("dialog", { name: "Create a channel" });
    await dialog.getByLabel("Name").fill("harvest plans");
    const switchBox = dialog.getByRole("switch", { name: "Private channel" });
    expect(await switchBox.isChecked()).toBe(false);
    await switchBox.check();
    await dialog.getByRole("group", { name: "Who else can see it" }).getByLabel("Pickers").check();
    expect(await accessibilityProblems(ann), "the create-channel dialog, private").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/private-channel.png` });
    await dialog.getByRole("button", { name: "Create" }).click();
    await ann.getByLabel("Message #harvest-plans").waitFor();

    // Made private by the create request itself: @everyone denied, ann and Pickers allowed.
    const made = (await channels()).find((c) => c.name === "harvest-plans");
    const view = String(1 << 10);
    expect(made?.permission_overwrites.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id: guildId, type: 0, allow: "0", deny: view },
        { id: ids.ann, type: 1, allow: view, deny: "0" },
        { id: role.id, type: 0, allow: view, deny: "0" },
      ].sort((a, b) => (a.id ?? "").localeCompare(b.id ?? "")),
    );
    await carol.getByRole("button", { name: /^harvest-plans/ }).waitFor();
    expect(await bob.getByRole("button", { name: /^harvest-plans/ }).count(), "bob, without Pickers, never sees it").toBe(0);
  });

  it("renames a channel and a category, and moves channels by dragging and from the keyboard", async () => {
    const text = (await channels()).find((c) => c.name === "Text Channels");
    for (const name of ["seeds", "tools"]) await api("POST", `/guilds/${guildId}/channels`, { name, parent_id: text?.id });
    await bob.getByRole("button", { name: "tools", exact: true }).waitFor();
    const before = await listed(bob);
    expect(before.indexOf("seeds")).toBeLessThan(before.indexOf("tools"));

    // From the keyboard: the editor's Move up.
    await ann.getByRole("button", { name: "Edit channel tools" }).click();
    const editor = ann.getByRole("dialog", { name: "Edit #tools" });
    await editor.getByRole("button", { name: "Move up" }).click();
    await editor.getByText("Moved up.").waitFor();
    await expect.poll(async () => { const l = await listed(bob); return l.indexOf("tools") < l.indexOf("seeds"); }).toBe(true);
    // And its name.
    await editor.getByLabel("Channel name").fill("Tool Shed");
    await editor.getByRole("button", { name: "Save changes" }).click();
    await editor.getByText("Saved: #tool-shed.").waitFor();
    await ann.keyboard.press("Escape");
    await bob.getByRole("button", { name: "tool-shed", exact: true }).waitFor();

    // By dragging: seeds dropped on general takes its place, above it.
    const list = ann.getByRole("complementary", { name: "Channels" });
    await list.getByRole("listitem").filter({ has: ann.getByRole("button", { name: "seeds", exact: true }) }).dragTo(
      list.getByRole("listitem").filter({ has: ann.getByRole("button", { name: /^general/ }) }),
    );
    await expect.poll(async () => { const l = await listed(bob); return l.indexOf("seeds") < l.indexOf("general"); }).toBe(true);

    // A category is renamed from its own gear.
    await ann.getByRole("button", { name: "Edit category Text Channels" }).click();
    const category = ann.getByRole("dialog", { name: "Edit category Text Channels" });
    await category.getByLabel("Category name").fill("Beds");
    await category.getByRole("button", { name: "Save changes" }).click();
    await category.getByText("Saved: Beds.").waitFor();
    await ann.keyboard.press("Escape");
    await bob.getByRole("button", { name: /Beds/ }).waitFor();
  });

  it("deletes a channel and a category only after a confirmation", async () => {
    await ann.getByRole("button", { name: "Edit channel tool-shed" }).click();
    await ann.getByRole("dialog", { name: "Edit #tool-shed" }).getByRole("button", { name: "Delete channel" }).click();
    const confirm = ann.getByRole("dialog", { name: "Delete channel" });
    await confirm.getByText("#tool-shed and every message in it will be deleted for everyone.", { exact: false }).waitFor();
    expect(await accessibilityProblems(ann), "the delete-channel confirmation").toEqual([]);
    // Cancel keeps it.
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect((await channels()).some((c) => c.name === "tool-shed")).toBe(true);
    await ann.getByRole("dialog", { name: "Edit #tool-shed" }).getByRole("button", { name: "Delete channel" }).click();
    await confirm.getByRole("button", { name: "Delete" }).click();
    await bob.getByRole("button", { name: "tool-shed", exact: true }).waitFor({ state: "detached" });

    const shed = await api<{ id: string }>("POST", `/guilds/${guildId}/channels`, { name: "Compost", type: 4 });
    await ann.getByRole("button", { name: "Edit category Compost" }).click();
    await ann.getByRole("dialog", { name: "Edit category Compost" }).getByRole("button", { name: "Delete category" }).click();
    await ann.getByRole("dialog", { name: "Delete category" }).getByRole("button", { name: "Delete" }).click();
    await expect.poll(async () => (await channels()).some((c) => c.id === shed.id)).toBe(false);
    await bob.getByRole("button", { name: /Compost/ }).waitFor({ state: "detached" });
  });

  it("offers moderation only as permissions and the role hierarchy allow", async () => {
    // Bob, a plain member, is offered nothing on carol, and only his own nickname.
    let card = await popout(bob, "carol", "carol");
    expect(await card.getByRole("group", { name: "Moderation" }).count()).toBe(0);
    await bob.keyboard.press("Escape");
    card = await popout(bob, "bob", "bob");
    expect(await card.getByRole("group", { name: "Moderation" }).getByRole("button").allTextContents()).toEqual(["Change my nickname"]);
    await bob.keyboard.press("Escape");

    // As a Warden (may kick, above carol's Pickers) bob may kick carol, but not ann, the owner.
    const warden = await api<{ id: string }>("POST", `/guilds/${guildId}/roles`, { name: "Warden", permissions: String(1 << 1) });
    const roles = await api<{ id: string; name: string; position: number }[]>("GET", `/guilds/${guildId}/roles`);
    const pickers = roles.find((r) => r.name === "Pickers");
    await api("PATCH", `/guilds/${guildId}/roles`, [
      { id: pickers?.id, position: 1 },
      { id: warden.id, position: 2 },
    ]);
    await api("PUT", `/guilds/${guildId}/members/${ids.bob}/roles/${warden.id}`);
    card = await popout(bob, "carol", "carol");
    await card.getByRole("group", { name: "Moderation" }).getByRole("button", { name: "Kick" }).waitFor();
    expect(await card.getByRole("group", { name: "Moderation" }).getByRole("button").allTextContents()).toEqual(["Kick"]);
    await bob.keyboard.press("Escape");
    card = await popout(bob, "ann", "ann");
    expect(await card.getByRole("group", { name: "Moderation" }).count(), "nobody acts on the owner").toBe(0);
    await bob.keyboard.press("Escape");

    // The server has the last word: bob's Warden role is taken while his kick dialog is open,
    // and its refusal shows in the dialog.
    card = await popout(bob, "carol", "carol");
    await card.getByRole("button", { name: "Kick" }).click();
    const kick = bob.getByRole("dialog", { name: "Kick carol" });
    await kick.waitFor();
    await api("DELETE", `/guilds/${guildId}/members/${ids.bob}/roles/${warden.id}`);
    await kick.getByRole("button", { name: "Kick" }).click();
    await kick.getByRole("alert").waitFor();
    expect(await kick.getByRole("alert").textContent()).toMatch(/permission/i);
    expect(await accessibilityProblems(bob), "the server's refusal in the kick dialog").toEqual([]);
    await kick.getByRole("button", { name: "Cancel" }).click();
    await bob.keyboard.press("Escape");
    expect((await api<{ user: { id: string } }[]>("GET", `/guilds/${guildId}/members?limit=10`)).some((m) => m.user.id === ids.carol)).toBe(true);
  });

  it("sets a nickname, times out, kicks and bans from the popout", async () => {
    // A nickname for bob, seen by bob.
    let card = await popout(ann, "bob", "bob");
    await card.getByRole("button", { name: "Change nickname" }).click();
    const nick = ann.getByRole("dialog", { name: "Change bob's nickname" });
    await nick.getByLabel("Nickname").fill("Bobby Apples");
    expect(await accessibilityProblems(ann), "the nickname dialog").toEqual([]);
    await nick.getByRole("button", { name: "Save" }).click();
    await bob.getByRole("complementary", { name: "Members" }).getByText("Bobby Apples").waitFor();
    await ann.keyboard.press("Escape");

    // A time out for carol, for 5 minutes: she cannot write, until it is lifted.
    card = await popout(ann, "carol", "carol");
    await card.getByRole("button", { name: "Time out" }).click();
    const timeout = ann.getByRole("dialog", { name: "Time out carol" });
    expect(await timeout.getByLabel("How long").locator("option").allTextContents()).toEqual(["60 seconds", "5 minutes", "10 minutes", "1 hour", "1 day", "1 week"]);
    await timeout.getByLabel("How long").selectOption({ label: "5 minutes" });
    expect(await accessibilityProblems(ann), "the time-out dialog").toEqual([]);
    await timeout.getByRole("button", { name: "Time out" }).click();
    await ann.getByRole("complementary", { name: "Members" }).locator(`button[data-member="${ids.carol}"]`).getByText("timed out").waitFor();
    const until = (await api<{ communication_disabled_until: string | null }>("GET", `/guilds/${guildId}/members/${ids.carol}`)).communication_disabled_until;
    expect(Date.parse(until ?? "") - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(Date.parse(until ?? "") - Date.now()).toBeLessThan(6 * 60_000);
    await ann.keyboard.press("Escape");
    card = await popout(ann, "carol", "carol");
    await card.getByRole("button", { name: "Remove time out" }).click();
    await ann.getByRole("dialog", { name: "Remove carol's time out" }).getByRole("button", { name: "Remove time out" }).click();
    await ann.getByRole("complementary", { name: "Members" }).locator(`button[data-member="${ids.carol}"]`).getByText("timed out").waitFor({ state: "detached" });
    await ann.keyboard.press("Escape");

    // Carol is kicked: she loses the guild.
    card = await popout(ann, "carol", "carol");
    await card.getByRole("button", { name: "Kick" }).click();
    await ann.getByRole("dialog", { name: "Kick carol" }).getByRole("button", { name: "Kick" }).click();
    await carol.getByRole("button", { name: "Orchard" }).waitFor({ state: "detached" });

    // Dave is banned with his last hour of messages.
    await ann.getByRole("button", { name: /^general/ }).click();
    await say(dave, "general", "buy cheap pills");
    await ann.getByText("buy cheap pills").waitFor();
    card = await popout(ann, "dave", "dave");
    await card.getByRole("button", { name: "Ban" }).click();
    const ban = ann.getByRole("dialog", { name: "Ban dave" });
    await ban.getByLabel("Delete their messages from").selectOption({ label: "Previous hour" });
    await ban.getByLabel("Reason (optional)").fill("spam");
    expect(await accessibilityProblems(ann), "the ban dialog").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/ban.png` });
    await ban.getByRole("button", { name: "Ban" }).click();
    await ann.getByText("buy cheap pills").waitFor({ state: "detached" });
    await dave.getByRole("button", { name: "Orchard" }).waitFor({ state: "detached" });
    const bans = await api<{ user: { id: string }; reason: string | null }[]>("GET", `/guilds/${guildId}/bans`);
    expect(bans.map((b) => [b.user.id, b.reason])).toEqual([[ids.dave, "spam"]]);
  });

  it("leaves a guild after a confirmation, which the owner is not offered", async () => {
    expect(await ann.getByRole("button", { name: "Leave guild" }).count(), "the owner cannot leave").toBe(0);
    await bob.getByRole("button", { name: "Leave guild" }).click();
    const confirm = bob.getByRole("dialog", { name: "Leave Orchard" });
    expect(await accessibilityProblems(bob), "the leave confirmation").toEqual([]);
    await confirm.getByRole("button", { name: "Leave guild" }).click();
    await bob.getByRole("button", { name: "Orchard" }).waitFor({ state: "detached" });
    await bob.getByRole("region", { name: "Welcome to Parley" }).waitFor();
    await ann.getByRole("complementary", { name: "Members" }).locator(`button[data-member="${ids.bob}"]`).waitFor({ state: "detached" });
  });
});
