// Who is typing where (TYPING_START, each lasting ten seconds), and telling the others when
// I type.

import type { Api } from "../api/client";
import type { DispatchHandlers } from "../gateway/dispatcher";
import type { User } from "../users";

/** How long one TYPING_START shows, as Discord's clients do. */
const SHOWN_MS = 10_000;
/** At most one of mine per this long: the others' indicators outlast it. */
const RESEND_MS = 8000;

export class Typing {
  /** By channel, then user: their name and the moment their indicator lapses. */
  byChannel = $state<Record<string, Record<string, { name: string; until: number }>>>({});
  private lastSent = 0;

  constructor(
    private readonly api: Api,
    private readonly me: () => User | null,
    /** Someone who wrote in the channel, to name them by. */
    private readonly author: (channelId: string, userId: string) => User | undefined,
  ) {}

  readonly handlers: DispatchHandlers = {
    TYPING_START: (t) => {
      if (t.user_id === this.me()?.id) return;
      const known = this.author(t.channel_id, t.user_id);
      const name = known?.global_name ?? known?.username ?? "Someone";
      this.byChannel[t.channel_id] = { ...(this.byChannel[t.channel_id] ?? {}), [t.user_id]: { name, until: Date.now() + SHOWN_MS } };
    },
  };

  /** Names of those typing in a channel now. */
  in(channelId: string, now = Date.now()): string[] {
    return Object.values(this.byChannel[channelId] ?? {})
      .filter((t) => t.until > now)
      .map((t) => t.name);
  }

  /** Tells the others I am typing, at most every 8 seconds. */
  started(channelId: string): void {
    const now = Date.now();
    if (now - this.lastSent < RESEND_MS) return;
    this.lastSent = now;
    this.api.request("POST", `/channels/${channelId}/typing`, {}).catch(() => {});
  }
}
