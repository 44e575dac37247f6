// What the call tests read off a page: the client's own peer connection (recorded as the
// page makes it) and its WebRTC statistics for what each person's audio and video
// elements play, and the server's voice gauges.

import type { Browser, Page } from "playwright-core";
import { person } from "./browser";

/** Runs in the page before the client: keeps every RTCPeerConnection it makes. */
function recordPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = made;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      made.push(this);
    }
  } as typeof RTCPeerConnection;
}

/** A person in their own browser context whose calls the test can measure. */
export function caller(browser: Browser, url: string): Promise<Page> {
  return person(browser, url, recordPeerConnections);
}

/** What a page receives from one person's track, by `<user id>:<audio|camera|screen>`. */
export interface Received {
  packets: number;
  /** Audio: the level being played (0..1) and the energy played so far. */
  level: number;
  energy: number;
  /** Video: frames decoded and the picture's width. */
  frames: number;
  width: number;
}

export async function received(page: Page): Promise<Record<string, Received>> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState !== "closed");
    const inbound = new Map<string, Record<string, number>>();
    for (const pc of pcs) {
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === "inbound-rtp") inbound.set(String(s.trackIdentifier), s as Record<string, number>);
      });
    }
    const out: Record<string, Received> = {};
    const read = (key: string, element: HTMLMediaElement) => {
      const track = (element.srcObject as MediaStream | null)?.getTracks()[0];
      const s = track ? inbound.get(track.id) : undefined;
      if (!s) return;
      out[key] = {
        packets: s.packetsReceived ?? 0,
        level: s.audioLevel ?? 0,
        energy: s.totalAudioEnergy ?? 0,
        frames: s.framesDecoded ?? 0,
        width: (element as HTMLVideoElement).videoWidth ?? 0,
      };
    };
    document.querySelectorAll<HTMLAudioElement>("audio[data-user]").forEach((a) => read(`${a.dataset.user}:audio`, a));
    document.querySelectorAll<HTMLElement>(".tile[data-user]").forEach((tile) => {
      const video = tile.querySelector("video");
      if (video) read(`${tile.dataset.user}:${tile.classList.contains("screen") ? "screen" : "camera"}`, video);
    });
    return out;
  });
}

/** The candidate types of the page's connected candidate pair ("host", "relay", ...). */
export async function selectedCandidates(page: Page): Promise<{ local: string; remote: string } | null> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState === "connected");
    for (const pc of pcs) {
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(String(s.id), s));
      for (const s of stats.values()) {
        if (s.type === "transport" && s.selectedCandidatePairId) {
          const pair = stats.get(String(s.selectedCandidatePairId));
          const local = stats.get(String(pair?.localCandidateId));
          const remote = stats.get(String(pair?.remoteCandidateId));
          return { local: String(local?.candidateType), remote: String(remote?.candidateType) };
        }
      }
    }
    return null;
  });
}

/** How many packets `listener` has received from `userId`'s `kind`, now. */
export async function packetsFrom(listener: Page, userId: string, kind: "audio" | "camera" | "screen" = "audio"): Promise<number> {
  return (await received(listener))[`${userId}:${kind}`]?.packets ?? 0;
}

/** One series of the server's /metrics (e.g. `parley_voice_participants`). */
export async function gauge(base: string, series: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : Number.NaN;
}

/** Joins the guild's voice channel `name` from the channel list and waits until media is up. */
export async function joinVoice(page: Page, name: string): Promise<void> {
  await page.getByRole("button", { name: new RegExp(`^${name} \\(voice channel`) }).click();
  await page.getByRole("region", { name: "Voice connection" }).getByText("Voice connected").waitFor({ timeout: 20_000 });
}
