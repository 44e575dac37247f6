// The call again, with every byte of media through a real coturn: two people choose "relay
// only" in their settings (iceTransportPolicy "relay"), take TURN credentials from Parley's
// API, and still hear each other, see each other's camera and one's screen; their browsers'
// connected candidate pairs are relay candidates.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { apiAs, openSettings, register, userId } from "./browser";
import { caller, joinVoice, received, selectedCandidates } from "./call";
import { startCoturn, type Coturn } from "./coturn";
import { startStack, type Stack } from "./stack";

describe("a call through the TURN relay only", () => {
  let coturn: Coturn;
  let stack: Stack;
  let ann: Page, bob: Page;
  let ids: { ann: string; bob: string };

  beforeAll(async () => {
    coturn = await startCoturn();
    stack = await startStack({ media: true, env: coturn.env });
    const url = stack.server.url;
    ann = await caller(stack.browser, url);
    await register(ann, "ann");
    const api = await apiAs(ann, url);
    const guild = await api<{ id: string }>("POST", "/guilds", { name: "Relay" });
    const text = (await api<{ id: string; type: number }[]>("GET", `/guilds/${guild.id}/channels`)).find((c) => c.type === 0)!.id;
    const invite = await api<{ code: string }>("POST", `/channels/${text}/invites`, {});
    bob = await caller(stack.browser, `${url}/invite/${invite.code}`);
    await register(bob, "bob");
    ids = { ann: await userId(ann), bob: await userId(bob) };
  });

  afterAll(async () => {
    await stack?.stop();
    await coturn?.stop();
  });

  it("is set in each person's settings", async () => {
    for (const page of [ann, bob]) {
      await openSettings(page, "Voice and video");
      const settings = page.getByRole("region", { name: "Voice and video devices" });
      await settings.getByLabel(/Connect only through the relay server/).check();
      await page.getByRole("button", { name: "Close" }).click();
    }
  });

  it("carries voice, both cameras and a shared screen through coturn", async () => {
    await joinVoice(ann, "General");
    await joinVoice(bob, "General");
    for (const page of [ann, bob]) expect((await selectedCandidates(page))?.local).toBe("relay");
    await expect.poll(async () => (await received(ann))[`${ids.bob}:audio`]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(50);
    await expect.poll(async () => (await received(bob))[`${ids.ann}:audio`]?.energy ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
    await ann.getByRole("button", { name: "Camera" }).first().click();
    await bob.getByRole("button", { name: "Camera" }).first().click();
    await ann.getByRole("button", { name: "Share screen" }).first().click();
    await expect.poll(async () => (await received(bob))[`${ids.ann}:camera`]?.frames ?? 0, { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(async () => (await received(ann))[`${ids.bob}:camera`]?.frames ?? 0, { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(async () => (await received(bob))[`${ids.ann}:screen`]?.frames ?? 0, { timeout: 20_000 }).toBeGreaterThan(10);
    // Still through the relay with video on.
    for (const page of [ann, bob]) expect((await selectedCandidates(page))?.local).toBe("relay");
  });
});
