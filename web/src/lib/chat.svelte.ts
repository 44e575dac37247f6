// What the client knows, kept live by the gateway: me, my guilds and their channels, and
// the messages of the channels I have opened. Screens read it; only gateway dispatches and
// REST answers change it.

import { Api } from "./api/client";
import { GatewayClient, type Status } from "./gateway/client";
import { Dispatcher, type DispatchHandlers } from "./gateway/dispatcher";
import type { DispatchName, Dispatches } from "./gateway/dispatches";
import type { Mentionable } from "./autocomplete";
import {
  channelDeleted,
  channelSaved,
  guildFrom,
  guildUpdated,
  memberRemoved,
  memberSaved,
  roleDeleted,
  roleSaved,
  threadDeleted,
  threadSaved,
  type Guild,
  type Presence,
} from "./guilds";
import type { MentionNames } from "./markdown/render";
import { byIdPendingLast, mergeById, PAGE, react, WINDOW, type Message } from "./messages";
import { isPrivate, type PrivateChannel } from "./privateChannels";
import { nameOf, type User } from "./users";
import { Voice } from "./voice/call.svelte";

export { groupChannels, memberGroups, type Channel, type Guild, type Member, type Presence, type Role } from "./guilds";
export { PAGE, react, WINDOW, type Message } from "./messages";
export { privateName, type PrivateChannel } from "./privateChannels";
export type { User } from "./users";

/** Where I stand in one channel. */
export interface ReadState {
  /** The last message I acknowledged. */
  lastRead: string | null;
  /** The channel's newest message that I know of. */
  last: string | null;
  /** Unread messages mentioning me, my roles or everyone. */
  mentions: number;
}

const later = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && (!b || BigInt(a) > BigInt(b));

/** GUILDS | GUILD_MEMBERS | GUILD_VOICE_STATES | GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS |
 * GUILD_MESSAGE_TYPING | DIRECT_MESSAGES | DIRECT_MESSAGE_REACTIONS | DIRECT_MESSAGE_TYPING |
 * GUILD_PRESENCES. */
const INTENTS = 1 | 2 | 128 | 512 | 1024 | 2048 | 4096 | 8192 | 16384 | 256;

export class Chat {
  readonly api = new Api();
  me = $state<User | null>(null);
  // READY's `user` is the full current user; the public part is what messages carry.
  guilds = $state<Guild[]>([]);
  messages = $state<Record<string, Message[]>>({});
  privateChannels = $state<PrivateChannel[]>([]);
  /** Channels whose first message is loaded: nothing older to fetch. */
  beginning = $state<Record<string, boolean>>({});
  loadingOlder = $state<Record<string, boolean>>({});
  loadingNewer = $state<Record<string, boolean>>({});
  /** Channels whose window is back in history: newer messages exist beyond the last shown. */
  detached = $state<Record<string, boolean>>({});
  /** Per channel, the last message I had read when I opened it: the "new messages" line
   * goes after it. */
  marker = $state<Record<string, string | null>>({});
  presences = $state<Record<string, Presence>>({});
  readStates = $state<Record<string, ReadState>>({});
  /** Who is typing where: user id to the moment their indicator lapses. */
  typing = $state<Record<string, Record<string, { name: string; until: number }>>>({});
  private lastTyping = 0;
  /** The channel on screen: its new messages are read as they come. */
  viewing: string | null = null;
  status = $state<Status>("closed");
  /** Set when the server no longer accepts this session (signed out elsewhere, revoked). */
  signedOut = $state(false);
  private gateway: GatewayClient | null = null;
  private gatewayUrl = "";
  /** Voice channels and the call I am in. */
  readonly voice = new Voice({
    api: this.api,
    sendVoiceState: (d) => this.gateway?.send({ op: 4, d }),
    me: () => (this.me && this.gateway?.sessionId ? { userId: this.me.id, sessionId: this.gateway.sessionId } : null),
    gatewayUrl: () => this.gatewayUrl,
  });

  async start(): Promise<void> {
    const { url } = await this.api.request<{ url: string }>("GET", "/gateway");
    this.gatewayUrl = url;
    this.gateway = new GatewayClient({
      url,
      token: () => this.api.tokens?.access_token ?? "",
      intents: INTENTS,
      onDispatch: (name, data) => this.dispatcher.receive(name, data),
      onStatus: (status) => {
        this.status = status;
        if (status === "closed" && this.gateway?.closeCode === 4004) {
          this.api.setTokens(null);
          this.signedOut = true;
        }
      },
    });
    this.signedOut = false;
    this.gateway.connect();
  }

  stop(): void {
    this.voice.leave();
    this.gateway?.close();
    this.gateway = null;
    this.me = null;
    this.guilds = [];
    this.messages = {};
    this.detached = {};
  }

  /** Whether `channelId` has messages I have not read. */
  unread(channelId: string): boolean {
    const state = this.readStates[channelId];
    return !!state && later(state.last, state.lastRead);
  }

  mentions(channelId: string): number {
    return this.readStates[channelId]?.mentions ?? 0;
  }

  /** Applies one gateway dispatch (public so the tests, and screens that have a REST answer
   * before the gateway's echo, can feed it directly). */
  dispatch<K extends DispatchName>(name: K, data: Dispatches[K]): void {
    this.dispatcher.emit(name, data);
  }

  private readonly handlers: DispatchHandlers = {
    READY: (ready) => {
      // A new session (first, or after the server forgot the old one): what was loaded
      // before may have missed messages, so open channels load their history again.
      this.me = ready.user;
      this.privateChannels = ready.private_channels ?? [];
      this.presences = { [ready.user.id]: "online" };
      this.guilds = [];
      this.messages = {};
      this.detached = {};
      const states: Record<string, ReadState> = {};
      for (const entry of ready.read_state?.entries ?? []) {
        states[entry.id] = { lastRead: entry.last_message_id, last: null, mentions: entry.mention_count };
      }
      for (const dm of this.privateChannels) {
        const state = states[dm.id] ?? { lastRead: null, last: null, mentions: 0 };
        states[dm.id] = { ...state, last: dm.last_message_id ?? null };
      }
      this.readStates = states;
    },
    GUILD_CREATE: (data) => {
      const guild = guildFrom(data);
      for (const p of data.presences ?? []) this.presences[p.user.id] = p.status;
      this.guilds = [...this.guilds.filter((g) => g.id !== guild.id), guild];
      for (const channel of [...guild.channels, ...guild.threads]) {
        const state = this.readStates[channel.id] ?? { lastRead: null, last: null, mentions: 0 };
        this.readStates[channel.id] = { ...state, last: channel.last_message_id ?? state.last };
      }
    },
    CALL_CREATE: ({ channel_id: id }) => {
      // A call in a DM this client has not seen yet (DMs open on the other side only when
      // a message is sent): load it, so the ring and the call have a place to show.
      if (!this.privateChannels.some((c) => c.id === id)) {
        this.api
          .request<PrivateChannel>("GET", `/channels/${id}`)
          .then((dm) => {
            if (!this.privateChannels.some((c) => c.id === dm.id)) this.privateChannels = [dm, ...this.privateChannels];
          })
          .catch(() => {});
      }
    },
    MESSAGE_ACK: (ack) => {
      const state = this.readStates[ack.channel_id];
      if (state) this.readStates[ack.channel_id] = { ...state, lastRead: ack.message_id, mentions: 0 };
    },
    GUILD_DELETE: ({ id }) => {
      this.guilds = this.guilds.filter((g) => g.id !== id);
    },
    PRESENCE_UPDATE: (p) => {
      this.presences[p.user.id] = p.status;
    },
    CHANNEL_CREATE: (channel) => this.channelSaved(channel),
    CHANNEL_UPDATE: (channel) => this.channelSaved(channel),
    CHANNEL_RECIPIENT_ADD: (r) => this.recipients(r.channel_id, r.user, true),
    CHANNEL_RECIPIENT_REMOVE: (r) => this.recipients(r.channel_id, r.user, false),
    CHANNEL_DELETE: (channel) => {
      this.privateChannels = this.privateChannels.filter((c) => c.id !== channel.id);
      this.guilds = channelDeleted(this.guilds, channel);
    },
    MESSAGE_CREATE: (message) => {
      this.received(message);
      const state = this.readStates[message.channel_id] ?? { lastRead: null, last: null, mentions: 0 };
      const mine = message.author.id === this.me?.id;
      // In a DM every message is for me, as the server counts it.
      const mentioned =
        !mine && (!message.guild_id || message.mention_everyone || message.mentions?.some((u) => u.id === this.me?.id));
      this.readStates[message.channel_id] = {
        lastRead: mine ? message.id : state.lastRead,
        last: later(message.id, state.last) ? message.id : state.last,
        mentions: mine ? 0 : state.mentions + (mentioned ? 1 : 0),
      };
      // Read as it comes only if it is on screen: not while the window is back in history.
      if (this.viewing === message.channel_id && !mine && !this.detached[message.channel_id]) this.markRead(message.channel_id);
    },
    MESSAGE_UPDATE: (message) => this.update(message.channel_id, message.id, () => message),
    MESSAGE_REACTION_ADD: (r) => this.reacted(r.channel_id, r.message_id, r.emoji.name, true, r.user_id),
    MESSAGE_REACTION_REMOVE: (r) => this.reacted(r.channel_id, r.message_id, r.emoji.name, false, r.user_id),
    TYPING_START: (t) => {
      if (t.user_id === this.me?.id) return;
      const known = this.messages[t.channel_id]?.find((m) => m.author.id === t.user_id)?.author;
      const name = known?.global_name ?? known?.username ?? "Someone";
      this.typing[t.channel_id] = { ...(this.typing[t.channel_id] ?? {}), [t.user_id]: { name, until: Date.now() + 10_000 } };
    },
    MESSAGE_DELETE: (gone) => {
      const list = this.messages[gone.channel_id];
      if (list) this.messages[gone.channel_id] = list.filter((m) => m.id !== gone.id);
    },
    GUILD_UPDATE: (d) => (this.guilds = guildUpdated(this.guilds, d)),
    GUILD_ROLE_CREATE: (d) => (this.guilds = roleSaved(this.guilds, d)),
    GUILD_ROLE_UPDATE: (d) => (this.guilds = roleSaved(this.guilds, d)),
    GUILD_ROLE_DELETE: (d) => (this.guilds = roleDeleted(this.guilds, d)),
    GUILD_MEMBER_ADD: (d) => (this.guilds = memberSaved(this.guilds, d)),
    GUILD_MEMBER_UPDATE: (d) => (this.guilds = memberSaved(this.guilds, d)),
    GUILD_MEMBER_REMOVE: (d) => (this.guilds = memberRemoved(this.guilds, d)),
    THREAD_CREATE: (d) => (this.guilds = threadSaved(this.guilds, d)),
    THREAD_UPDATE: (d) => (this.guilds = threadSaved(this.guilds, d)),
    THREAD_DELETE: (d) => (this.guilds = threadDeleted(this.guilds, d)),
  };

  /** Voice first, as it always ran before the rest. */
  private readonly dispatcher = new Dispatcher(this.voice.handlers, this.handlers);

  private channelSaved(channel: Dispatches["CHANNEL_CREATE"]): void {
    if (isPrivate(channel)) {
      this.privateChannels = [channel, ...this.privateChannels.filter((c) => c.id !== channel.id)];
    } else {
      this.guilds = channelSaved(this.guilds, channel);
    }
  }

  private recipients(channelId: string, user: User, add: boolean): void {
    this.privateChannels = this.privateChannels.map((c) =>
      c.id === channelId ? { ...c, recipients: [...c.recipients.filter((u) => u.id !== user.id), ...(add ? [user] : [])] } : c,
    );
  }

  private reacted(channelId: string, messageId: string, emoji: string, add: boolean, userId: string): void {
    this.update(channelId, messageId, (m) => ({ ...m, reactions: react(m.reactions ?? [], emoji, add, userId === this.me?.id) }));
  }

  private update(channelId: string, messageId: string, change: (m: Message) => Message): void {
    const list = this.messages[channelId];
    if (list) this.messages[channelId] = list.map((m) => (m.id === messageId ? change(m) : m));
  }

  /** Names of those typing in a channel now. */
  typingIn(channelId: string, now = Date.now()): string[] {
    return Object.values(this.typing[channelId] ?? {})
      .filter((t) => t.until > now)
      .map((t) => t.name);
  }

  /** Tells the others I am typing, at most every 8 seconds. */
  startedTyping(channelId: string): void {
    const now = Date.now();
    if (now - this.lastTyping < 8000) return;
    this.lastTyping = now;
    this.api.request("POST", `/channels/${channelId}/typing`, {}).catch(() => {});
  }

  /** The guild a channel or thread belongs to; undefined for DMs. */
  guildOf(channelId: string): Guild | undefined {
    return this.guilds.find((g) => g.channels.some((c) => c.id === channelId) || g.threads.some((t) => t.id === channelId));
  }

  /** Names for the mentions in a channel's messages: members by nickname, roles, channels. */
  mentionNames(channelId: string): MentionNames {
    const guild = this.guildOf(channelId);
    const dm = this.privateChannels.find((c) => c.id === channelId);
    return {
      user: (id) => {
        const member = guild?.members.find((m) => m.user.id === id);
        if (member) return member.nick ?? nameOf(member.user);
        const known = dm?.recipients.find((u) => u.id === id) ?? (id === this.me?.id ? this.me : undefined) ?? this.messages[channelId]?.find((m) => m.author.id === id)?.author;
        return known ? nameOf(known) : undefined;
      },
      role: (id) => guild?.roles.find((r) => r.id === id)?.name,
      channel: (id) => this.guilds.flatMap((g) => [...g.channels, ...g.threads]).find((c) => c.id === id)?.name,
    };
  }

  /** Who and what the composer may mention in a channel. */
  mentionable(channelId: string): Mentionable {
    const guild = this.guildOf(channelId);
    if (!guild) {
      const dm = this.privateChannels.find((c) => c.id === channelId);
      return { members: (dm?.recipients ?? []).map((u) => ({ id: u.id, username: u.username, display: nameOf(u) })), roles: [], channels: [] };
    }
    return {
      members: guild.members.map((m) => ({ id: m.user.id, username: m.user.username, display: m.nick ?? nameOf(m.user) })),
      roles: guild.roles.filter((r) => r.id !== guild.id),
      channels: guild.channels.filter((c) => c.type === 0),
    };
  }

  presenceOf(userId: string): Presence {
    return this.presences[userId] ?? "offline";
  }

  /** Opens (or finds) my DM with `userId` and returns its id. */
  async openDm(userId: string): Promise<string> {
    const dm = await this.api.request<PrivateChannel>("POST", "/users/@me/channels", { recipient_id: userId });
    this.privateChannels = [dm, ...this.privateChannels.filter((c) => c.id !== dm.id)];
    return dm.id;
  }

  /** Pins or unpins a message (the server says no without the permission). */
  async setPinned(message: Message, pinned: boolean): Promise<void> {
    await this.api.request(pinned ? "PUT" : "DELETE", `/channels/${message.channel_id}/pins/${message.id}`);
    this.update(message.channel_id, message.id, (m) => ({ ...m, pinned }));
  }

  async pins(channelId: string): Promise<Message[]> {
    return this.api.request<Message[]>("GET", `/channels/${channelId}/pins`);
  }

  /** Whether any DM or group DM has unread messages. */
  get privateUnread(): boolean {
    return this.privateChannels.some((c) => this.unread(c.id));
  }

  async edit(message: Message, content: string): Promise<void> {
    const updated = await this.api.request<Message>("PATCH", `/channels/${message.channel_id}/messages/${message.id}`, { content });
    this.update(message.channel_id, message.id, () => updated);
  }

  async remove(message: Message): Promise<void> {
    await this.api.request("DELETE", `/channels/${message.channel_id}/messages/${message.id}`);
    const list = this.messages[message.channel_id];
    if (list) this.messages[message.channel_id] = list.filter((m) => m.id !== message.id);
  }

  /** Adds my reaction, or takes it back if I had reacted with that emoji. */
  async toggleReaction(message: Message, emoji: string): Promise<void> {
    const mine = message.reactions?.some((r) => r.emoji.name === emoji && r.me);
    const path = `/channels/${message.channel_id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}/@me`;
    await this.api.request(mine ? "DELETE" : "PUT", path);
  }

  /** A message from the gateway (or the answer to my send): replaces my pending copy. A
   * window scrolled back in history does not take live messages: they are there when the
   * reader returns to the present. */
  private received(message: Message): void {
    const list = this.messages[message.channel_id];
    if (!list || this.detached[message.channel_id]) return;
    const without = list.filter((m) => m.id !== message.id && !(message.nonce && m.nonce === message.nonce && m.pending));
    this.messages[message.channel_id] = [...without, message].sort(byIdPendingLast);
  }

  /** Acknowledges the newest message of a channel on screen (once per newest message). */
  markRead(channelId: string): void {
    const state = this.readStates[channelId];
    if (!state?.last || !this.unread(channelId)) return;
    const last = state.last;
    this.readStates[channelId] = { ...state, lastRead: last, mentions: 0 };
    this.api.request("POST", `/channels/${channelId}/messages/${last}/ack`, {}).catch(() => {});
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
    if (this.viewing !== channelId) this.marker[channelId] = this.unread(channelId) ? (this.readStates[channelId]?.lastRead ?? "0") : null;
    this.viewing = channelId;
    if (this.messages[channelId]) {
      this.markRead(channelId);
      return;
    }
    await this.present(channelId);
  }

  /** Loads the newest page of a channel, replacing whatever window was shown. */
  async present(channelId: string): Promise<void> {
    const kept = this.detached[channelId] ? [] : (this.messages[channelId] ?? []);
    this.detached[channelId] = false;
    this.messages[channelId] = kept;
    let page: Message[];
    try {
      page = await this.page(channelId, "");
    } catch (error) {
      if (!kept.length) delete this.messages[channelId];
      throw error;
    }
    this.messages[channelId] = mergeById(page, this.messages[channelId] ?? []);
    this.beginning[channelId] = page.length < PAGE;
    const newest = this.messages[channelId]?.filter((m) => !m.pending).at(-1);
    if (newest) {
      const state = this.readStates[channelId] ?? { lastRead: null, last: null, mentions: 0 };
      this.readStates[channelId] = { ...state, last: later(newest.id, state.last) ? newest.id : state.last };
    }
    if (this.viewing === channelId) this.markRead(channelId);
  }

  /** Shows the messages around `messageId` (from search, or a reply's quote). */
  async jumpTo(channelId: string, messageId: string): Promise<void> {
    const list = this.messages[channelId];
    if (list?.some((m) => m.id === messageId)) return;
    const page = await this.page(channelId, `&around=${messageId}`);
    this.messages[channelId] = page;
    this.beginning[channelId] = false;
    this.detached[channelId] = true;
  }

  /** Loads the page before the oldest message shown; false when there is none. The window
   * keeps at most WINDOW messages: the newest go, to be loaded again on the way back. */
  async loadOlder(channelId: string): Promise<boolean> {
    const list = this.messages[channelId];
    const oldest = list?.find((m) => !m.pending);
    if (!list || !oldest || this.beginning[channelId] || this.loadingOlder[channelId]) return false;
    this.loadingOlder[channelId] = true;
    try {
      const page = await this.page(channelId, `&before=${oldest.id}`);
      const merged = mergeById(page, this.messages[channelId] ?? []);
      if (merged.length > WINDOW) {
        this.messages[channelId] = merged.slice(0, WINDOW);
        this.detached[channelId] = true;
      } else {
        this.messages[channelId] = merged;
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
    const list = this.messages[channelId];
    const newest = list?.filter((m) => !m.pending).at(-1);
    if (!list || !newest || !this.detached[channelId] || this.loadingNewer[channelId]) return false;
    this.loadingNewer[channelId] = true;
    try {
      const page = await this.page(channelId, `&after=${newest.id}`);
      const merged = mergeById(this.messages[channelId] ?? [], page);
      if (merged.length > WINDOW) {
        this.messages[channelId] = merged.slice(merged.length - WINDOW);
        this.beginning[channelId] = false;
      } else {
        this.messages[channelId] = merged;
      }
      if (page.length < PAGE) {
        this.detached[channelId] = false;
        if (this.viewing === channelId) this.markRead(channelId);
      }
      return page.length > 0;
    } finally {
      this.loadingNewer[channelId] = false;
    }
  }

  /** Shows the message at once; a failed send stays, marked, for a retry. A reply mentions
   * the author it answers unless `pingReplied` is false (the reply bar's "@ On/Off"). */
  async send(
    channelId: string,
    content: string,
    nonce = crypto.randomUUID().slice(0, 25),
    replyTo?: string,
    pingReplied = true,
  ): Promise<void> {
    const me = this.me;
    if (!me || !content.trim()) return;
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
      message_reference: replyTo ? { message_id: replyTo, channel_id: channelId } : null,
    };
    this.messages[channelId] = [...(this.messages[channelId] ?? []).filter((m) => m.nonce !== nonce), local];
    try {
      // As Discord's client says it: every mention in the text counts, and the replied-to
      // author is pinged or not as chosen.
      const reply = replyTo
        ? { message_reference: { message_id: replyTo }, allowed_mentions: { parse: ["users", "roles", "everyone"], replied_user: pingReplied } }
        : {};
      const body = { content, nonce, ...reply };
      const sent = await this.api.request<Message>("POST", `/channels/${channelId}/messages`, body);
      this.received({ ...sent, nonce });
    } catch {
      this.messages[channelId] = (this.messages[channelId] ?? []).map((m) =>
        m.nonce === nonce ? { ...m, pending: "failed" } : m,
      );
    }
  }
}
