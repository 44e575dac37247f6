// The client for the person signed in: it runs the gateway, keeps their Session (everything
// known for them, lib/session/) live with its dispatches, and offers the screens what they
// read and the actions they take. Screens read it; only gateway dispatches and REST answers
// change it.

import { Api } from "./api/client";
import { answer } from "./confirm.svelte";
import { GatewayClient, type Status } from "./gateway/client";
import type { DispatchName, Dispatches } from "./gateway/dispatches";
import type { Mentionable } from "./autocomplete";
import { reactionParam, sameEmoji, type GuildEmojis, type ReactionEmoji } from "./emoji/custom";
import type { PlaceContents } from "./interactions/pickable";
import type { Guild, Presence } from "./guilds";
import type { MentionNames } from "./markdown/render";
import type { Message } from "./messages";
import { channelPermissions, has, PERMISSION } from "./permissions";
import type { PrivateChannel } from "./privateChannels";
import { Session } from "./session/session.svelte";
import { badgeOf, channelMuted, mutedNow, type Badge } from "./notify";
import { nameOf } from "./users";

export { groupChannels, memberGroups, type Channel, type Guild, type Member, type Presence, type Role } from "./guilds";
export { PAGE, react, WINDOW, type Message } from "./messages";
export { privateName, type PrivateChannel } from "./privateChannels";
export type { ReadState } from "./session/readStates.svelte";
export type { User } from "./users";

/** GUILDS | GUILD_MEMBERS | GUILD_EXPRESSIONS | GUILD_WEBHOOKS | GUILD_VOICE_STATES |
 * GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | GUILD_MESSAGE_TYPING | DIRECT_MESSAGES |
 * DIRECT_MESSAGE_REACTIONS | DIRECT_MESSAGE_TYPING | GUILD_PRESENCES. */
const INTENTS = 1 | 2 | 8 | 32 | 128 | 512 | 1024 | 2048 | 4096 | 8192 | 16384 | 256;

export class Chat {
  readonly api = new Api();
  status = $state<Status>("closed");
  /** Set when the server no longer accepts this session (signed out elsewhere, revoked). */
  signedOut = $state(false);
  private gateway: GatewayClient | null = null;
  /** Shows a channel when a desktop notification is clicked (set by the Shell). */
  onOpen: (channelId: string, guildId: string | null) => void = () => {};
  private gatewayUrl = "";
  /** Everything known for the person signed in: replaced whole when they sign out. */
  private session = $state.raw(this.newSession());

  // What the screens read, from the session.
  get me() {
    return this.session.me;
  }
  get guilds() {
    return this.session.guilds.list;
  }
  get privateChannels() {
    return this.session.dms.list;
  }
  get presences() {
    return this.session.presences.byUser;
  }
  get readStates() {
    return this.session.readStates.byChannel;
  }
  get typing() {
    return this.session.typing.byChannel;
  }
  get messages() {
    return this.session.messages.byChannel;
  }
  get beginning() {
    return this.session.messages.beginning;
  }
  get loadingOlder() {
    return this.session.messages.loadingOlder;
  }
  get loadingNewer() {
    return this.session.messages.loadingNewer;
  }
  get detached() {
    return this.session.messages.detached;
  }
  get marker() {
    return this.session.messages.marker;
  }
  /** Voice channels and the call I am in. */
  get voice() {
    return this.session.voice;
  }
  /** Files waiting to go with my next message, per channel (`attachments.of(id)`, and
   * `attachments.add(id, files)`). */
  get attachments() {
    return this.session.attachments;
  }
  /** Commands, components and modals: my use of applications. */
  get interactions() {
    return this.session.interactions;
  }
  /** My notification settings, the people I block, who may DM me. */
  get notifications() {
    return this.session.notifications;
  }
  /** The channel and what holds it, most specific first (see lib/notify.ts). */
  chainOf(channelId: string): string[] {
    return this.session.chainOf(channelId);
  }
  /** A guild's badge: unread channels (a dot) and mentions (a count), leaving out what is
   * muted. */
  guildBadge(guild: Guild, now = Date.now()): Badge {
    const channels = [...guild.channels, ...guild.threads].map((c) => ({ chain: this.chainOf(c.id), unread: this.unread(c.id), mentions: this.mentions(c.id) }));
    return badgeOf(this.notifications.of(guild.id), channels, now);
  }
  /** The DMs' badge: unread DMs and their messages waiting (each counts, as the server counts
   * a DM's messages as mentions), leaving out muted DMs. */
  dmBadge(now = Date.now()): Badge {
    const channels = this.privateChannels.map((c) => ({ chain: [c.id], unread: this.unread(c.id), mentions: this.mentions(c.id) }));
    return badgeOf(this.notifications.of("@me"), channels, now);
  }
  /** Mentions and DM messages waiting, for the tab's title and favicon. */
  attention(now = Date.now()): number {
    return this.guilds.reduce((n, g) => n + this.guildBadge(g, now).mentions, 0) + this.dmBadge(now).mentions;
  }
  /** Whether a guild is muted now. */
  guildMuted(guildId: string, now = Date.now()): boolean {
    return mutedNow(this.notifications.of(guildId), now);
  }
  /** Whether a channel (or DM) is muted now, by itself, what holds it, or its guild. */
  muted(channelId: string, now = Date.now()): boolean {
    return channelMuted(this.notifications.of(this.guildOf(channelId)?.id ?? "@me"), this.chainOf(channelId), now);
  }
  /** A number that moves whenever the guild's webhooks change (WEBHOOKS_UPDATE). */
  webhookChanges(guildId: string): number {
    return this.session.webhookChanges.of(guildId);
  }

  async start(): Promise<void> {
    const { url } = await this.api.request<{ url: string }>("GET", "/gateway");
    this.gatewayUrl = url;
    this.gateway = new GatewayClient({
      url,
      token: () => this.api.tokens?.access_token ?? "",
      intents: INTENTS,
      onDispatch: (name, data) => this.session.receive(name, data),
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

  /** Signs out on this side, the one place that forgets a person: their call ends, the
   * gateway closes, and everything known for them goes with their Session, replaced by an
   * empty one. Nothing is cleared field by field, so nothing can be missed: the next person
   * starts from nothing, and an answer to the previous one's request that arrives later
   * lands in the dropped session. A question still asked of them is answered no. */
  stop(): void {
    this.session.voice.end();
    this.session.attachments.dispose();
    this.session.notifications.dispose();
    this.gateway?.close();
    this.gateway = null;
    this.session = this.newSession();
    answer(false);
  }

  private newSession(): Session {
    return new Session(this.api, {
      sendVoiceState: (d) => this.gateway?.send({ op: 4, d }),
      gatewaySessionId: () => this.gateway?.sessionId ?? null,
      gatewayUrl: () => this.gatewayUrl,
      open: (channelId, guildId) => this.onOpen(channelId, guildId),
    });
  }

  /** Applies one gateway dispatch (public so the tests, and screens that have a REST answer
   * before the gateway's echo, can feed it directly). */
  dispatch<K extends DispatchName>(name: K, data: Dispatches[K]): void {
    this.session.dispatch(name, data);
  }

  /** Whether `channelId` has messages I have not read. */
  unread(channelId: string): boolean {
    return this.session.readStates.unread(channelId);
  }

  mentions(channelId: string): number {
    return this.session.readStates.mentions(channelId);
  }

  /** Whether any DM or group DM has unread messages. */
  get privateUnread(): boolean {
    return this.privateChannels.some((c) => this.unread(c.id));
  }

  /** The avatar hash of a person as last heard of (a message's author may be older). */
  avatarOf(user: { id: string; avatar?: string | null }): string | null {
    return this.session.avatars.of(user);
  }

  /** The custom emoji I may use in a channel, by guild: the channel's guild first, then my
   * other guilds' unless the channel denies USE_EXTERNAL_EMOJIS (in a DM, all of them). */
  emojiFor(channelId: string): GuildEmojis[] {
    const here = this.guildOf(channelId);
    const others = this.guilds.filter((g) => g !== here);
    const offered = here ? [here, ...(this.mayUseExternalEmoji(here, channelId) ? others : [])] : others;
    return offered.filter((g) => g.emojis.length).map((g) => ({ guild: { id: g.id, name: g.name }, emojis: g.emojis }));
  }

  /** Whether a custom emoji was deleted (in one of my guilds, while I watched, or as a
   * reaction's nameless emoji says): it shows by name, its image being gone. */
  emojiDeleted(emoji: { id?: string | null; name?: string | null }): boolean {
    return !!emoji.id && (emoji.name === null || !!this.session.guilds.deletedEmoji[emoji.id]);
  }

  private mayUseExternalEmoji(guild: Guild, channelId: string): boolean {
    // A thread goes by its parent channel's overwrites.
    const thread = guild.threads.find((t) => t.id === channelId);
    const channel = guild.channels.find((c) => c.id === (thread?.parent_id ?? channelId));
    return !channel || has(channelPermissions(guild, channel, this.me?.id ?? ""), PERMISSION.USE_EXTERNAL_EMOJIS);
  }

  presenceOf(userId: string): Presence {
    return this.session.presences.of(userId);
  }

  /** Names of those typing in a channel now. */
  typingIn(channelId: string, now = Date.now()): string[] {
    return this.session.typing.in(channelId, now);
  }

  /** Tells the others I am typing, at most every 8 seconds. */
  startedTyping(channelId: string): void {
    this.session.typing.started(channelId);
  }

  /** The guild a channel or thread belongs to; undefined for DMs. */
  guildOf(channelId: string): Guild | undefined {
    return this.session.guilds.guildOf(channelId);
  }

  /** Names for the mentions in a channel's messages: members by nickname, roles, channels. */
  mentionNames(channelId: string): MentionNames {
    const guild = this.guildOf(channelId);
    const dm = this.session.dms.find(channelId);
    return {
      user: (id) => {
        const member = guild?.members.find((m) => m.user.id === id);
        if (member) return member.nick ?? nameOf(member.user);
        const known = dm?.recipients.find((u) => u.id === id) ?? (id === this.me?.id ? this.me : undefined) ?? this.session.messages.author(channelId, id);
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
      const dm = this.session.dms.find(channelId);
      return {
        members: (dm?.recipients ?? []).map((u) => ({ id: u.id, username: u.username, display: nameOf(u), avatar: this.avatarOf(u) })),
        roles: [],
        channels: [],
        emoji: this.emojiFor(channelId),
      };
    }
    return {
      members: guild.members.map((m) => ({ id: m.user.id, username: m.user.username, display: m.nick ?? nameOf(m.user), avatar: this.avatarOf(m.user) })),
      roles: guild.roles.filter((r) => r.id !== guild.id),
      channels: guild.channels.filter((c) => c.type === 0),
      emoji: this.emojiFor(channelId),
    };
  }

  /** The people, roles and channels a command option or select menu may name here. */
  placeContents(channelId: string): PlaceContents {
    const guild = this.guildOf(channelId);
    if (!guild) {
      const dm = this.session.dms.find(channelId);
      const people = [...(dm?.recipients ?? []), ...(this.me ? [this.me] : [])];
      return { members: people.map((u) => ({ id: u.id, name: nameOf(u) })), roles: [], channels: [] };
    }
    return {
      members: guild.members.map((m) => ({ id: m.user.id, name: m.nick ?? nameOf(m.user) })),
      roles: guild.roles.map((r) => ({ id: r.id, name: r.name })),
      channels: [...guild.channels, ...guild.threads].map((c) => ({ id: c.id, name: c.name ?? "", type: c.type })),
    };
  }

  // --- the message windows --------------------------------------------------------

  /** Acknowledges what arrived in the channel shown while the tab was hidden, once it is
   * shown again. */
  cameBack(channelId: string): void {
    if (this.session.messages.onScreen(channelId)) this.markRead(channelId);
  }

  /** Acknowledges the newest message of a channel on screen (once per newest message). */
  markRead(channelId: string): void {
    this.session.readStates.markRead(channelId);
  }

  /** Shows a channel (see MessageWindows.open). */
  open(channelId: string): Promise<void> {
    return this.session.messages.open(channelId);
  }

  /** Loads the newest page of a channel, replacing whatever window was shown. */
  present(channelId: string): Promise<void> {
    return this.session.messages.present(channelId);
  }

  /** Shows the messages around `messageId` (from search, or a reply's quote). */
  jumpTo(channelId: string, messageId: string): Promise<void> {
    return this.session.messages.jumpTo(channelId, messageId);
  }

  loadOlder(channelId: string): Promise<boolean> {
    return this.session.messages.loadOlder(channelId);
  }

  loadNewer(channelId: string): Promise<boolean> {
    return this.session.messages.loadNewer(channelId);
  }

  // --- actions --------------------------------------------------------------------
  // Each takes the session it started in, so an answer that comes back after sign-out
  // changes that (forgotten) session, never the next person's.

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
    await this.session.messages.send(me, channelId, content, nonce, { content, nonce, ...replyFields(replyTo, pingReplied) }, replyTo);
  }

  /** Sends the channel's waiting files with `content` (which may be empty); true once the
   * server has the message. A failure leaves the files, and the text, to try again. */
  async sendWithFiles(channelId: string, content: string, replyTo?: string, pingReplied = true): Promise<boolean> {
    return (await this.session.attachments.of(channelId)?.send({ content, ...replyFields(replyTo, pingReplied) })) ?? false;
  }

  async edit(message: Message, content: string): Promise<void> {
    const messages = this.session.messages;
    const updated = await this.api.request<Message>("PATCH", `/channels/${message.channel_id}/messages/${message.id}`, { content });
    messages.update(message.channel_id, message.id, () => updated);
  }

  async remove(message: Message): Promise<void> {
    const messages = this.session.messages;
    await this.api.request("DELETE", `/channels/${message.channel_id}/messages/${message.id}`);
    messages.drop(message.channel_id, message.id);
  }

  /** Pins or unpins a message (the server says no without the permission). */
  async setPinned(message: Message, pinned: boolean): Promise<void> {
    const messages = this.session.messages;
    await this.api.request(pinned ? "PUT" : "DELETE", `/channels/${message.channel_id}/pins/${message.id}`);
    messages.update(message.channel_id, message.id, (m) => ({ ...m, pinned }));
  }

  async pins(channelId: string): Promise<Message[]> {
    return this.api.request<Message[]>("GET", `/channels/${channelId}/pins`);
  }

  /** Adds my reaction, or takes it back if I had reacted with that emoji (a custom one goes
   * as name:id). */
  async toggleReaction(message: Message, emoji: ReactionEmoji): Promise<void> {
    const mine = message.reactions?.some((r) => sameEmoji(r.emoji, emoji) && r.me);
    const path = `/channels/${message.channel_id}/messages/${message.id}/reactions/${encodeURIComponent(reactionParam(emoji))}/@me`;
    await this.api.request(mine ? "DELETE" : "PUT", path);
  }

  /** Forgets an ephemeral message (it lives in memory only, for me alone). */
  dismiss(message: Message): void {
    this.session.messages.drop(message.channel_id, message.id);
  }

  /** Opens (or finds) my DM with `userId` and returns its id. */
  async openDm(userId: string): Promise<string> {
    const dms = this.session.dms;
    const dm = await this.api.request<PrivateChannel>("POST", "/users/@me/channels", { recipient_id: userId });
    dms.put(dm);
    return dm.id;
  }
}

/** A reply's fields in a send, as Discord's client sends them: every mention in the text
 * counts, and the replied-to author is pinged or not as chosen. */
function replyFields(replyTo: string | undefined, pingReplied: boolean): Record<string, unknown> {
  return replyTo
    ? { message_reference: { message_id: replyTo }, allowed_mentions: { parse: ["users", "roles", "everyone"], replied_user: pingReplied } }
    : {};
}
