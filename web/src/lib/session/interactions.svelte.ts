// My use of applications: the commands I may use in each place (fetched for the `/` picker,
// cached per guild or DM and fetched again each time the picker opens), the interactions I
// sent until their application answers (or is late: see interactions/pending.ts), the
// suggestions for the option I am typing, and the modals applications opened for me.

import type { Api } from "../api/client";
import type { DispatchHandlers } from "../gateway/dispatcher";
import { commandEntries, type CommandEntry } from "../interactions/commandPicker";
import { answered, ANSWER_WAIT_MS, created, dismissed, EMPTY_BOOK, latestFrom, refused, sent, timedOut, type Pending, type Source } from "../interactions/pending";
import type { InteractionRequest, Place } from "../interactions/request";
import type { CommandChoice, CommandIndex, ModalCreate } from "../interactions/types";

/** Where commands can be used, and where their index is read from. */
export interface CommandPlace extends Place {
  /** The index's path: the guild's, or the DM's with a bot. */
  indexPath: string;
}

/** Suggestions for the option being typed: the latest request's, once they arrive. */
export interface Suggestions {
  nonce: string;
  id: string | null;
  choices: CommandChoice[] | null;
}

export class Interactions {
  /** Per index path: the commands found there when it was last fetched. */
  commands = $state<Record<string, CommandEntry[]>>({});
  /** Interactions sent and not answered yet (or late, or refused), by nonce. */
  book = $state.raw(EMPTY_BOOK);
  /** Modals applications opened for me, the first on screen. */
  modals = $state<ModalCreate[]>([]);
  suggestions = $state<Suggestions | null>(null);

  constructor(
    private readonly api: Api,
    /** Where commands can be used for a channel; null where none can (a person's DM). */
    readonly placeOf: (channelId: string) => CommandPlace | null,
    private readonly after: (ms: number, run: () => void) => void = (ms, run) => void setTimeout(run, ms),
  ) {}

  readonly handlers: DispatchHandlers = {
    INTERACTION_CREATE: ({ id, nonce }) => {
      this.book = created(this.book, nonce, id);
      if (this.suggestions && nonce === this.suggestions.nonce) this.suggestions = { ...this.suggestions, id };
    },
    INTERACTION_SUCCESS: ({ id }) => {
      // A modal submitted and answered closes; one still open stays for another try.
      const pending = Object.values(this.book.byNonce).find((p) => p.id === id);
      if (pending?.source.kind === "modal") this.closeModal(pending.source.modalId);
      this.book = answered(this.book, id);
    },
    INTERACTION_MODAL_CREATE: (modal) => {
      this.modals = [...this.modals.filter((m) => m.id !== modal.id), modal];
    },
    APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE: ({ id, choices }) => {
      if (this.suggestions?.id === id) this.suggestions = { ...this.suggestions, choices };
    },
  };

  /** The commands I may use where `channelId` is, as last fetched; undefined before that. */
  commandsFor(channelId: string): CommandEntry[] | undefined {
    const place = this.placeOf(channelId);
    return place ? this.commands[place.indexPath] : [];
  }

  /** Fetches the commands of a channel's place again (the picker opened). */
  async loadCommands(channelId: string): Promise<void> {
    const place = this.placeOf(channelId);
    if (!place) return;
    const index = await this.api.request<CommandIndex>("GET", place.indexPath);
    this.commands[place.indexPath] = commandEntries(index);
  }

  /** Sends an interaction; the answer (or its absence after ANSWER_WAIT_MS) comes on the
   * gateway. Resolves with the server's refusal, if it refused. */
  async send(request: InteractionRequest, source: Source): Promise<unknown> {
    const nonce = request.nonce;
    this.book = sent(this.book, nonce, source);
    this.after(ANSWER_WAIT_MS, () => (this.book = timedOut(this.book, nonce)));
    try {
      await this.api.request("POST", "/interactions", request);
      return null;
    } catch (error) {
      this.book = refused(this.book, nonce, error);
      return error;
    }
  }

  /** Asks for suggestions for the option being typed; earlier ones are forgotten. */
  async suggest(request: InteractionRequest): Promise<void> {
    this.suggestions = { nonce: request.nonce, id: null, choices: null };
    try {
      await this.api.request("POST", "/interactions", request);
    } catch {
      if (this.suggestions?.nonce === request.nonce) this.suggestions = { ...this.suggestions, choices: [] };
    }
  }

  /** The latest interaction from a source that is still shown (pending, late or refused). */
  latest(matches: (source: Source) => boolean): Pending | undefined {
    return latestFrom(this.book, matches);
  }

  dismiss(nonce: string): void {
    this.book = dismissed(this.book, nonce);
  }

  closeModal(id: string): void {
    this.modals = this.modals.filter((m) => m.id !== id);
  }
}
