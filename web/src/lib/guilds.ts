// A guild as the client holds it (channels, threads, roles, members) and how each guild
// gateway event changes it. Pure functions, so the tests feed them events directly.

import type { components } from "./api/schema";

type Schemas = components["schemas"];

export type Overwrite = Schemas["OverwriteObject"];
export type Channel = Pick<Schemas["ChannelObject"], "id" | "type" | "name" | "position" | "parent_id" | "guild_id"> & {
  last_message_id?: string | null;
  permission_overwrites?: Overwrite[];
  topic?: string | null;
};
export type Role = Pick<Schemas["RoleObject"], "id" | "name" | "color" | "hoist" | "position"> &
  Partial<Pick<Schemas["RoleObject"], "permissions" | "mentionable">>;
export type Member = Pick<Schemas["MemberObject"], "user" | "nick" | "roles">;
export type Presence = "online" | "idle" | "dnd" | "offline";

export interface Guild {
  id: string;
  name: string;
  owner_id?: string;
  description?: string | null;
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
export function memberGroups(guild: Guild, presence: (id: string) => Presence): { title: string; members: Member[] }[] {
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

/** A GUILD_CREATE payload as the client keeps it. */
export function guildFrom(data: Record<string, unknown>): Guild {
  const g = data as unknown as Guild;
  return {
    id: g.id,
    name: g.name,
    owner_id: g.owner_id,
    description: g.description ?? null,
    channels: g.channels ?? [],
    threads: g.threads ?? [],
    roles: g.roles ?? [],
    members: g.members ?? [],
  };
}

const change = (guilds: Guild[], id: string | undefined, edit: (g: Guild) => Guild): Guild[] =>
  guilds.map((g) => (g.id === id ? edit(g) : g));

const replace = <T extends { id: string }>(list: T[], item: T): T[] => [...list.filter((x) => x.id !== item.id), item];

/** The guilds after one guild event; `null` when `name` is not one this file handles. */
export function applyGuildEvent(guilds: Guild[], name: string, data: unknown): Guild[] | null {
  const d = data as Record<string, unknown> & { guild_id?: string; id?: string };
  switch (name) {
    case "GUILD_UPDATE":
      return change(guilds, d.id, (g) => ({ ...g, name: (d.name as string) ?? g.name, description: (d.description as string | null) ?? null, owner_id: (d.owner_id as string) ?? g.owner_id, roles: (d.roles as Role[]) ?? g.roles }));
    case "GUILD_ROLE_CREATE":
    case "GUILD_ROLE_UPDATE":
      return change(guilds, d.guild_id, (g) => ({ ...g, roles: replace(g.roles, d.role as Role) }));
    case "GUILD_ROLE_DELETE":
      return change(guilds, d.guild_id, (g) => ({
        ...g,
        roles: g.roles.filter((r) => r.id !== d.role_id),
        members: g.members.map((m) => ({ ...m, roles: m.roles.filter((r) => r !== d.role_id) })),
      }));
    case "GUILD_MEMBER_ADD":
    case "GUILD_MEMBER_UPDATE": {
      const member = d as unknown as Member;
      return change(guilds, d.guild_id, (g) => {
        const known = g.members.find((m) => m.user.id === member.user.id);
        const updated = { ...known, ...member, nick: member.nick ?? null, roles: member.roles ?? known?.roles ?? [] };
        return { ...g, members: [...g.members.filter((m) => m.user.id !== member.user.id), updated] };
      });
    }
    case "GUILD_MEMBER_REMOVE":
      return change(guilds, d.guild_id, (g) => ({ ...g, members: g.members.filter((m) => m.user.id !== (d.user as { id: string }).id) }));
    case "THREAD_CREATE":
    case "THREAD_UPDATE": {
      const thread = d as unknown as Channel & { thread_metadata?: { archived?: boolean } };
      return change(guilds, thread.guild_id, (g) => ({
        ...g,
        threads: thread.thread_metadata?.archived ? g.threads.filter((t) => t.id !== thread.id) : replace(g.threads, thread),
      }));
    }
    case "THREAD_DELETE":
      return change(guilds, d.guild_id, (g) => ({ ...g, threads: g.threads.filter((t) => t.id !== d.id) }));
    case "CHANNEL_CREATE":
    case "CHANNEL_UPDATE":
      return change(guilds, d.guild_id, (g) => ({ ...g, channels: replace(g.channels, d as unknown as Channel) }));
    case "CHANNEL_DELETE":
      return guilds.map((g) => ({
        ...g,
        channels: g.channels.filter((c) => c.id !== d.id),
        threads: g.threads.filter((t) => t.id !== d.id && t.parent_id !== d.id),
      }));
    default:
      return null;
  }
}

/** What to call a person: the name they chose, else their username. */
export function nameOf(user: { username: string; global_name?: string | null }): string {
  return user.global_name ?? user.username;
}

/** When a snowflake was made (ids carry their creation time). */
export function snowflakeDate(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + 1_420_070_400_000n));
}
