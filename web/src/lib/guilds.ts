// A guild as the client holds it (channels, threads, roles, members, its icon, banner and
// custom emoji) and how each guild gateway event changes it. Pure functions, so the tests feed them events directly.

import type { components } from "./api/schema";
import type { CustomEmoji } from "./emoji/custom";
import { nameOf, type User } from "./users";

type Schemas = components["schemas"];

export type Overwrite = Schemas["OverwriteObject"];
export type Channel = Pick<Schemas["ChannelObject"], "id" | "type" | "name" | "position" | "parent_id" | "guild_id"> & {
  last_message_id?: string | null;
  permission_overwrites?: Overwrite[];
  topic?: string | null;
};
export type Role = Pick<Schemas["RoleObject"], "id" | "name" | "color" | "hoist" | "position"> &
  Partial<Pick<Schemas["RoleObject"], "permissions" | "mentionable">>;
export type Member = Pick<Schemas["MemberObject"], "user" | "nick" | "roles"> &
  Partial<Pick<Schemas["MemberObject"], "joined_at" | "communication_disabled_until">>;
export type Presence = "online" | "idle" | "dnd" | "offline";

export interface Guild {
  id: string;
  name: string;
  owner_id?: string;
  description?: string | null;
  /** Hashes of its icon and banner (served under /icons and /banners), null when unset. */
  icon: string | null;
  banner: string | null;
  /** Its custom emoji, oldest first. */
  emojis: CustomEmoji[];
  channels: Channel[];
  /** Active threads, each under its parent channel. */
  threads: Channel[];
  roles: Role[];
  members: Member[];
}

/** A category with the channels in it, in order; `category` null for those outside any. */
export interface ChannelGroup {
  category: Channel | null;
  channels: Channel[];
}

const byPosition = (a: { position: number; id: string }, b: { position: number; id: string }) =>
  a.position - b.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

/** A guild's text and voice channels, under their categories, in Discord's order. */
export function groupChannels(channels: Channel[]): ChannelGroup[] {
  const categories = channels.filter((c) => c.type === 4).sort(byPosition);
  const inside = (parent: string | null) =>
    channels.filter((c) => (c.type === 0 || c.type === 2) && (c.parent_id ?? null) === parent).sort(byPosition);
  const known = new Set(categories.map((c) => c.id));
  const orphans = channels.filter((c) => (c.type === 0 || c.type === 2) && c.parent_id && !known.has(c.parent_id));
  return [
    { category: null, channels: [...inside(null), ...orphans].sort(byPosition) },
    ...categories.map((category) => ({ category, channels: inside(category.id) })),
  ].filter((g) => g.category !== null || g.channels.length > 0);
}

/** Roles from the highest down (the order the settings list them in). */
export function rolesByRank(roles: Role[]): Role[] {
  return [...roles].sort((a, b) => b.position - a.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/** A guild's members under their highest hoisted role (then "Online" and "Offline"),
 * each group sorted by name. */
export function memberGroups(guild: Pick<Guild, "roles" | "members">, presence: (id: string) => Presence): { title: string; members: Member[] }[] {
  const hoisted = rolesByRank(guild.roles.filter((r) => r.hoist));
  const name = (m: Member) => (m.nick ?? nameOf(m.user)).toLowerCase();
  const groups = new Map<string, Member[]>();
  for (const member of guild.members) {
    const online = presence(member.user.id) !== "offline";
    const role = online ? hoisted.find((r) => member.roles.includes(r.id)) : undefined;
    const title = role ? role.name : online ? "Online" : "Offline";
    groups.set(title, [...(groups.get(title) ?? []), member]);
  }
  const order = [...hoisted.map((r) => r.name), "Online", "Offline"];
  return order
    .filter((title) => groups.has(title))
    .map((title) => ({ title, members: (groups.get(title) ?? []).sort((a, b) => name(a).localeCompare(name(b))) }));
}

/** A guild as GUILD_CREATE sends it: the lists the client keeps may be left out. */
export type GuildPayload = Pick<Guild, "id" | "name"> & Partial<Omit<Guild, "id" | "name">>;

/** A GUILD_CREATE payload as the client keeps it. */
export function guildFrom(g: GuildPayload): Guild {
  return {
    id: g.id,
    name: g.name,
    owner_id: g.owner_id,
    description: g.description ?? null,
    icon: g.icon ?? null,
    banner: g.banner ?? null,
    emojis: g.emojis ?? [],
    channels: g.channels ?? [],
    threads: g.threads ?? [],
    roles: g.roles ?? [],
    members: g.members ?? [],
  };
}

// The payloads of the guild events below, as the server sends them (docs/api.md). Fields the
// client can do without are optional, and it keeps what it knew when they are left out.
export interface GuildUpdate {
  id: string;
  name?: string;
  description?: string | null;
  owner_id?: string;
  roles?: Role[];
  icon?: string | null;
  banner?: string | null;
  emojis?: CustomEmoji[];
}
/** GUILD_EMOJIS_UPDATE: the guild's whole list, as it now is. */
export interface EmojisUpdate {
  guild_id: string;
  emojis: CustomEmoji[];
}
export interface RoleEvent {
  guild_id: string;
  role: Role;
}
export interface RoleDelete {
  guild_id: string;
  role_id: string;
}
export type MemberEvent = Pick<Member, "user"> & Partial<Pick<Member, "nick" | "roles" | "joined_at" | "communication_disabled_until">> & { guild_id: string };
export interface MemberRemove {
  guild_id: string;
  user: Pick<User, "id">;
}
export type ThreadEvent = Channel & { thread_metadata?: { archived?: boolean } | null };
export interface ThreadDelete {
  id: string;
  guild_id: string;
  parent_id?: string | null;
}
/** A channel gone, or hidden from me: only its id and type are sure to be there. */
export interface ChannelDelete {
  id: string;
  type: number;
  guild_id?: string | null;
}

const change = (guilds: Guild[], id: string | undefined, edit: (g: Guild) => Guild): Guild[] =>
  guilds.map((g) => (g.id === id ? edit(g) : g));

const replace = <T extends { id: string }>(list: T[], item: T): T[] => [...list.filter((x) => x.id !== item.id), item];

// How each guild event changes the guilds: pure functions, so the tests feed them directly.

/** GUILD_UPDATE: the guild object whole, so an icon or banner left out (or null) is gone. */
export const guildUpdated = (guilds: Guild[], d: GuildUpdate): Guild[] =>
  change(guilds, d.id, (g) => ({
    ...g,
    name: d.name ?? g.name,
    description: d.description ?? null,
    owner_id: d.owner_id ?? g.owner_id,
    roles: d.roles ?? g.roles,
    icon: d.icon ?? null,
    banner: d.banner ?? null,
    emojis: d.emojis ?? g.emojis,
  }));

/** GUILD_EMOJIS_UPDATE: the list replaced by the one it carries. */
export const emojisUpdated = (guilds: Guild[], d: EmojisUpdate): Guild[] => change(guilds, d.guild_id, (g) => ({ ...g, emojis: d.emojis }));

/** A role made or changed (GUILD_ROLE_CREATE, GUILD_ROLE_UPDATE). */
export const roleSaved = (guilds: Guild[], d: RoleEvent): Guild[] => change(guilds, d.guild_id, (g) => ({ ...g, roles: replace(g.roles, d.role) }));

/** A role gone, and off every member who had it. */
export const roleDeleted = (guilds: Guild[], d: RoleDelete): Guild[] =>
  change(guilds, d.guild_id, (g) => ({
    ...g,
    roles: g.roles.filter((r) => r.id !== d.role_id),
    members: g.members.map((m) => ({ ...m, roles: m.roles.filter((r) => r !== d.role_id) })),
  }));

/** A member joined or changed (GUILD_MEMBER_ADD, GUILD_MEMBER_UPDATE). */
export const memberSaved = (guilds: Guild[], d: MemberEvent): Guild[] =>
  change(guilds, d.guild_id, (g) => {
    const known = g.members.find((m) => m.user.id === d.user.id);
    const updated = { ...known, ...d, nick: d.nick ?? null, roles: d.roles ?? known?.roles ?? [] };
    return { ...g, members: [...g.members.filter((m) => m.user.id !== d.user.id), updated] };
  });

export const memberRemoved = (guilds: Guild[], d: MemberRemove): Guild[] =>
  change(guilds, d.guild_id, (g) => ({ ...g, members: g.members.filter((m) => m.user.id !== d.user.id) }));

/** A thread started or changed; an archived one leaves the list. */
export const threadSaved = (guilds: Guild[], thread: ThreadEvent): Guild[] =>
  change(guilds, thread.guild_id, (g) => ({
    ...g,
    threads: thread.thread_metadata?.archived ? g.threads.filter((t) => t.id !== thread.id) : replace(g.threads, thread),
  }));

export const threadDeleted = (guilds: Guild[], d: ThreadDelete): Guild[] =>
  change(guilds, d.guild_id, (g) => ({ ...g, threads: g.threads.filter((t) => t.id !== d.id) }));

/** A guild channel made, changed, or newly visible to me. */
export const channelSaved = (guilds: Guild[], channel: Channel): Guild[] =>
  change(guilds, channel.guild_id, (g) => ({ ...g, channels: replace(g.channels, channel) }));

/** A channel gone (or hidden), with its threads. */
export const channelDeleted = (guilds: Guild[], d: ChannelDelete): Guild[] =>
  guilds.map((g) => ({
    ...g,
    channels: g.channels.filter((c) => c.id !== d.id),
    threads: g.threads.filter((t) => t.id !== d.id && t.parent_id !== d.id),
  }));

/** When a snowflake was made (ids carry their creation time). */
export function snowflakeDate(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + 1_420_070_400_000n));
}
