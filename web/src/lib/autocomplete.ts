// Mention autocomplete for the composer: what is being typed after @ or #, who or what
// matches it, and the text once a choice is inserted (as <@id>, <@&id> or <#id>, which the
// server understands and every client shows by name).

export interface Mentionable {
  members: { id: string; username: string; display: string }[];
  roles: { id: string; name: string }[];
  channels: { id: string; name: string }[];
}

export interface Suggestion {
  /** What the list shows. */
  label: string;
  /** A second line: the username, or what kind of thing it is. */
  detail: string;
  /** What replaces the typed trigger and query. */
  insert: string;
}

export interface ActiveMention {
  trigger: "@" | "#";
  query: string;
  /** Where the trigger is in the text. */
  start: number;
}

/** The mention being typed just before the caret, if any: a trigger at the start or after
 * a space, then up to 32 name characters. */
export function activeMention(text: string, caret: number): ActiveMention | null {
  const match = /(^|\s)([@#])([\p{L}\p{N}_.-]{0,32})$/u.exec(text.slice(0, caret));
  if (!match) return null;
  const trigger = match[2] as "@" | "#";
  const query = match[3] ?? "";
  return { trigger, query, start: caret - query.length - 1 };
}

const LIMIT = 8;

/** Matches starting with the query first, then those containing it; case ignored. */
function rank<T>(items: T[], names: (item: T) => string[], query: string): T[] {
  const q = query.toLowerCase();
  const score = (item: T) => {
    const all = names(item).map((n) => n.toLowerCase());
    if (all.some((n) => n.startsWith(q))) return 0;
    if (all.some((n) => n.includes(q))) return 1;
    return 2;
  };
  return items
    .map((item) => ({ item, s: score(item) }))
    .filter((x) => x.s < 2)
    .sort((a, b) => a.s - b.s)
    .map((x) => x.item);
}

export function suggestions(active: ActiveMention, from: Mentionable): Suggestion[] {
  if (active.trigger === "#") {
    return rank(from.channels, (c) => [c.name], active.query)
      .slice(0, LIMIT)
      .map((c) => ({ label: `#${c.name}`, detail: "channel", insert: `<#${c.id}>` }));
  }
  const people = rank(from.members, (m) => [m.username, m.display], active.query).map((m) => ({
    label: m.display,
    detail: `@${m.username}`,
    insert: `<@${m.id}>`,
  }));
  const roles = rank(from.roles, (r) => [r.name], active.query).map((r) => ({ label: `@${r.name}`, detail: "role", insert: `<@&${r.id}>` }));
  const everyone = rank(["everyone", "here"], (w) => [w], active.query).map((w) => ({
    label: `@${w}`,
    detail: w === "everyone" ? "everyone in the channel" : "everyone online in the channel",
    insert: `@${w}`,
  }));
  return [...people, ...roles, ...everyone].slice(0, LIMIT);
}

/** The text with the typed mention replaced by `insert` and a space, and where the caret goes. */
export function complete(text: string, active: ActiveMention, caret: number, insert: string): { text: string; caret: number } {
  const before = text.slice(0, active.start) + insert + " ";
  return { text: before + text.slice(caret), caret: before.length };
}
