// DMs and group DMs as the client holds them, and what each is called.

import type { components } from "./api/schema";
import { nameOf } from "./users";

type Schemas = components["schemas"];

export type PrivateChannel = Pick<Schemas["PrivateChannelObject"], "id" | "type" | "name" | "recipients"> & {
  last_message_id?: string | null;
};

/** Whether a channel event is about a DM (type 1) or a group DM (type 3): the same dispatch
 * names carry guild channels too. */
export function isPrivate(channel: { type: number }): channel is PrivateChannel {
  return channel.type === 1 || channel.type === 3;
}

/** What a DM or group DM is called: its name, or its people's. */
export function privateName(channel: PrivateChannel): string {
  return channel.name || channel.recipients.map(nameOf).join(", ") || "Just you";
}
