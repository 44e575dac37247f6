// Asking before something that cannot be undone: `ask` shows the one confirmation dialog the
// app has (components/ConfirmHost.svelte) and resolves true only if the person confirms.

export interface Question {
  title: string;
  body: string;
  /** The confirm button's label: a verb ("Delete", "Ban"). */
  action: string;
  /** If set, the button stays disabled until this exact text is typed (for whole guilds). */
  typeToConfirm?: string;
}

interface Pending extends Question {
  resolve: (confirmed: boolean) => void;
}

export const confirmation = $state<{ pending: Pending | null }>({ pending: null });

export function ask(question: Question): Promise<boolean> {
  // A second question answers the first with "no": only one dialog is ever open.
  confirmation.pending?.resolve(false);
  return new Promise((resolve) => {
    confirmation.pending = { ...question, resolve };
  });
}

/** Closes the dialog with the person's answer. */
export function answer(confirmed: boolean): void {
  const pending = confirmation.pending;
  confirmation.pending = null;
  pending?.resolve(confirmed);
}
