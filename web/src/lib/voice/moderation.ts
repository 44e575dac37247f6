// What a moderator may do to someone in a guild call: mute or deafen them for everyone (kept
// on the member, so it holds in every voice channel of the guild), move them to another voice
// channel, or disconnect them. Only offered as the moderator's permissions allow; the server
// checks each one again.

import type { Guild } from "../guilds";
import { guildPermissions, has, PERMISSION } from "../permissions";
import type { VoiceState } from "./states";

export interface ModeratorAction {
  label: string;
  /** The change to the member (PATCH /guilds/{id}/members/{user}). */
  change: { mute: boolean } | { deaf: boolean } | { channel_id: string | null };
}

/** My actions on `state`'s person; `inChannel` is what I may do in the call's channel
 * (-1n when unknown: then no move or disconnect is offered). */
export function moderatorActions(guild: Guild, me: string, inChannel: bigint, state: VoiceState): ModeratorAction[] {
  const mine = guildPermissions(guild, me);
  const actions: ModeratorAction[] = [];
  if (has(mine, PERMISSION.MUTE_MEMBERS)) actions.push({ label: state.mute ? "Unmute for everyone" : "Mute for everyone", change: { mute: !state.mute } });
  if (has(mine, PERMISSION.DEAFEN_MEMBERS)) actions.push({ label: state.deaf ? "Undeafen for everyone" : "Deafen for everyone", change: { deaf: !state.deaf } });
  if (inChannel !== -1n && has(inChannel, PERMISSION.MOVE_MEMBERS)) {
    for (const other of guild.channels.filter((c) => c.type === 2 && c.id !== state.channel_id)) {
      actions.push({ label: `Move to ${other.name}`, change: { channel_id: other.id } });
    }
    actions.push({ label: "Disconnect", change: { channel_id: null } });
  }
  return actions;
}
