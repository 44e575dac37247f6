// Connection quality from a peer connection's statistics: round-trip time to the voice
// server and the share of packets lost, as three levels a person can read at a glance.

export type QualityLevel = "good" | "fair" | "poor";

export interface Quality {
  level: QualityLevel;
  /** Round-trip time in milliseconds, when known. */
  rttMs: number | null;
  /** Lost packets over the last interval, 0..1. */
  loss: number;
}

/** What a person would call it: good under 150 ms and 2% loss, poor over 400 ms or 8%. */
export function classify(rttMs: number | null, loss: number): QualityLevel {
  const rtt = rttMs ?? 0;
  if (rtt > 400 || loss > 0.08) return "poor";
  if (rtt > 150 || loss > 0.02) return "fair";
  return "good";
}

/** Running totals of received and lost packets, to measure loss per interval. */
export interface Totals {
  received: number;
  lost: number;
}

/** Reads RTT and packet totals out of a stats report. */
export function readStats(report: RTCStatsReport): { rttMs: number | null; totals: Totals } {
  let rttMs: number | null = null;
  const totals: Totals = { received: 0, lost: 0 };
  report.forEach((stat: Record<string, unknown>) => {
    if (stat.type === "candidate-pair" && stat.nominated && typeof stat.currentRoundTripTime === "number") {
      rttMs = stat.currentRoundTripTime * 1000;
    }
    if (stat.type === "inbound-rtp") {
      totals.received += Number(stat.packetsReceived ?? 0);
      totals.lost += Math.max(0, Number(stat.packetsLost ?? 0));
    }
  });
  return { rttMs, totals };
}

/** The quality between two readings of the totals. */
export function qualityBetween(before: Totals, after: Totals, rttMs: number | null): Quality {
  const received = Math.max(0, after.received - before.received);
  const lost = Math.max(0, after.lost - before.lost);
  const loss = received + lost > 0 ? lost / (received + lost) : 0;
  return { level: classify(rttMs, loss), rttMs, loss };
}
