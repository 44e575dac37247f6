// Read states: where I stand in each channel (the last message I read, the newest I know of,
// and the mentions of me since), from READY's read_state, kept up by new messages and by my
// acknowledgements from any device. Unread marks and mention badges are read from here. A
// blocked person's messages mark a channel unread but are never mentions, as the server counts.

import type { Api } from "../api/client";
import type { DispatchHandlers } from "../gateway/dispatcher";
import type { MessageCreate } from "../gateway/dispatches";
import { isEphemeral } from "../interactions/answers";
import type { User } from "../users";

/** Where I stand in one channel. */
export interface ReadState {
  /** The last message I acknowledged. */
  lastRead: string | null;
  /** The channel's newest message that I know of. */
  last: string | null;
  /** Unread messages mentioning me, my roles or everyone. */
  mentions: number;
}

const NONE: ReadState = { lastRead: null, last: null, mentions: 0 };

/** Whether snowflake `a` is newer than `b` (which may be unknown). */
const later = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && (!b || BigInt(a) > BigInt(b));

/** Whether a new message counts as a mention of me: in a DM every message does, in a guild one
 * naming me or everyone; never my own, and never a blocked person's (as the server counts
 * READY's `mention_count`). */
export function mentionsMe(
  message: Pick<MessageCreate, "author" | "guild_id" | "mention_everyone" | "mentions">,
  me: string | undefined,
  blocked: (userId: string) => boolean,
): boolean {
  if (message.author.id === me || blocked(message.author.id)) return false;
  return !message.guild_id || !!message.mention_everyone || !!message.mentions?.some((u) => u.id === me);
}

export class ReadStates {
  byChannel = $state<Record<string, ReadState>>({});

  constructor(
    private readonly api: Api,
    private readonly me: () => User | null,
    /** Whether a channel's newest messages are on screen: those are read as they come. */
    private readonly onScreen: (channelId: string) => boolean,
    /** Whether I block someone: their messages are never mentions of me. */
    private readonly blocked: (userId: string) => boolean,
  ) {}

  readonly handlers: DispatchHandlers = {
    READY: (ready) => {
      const states: Record<string, ReadState> = {};
      for (const entry of ready.read_state?.entries ?? []) {
        states[entry.id] = { lastRead: entry.last_message_id, last: null, mentions: entry.mention_count };
      }
      // A DM's newest message comes with the DM (guild channels' with GUILD_CREATE).
      for (const dm of ready.private_channels ?? []) {
        states[dm.id] = { ...(states[dm.id] ?? NONE), last: dm.last_message_id ?? null };
      }
      this.byChannel = states;
    },
    GUILD_CREATE: (guild) => {
      for (const channel of [...(guild.channels ?? []), ...(guild.threads ?? [])]) {
        const state = this.byChannel[channel.id] ?? NONE;
        this.byChannel[channel.id] = { ...state, last: channel.last_message_id ?? state.last };
      }
    },
    MESSAGE_CREATE: (message) => {
      // Only I see an ephemeral answer, outside the channel's history: nothing to read there.
      if (isEphemeral(message)) return;
      const state = this.byChannel[message.channel_id] ?? NONE;
      const me = this.me()?.id;
      const mine = message.author.id === me;
      const mentioned = mentionsMe(message, me, this.blocked);
      this.byChannel[message.channel_id] = {
        lastRead: mine ? message.id : state.lastRead,
        last: later(message.id, state.last) ? message.id : state.last,
        mentions: mine ? 0 : state.mentions + (mentioned ? 1 : 0),
      };
      if (!mine && this.onScreen(message.channel_id)) this.markRead(message.channel_id);
    },
    MESSAGE_ACK: (ack) => {
      const state = this.byChannel[ack.channel_id];
      if (state) this.byChannel[ack.channel_id] = { ...state, lastRead: ack.message_id, mentions: 0 };
    },
  };

  /** Whether `channelId` has messages I have not read. */
  unread(channelId: string): boolean {
    const state = this.byChannel[channelId];
    return !!state && later(state.last, state.lastRead);
  }

  mentions(channelId: string): number {
    return this.byChannel[channelId]?.mentions ?? 0;
  }

  /** The last message I read in a channel, if any. */
  lastRead(channelId: string): string | null {
    return this.byChannel[channelId]?.lastRead ?? null;
  }

  /** A channel's newest message, as a page of its history showed it. */
  seen(channelId: string, messageId: string): void {
    const state = this.byChannel[channelId] ?? NONE;
    this.byChannel[channelId] = { ...state, last: later(messageId, state.last) ? messageId : state.last };
  }

  /** Acknowledges the newest message of a channel on screen (once per newest message), unless
   * the tab is hidden. */
  markRead(channelId: string): void {
    // Nobody reads a hidden tab: what arrives waits, counted, until it is shown again.
    if (globalThis.document?.hidden) return;
    const state = this.byChannel[channelId];
    if (!state?.last || !this.unread(channelId)) return;
    const last = state.last;
    this.byChannel[channelId] = { ...state, lastRead: last, mentions: 0 };
    this.api.request("POST", `/channels/${channelId}/messages/${last}/ack`, {}).catch(() => {});
  }
}
