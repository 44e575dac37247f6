// The guild owner manages webhooks from the guild settings (Integrations) in the browser,
// against a real `parley serve` on PostgreSQL: she makes one in #general and copies its URL,
// a program (this test, with fetch) posts through it and the message shows in #general under
// the name it gave, tagged WEBHOOK. Where the browser will not copy, the URL is offered to
// copy by hand. She renames it and moves it to #builds, and changes made elsewhere show
// without a reload (WEBHOOKS_UPDATE); a full channel is said in words; deleting it (asked
// first) makes its URL useless. A member who may manage the guild but not its webhooks is not
// offered the tab. Each new screen passes axe-core in both themes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, apiAs, person, register, userId } from "./browser";
import { serveClient, type Client } from "./client";
import { startStack, type Stack } from "./stack";

describe("webhook settings", () => {
  let stack: Stack;
  let client: Client;
  let ann: Page;
  let api: Awaited<ReturnType<typeof apiAs>>;
  let guildId: string;
  let general: string;
  let url: string;

  beforeAll(async () => {
    stack = await startStack();
    client = await serveClient(stack.server.url);
  });

  afterAll(async () => {
    await client?.stop();
    await stack?.stop();
  });

  /** Opens the guild settings on the Integrations tab. */
  async function openIntegrations(page: Page) {
    await page.getByRole("button", { name: "Guild settings" }).click();
    await page.getByRole("tab", { name: "Integrations" }).click();
    await page.getByRole("heading", { name: "Webhooks" }).waitFor();
  }

  it("makes a webhook in #general from the guild settings, named Captain Hook at first", async () => {
    ann = await person(stack.browser, client.url);
    await ann.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: client.url });
    await register(ann, "ann");
    await ann.getByRole("button", { name: "Create a guild" }).click();
    await ann.getByLabel("Guild name").fill("Hook Club");
    await ann.getByRole("dialog", { name: "Create a guild" }).getByRole("button", { name: "Create" }).click();
    await ann.getByRole("button", { name: /^general/ }).waitFor();
    api = await apiAs(ann, stack.server.url);
    [{ id: guildId }] = (await api<{ id: string }[]>("GET", "/users/@me/guilds")) as [{ id: string }];
    general = (await api<{ id: string; type: number; name: string }[]>("GET", `/guilds/${guildId}/channels`)).find((c) => c.name === "general")!.id;

    await openIntegrations(ann);
    await ann.getByText("Keep that URL secret").waitFor();
    await ann.getByText("No webhooks yet.").waitFor();
    expect(await accessibilityProblems(ann), "the empty webhook settings").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/webhooks-empty.png` });

    expect(await ann.getByRole("combobox", { name: "Channel", exact: true }).inputValue()).toBe(general);
    await ann.getByRole("button", { name: "New webhook" }).click();
    const group = ann.getByRole("region", { name: "Webhooks in #general" });
    await group.getByRole("button", { name: /Captain Hook/ }).waitFor();
    await group.getByText(/Created on .+ by ann/).waitFor();
    // Opened, with its name ready to be typed over.
    const editor = ann.getByRole("form", { name: "Edit webhook Captain Hook" });
    expect(await editor.getByLabel("Name").evaluate((field) => field === document.activeElement)).toBe(true);
  });

  it("copies the webhook's URL, on the page's origin, and says it did", async () => {
    const editor = ann.getByRole("form", { name: "Edit webhook Captain Hook" });
    await editor.getByRole("button", { name: "Copy webhook URL" }).click();
    await editor.getByRole("status").getByText("Copied").waitFor();
    url = await ann.evaluate(() => navigator.clipboard.readText());
    const [hook] = await api<{ id: string; token: string }[]>("GET", `/channels/${general}/webhooks`);
    expect(url).toBe(`${client.url}/api/webhooks/${hook?.id}/${hook?.token}`);
    expect(hook?.token).toMatch(/^[A-Za-z0-9_-]{68}$/);
    expect(await accessibilityProblems(ann), "an opened webhook").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/webhook-open.png` });
  });

  it("offers the URL in a field to copy by hand when the browser will not copy it", async () => {
    // As on plain http, where there is no clipboard to write to.
    await ann.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException("Write permission denied.", "NotAllowedError"));
    });
    const editor = ann.getByRole("form", { name: "Edit webhook Captain Hook" });
    await editor.getByRole("button", { name: "Copy webhook URL" }).click();
    const field = editor.getByRole("textbox", { name: "Webhook URL of Captain Hook" });
    await field.waitFor();
    expect(await field.inputValue()).toBe(url);
    expect(await field.evaluate((f: HTMLInputElement) => [f.readOnly, f.selectionStart, f.selectionEnd, f === document.activeElement])).toEqual([
      true,
      0,
      url.length,
      true,
    ]);
    expect(await accessibilityProblems(ann), "the URL to copy by hand").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/webhook-copy-by-hand.png` });
  });

  it("shows what a program posts through the URL in #general, under the name it gave and tagged WEBHOOK", async () => {
    await ann.getByRole("button", { name: "Close" }).click();
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ content: "hello from a hook", username: "CI" }),
    });
    expect(response.status).toBe(204);
    const message = ann.locator("li.message", { hasText: "hello from a hook" });
    await message.getByText("CI", { exact: true }).waitFor();
    await message.getByText("WEBHOOK", { exact: true }).waitFor();
    expect(await accessibilityProblems(ann), "a webhook's message").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/webhook-message.png` });
  });

  it("renames the webhook and moves it to #builds, and shows a rename made elsewhere without a reload", async () => {
    const builds = await api<{ id: string }>("POST", `/guilds/${guildId}/channels`, { name: "builds", type: 0 });
    await openIntegrations(ann);
    await ann.getByRole("region", { name: "Webhooks in #general" }).getByRole("button", { name: /Captain Hook/ }).click();
    const editor = ann.getByRole("form", { name: "Edit webhook Captain Hook" });
    await editor.getByLabel("Name").fill("Deploys");
    await editor.getByRole("combobox", { name: "Channel" }).selectOption({ label: "#builds" });
    await editor.getByRole("group", { name: "Unsaved changes" }).waitFor();
    await editor.getByRole("button", { name: "Save changes" }).click();
    const group = ann.getByRole("region", { name: "Webhooks in #builds" });
    await group.getByRole("button", { name: /Deploys/ }).waitFor();
    await ann.getByRole("region", { name: "Webhooks in #general" }).waitFor({ state: "detached" });
    await ann.getByRole("group", { name: "Unsaved changes" }).waitFor({ state: "detached" });
    const [hook] = await api<{ id: string; name: string }[]>("GET", `/channels/${builds.id}/webhooks`);
    expect(hook?.name).toBe("Deploys");

    // Someone else (here, the API) renames it: WEBHOOKS_UPDATE, and the list is read again.
    await api("PATCH", `/webhooks/${hook?.id}`, { name: "Nightly builds" });
    await group.getByRole("button", { name: /Nightly builds/ }).waitFor();
  });

  it("says in words that a channel with 15 webhooks takes no more", async () => {
    for (let i = 1; i <= 15; i++) await api("POST", `/channels/${general}/webhooks`, { name: `Filler ${i}` });
    const group = ann.getByRole("region", { name: "Webhooks in #general" });
    await group.getByText("15 of 15").waitFor();
    await ann.getByRole("combobox", { name: "Channel", exact: true }).first().selectOption({ label: "#general" });
    await ann.getByRole("button", { name: "New webhook" }).click();
    await ann.getByRole("alert").getByText("This channel already has 15 webhooks, the most one channel may have.", { exact: false }).waitFor();
    expect(await accessibilityProblems(ann), "a refusal").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/webhooks-channel-full.png` });
    for (const hook of await api<{ id: string }[]>("GET", `/channels/${general}/webhooks`)) await api("DELETE", `/webhooks/${hook.id}`);
    await group.waitFor({ state: "detached" });
  });

  it("deletes the webhook after asking, and its URL no longer posts", async () => {
    const group = ann.getByRole("region", { name: "Webhooks in #builds" });
    const editor = ann.getByRole("form", { name: "Edit webhook Nightly builds" });
    if (!(await editor.isVisible())) await group.getByRole("button", { name: /Nightly builds/ }).click();
    await editor.getByRole("button", { name: "Delete webhook" }).click();
    const dialog = ann.getByRole("dialog", { name: "Delete Nightly builds" });
    await dialog.getByText("Its URL stops working at once").waitFor();
    expect(await accessibilityProblems(ann), "the delete confirmation").toEqual([]);
    await dialog.getByRole("button", { name: "Delete" }).click();
    await ann.getByText("No webhooks yet.").waitFor();
    const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ content: "still here?" }) });
    expect(response.status).toBe(404);
  });

  it("does not offer Integrations to a member who may manage the guild but not its webhooks", async () => {
    const helpers = await api<{ id: string }>("POST", `/guilds/${guildId}/roles`, { name: "Helpers", permissions: "32" });
    const { code } = await api<{ code: string }>("POST", `/channels/${general}/invites`, {});
    const bob = await person(stack.browser, `${client.url}/invite/${code}`);
    await register(bob, "bob");
    await bob.getByRole("button", { name: /^general/ }).waitFor();
    await api("PUT", `/guilds/${guildId}/members/${await userId(bob)}/roles/${helpers.id}`);
    await bob.getByRole("button", { name: "Guild settings" }).click();
    await bob.getByRole("tab", { name: "Invites" }).waitFor();
    expect(await bob.getByRole("tab", { name: "Integrations" }).count()).toBe(0);
    await bob.context().close();
  });
});
