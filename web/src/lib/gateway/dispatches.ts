// Every gateway dispatch the web client acts on, by name, with the shape of its `d` as the
// server sends it (docs/api.md, "Gateway"). Handlers are typed from this map (dispatcher.ts),
// so each reads its payload as what it is instead of casting it. Only the fields the client
// reads are listed (the gateway client reads READY's session_id and resume_gateway_url); those
// it can do without are optional.

import type {
  Channel,
  ChannelDelete,
  EmojisUpdate,
  GuildPayload,
  GuildUpdate,
  MemberEvent,
  MemberRemove,
  Presence,
  RoleDelete,
  RoleEvent,
  ThreadDelete,
  ThreadEvent,
} from "../guilds";
import type { ReactionEmoji } from "../emoji/custom";
import type { AutocompleteResponse, InteractionCreated, InteractionSucceeded, ModalCreate } from "../interactions/types";
import type { Message } from "../messages";
import type { PrivateChannel } from "../privateChannels";
import type { User } from "../users";
import type { VoiceState } from "../voice/states";
import type { components } from "../api/schema";
import type { GuildSettings } from "../notify";

/** Someone I block (Parley has no other relationship). */
export type Relationship = components["schemas"]["RelationshipObject"];
/** Who may DM me. */
export type UserSettings = components["schemas"]["UserSettingsObject"];

export interface Ready {
  session_id: string;
  resume_gateway_url?: string;
  /** The full current user; the public part is what the client keeps (and whether I
   * administer the instance). */
  user: User & { instance_admin?: boolean };
  /** People only (not bots): open DMs and group DMs, and where they stand in each channel. */
  private_channels?: PrivateChannel[];
  read_state?: { entries: ReadStateEntry[] };
  /** Only the guilds (and `@me`) whose settings I changed. */
  user_guild_settings?: { entries: GuildSettings[] };
  relationships?: Relationship[];
  user_settings?: UserSettings;
}

export interface ReadStateEntry {
  /** The channel. */
  id: string;
  last_message_id: string | null;
  mention_count: number;
}

export interface PresenceUpdate {
  user: Pick<User, "id">;
  status: Presence;
}

export type GuildCreate = GuildPayload & {
  presences?: PresenceUpdate[];
  /** Who is in which of its voice channels. */
  voice_states?: VoiceState[];
};

/** A guild I left, or was removed from. */
export interface GuildDelete {
  id: string;
}

/** A channel's event carries a guild channel or a DM; `isPrivate` tells which. */
export type AnyChannel = Channel | PrivateChannel;

export interface RecipientEvent {
  channel_id: string;
  user: User;
}

export type MessageCreate = Message & {
  guild_id?: string | null;
  mentions?: Pick<User, "id">[];
  mention_everyone?: boolean;
  mention_roles?: string[];
};

export interface MessageDelete {
  id: string;
  channel_id: string;
}

/** Messages deleted at once (a ban that takes the banned person's recent messages). */
export interface MessageDeleteBulk {
  ids: string[];
  channel_id: string;
}

export interface ReactionEvent {
  channel_id: string;
  message_id: string;
  user_id: string;
  emoji: ReactionEmoji;
}

/** A moderator cleared every reaction on a message. */
export interface ReactionRemoveAll {
  channel_id: string;
  message_id: string;
  guild_id?: string;
}

/** A moderator cleared one emoji's reactions on a message. */
export interface ReactionRemoveEmoji {
  channel_id: string;
  message_id: string;
  guild_id?: string;
  emoji: ReactionEmoji;
}

/** I read a channel up to a message (on any of my devices). */
export interface MessageAck {
  channel_id: string;
  message_id: string;
}

export interface TypingStart {
  channel_id: string;
  user_id: string;
}

/** Where to connect for the call I asked to join (or was moved to). */
export interface VoiceServerUpdate {
  /** null for a call in a DM. */
  guild_id: string | null;
  token: string;
  endpoint: string;
}

/** A call started in one of my DMs: who it rings and who is in it. */
export interface CallCreate {
  channel_id: string;
  ringing?: string[];
  voice_states?: VoiceState[];
}

export interface CallDelete {
  channel_id: string;
}

/** A channel's webhooks changed (made, renamed, moved in or out, deleted); which way is not
 * said, so a screen listing them reads them again. Needs the GUILD_WEBHOOKS intent. */
export interface WebhooksUpdate {
  guild_id: string;
  channel_id: string;
}

export interface Dispatches {
  READY: Ready;
  /** I changed my name or avatar (on any device). */
  USER_UPDATE: User;
  GUILD_CREATE: GuildCreate;
  GUILD_UPDATE: GuildUpdate;
  GUILD_EMOJIS_UPDATE: EmojisUpdate;
  GUILD_DELETE: GuildDelete;
  GUILD_ROLE_CREATE: RoleEvent;
  GUILD_ROLE_UPDATE: RoleEvent;
  GUILD_ROLE_DELETE: RoleDelete;
  GUILD_MEMBER_ADD: MemberEvent;
  GUILD_MEMBER_UPDATE: MemberEvent;
  GUILD_MEMBER_REMOVE: MemberRemove;
  CHANNEL_CREATE: AnyChannel;
  CHANNEL_UPDATE: AnyChannel;
  CHANNEL_DELETE: ChannelDelete;
  CHANNEL_RECIPIENT_ADD: RecipientEvent;
  CHANNEL_RECIPIENT_REMOVE: RecipientEvent;
  THREAD_CREATE: ThreadEvent;
  THREAD_UPDATE: ThreadEvent;
  THREAD_DELETE: ThreadDelete;
  MESSAGE_CREATE: MessageCreate;
  MESSAGE_UPDATE: Message;
  MESSAGE_DELETE: MessageDelete;
  MESSAGE_DELETE_BULK: MessageDeleteBulk;
  MESSAGE_REACTION_ADD: ReactionEvent;
  MESSAGE_REACTION_REMOVE: ReactionEvent;
  MESSAGE_REACTION_REMOVE_ALL: ReactionRemoveAll;
  MESSAGE_REACTION_REMOVE_EMOJI: ReactionRemoveEmoji;
  MESSAGE_ACK: MessageAck;
  TYPING_START: TypingStart;
  PRESENCE_UPDATE: PresenceUpdate;
  VOICE_STATE_UPDATE: VoiceState;
  VOICE_SERVER_UPDATE: VoiceServerUpdate;
  CALL_CREATE: CallCreate;
  CALL_DELETE: CallDelete;
  INTERACTION_CREATE: InteractionCreated;
  INTERACTION_SUCCESS: InteractionSucceeded;
  INTERACTION_MODAL_CREATE: ModalCreate;
  APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE: AutocompleteResponse;
  WEBHOOKS_UPDATE: WebhooksUpdate;
  USER_GUILD_SETTINGS_UPDATE: GuildSettings;
  RELATIONSHIP_ADD: Relationship;
  RELATIONSHIP_REMOVE: Pick<Relationship, "id" | "type">;
  USER_SETTINGS_UPDATE: Partial<UserSettings>;
}

export type DispatchName = keyof Dispatches;
