// What the client knows, kept live by the gateway: me, my guilds and their channels, and
// the messages of the channels I have opened. Screens read it; only gateway dispatches and
// REST answers change it.

import { Api } from "./api/client";
import type { components } from "./api/schema";
import { GatewayClient, type Status } from "./gateway/client";

// The server's own shapes, generated from its OpenAPI document (src/lib/api/schema.d.ts).
type Schemas = components["schemas"];

export type User = Schemas["PublicUser"];
export type Channel = Pick<Schemas["ChannelObject"], "id" | "type" | "name" | "position" | "parent_id" | "guild_id">;

export interface Guild {
  id: string;
  name: string;
  channels: Channel[];
}

export type Message = Pick<Schemas["MessageObject"], "id" | "channel_id" | "author" | "content" | "timestamp"> & {
  nonce?: string | null;
  /** Local only: a send that has not been confirmed, or that failed. */
  pending?: "sending" | "failed";
};

/** GUILDS | GUILD_MEMBERS | GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | GUILD_MESSAGE_TYPING |
 * DIRECT_MESSAGES | DIRECT_MESSAGE_REACTIONS | DIRECT_MESSAGE_TYPING | GUILD_PRESENCES. */
const INTENTS = 1 | 2 | 512 | 1024 | 2048 | 4096 | 8192 | 16384 | 256;

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
  status = $state<Status>("closed");
  private gateway: GatewayClient | null = null;

  async start(): Promise<void> {
    const { url } = await this.api.request<{ url: string }>("GET", "/gateway");
    this.gateway = new GatewayClient({
      url,
      token: () => this.api.tokens?.access_token ?? "",
      intents: INTENTS,
      onDispatch: (name, data) => this.dispatch(name, data),
      onStatus: (status) => (this.status = status),
    });
    this.gateway.connect();
  }

  stop(): void {
    this.gateway?.close();
    this.gateway = null;
    this.me = null;
    this.guilds = [];
    this.messages = {};
  }

  private dispatch(name: string, data: unknown): void {
    switch (name) {
      case "READY":
        // A new session (first, or after the server forgot the old one): what was loaded
        // before may have missed messages, so open channels load their history again.
        this.me = (data as { user: User }).user;
        this.guilds = [];
        this.messages = {};
        break;
      case "GUILD_CREATE": {
        const guild = data as Guild;
        const known = { id: guild.id, name: guild.name, channels: guild.channels };
        this.guilds = [...this.guilds.filter((g) => g.id !== guild.id), known];
        break;
      }
      case "GUILD_DELETE":
        this.guilds = this.guilds.filter((g) => g.id !== (data as { id: string }).id);
        break;
      case "CHANNEL_CREATE":
      case "CHANNEL_UPDATE": {
        const channel = data as Channel;
        this.guilds = this.guilds.map((g) =>
          g.id === channel.guild_id ? { ...g, channels: [...g.channels.filter((c) => c.id !== channel.id), channel] } : g,
        );
        break;
      }
      case "CHANNEL_DELETE": {
        const channel = data as Channel;
        this.guilds = this.guilds.map((g) => ({ ...g, channels: g.channels.filter((c) => c.id !== channel.id) }));
        break;
      }
      case "MESSAGE_CREATE":
        this.received(data as Message);
        break;
      case "MESSAGE_UPDATE": {
        const message = data as Message;
        const list = this.messages[message.channel_id];
        if (list) this.messages[message.channel_id] = list.map((m) => (m.id === message.id ? message : m));
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

  /** A message from the gateway (or the answer to my send): replaces my pending copy. */
  private received(message: Message): void {
    const list = this.messages[message.channel_id];
    if (!list) return;
    const without = list.filter((m) => m.id !== message.id && !(message.nonce && m.nonce === message.nonce && m.pending));
    this.messages[message.channel_id] = [...without, message].sort(byIdPendingLast);
  }

  /** Loads a channel's latest messages once. Messages that arrive live while the page is
   * loading are kept and merged, so none falls between the page and the gateway. */
  async open(channelId: string): Promise<void> {
    if (this.messages[channelId]) return;
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
  }

  /** Shows the message at once; a failed send stays, marked, for a retry. */
  async send(channelId: string, content: string, nonce = crypto.randomUUID().slice(0, 25)): Promise<void> {
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
    };
    this.messages[channelId] = [...(this.messages[channelId] ?? []).filter((m) => m.nonce !== nonce), local];
    try {
      const sent = await this.api.request<Message>("POST", `/channels/${channelId}/messages`, { content, nonce });
      this.received({ ...sent, nonce });
    } catch {
      this.messages[channelId] = (this.messages[channelId] ?? []).map((m) =>
        m.nonce === nonce ? { ...m, pending: "failed" } : m,
      );
    }
  }
}
