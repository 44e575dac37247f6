// Voice, video and screen sharing between three people in real Chromium (fake microphone,
// camera and screen) through Parley's SFU on its one UDP port: each hears the others (the
// packets and the audio level they play rise), one shares a screen and the others decode
// it, cameras both ways, mute stops the packets at the source (their own, or a moderator's
// from the tile's menu), leaving clears the server's state, a member without CONNECT cannot
// join and one without SPEAK is not heard; a call started in a DM rings the other person; a
// server restart is survived by joining again.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, apiAs, register, userId } from "./browser";
import { caller, gauge, joinVoice, packetsFrom, received } from "./call";
import { startStack, type Stack } from "./stack";

const CONNECT = 1n << 20n;
const SPEAK = 1n << 21n;

/** Packets `listener` gets from `speaker` over `ms`. */
async function rate(listener: Page, speaker: string, ms = 1500, kind: "audio" | "camera" | "screen" = "audio"): Promise<number> {
  const before = await packetsFrom(listener, speaker, kind);
  await listener.waitForTimeout(ms);
  return (await packetsFrom(listener, speaker, kind)) - before;
}

describe("a call in a voice channel", () => {
  let stack: Stack;
  let ann: Page, bob: Page, carol: Page;
  let ids: { ann: string; bob: string; carol: string };
  let voiceChannel: string;
  let guildId: string;

  beforeAll(async () => {
    stack = await startStack({ media: true });
    const url = stack.server.url;
    ann = await caller(stack.browser, url);
    await register(ann, "ann");
    const api = await apiAs(ann, url);
    const guild = await api<{ id: string }>("POST", "/guilds", { name: "Band" });
    guildId = guild.id;
    const channels = await api<{ id: string; type: number }[]>("GET", `/guilds/${guild.id}/channels`);
    voiceChannel = channels.find((c) => c.type === 2)!.id;
    const text = channels.find((c) => c.type === 0)!.id;
    const invite = await api<{ code: string }>("POST", `/channels/${text}/invites`, {});
    bob = await caller(stack.browser, `${url}/invite/${invite.code}`);
    await register(bob, "bob");
    carol = await caller(stack.browser, `${url}/invite/${invite.code}`);
    await register(carol, "carol");
    ids = { ann: await userId(ann), bob: await userId(bob), carol: await userId(carol) };
    for (const page of [ann, bob, carol]) await page.getByRole("button", { name: /^General \(voice channel/ }).waitFor();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("lets three people join and each hears the other two", async () => {
    for (const page of [ann, bob, carol]) await joinVoice(page, "General");
    for (const [listener, me] of [[ann, ids.ann], [bob, ids.bob], [carol, ids.carol]] as const) {
      for (const speaker of Object.values(ids).filter((id) => id !== me)) {
        await expect.poll(async () => (await received(listener))[`${speaker}:audio`]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(50);
        // Chromium's fake microphone plays a tone: what arrives is sound, not silence.
        await expect.poll(async () => (await received(listener))[`${speaker}:audio`]?.energy ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
      }
    }
    expect(await gauge(stack.server.url, "parley_voice_participants")).toBe(3);
    // Everyone sees who is in the channel, from the channel list.
    const list = ann.getByRole("list", { name: "In General" });
    for (const name of ["ann", "bob", "carol"]) await list.getByText(name).waitFor();
    // The speaking ring follows the fake microphone's beeps.
    await ann.locator(`.tile.speaking[data-user="${ids.bob}"]`).waitFor({ timeout: 15_000 });
    expect(await accessibilityProblems(ann), "the call view").toEqual([]);
  });

  it("shows one person's screen to the others, who decode its frames", async () => {
    await ann.getByRole("button", { name: "Share screen" }).first().click();
    for (const viewer of [bob, carol]) {
      await viewer.getByRole("group", { name: "ann's screen" }).waitFor({ timeout: 15_000 });
      await expect.poll(async () => (await received(viewer))[`${ids.ann}:screen`]?.frames ?? 0, { timeout: 20_000 }).toBeGreaterThan(10);
      expect((await received(viewer))[`${ids.ann}:screen`]?.width).toBeGreaterThan(0);
    }
    await bob.getByRole("list", { name: "In General" }).getByText("LIVE").waitFor();
  });

  it("carries cameras both ways", async () => {
    await ann.getByRole("button", { name: "Camera" }).first().click();
    await bob.getByRole("button", { name: "Camera" }).first().click();
    await expect.poll(async () => (await received(bob))[`${ids.ann}:camera`]?.frames ?? 0, { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(async () => (await received(ann))[`${ids.bob}:camera`]?.frames ?? 0, { timeout: 20_000 }).toBeGreaterThan(10);
    await ann.screenshot({ path: `${ARTIFACTS}/call-ann.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/call-bob.png` });
  });

  it("stops a muted person's packets at the server, and starts them again on unmute", async () => {
    await carol.getByRole("button", { name: "Mute" }).first().click();
    await ann.locator(`.tile[data-user="${ids.carol}"]`).getByText("carol").waitFor();
    await expect.poll(() => rate(ann, ids.carol, 1000), { timeout: 10_000 }).toBe(0);
    expect(await rate(ann, ids.bob), "bob is still heard").toBeGreaterThan(20);
    await carol.getByRole("button", { name: "Mute" }).first().click();
    await expect.poll(() => rate(ann, ids.carol, 1000), { timeout: 10_000 }).toBeGreaterThan(20);
  });

  it("lets the owner mute someone for everyone from their tile, enforced at the server", async () => {
    await ann.getByRole("button", { name: "Options for carol" }).click();
    await ann.getByRole("button", { name: "Mute for everyone" }).click();
    await bob.getByRole("group", { name: /^carol, muted by a moderator/ }).waitFor({ timeout: 10_000 });
    await expect.poll(() => rate(bob, ids.carol, 1000), { timeout: 10_000 }).toBe(0);
    await ann.getByRole("button", { name: "Options for carol" }).click();
    await ann.getByRole("button", { name: "Unmute for everyone" }).click();
    await expect.poll(() => rate(bob, ids.carol, 1000), { timeout: 10_000 }).toBeGreaterThan(20);
  });

  it("cleans up the server's state when someone leaves", async () => {
    await carol.getByRole("button", { name: "Disconnect" }).first().click();
    await expect.poll(() => gauge(stack.server.url, "parley_voice_participants"), { timeout: 10_000 }).toBe(2);
    await ann.getByRole("list", { name: "In General" }).getByText("carol").waitFor({ state: "detached" });
    await expect.poll(() => rate(ann, ids.bob), { timeout: 10_000 }).toBeGreaterThan(20);
  });

  it("hears someone who comes back, on the transceiver they left behind", async () => {
    const transceivers = () => ann.evaluate(() => {
      const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
      return pcs.filter((pc) => pc.connectionState === "connected")[0]?.getTransceivers().length ?? 0;
    });
    const before = await transceivers();
    await joinVoice(carol, "General");
    await expect.poll(() => rate(ann, ids.carol, 1000), { timeout: 15_000 }).toBeGreaterThan(20);
    expect(await transceivers(), "ann's connection took carol back without a new transceiver").toBe(before);
    await carol.getByRole("button", { name: "Disconnect" }).first().click();
    await expect.poll(() => gauge(stack.server.url, "parley_voice_participants"), { timeout: 10_000 }).toBe(2);
  });

  it("keeps out a member without CONNECT", async () => {
    const api = await apiAs(ann, stack.server.url);
    await api("PUT", `/channels/${voiceChannel}/permissions/${ids.carol}`, { type: 1, allow: "0", deny: String(CONNECT) });
    await carol.getByRole("button", { name: /^General \(voice channel/ }).click();
    await carol.getByText(/may not have permission to connect|do not have permission to join/).waitFor({ timeout: 15_000 });
    expect(await gauge(stack.server.url, "parley_voice_participants")).toBe(2);
  });

  it("lets a member without SPEAK listen, but nobody hears them", async () => {
    const api = await apiAs(ann, stack.server.url);
    await api("PUT", `/channels/${voiceChannel}/permissions/${ids.carol}`, { type: 1, allow: "0", deny: String(SPEAK) });
    await joinVoice(carol, "General");
    await expect.poll(async () => (await received(carol))[`${ids.ann}:audio`]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(50);
    expect(await rate(ann, ids.carol), "carol is not forwarded").toBe(0);
    expect(guildId).toBeTruthy();
  });

  it("rings the other person of a DM when a call starts there, and connects them", async () => {
    const api = await apiAs(ann, stack.server.url);
    const dm = await api<{ id: string }>("POST", "/users/@me/channels", { recipient_id: ids.bob });
    await ann.getByRole("button", { name: "Direct messages" }).click();
    await ann.getByRole("button", { name: "bob" }).first().click();
    await ann.getByRole("button", { name: "Start a call" }).click();
    const ring = bob.getByRole("alertdialog", { name: "ann is calling" });
    await ring.waitFor({ timeout: 15_000 });
    await ring.getByRole("button", { name: "Join" }).click();
    await bob.getByRole("region", { name: "Voice connection" }).getByText("Voice connected").waitFor({ timeout: 20_000 });
    await expect.poll(async () => (await received(ann))[`${ids.bob}:audio`]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(50);
    await expect.poll(async () => (await received(bob))[`${ids.ann}:audio`]?.packets ?? 0, { timeout: 20_000 }).toBeGreaterThan(50);
    await bob.getByRole("region", { name: "Call in ann" }).waitFor();
    expect(dm.id).toBeTruthy();
    // Starting or joining the DM call left the guild's: only carol is still in General.
    const general = carol.getByRole("list", { name: "In General" });
    for (const name of ["ann", "bob"]) await general.getByText(name, { exact: true }).waitFor({ state: "detached" });
    await expect.poll(() => gauge(stack.server.url, "parley_voice_participants"), { timeout: 10_000 }).toBe(3);
    for (const page of [ann, bob]) await page.getByRole("button", { name: "Disconnect" }).first().click();
    await expect.poll(() => gauge(stack.server.url, "parley_voice_participants"), { timeout: 10_000 }).toBe(1);
  });
  it("joins the call again by itself after the server restarts", async () => {
    for (const page of [ann, bob]) await page.getByRole("button", { name: "Band", exact: true }).click();
    await joinVoice(ann, "General");
    await joinVoice(bob, "General");
    await expect.poll(() => rate(bob, ids.ann, 1000), { timeout: 15_000 }).toBeGreaterThan(20);
    await stack.server.stop();
    await ann.getByText("Reconnecting").first().waitFor();
    await stack.serveAgain();
    // The gateway session is new, so the old call is gone; each client joins it again.
    for (const page of [ann, bob]) {
      await page.getByRole("region", { name: "Voice connection" }).getByText("Voice connected").waitFor({ timeout: 60_000 });
    }
    await expect.poll(async () => (await received(bob))[`${ids.ann}:audio`]?.packets ?? 0, { timeout: 30_000 }).toBeGreaterThan(50);
    await expect.poll(async () => (await received(ann))[`${ids.bob}:audio`]?.packets ?? 0, { timeout: 30_000 }).toBeGreaterThan(50);
  });
});
