// My guilds, each with its channels, threads, roles, members and custom emoji, as GUILD_CREATE
// brings them and guild, channel, thread, role, member and emoji events change them (how each
// event changes a guild is lib/guilds.ts's pure functions; this holds the list and routes the
// events).

import type { DispatchHandlers } from "../gateway/dispatcher";
import {
  channelDeleted,
  channelSaved,
  emojisUpdated,
  guildFrom,
  guildUpdated,
  memberRemoved,
  memberSaved,
  roleDeleted,
  roleSaved,
  threadDeleted,
  threadSaved,
  type Guild,
} from "../guilds";
import { isPrivate } from "../privateChannels";

export class GuildList {
  list = $state<Guild[]>([]);
  /** Custom emoji seen deleted in this session, by id: their images are gone from the server,
   * so they show by name (a browser may still hold the old image). */
  deletedEmoji = $state<Record<string, true>>({});

  /** Notes the emoji a guild had and no longer has. */
  private emojiGone(guildId: string, now: { id: string }[] | undefined): void {
    if (!now) return;
    const kept = new Set(now.map((e) => e.id));
    for (const e of this.list.find((g) => g.id === guildId)?.emojis ?? []) {
      if (!kept.has(e.id)) this.deletedEmoji[e.id] = true;
    }
  }

  /** A handler that replaces the list with what `apply` makes of it and the payload. */
  private applying<T>(apply: (guilds: Guild[], data: T) => Guild[]): (data: T) => void {
    return (data) => {
      this.list = apply(this.list, data);
    };
  }

  readonly handlers: DispatchHandlers = {
    // A new gateway session sends every guild again.
    READY: () => {
      this.list = [];
    },
    GUILD_CREATE: (data) => {
      const guild = guildFrom(data);
      this.list = [...this.list.filter((g) => g.id !== guild.id), guild];
    },
    GUILD_UPDATE: (data) => {
      this.emojiGone(data.id, data.emojis);
      this.list = guildUpdated(this.list, data);
    },
    GUILD_EMOJIS_UPDATE: (data) => {
      this.emojiGone(data.guild_id, data.emojis);
      this.list = emojisUpdated(this.list, data);
    },
    GUILD_DELETE: ({ id }) => {
      this.list = this.list.filter((g) => g.id !== id);
    },
    GUILD_ROLE_CREATE: this.applying(roleSaved),
    GUILD_ROLE_UPDATE: this.applying(roleSaved),
    GUILD_ROLE_DELETE: this.applying(roleDeleted),
    GUILD_MEMBER_ADD: this.applying(memberSaved),
    GUILD_MEMBER_UPDATE: this.applying(memberSaved),
    GUILD_MEMBER_REMOVE: this.applying(memberRemoved),
    // DMs come through the same channel events: the DM list takes those.
    CHANNEL_CREATE: (channel) => {
      if (!isPrivate(channel)) this.list = channelSaved(this.list, channel);
    },
    CHANNEL_UPDATE: (channel) => {
      if (!isPrivate(channel)) this.list = channelSaved(this.list, channel);
    },
    CHANNEL_DELETE: this.applying(channelDeleted),
    THREAD_CREATE: this.applying(threadSaved),
    THREAD_UPDATE: this.applying(threadSaved),
    THREAD_DELETE: this.applying(threadDeleted),
  };

  /** The guild a channel or thread belongs to; undefined for DMs. */
  guildOf(channelId: string): Guild | undefined {
    return this.list.find((g) => g.channels.some((c) => c.id === channelId) || g.threads.some((t) => t.id === channelId));
  }
}
