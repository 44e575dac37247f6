// Where the person is in the app: the DM list or a guild, the channel or DM shown, what covers
// the messages (my settings, the guild's settings, the call), the drawer open on a phone, and
// the moves between them. One per Shell, so each sign-in starts at the first guild.

import type { Chat } from "../../lib/chat.svelte";
import { groupChannels } from "../../lib/guilds";
import { privateName } from "../../lib/privateChannels";
import type { User } from "../../lib/users";

/** The channel last shown in a guild, remembered in this browser to return to it after a
 * reload or the next sign-in; per person, so someone else signing in here does not land
 * where the previous person was reading. */
const lastChannelKey = (userId: string, guildId: string) => `parley.lastChannel.${userId}.${guildId}`;

export class Navigation {
  /** The DM list instead of a guild. */
  home = $state(false);
  guildId = $state<string | null>(null);
  /** The channel chosen; when unset (or gone), the guild's remembered or first channel. */
  channelId = $state<string | null>(null);
  dmId = $state<string | null>(null);
  /** My settings cover the messages. */
  settings = $state(false);
  guildSettings = $state(false);
  /** The instance admin console covers the messages (instance admins only). */
  admin = $state(false);
  /** The call fills the message pane (else the voice bar alone shows it). */
  callShown = $state(false);
  /** On a phone-sized screen the channel list and the member list open over the messages. */
  drawer = $state<"channels" | "members" | null>(null);
  /** A message to show once its channel is open (from a search result). */
  target = $state<{ channelId: string; messageId: string } | null>(null);
  /** Categories folded shut in the channel list, by id. */
  collapsed = $state<Record<string, boolean>>({});
  /** The person whose popout is open, and what opened it (it sits beside it). */
  profile = $state.raw<{ user: User; anchor: HTMLElement | null } | null>(null);
  /** The pinned messages of the channel shown are open. */
  pinsOpen = $state(false);
  /** The member list is hidden on a wide screen (from the channel header). */
  membersHidden = $state(false);

  /** The guild shown: the one chosen, else the first (until the chosen one arrives). */
  readonly guild = $derived.by(() => this.chat.guilds.find((g) => g.id === this.guildId) ?? this.chat.guilds[0] ?? null);
  readonly groups = $derived.by(() => groupChannels(this.guild?.channels ?? []));
  /** The guild's text channels and threads: where one can read and write. */
  readonly textChannels = $derived.by(() => [...this.groups.flatMap((g) => g.channels.filter((c) => c.type === 0)), ...(this.guild?.threads ?? [])]);
  readonly channel = $derived.by(() => {
    const me = this.chat.me;
    const remembered = this.guild && me ? globalThis.localStorage?.getItem(lastChannelKey(me.id, this.guild.id)) : null;
    return (
      this.textChannels.find((c) => c.id === this.channelId) ??
      this.textChannels.find((c) => c.id === remembered) ??
      this.textChannels[0] ??
      null
    );
  });
  readonly dm = $derived.by(() =>
    this.home ? (this.chat.privateChannels.find((c) => c.id === this.dmId) ?? this.chat.privateChannels[0] ?? null) : null,
  );
  /** What the message pane shows: the DM (with what labels call it), or the guild channel. */
  readonly shown = $derived.by(() => {
    if (!this.home) return this.channel;
    const dm = this.dm;
    return dm ? { id: dm.id, name: privateName(dm), title: dm.type === 1 ? `@${privateName(dm)}` : privateName(dm) } : null;
  });

  /** Made while a Shell starts: its effects live as long as the Shell. */
  constructor(private readonly chat: Chat) {
    $effect(() => {
      const me = this.chat.me;
      if (me && this.guild && this.channel) globalThis.localStorage?.setItem(lastChannelKey(me.id, this.guild.id), this.channel.id);
    });
    // Stay in the channel shown, even when a new channel sorts before it; but not while the
    // guild chosen (just joined) has yet to arrive, or its channel would be forgotten.
    $effect(() => {
      const arrived = this.guildId === null || this.guild?.id === this.guildId;
      const channel = this.channel;
      if (arrived && channel && this.channelId !== channel.id && !this.textChannels.some((c) => c.id === this.channelId)) {
        this.channelId = channel.id;
      }
    });
  }

  /** The DM list, from the rail. */
  showHome(): void {
    this.home = true;
    this.callShown = false;
  }

  /** A guild from the rail, at its remembered channel. */
  showGuild(id: string): void {
    this.home = false;
    this.guildId = id;
    this.channelId = null;
    this.guildSettings = this.callShown = false;
  }

  /** A guild just created or joined: at the invite's channel, if it named one. */
  arrive(guildId: string | null, channelId: string | null = null): void {
    if (!guildId) return;
    this.home = false;
    this.guildId = guildId;
    this.channelId = channelId;
    this.guildSettings = this.settings = this.admin = false;
  }

  /** A channel or thread from the channel list. */
  showChannel(id: string): void {
    this.channelId = id;
    this.guildSettings = this.settings = this.admin = this.callShown = false;
    this.drawer = null;
  }

  /** A search result: its channel, at the message. */
  showResult(channelId: string, messageId: string): void {
    this.channelId = channelId;
    this.target = { channelId, messageId };
    this.guildSettings = this.settings = this.admin = false;
    this.drawer = null;
  }

  /** A DM from the DM list. */
  showDm(id: string): void {
    this.dmId = id;
    this.drawer = null;
  }

  /** A DM opened from elsewhere: a member's profile, a new group, a call answered. */
  openDm(id: string): void {
    this.home = true;
    this.dmId = id;
  }

  /** The call I am in: over its guild's messages, or in its DM. */
  showCall(call: { guildId: string } | { dmId: string } | null): void {
    this.guildSettings = this.settings = this.admin = false;
    if (!call) return;
    if ("guildId" in call) {
      this.home = false;
      this.guildId = call.guildId;
      this.callShown = true;
    } else {
      this.home = true;
      this.dmId = call.dmId;
    }
  }

  /** A voice channel just joined: its call covers the messages. */
  showJoinedCall(): void {
    this.callShown = true;
    this.guildSettings = this.settings = this.admin = false;
    this.drawer = null;
  }

  openSettings(): void {
    this.settings = true;
    this.guildSettings = this.admin = false;
  }

  openAdmin(): void {
    this.admin = true;
    this.guildSettings = this.settings = false;
  }

  toggleGuildSettings(): void {
    this.guildSettings = !this.guildSettings;
    this.settings = this.admin = false;
  }

  toggleDrawer(drawer: "channels" | "members"): void {
    this.drawer = this.drawer === drawer ? null : drawer;
  }

  toggleProfile(user: User, anchor: HTMLElement | null): void {
    this.profile = this.profile?.user.id === user.id ? null : { user, anchor };
  }
}
