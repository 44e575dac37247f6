// What the client knows, kept live by the gateway: me, my guilds and their channels, and
// the messages of the channels I have opened. Screens read it; only gateway dispatches and
// REST answers change it.

import { Api } from "./api/client";
import type { components } from "./api/schema";
import { GatewayClient, type Status } from "./gateway/client";

// The server's own shapes, generated from its OpenAPI document (src/lib/api/schema.d.ts).
type Schemas = components["schemas"];

export type User = Schemas["PublicUser"];
export type Channel = Pick<Schemas["ChannelObject"], "id" | "type" | "name" | "position" | "parent_id" | "guild_id"> & {
  last_message_id?: string | null;
};

/** Where I stand in one channel. */
export interface ReadState {
  /** The last message I acknowledged. */
  lastRead: string | null;
  /** The channel's newest message that I know of. */
  last: string | null;
  /** Unread messages mentioning me, my roles or everyone. */
  mentions: number;
}

/** A category with the channels in it, in order; `category` null for those outside any. */
export interface ChannelGroup {
  category: Channel | null;
  channels: Channel[];
}

const later = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && (!b || BigInt(a) > BigInt(b));

/** A guild's text and voice channels, under their categories, in Discord's order. */
export function groupChannels(channels: Channel[]): ChannelGroup[] {
  const order = (a: Channel, b: Channel) => a.position - b.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1);
  const categories = channels.filter((c) => c.type === 4).sort(order);
  const inside = (parent: string | null) =>
    channels.filter((c) => (c.type === 0 || c.type === 2) && (c.parent_id ?? null) === parent).sort(order);
  const known = new Set(categories.map((c) => c.id));
  const orphans = channels.filter((c) => (c.type === 0 || c.type === 2) && c.parent_id && !known.has(c.parent_id));
  return [
    { category: null, channels: [...inside(null), ...orphans].sort(order) },
    ...categories.map((category) => ({ category, channels: inside(category.id) })),
  ].filter((g) => g.category !== null || g.channels.length > 0);
}

export type Role = Pick<Schemas["RoleObject"], "id" | "name" | "color" | "hoist" | "position">;
export type Member = Pick<Schemas["MemberObject"], "user" | "nick" | "roles">;
export type PrivateChannel = Pick<Schemas["PrivateChannelObject"], "id" | "type" | "name" | "recipients"> & {
  last_message_id?: string | null;
};
export type Presence = "online" | "idle" | "dnd" | "offline";

export interface Guild {
  id: string;
  name: string;
  channels: Channel[];
  roles: Role[];
  members: Member[];
}

/** What a DM or group DM is called: its name, or its people's. */
export function privateName(channel: PrivateChannel): string {
  return channel.name || channel.recipients.map((u) => u.global_name ?? u.username).join(", ") || "Just you";
}

/** A guild's members under their highest hoisted role (then "Online" and "Offline"),
 * each group sorted by name. */
export function memberGroups(guild: Guild, presence: (id: string) => Presence): { title: string; members: Member[] }[] {
  const hoisted = guild.roles.filter((r) => r.hoist).sort((a, b) => b.position - a.position);
  const name = (m: Member) => (m.nick ?? m.user.global_name ?? m.user.username).toLowerCase();
  const groups = new Map<string, Member[]>();
  for (const member of guild.members) {
    const online = presence(member.user.id) !== "offline";
    const role = online ? hoisted.find((r) => member.roles.includes(r.id)) : undefined;
    const title = role ? role.name : online ? "Online" : "Offline";
    groups.set(title, [...(groups.get(title) ?? []), member]);
  }
  const order = [...hoisted.map((r) => r.name), "Online", "Offline"];
  return order
    .filter((title) => groups.has(title))
    .map((title) => ({ title, members: (groups.get(title) ?? []).sort((a, b) => name(a).localeCompare(name(b))) }));
}

export type Message = Pick<Schemas["MessageObject"], "id" | "channel_id" | "author" | "content" | "timestamp"> &
  Partial<Pick<Schemas["MessageObject"], "edited_timestamp" | "message_reference" | "reactions" | "pinned" | "type">> & {
  nonce?: string | null;
  /** Local only: a send that has not been confirmed, or that failed. */
  pending?: "sending" | "failed";
};

/** GUILDS | GUILD_MEMBERS | GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | GUILD_MESSAGE_TYPING |
 * DIRECT_MESSAGES | DIRECT_MESSAGE_REACTIONS | DIRECT_MESSAGE_TYPING | GUILD_PRESENCES. */
const INTENTS = 1 | 2 | 512 | 1024 | 2048 | 4096 | 8192 | 16384 | 256;

type Reaction = Schemas["ReactionObject"];

/** A message's reactions after someone added (or took back) `emoji`. */
export function react(reactions: Reaction[], emoji: string, add: boolean, byMe: boolean): Reaction[] {
  const found = reactions.find((r) => r.emoji.name === emoji);
  if (!found) return add ? [...reactions, { count: 1, me: byMe, emoji: { id: null, name: emoji } }] : reactions;
  const count = found.count + (add ? 1 : -1);
  const changed = { ...found, count, me: byMe ? add : found.me };
  return count > 0 ? reactions.map((r) => (r === found ? changed : r)) : reactions.filter((r) => r !== found);
}

/** Oldest first by id (snowflakes grow with time); unconfirmed sends last. */
function byIdPendingLast(a: Message, b: Message): number {
  if (!!a.pending !== !!b.pending) return a.pending ? 1 : -1;
  if (a.pending) return 0;
  return BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0;
}

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

  async start(): Promise<void> {
    const { url } = await this.api.request<{ url: string }>("GET", "/gateway");
    this.gateway = new GatewayClient({
      url,
      token: () => this.api.tokens?.access_token ?? "",
      intents: INTENTS,
      onDispatch: (name, data) => this.dispatch(name, data),
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
    this.gateway?.close();
    this.gateway = null;
    this.me = null;
    this.guilds = [];
    this.messages = {};
  }

  /** Whether `channelId` has messages I have not read. */
  unread(channelId: string): boolean {
    const state = this.readStates[channelId];
    return !!state && later(state.last, state.lastRead);
  }

  mentions(channelId: string): number {
    return this.readStates[channelId]?.mentions ?? 0;
  }

  /** Applies one gateway dispatch (public so the tests can feed it directly). */
  dispatch(name: string, data: unknown): void {
    switch (name) {
      case "READY": {
        // A new session (first, or after the server forgot the old one): what was loaded
        // before may have missed messages, so open channels load their history again.
        const ready = data as {
          user: User;
          private_channels?: PrivateChannel[];
          read_state?: { entries: { id: string; last_message_id: string | null; mention_count: number }[] };
        };
        this.me = ready.user;
        this.privateChannels = ready.private_channels ?? [];
        this.presences = { [ready.user.id]: "online" };
        this.guilds = [];
        this.messages = {};
        const states: Record<string, ReadState> = {};
        for (const entry of ready.read_state?.entries ?? []) {
          states[entry.id] = { lastRead: entry.last_message_id, last: null, mentions: entry.mention_count };
        }
        for (const dm of this.privateChannels) {
          const state = states[dm.id] ?? { lastRead: null, last: null, mentions: 0 };
          states[dm.id] = { ...state, last: dm.last_message_id ?? null };
        }
        this.readStates = states;
        break;
      }
      case "GUILD_CREATE": {
        const guild = data as Guild & { presences?: { user: { id: string }; status: Presence }[] };
        const known = { id: guild.id, name: guild.name, channels: guild.channels, roles: guild.roles ?? [], members: guild.members ?? [] };
        for (const p of guild.presences ?? []) this.presences[p.user.id] = p.status;
        this.guilds = [...this.guilds.filter((g) => g.id !== guild.id), known];
        for (const channel of guild.channels) {
          const state = this.readStates[channel.id] ?? { lastRead: null, last: null, mentions: 0 };
          this.readStates[channel.id] = { ...state, last: channel.last_message_id ?? state.last };
        }
        break;
      }
      case "MESSAGE_ACK": {
        const ack = data as { channel_id: string; message_id: string };
        const state = this.readStates[ack.channel_id];
        if (state) this.readStates[ack.channel_id] = { ...state, lastRead: ack.message_id, mentions: 0 };
        break;
      }
      case "GUILD_DELETE":
        this.guilds = this.guilds.filter((g) => g.id !== (data as { id: string }).id);
        break;
      case "GUILD_MEMBER_ADD": {
        const member = data as Member & { guild_id: string };
        this.guilds = this.guilds.map((g) =>
          g.id === member.guild_id ? { ...g, members: [...g.members.filter((m) => m.user.id !== member.user.id), member] } : g,
        );
        break;
      }
      case "GUILD_MEMBER_REMOVE": {
        const gone = data as { guild_id: string; user: { id: string } };
        this.guilds = this.guilds.map((g) =>
          g.id === gone.guild_id ? { ...g, members: g.members.filter((m) => m.user.id !== gone.user.id) } : g,
        );
        break;
      }
      case "PRESENCE_UPDATE": {
        const p = data as { user: { id: string }; status: Presence };
        this.presences[p.user.id] = p.status;
        break;
      }
      case "CHANNEL_CREATE":
      case "CHANNEL_UPDATE": {
        if ((data as { type: number }).type === 1 || (data as { type: number }).type === 3) {
          const dm = data as PrivateChannel;
          this.privateChannels = [dm, ...this.privateChannels.filter((c) => c.id !== dm.id)];
          break;
        }
        const channel = data as Channel;
        this.guilds = this.guilds.map((g) =>
          g.id === channel.guild_id ? { ...g, channels: [...g.channels.filter((c) => c.id !== channel.id), channel] } : g,
        );
        break;
      }
      case "CHANNEL_DELETE": {
        const channel = data as Channel;
        this.privateChannels = this.privateChannels.filter((c) => c.id !== channel.id);
        this.guilds = this.guilds.map((g) => ({ ...g, channels: g.channels.filter((c) => c.id !== channel.id) }));
        break;
      }
      case "MESSAGE_CREATE": {
        const message = data as Message & { mentions?: { id: string }[]; mention_everyone?: boolean; guild_id?: string | null };
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
        if (this.viewing === message.channel_id && !mine) this.markRead(message.channel_id);
        break;
      }
      case "MESSAGE_UPDATE": {
        const message = data as Message;
        this.update(message.channel_id, message.id, () => message);
        break;
      }
      case "MESSAGE_REACTION_ADD":
      case "MESSAGE_REACTION_REMOVE": {
        const r = data as { channel_id: string; message_id: string; user_id: string; emoji: { name: string } };
        const add = name === "MESSAGE_REACTION_ADD";
        this.update(r.channel_id, r.message_id, (m) => ({ ...m, reactions: react(m.reactions ?? [], r.emoji.name, add, r.user_id === this.me?.id) }));
        break;
      }
      case "TYPING_START": {
        const t = data as { channel_id: string; user_id: string; member?: { user?: User } };
        if (t.user_id === this.me?.id) break;
        const known = this.messages[t.channel_id]?.find((m) => m.author.id === t.user_id)?.author;
        const name = known?.global_name ?? known?.username ?? "Someone";
        this.typing[t.channel_id] = { ...(this.typing[t.channel_id] ?? {}), [t.user_id]: { name, until: Date.now() + 10_000 } };
        break;
      }
      case "MESSAGE_DELETE": {
        const gone = data as { id: string; channel_id: string };
        const list = this.messages[gone.channel_id];
        if (list) this.messages[gone.channel_id] = list.filter((m) => m.id !== gone.id);
        break;
      }
    }
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

  /** A message from the gateway (or the answer to my send): replaces my pending copy. */
  private received(message: Message): void {
    const list = this.messages[message.channel_id];
    if (!list) return;
    const without = list.filter((m) => m.id !== message.id && !(message.nonce && m.nonce === message.nonce && m.pending));
    this.messages[message.channel_id] = [...without, message].sort(byIdPendingLast);
  }

  /** Loads a channel's latest messages once. Messages that arrive live while the page is
   * loading are kept and merged, so none falls between the page and the gateway. */
  /** Acknowledges the newest message of a channel on screen (once per newest message). */
  markRead(channelId: string): void {
    const state = this.readStates[channelId];
    if (!state?.last || !this.unread(channelId)) return;
    const last = state.last;
    this.readStates[channelId] = { ...state, lastRead: last, mentions: 0 };
    this.api.request("POST", `/channels/${channelId}/messages/${last}/ack`, {}).catch(() => {});
  }

  async open(channelId: string): Promise<void> {
    this.viewing = channelId;
    if (this.messages[channelId]) {
      this.markRead(channelId);
      return;
    }
    this.messages[channelId] = [];
    let page: Message[];
    try {
      page = await this.api.request<Message[]>("GET", `/channels/${channelId}/messages?limit=50`);
    } catch (error) {
      delete this.messages[channelId];
      throw error;
    }
    const arrived = this.messages[channelId] ?? [];
    const loaded = new Set(page.map((m) => m.id));
    this.messages[channelId] = [...page.reverse(), ...arrived.filter((m) => !loaded.has(m.id))].sort(byIdPendingLast);
    this.beginning[channelId] = page.length < 50;
    const newest = this.messages[channelId]?.filter((m) => !m.pending).at(-1);
    if (newest) {
      const state = this.readStates[channelId] ?? { lastRead: null, last: null, mentions: 0 };
      this.readStates[channelId] = { ...state, last: later(newest.id, state.last) ? newest.id : state.last };
    }
    if (this.viewing === channelId) this.markRead(channelId);
  }

  /** Loads the 50 messages before the oldest one shown; false when there are none. */
  async loadOlder(channelId: string): Promise<boolean> {
    const list = this.messages[channelId];
    const oldest = list?.find((m) => !m.pending);
    if (!list || !oldest || this.beginning[channelId] || this.loadingOlder[channelId]) return false;
    this.loadingOlder[channelId] = true;
    try {
      const page = await this.api.request<Message[]>("GET", `/channels/${channelId}/messages?before=${oldest.id}&limit=50`);
      const have = new Set((this.messages[channelId] ?? []).map((m) => m.id));
      this.messages[channelId] = [...page.reverse().filter((m) => !have.has(m.id)), ...(this.messages[channelId] ?? [])];
      this.beginning[channelId] = page.length < 50;
      return page.length > 0;
    } finally {
      this.loadingOlder[channelId] = false;
    }
  }

  /** Shows the message at once; a failed send stays, marked, for a retry. */
  async send(channelId: string, content: string, nonce = crypto.randomUUID().slice(0, 25), replyTo?: string): Promise<void> {
    const me = this.me;
    if (!me || !content.trim()) return;
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
      const body = replyTo ? { content, nonce, message_reference: { message_id: replyTo } } : { content, nonce };
      const sent = await this.api.request<Message>("POST", `/channels/${channelId}/messages`, body);
      this.received({ ...sent, nonce });
    } catch {
      this.messages[channelId] = (this.messages[channelId] ?? []).map((m) =>
        m.nonce === nonce ? { ...m, pending: "failed" } : m,
      );
    }
  }
}
