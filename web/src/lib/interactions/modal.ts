// A modal an application opened: its text inputs, what each is prefilled with, what is wrong
// with an answer (checked as the person types, as the server will check it), and the
// submission (type 5) naming the interaction that opened it.

import { placeFields, type InteractionRequest, type Place } from "./request";
import { ComponentType, InteractionType, type Component, type ModalCreate } from "./types";

/** Discord's longest text input when the application sets none. */
export const MAX_INPUT = 4000;

/** The modal's text inputs, in order (one per row). */
export function textInputs(modal: Pick<ModalCreate, "components">): Component[] {
  return modal.components.flatMap((row) => row.components).filter((c) => c.type === ComponentType.TextInput && !!c.custom_id);
}

/** What each input starts with: the application's prefilled value, else nothing. */
export function initialAnswers(modal: Pick<ModalCreate, "components">): Record<string, string> {
  return Object.fromEntries(textInputs(modal).map((input) => [input.custom_id ?? "", input.value ?? ""]));
}

/** An input's length limits: a required one takes at least one character. */
export function inputLimits(input: Component): { min: number; max: number; required: boolean } {
  const required = input.required ?? true;
  return { min: Math.max(input.min_length ?? 0, required ? 1 : 0), max: input.max_length ?? MAX_INPUT, required };
}

/** Characters as the server counts them (code points, not UTF-16 units). */
export const lengthOf = (text: string) => [...text].length;

/** What is wrong with an answer, in words; null when it is fine. An optional input may be
 * left empty whatever its minimum. */
export function answerProblem(input: Component, answer: string): string | null {
  const { min, max, required } = inputLimits(input);
  const n = lengthOf(answer);
  if (n === 0) return required ? "This field is required." : null;
  if (n < min) return `At least ${min} characters (${n} so far).`;
  if (n > max) return `At most ${max} characters (${n - max} too many).`;
  return null;
}

/** The problems of every input, by custom id; empty when the modal can be submitted. */
export function modalAnswerProblems(modal: Pick<ModalCreate, "components">, answers: Record<string, string>): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const input of textInputs(modal)) {
    const problem = answerProblem(input, answers[input.custom_id ?? ""] ?? "");
    if (problem) problems[input.custom_id ?? ""] = problem;
  }
  return problems;
}

/** Submits the modal with its answers, one row per input. */
export function modalSubmitRequest(modal: ModalCreate, answers: Record<string, string>, place: Place, nonce: string): InteractionRequest {
  return {
    type: InteractionType.ModalSubmit,
    application_id: modal.application.id,
    ...placeFields(place),
    nonce,
    data: {
      id: modal.id,
      custom_id: modal.custom_id,
      components: textInputs(modal).map((input) => ({
        type: ComponentType.ActionRow,
        components: [{ type: ComponentType.TextInput, custom_id: input.custom_id, value: answers[input.custom_id ?? ""] ?? "" }],
      })),
    },
  };
}
