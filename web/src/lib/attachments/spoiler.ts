// Spoilers: as on Discord, a file whose name starts with SPOILER_ stays hidden until the
// reader chooses to see it. The prefix is how the choice travels: it is part of the name.

const PREFIX = "SPOILER_";

export function isSpoiler(filename: string): boolean {
  return filename.startsWith(PREFIX);
}

/** The name to send a file under: with the prefix when it is a spoiler, without otherwise. */
export function spoilerName(filename: string, spoiler: boolean): string {
  const bare = shownName(filename);
  return spoiler ? `${PREFIX}${bare}` : bare;
}

/** The name to show a person: the prefix is a marker, not part of what they named it. */
export function shownName(filename: string): string {
  return isSpoiler(filename) ? filename.slice(PREFIX.length) : filename;
}
