// The messages of the channels I opened: per channel a window of at most WINDOW messages over
// its history, paged in both directions, kept live by message and reaction events. A window
// scrolled back in history ("detached") takes no live messages; they are there on return.

import { ApiError, type Api } from "../api/client";
import { sameEmoji, type ReactionEmoji } from "../emoji/custom";
import type { DispatchHandlers } from "../gateway/dispatcher";
import { byIdPendingLast, mergeById, PAGE, react, WINDOW, type Message } from "../messages";
import type { User } from "../users";
import type { ReadStates } from "./readStates.svelte";

export class MessageWindows {
  byChannel = $state<Record<string, Message[]>>({});
  /** Channels whose first message is loaded: nothing older to fetch. */
  beginning = $state<Record<string, boolean>>({});
  loadingOlder = $state<Record<string, boolean>>({});
  loadingNewer = $state<Record<string, boolean>>({});
  /** Channels whose window is back in history: newer messages exist beyond the last shown. */
  detached = $state<Record<string, boolean>>({});
  /** Per channel, the last message I had read when I opened it: the "new messages" line
   * goes after it. */
  marker = $state<Record<string, string | null>>({});
  /** The channel on screen: its new messages are read as they come. */
  viewing: string | null = null;

  constructor(
    private readonly api: Api,
    private readonly readStates: ReadStates,
    private readonly me: () => User | null,
  ) {}

  readonly handlers: DispatchHandlers = {
    READY: () => {
      // A new session (first, or after the server forgot the old one): what was loaded
      // before may have missed messages, so open channels load their history again.
      this.byChannel = {};
      this.detached = {};
    },
    MESSAGE_CREATE: (message) => this.received(message),
    MESSAGE_UPDATE: (message) => this.update(message.channel_id, message.id, () => message),
    MESSAGE_DELETE: ({ channel_id, id }) => this.drop(channel_id, id),
    MESSAGE_DELETE_BULK: ({ channel_id, ids }) => ids.forEach((id) => this.drop(channel_id, id)),
    MESSAGE_REACTION_ADD: (r) => this.reacted(r.channel_id, r.message_id, r.emoji, true, r.user_id),
    MESSAGE_REACTION_REMOVE: (r) => this.reacted(r.channel_id, r.message_id, r.emoji, false, r.user_id),
    MESSAGE_REACTION_REMOVE_ALL: (r) => this.update(r.channel_id, r.message_id, (m) => ({ ...m, reactions: [] })),
    MESSAGE_REACTION_REMOVE_EMOJI: (r) =>
      this.update(r.channel_id, r.message_id, (m) => ({
        ...m,
        reactions: (m.reactions ?? []).filter((x) => !sameEmoji(x.emoji, r.emoji)),
      })),
  };

  /** Whether a channel's newest messages are on screen (its window is not back in history,
   * and the tab is not hidden: what arrives meanwhile waits, counted, until I come back). */
  onScreen(channelId: string): boolean {
    return this.viewing === channelId && !this.detached[channelId] && !globalThis.document?.hidden;
  }

  /** Someone who wrote in a channel's window. */
  author(channelId: string, userId: string): User | undefined {
    return this.byChannel[channelId]?.find((m) => m.author.id === userId)?.author;
  }

  /** A message from the gateway (or the answer to my send): replaces my pending copy. A
   * window scrolled back in history does not take live messages: they are there when the
   * reader returns to the present. */
  received(message: Message): void {
    const list = this.byChannel[message.channel_id];
    if (!list || this.detached[message.channel_id]) return;
    const without = list.filter((m) => m.id !== message.id && !(message.nonce && m.nonce === message.nonce && m.pending));
    this.byChannel[message.channel_id] = [...without, message].sort(byIdPendingLast);
  }

  /** My message the server took in one answer (a send with files, shown only once it is
   * there): at the bottom, the window brought back to the present if it was in history. */
  async arrived(message: Message): Promise<void> {
    if (this.detached[message.channel_id]) await this.present(message.channel_id).catch(() => {});
    this.received(message);
  }

  update(channelId: string, messageId: string, change: (m: Message) => Message): void {
    const list = this.byChannel[channelId];
    if (list) this.byChannel[channelId] = list.map((m) => (m.id === messageId ? change(m) : m));
  }

  drop(channelId: string, messageId: string): void {
    const list = this.byChannel[channelId];
    if (list) this.byChannel[channelId] = list.filter((m) => m.id !== messageId);
  }

  private reacted(channelId: string, messageId: string, emoji: ReactionEmoji, add: boolean, userId: string): void {
    const byMe = userId === this.me()?.id;
    this.update(channelId, messageId, (m) => ({ ...m, reactions: react(m.reactions ?? [], emoji, add, byMe) }));
  }

  private page(channelId: string, query: string): Promise<Message[]> {
    return this.api
      .request<Message[]>("GET", `/channels/${channelId}/messages?limit=${PAGE}${query}`)
      .then((page) => page.sort(byIdPendingLast));
  }

  /** Shows a channel: its latest messages are loaded once (messages that arrive live while
   * the page loads are merged, so none falls between the page and the gateway). Where I
   * had unread messages, the first of them gets the "new messages" marker. */
  async open(channelId: string): Promise<void> {
    // Only on arrival: opening the channel on screen again (a reconnect) keeps the line.
    // Never read at all: everything here is new, so the line goes above the first message.
    if (this.viewing !== channelId) this.marker[channelId] = this.readStates.unread(channelId) ? (this.readStates.lastRead(channelId) ?? "0") : null;
    this.viewing = channelId;
    if (this.byChannel[channelId]) {
      this.readStates.markRead(channelId);
      return;
    }
    await this.present(channelId);
  }

  /** Loads the newest page of a channel, replacing whatever window was shown. */
  async present(channelId: string): Promise<void> {
    const kept = this.detached[channelId] ? [] : (this.byChannel[channelId] ?? []);
    this.detached[channelId] = false;
    this.byChannel[channelId] = kept;
    let page: Message[];
    try {
      page = await this.page(channelId, "");
    } catch (error) {
      if (!kept.length) delete this.byChannel[channelId];
      throw error;
    }
    this.byChannel[channelId] = mergeById(page, this.byChannel[channelId] ?? []);
    this.beginning[channelId] = page.length < PAGE;
    const newest = this.byChannel[channelId]?.filter((m) => !m.pending).at(-1);
    if (newest) this.readStates.seen(channelId, newest.id);
    if (this.viewing === channelId) this.readStates.markRead(channelId);
  }

  /** Shows the messages around `messageId` (from search, or a reply's quote). */
  async jumpTo(channelId: string, messageId: string): Promise<void> {
    const list = this.byChannel[channelId];
    if (list?.some((m) => m.id === messageId)) return;
    const page = await this.page(channelId, `&around=${messageId}`);
    this.byChannel[channelId] = page;
    this.beginning[channelId] = false;
    this.detached[channelId] = true;
  }

  /** Loads the page before the oldest message shown; false when there is none. The window
   * keeps at most WINDOW messages: the newest go, to be loaded again on the way back. */
  async loadOlder(channelId: string): Promise<boolean> {
    const list = this.byChannel[channelId];
    const oldest = list?.find((m) => !m.pending);
    if (!list || !oldest || this.beginning[channelId] || this.loadingOlder[channelId]) return false;
    this.loadingOlder[channelId] = true;
    try {
      const page = await this.page(channelId, `&before=${oldest.id}`);
      const merged = mergeById(page, this.byChannel[channelId] ?? []);
      if (merged.length > WINDOW) {
        this.byChannel[channelId] = merged.slice(0, WINDOW);
        this.detached[channelId] = true;
      } else {
        this.byChannel[channelId] = merged;
      }
      this.beginning[channelId] = page.length < PAGE;
      return page.length > 0;
    } finally {
      this.loadingOlder[channelId] = false;
    }
  }

  /** Loads the page after the newest message shown, in a window scrolled back in history;
   * false when there is none. Reaching the newest message rejoins the present. */
  async loadNewer(channelId: string): Promise<boolean> {
    const list = this.byChannel[channelId];
    const newest = list?.filter((m) => !m.pending).at(-1);
    if (!list || !newest || !this.detached[channelId] || this.loadingNewer[channelId]) return false;
    this.loadingNewer[channelId] = true;
    try {
      const page = await this.page(channelId, `&after=${newest.id}`);
      const merged = mergeById(this.byChannel[channelId] ?? [], page);
      if (merged.length > WINDOW) {
        this.byChannel[channelId] = merged.slice(merged.length - WINDOW);
        this.beginning[channelId] = false;
      } else {
        this.byChannel[channelId] = merged;
      }
      if (page.length < PAGE) {
        this.detached[channelId] = false;
        if (this.viewing === channelId) this.readStates.markRead(channelId);
      }
      return page.length > 0;
    } finally {
      this.loadingNewer[channelId] = false;
    }
  }

  /** Shows my message at once, pending; a failed send stays, marked, for a retry. */
  async send(me: User, channelId: string, content: string, nonce: string, body: Record<string, unknown>, replyTo?: string): Promise<void> {
    // What I send appears at the bottom: a window back in history returns to the present.
    if (this.detached[channelId]) await this.present(channelId).catch(() => {});
    const local: Message = {
      id: `local-${nonce}`,
      channel_id: channelId,
      author: me,
      content,
      timestamp: new Date().toISOString(),
      nonce,
      pending: "sending",
      message_reference: replyTo ? { type: 0, message_id: replyTo, channel_id: channelId } : null,
    };
    this.byChannel[channelId] = [...(this.byChannel[channelId] ?? []).filter((m) => m.nonce !== nonce), local];
    try {
      const sent = await this.api.request<Message>("POST", `/channels/${channelId}/messages`, body);
      this.received({ ...sent, nonce });
    } catch (e) {
      // The server's refusal is said (a lost connection is retried as it was).
      const problem = e instanceof ApiError ? e.message : undefined;
      this.byChannel[channelId] = (this.byChannel[channelId] ?? []).map((m) => (m.nonce === nonce ? { ...m, pending: "failed", problem } : m));
    }
  }
}
