// Who is online: my guilds' members' presences, from GUILD_CREATE and PRESENCE_UPDATE (the
// member lists themselves are part of each guild, in guildList.svelte.ts). Anyone unknown is
// offline.

import type { DispatchHandlers } from "../gateway/dispatcher";
import type { Presence } from "../guilds";

export class Presences {
  byUser = $state<Record<string, Presence>>({});

  readonly handlers: DispatchHandlers = {
    // I am online the moment I connect; the rest arrive with each guild.
    READY: (ready) => {
      this.byUser = { [ready.user.id]: "online" };
    },
    GUILD_CREATE: (guild) => {
      for (const p of guild.presences ?? []) this.byUser[p.user.id] = p.status;
    },
    PRESENCE_UPDATE: (p) => {
      this.byUser[p.user.id] = p.status;
    },
  };

  of(userId: string): Presence {
    return this.byUser[userId] ?? "offline";
  }
}
