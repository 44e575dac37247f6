// What stands in for a picture nobody set (or one that fails to load): the initials of the
// name on a colour that comes from the id, so a person or guild keeps their colour whatever
// they are called and wherever they appear.

/** Backgrounds for initials: distinct hues, each dark enough for white text to read at 4.5:1
 * or more (initials.test.ts checks), in both themes. */
export const FACE_COLOURS = ["#4752c4", "#0b6e99", "#0f766e", "#146c3a", "#a16207", "#b3261e", "#be185d", "#8e1b8c"] as const;

/** The first character of each of the first `max` words, in capitals: "Book Club" is "BC",
 * "ann" is "A". A character is a code point, so an emoji or accented letter stays whole. */
export function initials(name: string, max = 2): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return words
    .slice(0, max)
    .map((w) => Array.from(w)[0] ?? "")
    .join("")
    .toLocaleUpperCase();
}

/** The colour for an id: FNV-1a over its digits picks one of FACE_COLOURS, so neighbouring
 * snowflakes (made in the same millisecond) still spread over the hues. */
export function faceColour(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return FACE_COLOURS[(hash >>> 0) % FACE_COLOURS.length] as string;
}
