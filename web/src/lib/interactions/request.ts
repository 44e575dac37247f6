// The body of `POST /interactions`: what every kind of interaction sends, and a fresh nonce
// for each (the gateway echoes it in INTERACTION_CREATE, which is how a client learns the id
// its request got).

export interface InteractionRequest {
  type: number;
  application_id: string;
  guild_id?: string;
  channel_id: string;
  message_id?: string;
  /** Up to 25 characters. */
  nonce: string;
  data: Record<string, unknown>;
}

/** Where an interaction is used: the channel, and its guild (none in a DM). */
export interface Place {
  channelId: string;
  guildId: string | null;
}

/** A nonce for one request: unique, within the server's 25 characters. */
export function newNonce(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 25);
}

/** The fields every request carries for where it was used. */
export function placeFields(place: Place): Pick<InteractionRequest, "guild_id" | "channel_id"> {
  return place.guildId ? { guild_id: place.guildId, channel_id: place.channelId } : { channel_id: place.channelId };
}
