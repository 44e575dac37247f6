// What a message says about the interaction it answers: who used what ("ann used /roll"),
// whether the application is still thinking, and whether only I can see it (ephemeral
// messages reach me alone, by MESSAGE_CREATE, and are never in history).

import { nameOf } from "../users";
import { InteractionType, MessageFlag, type InteractionParts } from "./types";

type Flagged = { flags?: number | null };

export const hasFlag = (m: Flagged, flag: number) => ((m.flags ?? 0) & flag) !== 0;
export const isEphemeral = (m: Flagged) => hasFlag(m, MessageFlag.Ephemeral);
export const isThinking = (m: Flagged) => hasFlag(m, MessageFlag.Loading);

/** The header over an interaction's answer: who, and what they used; null for other messages. */
export function usedHeader(m: InteractionParts): { who: string; what: string } | null {
  const meta = m.interaction_metadata;
  if (!meta) return null;
  const who = nameOf(m.interaction?.user ?? meta.user);
  const name = m.interaction?.name;
  if (name) return { who, what: `/${name}` };
  if (meta.type === InteractionType.ModalSubmit) return { who, what: "a form" };
  if (meta.type === InteractionType.Component) return { who, what: "a button or menu" };
  return { who, what: "a command" };
}
