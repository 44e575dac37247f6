// The instance admin console (issue 20, part 6): only instance admins see it; an instance
// invite made there lets someone register; the overview counts them; accounts are searched,
// made admin and back, and a disabled account is signed out at once and cannot sign in; the
// server's refusal is shown in its words. Axe-core in both themes, and on a phone.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, person, register } from "./browser";
import { startStack, type Stack } from "./stack";

const DOCS_IMAGES = "../docs/images";

async function menuItems(page: Page): Promise<string[]> {
  await page.getByRole("button", { name: "Account menu" }).click();
  const items = await page.getByRole("menu", { name: "Account" }).getByRole("menuitem").allTextContents();
  await page.keyboard.press("Escape");
  return items;
}

async function openAdmin(page: Page, section?: string): Promise<void> {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menu", { name: "Account" }).getByRole("menuitem", { name: "Admin" }).click();
  await page.getByRole("tablist", { name: "Admin" }).waitFor();
  if (section) {
    await page.getByRole("tab", { name: section }).click();
    await page.getByRole("tab", { name: section, selected: true }).waitFor();
  }
}

describe("the instance admin console", () => {
  let stack: Stack;
  let ann: Page;
  let bob: Page;
  let code = "";

  beforeAll(async () => {
    stack = await startStack();
    ann = await person(stack.browser, stack.server.url);
    await register(ann, "ann");
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("makes an instance invite with a number of uses and an expiry, which lets someone register", async () => {
    expect(await menuItems(ann), "the first account administers the instance").toEqual(["Settings", "Admin", "Sign out"]);
    await openAdmin(ann, "Invites");
    await ann.getByLabel("Uses").fill("2");
    await ann.getByLabel("Expires after").selectOption({ label: "7 days" });
    await ann.getByRole("button", { name: "Create invite" }).click();
    const status = ann.getByRole("status").filter({ hasText: "is ready" });
    await status.waitFor();
    code = /Invite (\S+) is ready/.exec((await status.textContent()) ?? "")?.[1] ?? "";
    expect(code).not.toBe("");
    const row = ann.getByRole("list", { name: "Instance invites" }).getByRole("listitem", { name: `Invite ${code}` });
    await row.getByText("0 of 2 used").waitFor();
    await row.getByRole("button", { name: "Copy link" }).click();
    await ann.getByRole("status").filter({ hasText: /link is copied|Copy this link/ }).waitFor();
    expect(await accessibilityProblems(ann), "the admin console's invites").toEqual([]);

    bob = await person(stack.browser, `${stack.server.url}/invite/${code}`);
    await register(bob, "bob");
    await row.getByText("0 of 2 used").waitFor();
    // The list is read again when the section opens.
    await ann.getByRole("tab", { name: "Overview" }).click();
    await ann.getByRole("tab", { name: "Invites" }).click();
    await row.getByText("1 of 2 used").waitFor();
  });

  it("shows no Admin item to someone who is not an instance admin", async () => {
    expect(await menuItems(bob)).toEqual(["Settings", "Sign out"]);
  });

  it("tells someone signed in that an instance invite link is for creating an account, with a way back", async () => {
    await bob.goto(`${stack.server.url}/invite/${code}`);
    const offer = bob.locator(".offer");
    await offer.getByText("This is an invite to create an account on this server; you already have one.").waitFor();
    expect(await offer.getByRole("button", { name: /^Join/ }).count(), "no guild to join").toBe(0);
    expect(await offer.getByRole("alert").count(), "not an error").toBe(0);
    expect(await accessibilityProblems(bob), "an instance invite to someone signed in").toEqual([]);
    await bob.screenshot({ path: `${ARTIFACTS}/instance-invite-signed-in.png` });
    await offer.getByRole("button", { name: "Back to Parley" }).click();
    await offer.waitFor({ state: "detached" });
    expect(new URL(bob.url()).pathname).toBe("/");
  });

  it("revokes an invite after a confirmation", async () => {
    await ann.getByRole("button", { name: "Create invite" }).click();
    const made = /Invite (\S+) is ready/.exec((await ann.getByRole("status").filter({ hasText: "is ready" }).textContent()) ?? "")?.[1] ?? "";
    const list = ann.getByRole("list", { name: "Instance invites" });
    await list.getByRole("listitem", { name: `Invite ${made}` }).getByRole("button", { name: "Revoke" }).click();
    await ann.getByRole("dialog", { name: `Revoke invite ${made}` }).getByRole("button", { name: "Revoke" }).click();
    await ann.getByText(`Invite ${made} is revoked.`).waitFor();
    expect(await list.getByRole("listitem", { name: `Invite ${made}` }).count()).toBe(0);
  });

  it("shows the instance in numbers", async () => {
    await ann.getByRole("tab", { name: "Overview" }).click();
    const stats = ann.getByRole("definition");
    await stats.first().waitFor();
    const numbers = ann.locator(".stats");
    const value = (label: string) => numbers.locator("div", { has: ann.getByRole("term").getByText(label, { exact: true }) }).locator("dd").textContent();
    expect(await value("People")).toBe("2");
    expect(await value("Bots")).toBe("0");
    expect(await value("Disabled accounts")).toBe("0");
    expect(await value("Files stored")).toMatch(/^\d+(\.\d)? (bytes?|KB|MB|GB|TB)$/);
    expect(await value("Version")).toMatch(/^\d+\.\d+/);
    expect(await value("Up for")).toMatch(/^\d+ (s|min|h|d)/);
    expect(await accessibilityProblems(ann), "the admin console's overview").toEqual([]);
    await ann.screenshot({ path: `${DOCS_IMAGES}/admin-console.png` });
    await ann.screenshot({ path: `${ARTIFACTS}/admin-overview.png` });
  });

  it("searches accounts as one types, and offers nothing on one's own row", async () => {
    await ann.getByRole("tab", { name: "Users" }).click();
    const accounts = ann.getByRole("list", { name: "Accounts" });
    await accounts.getByRole("listitem", { name: "bob" }).waitFor();
    const mine = accounts.getByRole("listitem", { name: "ann" });
    await mine.getByText("You", { exact: true }).waitFor();
    await mine.getByText("Admin", { exact: true }).waitFor();
    expect(await mine.getByRole("button").count(), "no action on my own account").toBe(0);
    await ann.getByLabel("Search accounts").fill("bo");
    await expect.poll(() => accounts.getByRole("listitem").count()).toBe(1);
    await accounts.getByRole("listitem", { name: "bob" }).waitFor();
    await ann.getByLabel("Search accounts").fill("nobody-by-that-name");
    await accounts.getByText("No account starts with “nobody-by-that-name”.").waitFor();
    await ann.getByLabel("Search accounts").fill("");
    await accounts.getByRole("listitem", { name: "ann" }).waitFor();
    expect(await accessibilityProblems(ann), "the admin console's accounts").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/admin-users.png` });
  });

  it("makes someone an admin and back, and shows the server's refusal in its words", async () => {
    const accounts = ann.getByRole("list", { name: "Accounts" });
    const bobRow = accounts.getByRole("listitem", { name: "bob" });
    await bobRow.getByRole("button", { name: "Make admin" }).click();
    await ann.getByRole("dialog", { name: "Make bob an admin" }).getByRole("button", { name: "Make admin" }).click();
    await ann.getByText("bob is now an admin.").waitFor();
    await bobRow.getByText("Admin", { exact: true }).waitFor();

    // Bob, an admin now, opens the console; ann takes it back while he has it open, and his
    // next action is refused by the server, which the console says.
    await bob.reload();
    await openAdmin(bob, "Users");
    const annRow = bob.getByRole("list", { name: "Accounts" }).getByRole("listitem", { name: "ann" });
    await annRow.waitFor();
    await bobRow.getByRole("button", { name: "Remove admin" }).click();
    await ann.getByRole("dialog", { name: "Remove bob as admin" }).getByRole("button", { name: "Remove admin" }).click();
    await ann.getByText("bob is no longer an admin.").waitFor();
    await annRow.getByRole("button", { name: "Sign out everywhere" }).click();
    await bob.getByRole("dialog", { name: "Sign ann out everywhere" }).getByRole("button", { name: "Sign out everywhere" }).click();
    const refused = bob.getByRole("alert");
    await refused.waitFor();
    expect(await refused.textContent()).not.toBe("");
    await bob.reload();
    expect(await menuItems(bob), "no longer an admin").toEqual(["Settings", "Sign out"]);
  });

  it("disables an account: its page goes back to the sign-in screen at once, and it cannot sign in", async () => {
    const bobRow = ann.getByRole("list", { name: "Accounts" }).getByRole("listitem", { name: "bob" });
    await bobRow.getByRole("button", { name: "Disable" }).click();
    await ann.getByRole("dialog", { name: "Disable bob" }).getByRole("button", { name: "Disable" }).click();
    await ann.getByText("bob is disabled and signed out.").waitFor();
    await bobRow.getByText("Disabled", { exact: true }).waitFor();
    await bob.getByRole("button", { name: "Sign in" }).waitFor();
    await bob.getByLabel("Username or email").fill("bob");
    await bob.getByLabel("Password").fill("correct horse battery");
    await bob.getByRole("button", { name: "Sign in" }).click();
    await bob.getByRole("alert").getByText("This account has been disabled by an administrator of this instance").waitFor();

    // Enabled again, he signs in.
    await bobRow.getByRole("button", { name: "Enable" }).click();
    await ann.getByRole("dialog", { name: "Enable bob" }).getByRole("button", { name: "Enable" }).click();
    await ann.getByText("bob is enabled.").waitFor();
    await bob.getByRole("button", { name: "Sign in" }).click();
    await bob.getByRole("button", { name: "Account menu" }).waitFor();
  });

  it("fits a phone", async () => {
    await ann.setViewportSize({ width: 390, height: 844 });
    await ann.getByRole("tab", { name: "Users" }).click();
    const row = ann.getByRole("list", { name: "Accounts" }).getByRole("listitem", { name: "bob" });
    await row.getByRole("button", { name: "Sign out everywhere" }).waitFor();
    const box = await row.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390, "an account's row fits the screen").toBe(true);
    expect(await ann.evaluate(() => document.documentElement.scrollWidth), "nothing overflows sideways").toBeLessThanOrEqual(390);
    expect(await accessibilityProblems(ann), "the admin console on a phone").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/admin-phone.png` });
    await ann.setViewportSize({ width: 1280, height: 720 });
  });
});
