// What a user, role, channel or mentionable option (or select menu) offers to choose from:
// the people, roles and channels of the place it is used in, by name.

import { ComponentType, OptionType } from "./types";

/** The people, roles and channels of a guild (or the people of a DM). */
export interface PlaceContents {
  members: { id: string; name: string }[];
  roles: { id: string; name: string }[];
  channels: { id: string; name: string; type: number }[];
}

export interface Pickable {
  value: string;
  label: string;
  group: "People" | "Roles" | "Channels";
}

export type PickKind = "user" | "role" | "channel" | "mentionable";

/** Which kind of thing an option or a select menu picks, if it picks one. */
export function pickKind(type: number, of: "option" | "component"): PickKind | null {
  if (of === "option") {
    return type === OptionType.User ? "user" : type === OptionType.Role ? "role" : type === OptionType.Channel ? "channel" : type === OptionType.Mentionable ? "mentionable" : null;
  }
  return type === ComponentType.UserSelect
    ? "user"
    : type === ComponentType.RoleSelect
      ? "role"
      : type === ComponentType.ChannelSelect
        ? "channel"
        : type === ComponentType.MentionableSelect
          ? "mentionable"
          : null;
}

/** Channels a command or menu may name when it does not say which types: text, voice,
 * category, announcement, threads (Discord's). */
const ANY_CHANNEL = [0, 2, 4, 5, 10, 11, 12, 13, 15];

/** The things of one kind in a place, sorted by name (people, then roles, for mentionables). */
export function pickables(kind: PickKind, from: PlaceContents, channelTypes?: number[]): Pickable[] {
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const people = [...from.members].sort(byName).map((m) => ({ value: m.id, label: m.name, group: "People" as const }));
  const roles = [...from.roles].sort(byName).map((r) => ({ value: r.id, label: `@${r.name}`, group: "Roles" as const }));
  const types = channelTypes?.length ? channelTypes : ANY_CHANNEL;
  const channels = from.channels
    .filter((c) => types.includes(c.type))
    .sort(byName)
    .map((c) => ({ value: c.id, label: c.type === 2 ? `🔊 ${c.name}` : `#${c.name}`, group: "Channels" as const }));
  switch (kind) {
    case "user":
      return people;
    case "role":
      return roles;
    case "channel":
      return channels;
    case "mentionable":
      return [...people, ...roles];
  }
}
