// The voice client's pure parts: voice states as the gateway changes them, what a close code
// means for the call, the voice URL, speaking detection and connection quality.

import { describe, expect, it } from "vitest";
import { closeAdvice, voiceUrl } from "./protocol";
import { classify, qualityBetween, readStats } from "./quality";
import { HOLD_MS, rms, SpeakingDetector, THRESHOLD } from "./speaking";
import { applyVoiceState, guildVoiceStates, inChannel, isMuted, type VoiceState } from "./states";

const state = (user: string, channel: string | null, extra: Partial<VoiceState> = {}): VoiceState => ({
  guild_id: "1",
  channel_id: channel,
  user_id: user,
  session_id: `s${user}`,
  mute: false,
  deaf: false,
  self_mute: false,
  self_deaf: false,
  self_video: false,
  ...extra,
});

describe("voice states", () => {
  it("track joins, moves and leaves by guild and user", () => {
    let states = applyVoiceState({}, state("20", "5"));
    states = applyVoiceState(states, state("10", "5"));
    expect(inChannel(states, "5").map((s) => s.user_id)).toEqual(["10", "20"]);
    states = applyVoiceState(states, state("20", "6"));
    expect(inChannel(states, "5").map((s) => s.user_id)).toEqual(["10"]);
    expect(inChannel(states, "6").map((s) => s.user_id)).toEqual(["20"]);
    states = applyVoiceState(states, state("10", null));
    expect(inChannel(states, "5")).toEqual([]);
  });

  it("keep a guild's call apart from the same person's DM call", () => {
    let states = applyVoiceState({}, state("10", "5"));
    states = applyVoiceState(states, state("10", "900", { guild_id: null }));
    expect(inChannel(states, "5")).toHaveLength(1);
    expect(inChannel(states, "900")).toHaveLength(1);
    states = applyVoiceState(states, state("10", null, { guild_id: null }));
    expect(inChannel(states, "5")).toHaveLength(1);
  });

  it("are replaced per guild by GUILD_CREATE", () => {
    let states = applyVoiceState({}, state("10", "5"));
    states = applyVoiceState(states, state("11", "7", { guild_id: "2" }));
    states = guildVoiceStates(states, "1", [{ ...state("12", "5"), guild_id: undefined }]);
    expect(inChannel(states, "5").map((s) => s.user_id)).toEqual(["12"]);
    expect(inChannel(states, "7")).toHaveLength(1);
  });

  it("count a moderator's mute as muted", () => {
    expect(isMuted(state("1", "5", { mute: true }))).toBe(true);
    expect(isMuted(state("1", "5"))).toBe(false);
  });
});

describe("the voice socket", () => {
  it("resumes after a drop, rejoins after an expired session and stops when disconnected", () => {
    expect(closeAdvice(1006)).toBe("resume");
    expect(closeAdvice(4009)).toBe("resume");
    expect(closeAdvice(4006)).toBe("rejoin");
    expect(closeAdvice(4014)).toBe("ended");
    expect(closeAdvice(4004)).toBe("fatal");
  });

  it("is reached over TLS exactly when the gateway is", () => {
    expect(voiceUrl("chat.example.com/voice", "wss://chat.example.com/gateway")).toBe("wss://chat.example.com/voice");
    expect(voiceUrl("127.0.0.1:8080/voice", "ws://127.0.0.1:8080/gateway")).toBe("ws://127.0.0.1:8080/voice");
    expect(voiceUrl("ws://x/voice", "wss://x/gateway")).toBe("wss://x/voice");
  });
});

describe("speaking", () => {
  it("starts at once and ends only after a pause", () => {
    const d = new SpeakingDetector();
    expect(d.update(THRESHOLD * 2, 0)).toBe(true);
    expect(d.update(0, 100)).toBeNull();
    expect(d.update(0, HOLD_MS - 1)).toBeNull();
    expect(d.update(0, HOLD_MS + 1)).toBe(false);
    expect(d.update(0, HOLD_MS + 500)).toBeNull();
  });

  it("measures the level of a block of samples", () => {
    expect(rms(new Float32Array([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5);
    expect(rms(new Float32Array([]))).toBe(0);
  });
});

describe("connection quality", () => {
  it("is good, fair or poor by round trip and loss", () => {
    expect(classify(40, 0)).toBe("good");
    expect(classify(200, 0)).toBe("fair");
    expect(classify(40, 0.05)).toBe("fair");
    expect(classify(500, 0)).toBe("poor");
    expect(classify(null, 0.2)).toBe("poor");
  });

  it("measures loss over the interval, not since the call began", () => {
    const q = qualityBetween({ received: 1000, lost: 0 }, { received: 1090, lost: 10 }, 30);
    expect(q.loss).toBeCloseTo(0.1);
    expect(q.level).toBe("poor");
    expect(qualityBetween({ received: 5, lost: 0 }, { received: 5, lost: 0 }, 30).loss).toBe(0);
  });

  it("reads the round trip of the nominated pair and totals every inbound stream", () => {
    const report = new Map<string, Record<string, unknown>>([
      ["a", { type: "candidate-pair", nominated: false, currentRoundTripTime: 9 }],
      ["b", { type: "candidate-pair", nominated: true, currentRoundTripTime: 0.025 }],
      ["c", { type: "inbound-rtp", packetsReceived: 100, packetsLost: 2 }],
      ["d", { type: "inbound-rtp", packetsReceived: 50, packetsLost: -1 }],
    ]) as unknown as RTCStatsReport;
    expect(readStats(report)).toEqual({ rttMs: 25, totals: { received: 150, lost: 2 } });
  });
});
