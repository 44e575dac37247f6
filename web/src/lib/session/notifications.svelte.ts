// My notification settings per guild (and `@me` for DMs), the people I block, and who may DM
// me: from READY, kept live by USER_GUILD_SETTINGS_UPDATE, RELATIONSHIP_ADD/REMOVE and
// USER_SETTINGS_UPDATE, changed through the REST API (whose answer is applied at once, before
// the gateway's echo).

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import type { DispatchHandlers } from "../gateway/dispatcher";
import { defaultSettings, type GuildSettings, type SettingsPatch } from "../notify";
import type { User } from "../users";

export type UserSettings = components["schemas"]["UserSettingsObject"];

/** The key of the DM settings. */
export const DMS = "@me";

export class Notifications {
  /** By guild id, or `@me`; a guild missing here has the defaults. */
  byGuild = $state<Record<string, GuildSettings>>({});
  /** The people I block, by id. */
  blocked = $state<Record<string, User>>({});
  privacy = $state<UserSettings>({ restricted_guilds: [], default_guilds_restricted: false });

  /** Moves when a timed mute ends, so what reads the settings (badges, dimming) reads again. */
  clock = $state(0);
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly api: Api) {}

  /** Sets a timer for the next timed mute to end. */
  private schedule(): void {
    clearTimeout(this.timer);
    const now = Date.now();
    const ends = Object.values(this.byGuild)
      .flatMap((s) => [s, ...s.channel_overrides])
      .map((x) => (x.muted && x.mute_config?.end_time ? Date.parse(x.mute_config.end_time) : NaN))
      .filter((t) => t > now);
    if (!ends.length) return;
    this.timer = setTimeout(() => {
      this.clock++;
      this.schedule();
    }, Math.min(Math.min(...ends) - now + 50, 2 ** 31 - 1));
  }

  /** Stops the timer (the person signed out). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  readonly handlers: DispatchHandlers = {
    READY: (ready) => {
      const byGuild: Record<string, GuildSettings> = {};
      for (const entry of ready.user_guild_settings?.entries ?? []) byGuild[entry.guild_id ?? DMS] = entry;
      this.byGuild = byGuild;
      this.schedule();
      const blocked: Record<string, User> = {};
      for (const r of ready.relationships ?? []) if (r.type === 2) blocked[r.id] = r.user;
      this.blocked = blocked;
      if (ready.user_settings) this.privacy = ready.user_settings;
    },
    USER_GUILD_SETTINGS_UPDATE: (settings) => this.put(settings),
    RELATIONSHIP_ADD: (r) => {
      if (r.type === 2) this.blocked = { ...this.blocked, [r.id]: r.user };
    },
    RELATIONSHIP_REMOVE: (r) => {
      const { [r.id]: _gone, ...rest } = this.blocked;
      this.blocked = rest;
    },
    USER_SETTINGS_UPDATE: (settings) => {
      this.privacy = { ...this.privacy, ...settings };
    },
  };

  /** A guild's settings (`@me` for DMs), the defaults if never changed. */
  of(guildId: string): GuildSettings {
    void this.clock;
    return this.byGuild[guildId] ?? defaultSettings(guildId === DMS ? null : guildId);
  }

  isBlocked(userId: string): boolean {
    return userId in this.blocked;
  }

  private put(settings: GuildSettings): void {
    const key = settings.guild_id ?? DMS;
    // Kept only if not older than what is known (the REST answer and the echo may cross).
    if ((this.byGuild[key]?.version ?? -1) > settings.version) return;
    this.byGuild = { ...this.byGuild, [key]: settings };
    this.schedule();
  }

  /** Changes a guild's (or `@me`'s) settings. */
  async change(guildId: string, patch: SettingsPatch): Promise<void> {
    this.put(await this.api.request<GuildSettings>("PATCH", `/users/@me/guilds/${guildId}/settings`, patch));
  }

  async block(user: User): Promise<void> {
    await this.api.request("PUT", `/users/@me/relationships/${user.id}`, { type: 2 });
    this.blocked = { ...this.blocked, [user.id]: user };
  }

  async unblock(userId: string): Promise<void> {
    await this.api.request("DELETE", `/users/@me/relationships/${userId}`);
    const { [userId]: _gone, ...rest } = this.blocked;
    this.blocked = rest;
  }

  async changePrivacy(patch: components["schemas"]["UserSettingsPatch"]): Promise<void> {
    this.privacy = await this.api.request<UserSettings>("PATCH", "/users/@me/settings", patch);
  }
}
