// WEBHOOKS_UPDATE, counted by guild. The event says only which channel's webhooks changed,
// not how, so the webhook settings (screens/guild/webhooks/) read the guild's list again
// whenever its count moves; nothing else in the client keeps webhooks.

import type { DispatchHandlers } from "../gateway/dispatcher";

export class WebhookChanges {
  /** How many WEBHOOKS_UPDATE each guild has had in this session. */
  byGuild = $state<Record<string, number>>({});

  readonly handlers: DispatchHandlers = {
    WEBHOOKS_UPDATE: (d) => {
      this.byGuild[d.guild_id] = (this.byGuild[d.guild_id] ?? 0) + 1;
    },
  };

  /** Moves whenever one of the guild's channels has its webhooks changed. */
  of(guildId: string): number {
    return this.byGuild[guildId] ?? 0;
  }
}
