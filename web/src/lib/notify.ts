// Notification settings read as Discord reads them, as pure functions: whether a guild, a DM
// or a channel is muted now, which level applies to a channel, which channels count toward a
// badge, and whether a new message should notify me (a desktop notification and a sound).

import type { components } from "./api/schema";

export type GuildSettings = components["schemas"]["UserGuildSettings"];
export type ChannelOverride = components["schemas"]["ChannelOverride"];
export type SettingsPatch = components["schemas"]["UserGuildSettingsPatch"];

/** Message notification levels (Discord's numbers). */
export const LEVEL = { ALL: 0, MENTIONS: 1, NOTHING: 2, AS_GUILD: 3 } as const;

/** The durations a mute may be picked for, in seconds; -1: until turned back on. */
export const MUTE_DURATIONS: { seconds: number; label: string }[] = [
  { seconds: 15 * 60, label: "For 15 minutes" },
  { seconds: 60 * 60, label: "For 1 hour" },
  { seconds: 8 * 60 * 60, label: "For 8 hours" },
  { seconds: 24 * 60 * 60, label: "For 24 hours" },
  { seconds: -1, label: "Until I turn it back on" },
];

/** A guild's (or `@me`'s) settings before I changed anything: every message, nothing muted. */
export function defaultSettings(guildId: string | null): GuildSettings {
  return {
    guild_id: guildId,
    message_notifications: LEVEL.ALL,
    muted: false,
    mute_config: null,
    suppress_everyone: false,
    suppress_roles: false,
    mobile_push: true,
    hide_muted_channels: false,
    mute_scheduled_events: false,
    notify_highlights: 0,
    flags: 0,
    version: 0,
    channel_overrides: [],
  };
}

/** Whether something muted (a guild or a channel override) is muted at `now`: a mute with an
 * end that has passed is over, even before the server says so. */
export function mutedNow(item: { muted: boolean; mute_config?: { end_time?: string | null } | null } | undefined, now: number): boolean {
  if (!item?.muted) return false;
  const end = item.mute_config?.end_time;
  return !end || Date.parse(end) > now;
}

/** When a mute ends, or null when it lasts until turned off (or is not on). */
export function muteEnds(item: { muted: boolean; mute_config?: { end_time?: string | null } | null } | undefined): Date | null {
  const end = item?.muted ? item.mute_config?.end_time : null;
  return end ? new Date(end) : null;
}

/** The PATCH fields that mute for `seconds` (-1: until turned back on), or unmute. */
export function muteFields(seconds: number | null, now: number): { muted: boolean; mute_config: { end_time: string | null; selected_time_window: number } | null } {
  if (seconds === null) return { muted: false, mute_config: null };
  return {
    muted: true,
    mute_config: { end_time: seconds < 0 ? null : new Date(now + seconds * 1000).toISOString(), selected_time_window: seconds },
  };
}

export function overrideOf(settings: GuildSettings | undefined, channelId: string): ChannelOverride | undefined {
  return settings?.channel_overrides.find((o) => o.channel_id === channelId);
}

/** Whether a channel is muted now, by its guild or by itself or what holds it. `chain` is the
 * channel, then its parent (a thread's channel, a channel's category), most specific first. */
export function channelMuted(settings: GuildSettings | undefined, chain: string[], now: number): boolean {
  return mutedNow(settings, now) || chain.some((id) => mutedNow(overrideOf(settings, id), now));
}

/** The level that applies in a channel: the first override along `chain` that says one, else
 * the guild's (every message when nothing was set). */
export function levelIn(settings: GuildSettings | undefined, chain: string[]): number {
  for (const id of chain) {
    const level = overrideOf(settings, id)?.message_notifications;
    if (level !== undefined && level !== LEVEL.AS_GUILD) return level;
  }
  return settings?.message_notifications ?? LEVEL.ALL;
}

/** What a new message carries that matters here. */
export interface Incoming {
  author: { id: string; bot?: boolean };
  content?: string;
  /** Null or absent in a DM. */
  guild_id?: string | null;
  mentions?: { id: string }[];
  mention_roles?: string[];
  mention_everyone?: boolean;
  /** Ephemeral answers (flag 64) are for me on screen only. */
  flags?: number | null;
}

export interface NotifyContext {
  /** The channel the message is in, then its parents (see `channelMuted`). */
  chain: string[];
  /** My roles in the message's guild (none in a DM). */
  myRoles: string[];
  /** Whether I block someone. */
  blocked: (userId: string) => boolean;
  now: number;
}

/** Why a message notifies: it mentions me (or my role, or everyone), it is in a DM, or the
 * level is every message. */
export type NotifyReason = "mention" | "dm" | "message";

/** Whether a new message should notify me, and why: never my own, never from someone I block,
 * never in a muted guild, DM or channel, never at level "nothing"; at "only @mentions" only a
 * mention of me, of a role of mine (unless role mentions are suppressed) or of everyone
 * (unless @everyone and @here are suppressed). `settings` are the guild's, or `@me`'s for a
 * DM. */
export function shouldNotify(message: Incoming, settings: GuildSettings | undefined, me: { id: string }, ctx: NotifyContext): NotifyReason | null {
  if (message.author.id === me.id) return null;
  if (ctx.blocked(message.author.id)) return null;
  if (((message.flags ?? 0) & 64) !== 0) return null;
  if (channelMuted(settings, ctx.chain, ctx.now)) return null;
  const level = levelIn(settings, ctx.chain);
  if (level === LEVEL.NOTHING) return null;
  const inDm = !message.guild_id;
  const mentioned =
    !!message.mentions?.some((u) => u.id === me.id) ||
    (!inDm && !settings?.suppress_roles && !!message.mention_roles?.some((r) => ctx.myRoles.includes(r))) ||
    (!!message.mention_everyone && !settings?.suppress_everyone);
  if (mentioned) return "mention";
  if (level === LEVEL.MENTIONS) return null;
  return inDm ? "dm" : "message";
}

/** A badge: unread (a dot) and mentions (a red count). */
export interface Badge {
  unread: boolean;
  mentions: number;
}

/** Adds up the badges of the channels that count: none when the guild (or all DMs) is muted,
 * and none of a muted channel. */
export function badgeOf(
  settings: GuildSettings | undefined,
  channels: { chain: string[]; unread: boolean; mentions: number }[],
  now: number,
): Badge {
  const badge: Badge = { unread: false, mentions: 0 };
  if (mutedNow(settings, now)) return badge;
  for (const c of channels) {
    if (channelMuted(settings, c.chain, now)) continue;
    badge.unread ||= c.unread;
    badge.mentions += c.mentions;
  }
  return badge;
}

/** The tab's title: `(N) Parley` while N mentions and DM messages wait. */
export function titleWith(count: number, base = "Parley"): string {
  return count > 0 ? `(${count}) ${base}` : base;
}

/** The number drawn on the favicon's badge. */
export function badgeText(count: number): string {
  return count > 99 ? "99+" : String(count);
}
