// Audit log entries in words: what each action type means and what its changes were.

import type { Guild } from "./guilds";

const ACTIONS: Record<number, string> = {
  1: "updated the guild",
  10: "created the channel",
  11: "updated the channel",
  12: "deleted the channel",
  13: "added an overwrite in",
  14: "changed an overwrite in",
  15: "removed an overwrite in",
  20: "kicked",
  22: "banned",
  23: "lifted the ban on",
  24: "updated the member",
  25: "changed the roles of",
  26: "moved to another voice channel:",
  27: "disconnected from voice:",
  28: "added the bot",
  30: "created the role",
  31: "updated the role",
  32: "deleted the role",
  40: "created the invite",
  42: "deleted the invite",
  72: "deleted a message by",
  73: "deleted messages in",
  74: "pinned a message in",
  75: "unpinned a message in",
  110: "created the thread",
  111: "updated the thread",
  112: "deleted the thread",
};

export function auditAction(type: number): string {
  return ACTIONS[type] ?? `did action ${type} to`;
}

/** The entry's target by name where the client knows it. */
export function auditTarget(entry: { action_type: number; target_id?: string | null }, guild: Guild, person: (id: string) => string): string {
  const id = entry.target_id;
  if (!id) return "";
  if (entry.action_type === 1) return guild.name;
  const channel = [...guild.channels, ...guild.threads].find((c) => c.id === id);
  if (channel) return `#${channel.name}`;
  const role = guild.roles.find((r) => r.id === id);
  if (role) return role.name;
  if ([20, 22, 23, 24, 25, 26, 27, 28, 72].includes(entry.action_type)) return person(id);
  return id;
}

const show = (value: unknown): string =>
  value === undefined || value === null || value === "" ? "nothing" : typeof value === "string" ? `“${value}”` : JSON.stringify(value);

/** One change: "name: “old” → “new”", or for role lists what was added or removed. */
export function describeChange(change: { key: string; old_value?: unknown; new_value?: unknown }): string {
  if (change.key === "$add" || change.key === "$remove") {
    const roles = (change.new_value as { name?: string }[] | undefined)?.map((r) => r.name).join(", ") ?? "";
    return `${change.key === "$add" ? "gave" : "took"} ${roles}`;
  }
  return `${change.key.replaceAll("_", " ")}: ${show(change.old_value)} → ${show(change.new_value)}`;
}
