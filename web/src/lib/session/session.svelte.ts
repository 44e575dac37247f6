// Everything the client knows on behalf of the person signed in, kept live by the gateway:
// who they are, everyone's avatar, their guilds, DMs, read states, presences, who is typing to them, the
// messages of the channels they opened, the files waiting to be sent, their calls, and when a guild's webhooks changed.
// Each concern is its own store with its own dispatch handlers; this puts them together and
// feeds them every dispatch.

import type { Api } from "../api/client";
import { Dispatcher } from "../gateway/dispatcher";
import type { DispatchName, Dispatches } from "../gateway/dispatches";
import type { User } from "../users";
import { Voice } from "../voice/call.svelte";
import { desktopOn, playSound, showNotification } from "../alerts";
import { shouldNotify } from "../notify";
import type { MessageCreate } from "../gateway/dispatches";
import { nameOf } from "../users";
import { privateName } from "../privateChannels";
import { DMS, Notifications } from "./notifications.svelte";
import { AttachmentDrafts } from "./attachmentDrafts.svelte";
import { Avatars } from "./avatars.svelte";
import { DmList } from "./dmList.svelte";
import { GuildList } from "./guildList.svelte";
import { Interactions } from "./interactions.svelte";
import { MessageWindows } from "./messageWindows.svelte";
import { Presences } from "./presences.svelte";
import { ReadStates } from "./readStates.svelte";
import { Typing } from "./typing.svelte";
import { WebhookChanges } from "./webhookChanges.svelte";

/** What a session needs of the gateway connection it is fed by. */
export interface SessionLink {
  /** Sends gateway op 4 (join, change or leave a call). */
  sendVoiceState(d: Record<string, unknown>): void;
  /** The gateway session's id, once READY. */
  gatewaySessionId(): string | null;
  gatewayUrl(): string;
  /** Shows a channel (a desktop notification was clicked). */
  open(channelId: string, guildId: string | null): void;
}

export class Session {
  /** READY's `user`: the full current user; the public part is what messages carry. */
  me = $state<(User & { instance_admin?: boolean }) | null>(null);
  /** Everyone's avatar as last heard of (messages keep the author they were loaded with). */
  readonly avatars = new Avatars();
  readonly guilds = new GuildList();
  readonly dms: DmList;
  readonly presences = new Presences();
  readonly readStates: ReadStates;
  readonly messages: MessageWindows;
  /** Files waiting to go with my next message, per channel, and their uploads. */
  readonly attachments: AttachmentDrafts;
  readonly typing: Typing;
  /** Voice channels and the call I am in. */
  readonly voice: Voice;
  /** Commands, components and modals: my use of applications. */
  readonly interactions: Interactions;
  /** WEBHOOKS_UPDATE by guild, for the webhook settings to read their list again. */
  readonly webhookChanges = new WebhookChanges();
  /** My notification settings, the people I block, who may DM me. */
  readonly notifications: Notifications;
  private readonly dispatcher: Dispatcher;

  constructor(api: Api, link: SessionLink) {
    const me = () => this.me;
    this.dms = new DmList(api);
    this.notifications = new Notifications(api);
    this.readStates = new ReadStates(
      api,
      me,
      (channelId) => this.messages.onScreen(channelId),
      (userId) => this.notifications.isBlocked(userId),
    );
    this.messages = new MessageWindows(api, this.readStates, me);
    this.attachments = new AttachmentDrafts(api, this.messages);
    this.interactions = new Interactions(api, (channelId) => {
      const guild = this.guilds.guildOf(channelId);
      if (guild) return { channelId, guildId: guild.id, indexPath: `/guilds/${guild.id}/application-command-index` };
      // A DM with a bot offers the bot's commands; a DM with a person, none.
      const dm = this.dms.find(channelId);
      return dm?.type === 1 && dm.recipients.some((u) => u.bot)
        ? { channelId, guildId: null, indexPath: `/channels/${channelId}/application-command-index` }
        : null;
    });
    this.typing = new Typing(api, me, (channelId, userId) => this.messages.author(channelId, userId));
    this.voice = new Voice({
      api,
      sendVoiceState: (d) => link.sendVoiceState(d),
      me: () => {
        const sessionId = link.gatewaySessionId();
        return this.me && sessionId ? { userId: this.me.id, sessionId } : null;
      },
      gatewayUrl: () => link.gatewayUrl(),
    });
    // Every store sees every dispatch it has a handler for, in this order (the order the
    // handlers ran in before they were split); none reads what another changes on the same
    // dispatch, so the order only fixes which runs first.
    this.dispatcher = new Dispatcher(
      this.voice.handlers,
      {
        READY: (ready) => {
          this.me = ready.user;
        },
        // My new name or avatar, changed here or on another device.
        USER_UPDATE: (user) => {
          if (this.me && user.id === this.me.id) this.me = { ...this.me, ...user };
        },
      },
      this.avatars.handlers,
      this.dms.handlers,
      this.presences.handlers,
      this.guilds.handlers,
      this.messages.handlers,
      this.readStates.handlers,
      this.typing.handlers,
      this.interactions.handlers,
      this.webhookChanges.handlers,
      this.notifications.handlers,
      { MESSAGE_CREATE: (message) => this.alert(message, link) },
    );
  }

  /** The channel and what holds it (a thread's channel, a channel's category), most specific
   * first: a mute or level set on any of them applies. */
  chainOf(channelId: string): string[] {
    const guild = this.guilds.guildOf(channelId);
    const chain = [channelId];
    let id: string | null | undefined = channelId;
    while (guild && id) {
      const at: { parent_id?: string | null } | undefined = guild.threads.find((t) => t.id === id) ?? guild.channels.find((c) => c.id === id);
      id = at?.parent_id;
      if (id) chain.push(id);
    }
    return chain;
  }

  /** A desktop notification and a sound for a new message, while the tab is hidden and only
   * if shouldNotify says so (the sound for mentions and DMs only). */
  private alert(message: MessageCreate, link: SessionLink): void {
    const me = this.me;
    if (!me || !globalThis.document?.hidden || !desktopOn()) return;
    const guild = this.guilds.guildOf(message.channel_id);
    const reason = shouldNotify(message, this.notifications.of(guild?.id ?? DMS), me, {
      chain: this.chainOf(message.channel_id),
      myRoles: guild?.members.find((m) => m.user.id === me.id)?.roles ?? [],
      blocked: (id) => this.notifications.isBlocked(id),
      now: Date.now(),
    });
    if (!reason) return;
    const dm = guild ? undefined : this.dms.find(message.channel_id);
    const where = guild ? ` (#${[...guild.channels, ...guild.threads].find((c) => c.id === message.channel_id)?.name ?? "?"}, ${guild.name})` : dm?.type === 3 ? ` (${privateName(dm)})` : "";
    // Mentions read as names, as on screen.
    const names = new Map((message.mentions ?? []).map((u): [string, string] => {
      const known = u as Partial<User>;
      return [u.id, known.username ? nameOf({ username: known.username, global_name: known.global_name }) : "someone"];
    }));
    const text = message.content.replace(/<@!?(\d+)>/g, (_, id: string) => `@${names.get(id) ?? "someone"}`);
    const body = text || (message.attachments?.length ? "Sent a file" : "Sent a message");
    showNotification(`${nameOf(message.author)}${where}`, body.slice(0, 200), message.channel_id, () => link.open(message.channel_id, guild?.id ?? null));
    if (reason !== "message") playSound();
  }

  /** Applies one dispatch, typed (the tests, and screens with a REST answer in hand). */
  dispatch<K extends DispatchName>(name: K, data: Dispatches[K]): void {
    this.dispatcher.emit(name, data);
  }

  /** Applies one dispatch as it came off the gateway. */
  receive(name: string, data: unknown): void {
    this.dispatcher.receive(name, data);
  }
}
