// Whether someone is speaking, from their microphone's level: on as soon as the level
// crosses the threshold, off only after it has stayed below for a moment, so the ring does
// not flicker between words.

/** RMS level (0..1) that counts as speech: about -40 dBFS. */
export const THRESHOLD = 0.01;
/** How long the level must stay low before speaking ends. */
export const HOLD_MS = 400;

export class SpeakingDetector {
  speaking = false;
  private lastLoud = -Infinity;

  /** Feeds one level reading; returns the new state when it changed, else null. */
  update(level: number, now: number): boolean | null {
    if (level >= THRESHOLD) this.lastLoud = now;
    const speaking = now - this.lastLoud < HOLD_MS;
    if (speaking === this.speaking) return null;
    this.speaking = speaking;
    return speaking;
  }
}

/** The RMS of a block of samples. */
export function rms(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}
