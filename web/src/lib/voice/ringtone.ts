// The sound of an incoming call: two soft tones every two seconds, made with Web Audio (no
// file to fetch), until stopped.

/** Starts ringing; the returned function stops it. */
export function ring(): () => void {
  let context: AudioContext;
  try {
    context = new AudioContext();
  } catch {
    return () => {};
  }
  const beep = (at: number, frequency: number) => {
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(0.08, at + 0.02);
    gain.gain.linearRampToValueAtTime(0, at + 0.35);
    tone.connect(gain).connect(context.destination);
    tone.start(at);
    tone.stop(at + 0.4);
  };
  const burst = () => {
    const now = context.currentTime;
    beep(now, 660);
    beep(now + 0.4, 880);
  };
  burst();
  const timer = setInterval(burst, 2000);
  return () => {
    clearInterval(timer);
    void context.close();
  };
}
