// Whether the reader asked their system for less motion: moving emoji then stand still.

export function reducedMotion(): boolean {
  return globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
}
