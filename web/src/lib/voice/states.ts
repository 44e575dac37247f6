// Who is in which voice channel: the voice states from GUILD_CREATE and VOICE_STATE_UPDATE,
// kept by server (guild, or "dm" for calls in DMs) and user, as the server keys them.

export interface VoiceState {
  guild_id?: string | null;
  /** null: they left. */
  channel_id: string | null;
  user_id: string;
  session_id: string;
  /** Muted or deafened by a moderator. */
  mute: boolean;
  deaf: boolean;
  self_mute: boolean;
  self_deaf: boolean;
  self_video: boolean;
  self_stream?: boolean;
}

export type VoiceStates = Record<string, VoiceState>;

const key = (state: Pick<VoiceState, "guild_id" | "user_id">) => `${state.guild_id ?? "dm"}:${state.user_id}`;

/** The states after one VOICE_STATE_UPDATE. */
export function applyVoiceState(states: VoiceStates, state: VoiceState): VoiceStates {
  const next = { ...states };
  if (state.channel_id === null) delete next[key(state)];
  else next[key(state)] = state;
  return next;
}

/** A guild's states as GUILD_CREATE lists them, replacing what was known of that guild. */
export function guildVoiceStates(states: VoiceStates, guildId: string, list: VoiceState[]): VoiceStates {
  const next = Object.fromEntries(Object.entries(states).filter(([, s]) => s.guild_id !== guildId));
  for (const state of list) if (state.channel_id) next[key({ ...state, guild_id: guildId })] = { ...state, guild_id: guildId };
  return next;
}

/** Who is in `channelId`, in the order they joined as far as the client can tell (by user
 * id, so every client lists them alike). */
export function inChannel(states: VoiceStates, channelId: string): VoiceState[] {
  return Object.values(states)
    .filter((s) => s.channel_id === channelId)
    .sort((a, b) => (BigInt(a.user_id) < BigInt(b.user_id) ? -1 : 1));
}

/** Whether the person is muted, by themselves or a moderator. */
export const isMuted = (s: VoiceState) => s.mute || s.self_mute;
export const isDeafened = (s: VoiceState) => s.deaf || s.self_deaf;
