// What I may do to a member from their popout or the member list: change their nickname (or
// my own), time them out, kick or ban them. Offered only when my permissions allow it and my
// highest role is above theirs, as the server decides (docs/permissions.md): nobody acts on
// the owner, the owner acts on anyone, and nobody kicks, bans or times out themselves. The
// server checks each one again and its refusal is shown as it words it.

import type { Guild, Member } from "./guilds";
import { guildPermissions, has, PERMISSION } from "./permissions";

export type MemberAction = "nickname" | "timeout" | "untimeout" | "kick" | "ban";

/** A member's highest role position (0 for @everyone alone). */
export function topRole(guild: Pick<Guild, "roles">, member: Pick<Member, "roles"> | undefined): number {
  return Math.max(0, ...guild.roles.filter((r) => member?.roles.includes(r.id)).map((r) => r.position));
}

/** Whether `me` outranks `target` in the guild's role hierarchy. */
export function outranks(guild: Pick<Guild, "owner_id" | "roles" | "members">, me: string, target: string): boolean {
  if (target === guild.owner_id) return false;
  if (me === guild.owner_id) return true;
  const member = (id: string) => guild.members.find((m) => m.user.id === id);
  return topRole(guild, member(me)) > topRole(guild, member(target));
}

/** Whether a member is timed out at `now`. */
export function timedOut(member: Pick<Member, "communication_disabled_until"> | undefined, now = Date.now()): boolean {
  const until = member?.communication_disabled_until;
  return !!until && Date.parse(until) > now;
}

/** The actions I am offered on `target`, in the order the popout lists them. */
export function memberActions(guild: Guild, me: string, target: string, now = Date.now()): MemberAction[] {
  const mine = guildPermissions(guild, me);
  const member = guild.members.find((m) => m.user.id === target);
  if (!member) return [];
  if (target === me) return has(mine, PERMISSION.CHANGE_NICKNAME) || has(mine, PERMISSION.MANAGE_NICKNAMES) ? ["nickname"] : [];
  if (!outranks(guild, me, target)) return [];
  const actions: MemberAction[] = [];
  if (has(mine, PERMISSION.MANAGE_NICKNAMES)) actions.push("nickname");
  // Administrators cannot be timed out (their permissions would ignore it).
  if (has(mine, PERMISSION.MODERATE_MEMBERS) && !has(guildPermissions(guild, target), PERMISSION.ADMINISTRATOR)) {
    actions.push(timedOut(member, now) ? "untimeout" : "timeout");
  }
  if (has(mine, PERMISSION.KICK_MEMBERS)) actions.push("kick");
  if (has(mine, PERMISSION.BAN_MEMBERS)) actions.push("ban");
  return actions;
}

/** Time-out lengths offered, as Discord offers them. */
export const TIMEOUTS: { label: string; seconds: number }[] = [
  { label: "60 seconds", seconds: 60 },
  { label: "5 minutes", seconds: 5 * 60 },
  { label: "10 minutes", seconds: 10 * 60 },
  { label: "1 hour", seconds: 60 * 60 },
  { label: "1 day", seconds: 24 * 60 * 60 },
  { label: "1 week", seconds: 7 * 24 * 60 * 60 },
];

/** How much of a banned person's recent history goes with them, as Discord offers it. */
export const BAN_DELETES: { label: string; seconds: number }[] = [
  { label: "Don't delete any", seconds: 0 },
  { label: "Previous hour", seconds: 60 * 60 },
  { label: "Previous 6 hours", seconds: 6 * 60 * 60 },
  { label: "Previous 12 hours", seconds: 12 * 60 * 60 },
  { label: "Previous 24 hours", seconds: 24 * 60 * 60 },
  { label: "Previous 3 days", seconds: 3 * 24 * 60 * 60 },
  { label: "Previous 7 days", seconds: 7 * 24 * 60 * 60 },
];
