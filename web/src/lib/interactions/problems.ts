// What the server said was wrong with an interaction, in words and where it belongs: a field
// error on `data.options.0.options.1.value` goes to the option that path names in the request
// sent, one on a modal's input to that input; the rest (403, 404, errors about the whole
// request) are said once, for the whole form.

import { ApiError, type FieldErrors } from "../api/client";
import type { InteractionRequest } from "./request";
import type { UsedOption } from "./types";

/** Problems by field name, and those about the whole. */
export interface Problems {
  byField: Record<string, string>;
  general: string[];
}

/** Each field error of a 400 with its path ("data.options.0.value"). */
export function fieldErrors(errors: FieldErrors, prefix: string[] = []): { path: string[]; message: string }[] {
  return Object.entries(errors).flatMap(([key, node]) => {
    if (key === "_errors") return (node as unknown as { message: string }[]).map((e) => ({ path: prefix, message: e.message }));
    return fieldErrors(node, [...prefix, key]);
  });
}

/** A refusal said in one sentence (for a button or menu, which has no fields to mark). */
export function refusalInWords(error: unknown): string {
  if (!(error instanceof ApiError)) return String(error);
  return fieldErrors(error.errors)[0]?.message ?? whole(error);
}

/** Discord's words for the answers that are not about a field. */
function whole(error: ApiError): string {
  if (error.code === 10063) return "This command is not available here any more.";
  if (error.code === 10062) return "This form has expired or was already sent.";
  if (error.code === 50013) return "You do not have permission to use this here.";
  if (error.code === 10002) return "This application no longer exists.";
  return error.message;
}

/** The option named by `path` (under `data.options`) in the options sent. */
function optionAt(options: UsedOption[], path: string[]): string | null {
  const [index, field, ...rest] = path;
  const option = options[Number(index)];
  if (!option) return null;
  if (field === "options" && option.options) return optionAt(option.options, rest);
  return field === "value" || field === "name" ? option.name : null;
}

/** The problems of a failed command, by option name. */
export function commandProblems(error: unknown, sent: InteractionRequest): Problems {
  if (!(error instanceof ApiError)) return { byField: {}, general: [String(error)] };
  const byField: Record<string, string> = {};
  const general: string[] = [];
  const options = (sent.data.options as UsedOption[] | undefined) ?? [];
  for (const { path, message } of fieldErrors(error.errors)) {
    const name = path[0] === "data" && path[1] === "options" ? optionAt(options, path.slice(2)) : null;
    if (name && !byField[name]) byField[name] = message;
    else if (!name) general.push(message);
  }
  if (!general.length && !Object.keys(byField).length) general.push(whole(error));
  return { byField, general };
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The problems of a failed modal submission, by the input's custom id (the server names it
 * at the start of its message: "answer: between 1 and 20 characters, required."). */
export function modalProblems(error: unknown, inputIds: string[]): Problems {
  if (!(error instanceof ApiError)) return { byField: {}, general: [String(error)] };
  const byField: Record<string, string> = {};
  const general: string[] = [];
  for (const { message } of fieldErrors(error.errors)) {
    const id = inputIds.find((i) => message.startsWith(`${i}: `));
    if (id) byField[id] = capitalised(message.slice(id.length + 2));
    else general.push(message);
  }
  if (!general.length && !Object.keys(byField).length) general.push(whole(error));
  return { byField, general };
}
