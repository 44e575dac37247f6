// Interactions I sent, until their application answers: each is known by its nonce until
// INTERACTION_CREATE tells its id, answered when INTERACTION_SUCCESS names that id, and
// "did not respond" when no answer came within ANSWER_WAIT_MS of sending, as on Discord. A
// refused request (the POST's error) is kept with its error. Pure: each step returns a new
// book, so the store holding it and the tests see every state.

/** Discord's client gives an application 3 seconds to answer (or to say it is thinking). */
export const ANSWER_WAIT_MS = 3000;

/** What was used: the command form of a channel, a component of a message, or a modal. */
export type Source =
  | { kind: "command"; channelId: string }
  | { kind: "component"; messageId: string; customId: string }
  | { kind: "modal"; modalId: string };

export type PendingState = "sending" | "unanswered" | "refused";

export interface Pending {
  nonce: string;
  /** Learned from INTERACTION_CREATE. */
  id: string | null;
  source: Source;
  state: PendingState;
  /** What refused it (the POST's error), when `refused`. */
  error?: unknown;
}

export interface PendingBook {
  byNonce: Record<string, Pending>;
  /** Answers that arrived before their id was known (the gateway may be quicker than the
   * order of our own bookkeeping); kept short. */
  answeredEarly: string[];
}

export const EMPTY_BOOK: PendingBook = { byNonce: {}, answeredEarly: [] };

const EARLY_KEPT = 50;

function without(book: PendingBook, nonce: string): PendingBook {
  const { [nonce]: _gone, ...rest } = book.byNonce;
  return { ...book, byNonce: rest };
}

/** A request was sent. */
export function sent(book: PendingBook, nonce: string, source: Source): PendingBook {
  return { ...book, byNonce: { ...book.byNonce, [nonce]: { nonce, id: null, source, state: "sending" } } };
}

/** INTERACTION_CREATE: the request's id. An answer already seen for it ends it at once. */
export function created(book: PendingBook, nonce: string | null, id: string): PendingBook {
  const pending = nonce ? book.byNonce[nonce] : undefined;
  if (!pending || !nonce) return book;
  if (book.answeredEarly.includes(id)) return { ...without(book, nonce), answeredEarly: book.answeredEarly.filter((a) => a !== id) };
  return { ...book, byNonce: { ...book.byNonce, [nonce]: { ...pending, id } } };
}

/** INTERACTION_SUCCESS: the application answered; whatever was shown for the wait goes. */
export function answered(book: PendingBook, id: string): PendingBook {
  const pending = Object.values(book.byNonce).find((p) => p.id === id);
  if (pending) return without(book, pending.nonce);
  return { ...book, answeredEarly: [...book.answeredEarly, id].slice(-EARLY_KEPT) };
}

/** ANSWER_WAIT_MS after sending: still waiting means the application did not respond. */
export function timedOut(book: PendingBook, nonce: string): PendingBook {
  const pending = book.byNonce[nonce];
  if (pending?.state !== "sending") return book;
  return { ...book, byNonce: { ...book.byNonce, [nonce]: { ...pending, state: "unanswered" } } };
}

/** The server refused the request. */
export function refused(book: PendingBook, nonce: string, error: unknown): PendingBook {
  const pending = book.byNonce[nonce];
  if (!pending) return book;
  return { ...book, byNonce: { ...book.byNonce, [nonce]: { ...pending, state: "refused", error } } };
}

/** The person dismissed what was shown for it (or the form it belonged to went away). */
export function dismissed(book: PendingBook, nonce: string): PendingBook {
  return book.byNonce[nonce] ? without(book, nonce) : book;
}

/** The latest interaction from one source, if any is pending or failed. */
export function latestFrom(book: PendingBook, matches: (source: Source) => boolean): Pending | undefined {
  return Object.values(book.byNonce)
    .filter((p) => matches(p.source))
    .at(-1);
}
