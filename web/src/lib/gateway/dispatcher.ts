// Typed dispatch handling. Each part of the client's state registers the handlers it has for
// the dispatches it cares about; each handler gets its payload typed from the map in
// dispatches.ts. A dispatch runs every part's handler, in the order the parts were given.

import type { DispatchName, Dispatches } from "./dispatches";

/** One part's handlers, each typed by the dispatch it handles. */
export type DispatchHandlers = { [K in DispatchName]?: (data: Dispatches[K]) => void };

/** The names in the map, at run time: a dispatch the client does not act on (INVITE_CREATE,
 * GUILD_BAN_ADD...) is dropped before it reaches any handler. */
const NAMES: Record<DispatchName, true> = {
  READY: true,
  USER_UPDATE: true,
  GUILD_CREATE: true,
  GUILD_UPDATE: true,
  GUILD_EMOJIS_UPDATE: true,
  GUILD_DELETE: true,
  GUILD_ROLE_CREATE: true,
  GUILD_ROLE_UPDATE: true,
  GUILD_ROLE_DELETE: true,
  GUILD_MEMBER_ADD: true,
  GUILD_MEMBER_UPDATE: true,
  GUILD_MEMBER_REMOVE: true,
  CHANNEL_CREATE: true,
  CHANNEL_UPDATE: true,
  CHANNEL_DELETE: true,
  CHANNEL_RECIPIENT_ADD: true,
  CHANNEL_RECIPIENT_REMOVE: true,
  THREAD_CREATE: true,
  THREAD_UPDATE: true,
  THREAD_DELETE: true,
  MESSAGE_CREATE: true,
  MESSAGE_UPDATE: true,
  MESSAGE_DELETE: true,
  MESSAGE_DELETE_BULK: true,
  MESSAGE_REACTION_ADD: true,
  MESSAGE_REACTION_REMOVE: true,
  MESSAGE_REACTION_REMOVE_ALL: true,
  MESSAGE_REACTION_REMOVE_EMOJI: true,
  MESSAGE_ACK: true,
  TYPING_START: true,
  PRESENCE_UPDATE: true,
  VOICE_STATE_UPDATE: true,
  VOICE_SERVER_UPDATE: true,
  CALL_CREATE: true,
  CALL_DELETE: true,
  INTERACTION_CREATE: true,
  INTERACTION_SUCCESS: true,
  INTERACTION_MODAL_CREATE: true,
  APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE: true,
  WEBHOOKS_UPDATE: true,
  USER_GUILD_SETTINGS_UPDATE: true,
  RELATIONSHIP_ADD: true,
  RELATIONSHIP_REMOVE: true,
  USER_SETTINGS_UPDATE: true,
};

function isDispatchName(name: string): name is DispatchName {
  return Object.hasOwn(NAMES, name);
}

export class Dispatcher {
  private readonly parts: DispatchHandlers[];

  constructor(...parts: DispatchHandlers[]) {
    this.parts = parts;
  }

  /** Runs every handler of one dispatch. */
  emit<K extends DispatchName>(name: K, data: Dispatches[K]): void {
    for (const handlers of this.parts) handlers[name]?.(data);
  }

  /** A dispatch as it came off the gateway. */
  receive(name: string, data: unknown): void {
    // The wire is where the payload's type is taken on trust: the server sends each dispatch
    // in the shape docs/api.md gives it (and its tests hold it to that). This is the one
    // place that trust is written down; every handler after it is typed.
    if (isDispatchName(name)) this.emit(name, data as Dispatches[typeof name]);
  }
}
