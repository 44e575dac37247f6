// A chosen command's options as a form: what each field holds, what is wrong with it (in
// words, before anything is sent), and the request that uses the command (with its
// sub-command path) or asks the application for suggestions for the field being typed.

import type { CommandEntry } from "./commandPicker";
import { placeFields, type InteractionRequest, type Place } from "./request";
import { CommandType, InteractionType, OptionType, type CommandOption, type UsedOption } from "./types";

/** What each field holds, by option name: text as typed (numbers too), an id from a picker,
 * a choice's value as text, or a toggle's state. A field left alone is absent. */
export type Filled = Record<string, string | boolean | undefined>;

/** Discord's longest string option when the command sets none. */
const MAX_STRING = 6000;
const SAFE = Number.MAX_SAFE_INTEGER;

type Parsed = { value: string | number | boolean } | { problem: string } | { empty: true };

function range(option: CommandOption): string | null {
  const { min_value: min, max_value: max } = option;
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return null;
}

/** A field's value as the option takes it, or what is wrong with it. */
export function parseOption(option: CommandOption, raw: string | boolean | undefined): Parsed {
  if (option.type === OptionType.Boolean) return typeof raw === "boolean" ? { value: raw } : { empty: true };
  const text = typeof raw === "string" ? raw : "";
  if (option.type === OptionType.String ? text === "" : text.trim() === "") return { empty: true };
  if (option.choices?.length) {
    const choice = option.choices.find((c) => String(c.value) === text);
    return choice ? { value: choice.value } : { problem: "Choose one of the options." };
  }
  switch (option.type) {
    case OptionType.String: {
      const n = [...text].length;
      const min = Math.max(option.min_length ?? 0, 1);
      const max = option.max_length ?? MAX_STRING;
      if (n < min) return { problem: `At least ${min} characters.` };
      if (n > max) return { problem: `At most ${max} characters.` };
      return { value: text };
    }
    case OptionType.Integer:
    case OptionType.Number: {
      const t = text.trim();
      const whole = option.type === OptionType.Integer;
      const n = Number(t);
      if (whole ? !/^[-+]?\d+$/.test(t) : !Number.isFinite(n) || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) {
        return { problem: whole ? "A whole number, please." : "A number, please." };
      }
      const outside = (option.min_value !== undefined && n < option.min_value) || (option.max_value !== undefined && n > option.max_value);
      if (outside || Math.abs(n) > SAFE) return { problem: `Must be ${range(option) ?? "a smaller number"}.` };
      return { value: n };
    }
    case OptionType.User:
    case OptionType.Role:
    case OptionType.Channel:
    case OptionType.Mentionable:
      return { value: text };
    case OptionType.Attachment:
      return { problem: "Files cannot be sent with commands here yet." };
    default:
      return { problem: "This kind of option cannot be filled in here." };
  }
}

/** What is wrong with each field, by option name: a required one left empty, or a value
 * the option does not take. Empty when the command can be sent. */
export function formProblems(entry: CommandEntry, filled: Filled): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const option of entry.options) {
    const parsed = parseOption(option, filled[option.name]);
    if ("problem" in parsed) problems[option.name] = parsed.problem;
    else if ("empty" in parsed && option.required) problems[option.name] = "Required.";
  }
  return problems;
}

/** The filled options as sent, under the sub-command path. Fields with a problem are left
 * out (an autocomplete request is sent while the form is half done). */
function usedOptions(entry: CommandEntry, filled: Filled, focused?: string): UsedOption[] {
  const leaves: UsedOption[] = [];
  for (const option of entry.options) {
    const raw = filled[option.name];
    if (option.name === focused) {
      leaves.push({ name: option.name, type: option.type, value: typeof raw === "string" ? raw : "", focused: true });
      continue;
    }
    const parsed = parseOption(option, raw);
    if ("value" in parsed) leaves.push({ name: option.name, type: option.type, value: parsed.value });
  }
  const [first, second] = entry.path;
  if (first === undefined) return leaves;
  if (second === undefined) return [{ name: first, type: OptionType.SubCommand, options: leaves }];
  return [{ name: first, type: OptionType.SubCommandGroup, options: [{ name: second, type: OptionType.SubCommand, options: leaves }] }];
}

function request(type: number, entry: CommandEntry, options: UsedOption[], place: Place, nonce: string): InteractionRequest {
  return {
    type,
    application_id: entry.command.application_id,
    ...placeFields(place),
    nonce,
    data: { id: entry.command.id, name: entry.command.name, type: CommandType.Slash, options },
  };
}

/** Uses the command with what the form holds. */
export function commandRequest(entry: CommandEntry, filled: Filled, place: Place, nonce: string): InteractionRequest {
  return request(InteractionType.Command, entry, usedOptions(entry, filled), place, nonce);
}

/** Asks the application for suggestions for the option `focused`, as typed so far. */
export function autocompleteRequest(entry: CommandEntry, filled: Filled, focused: string, place: Place, nonce: string): InteractionRequest {
  return request(InteractionType.Autocomplete, entry, usedOptions(entry, filled, focused), place, nonce);
}
