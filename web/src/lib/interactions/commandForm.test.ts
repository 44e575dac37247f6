// A chosen command's form: each field's value checked as the option takes it, and the
// request built from what is filled in, under its sub-command path.

import { describe, expect, it } from "vitest";
import type { CommandEntry } from "./commandPicker";
import { autocompleteRequest, commandRequest, formProblems, parseOption } from "./commandForm";
import { OptionType, type ApplicationCommand, type CommandOption } from "./types";

const command: ApplicationCommand = { id: "10", type: 1, application_id: "1", name: "roll", description: "Roll" };
const entry = (options: CommandOption[], path: string[] = []): CommandEntry => ({
  command,
  application: undefined,
  path,
  fullName: ["roll", ...path].join(" "),
  description: "",
  options,
});
const sides: CommandOption = { type: OptionType.Integer, name: "sides", description: "", required: true, min_value: 2, max_value: 100 };
const label: CommandOption = { type: OptionType.String, name: "label", description: "", max_length: 5 };
const loud: CommandOption = { type: OptionType.Boolean, name: "loud", description: "" };
const colour: CommandOption = { type: OptionType.String, name: "colour", description: "", choices: [{ name: "Red", value: "r" }] };
const weight: CommandOption = { type: OptionType.Number, name: "weight", description: "" };
const place = { channelId: "5", guildId: "4" };

describe("parseOption", () => {
  it("takes whole numbers within the range for integers, and says what is wrong otherwise", () => {
    expect(parseOption(sides, "20")).toEqual({ value: 20 });
    expect(parseOption(sides, "2.5")).toEqual({ problem: "A whole number, please." });
    expect(parseOption(sides, "1")).toEqual({ problem: "Must be between 2 and 100." });
    expect(parseOption(sides, "")).toEqual({ empty: true });
  });

  it("takes decimals for numbers, string lengths, choices by value, and toggles", () => {
    expect(parseOption(weight, "1.5")).toEqual({ value: 1.5 });
    expect(parseOption(weight, "1.5kg")).toEqual({ problem: "A number, please." });
    expect(parseOption(label, "abcdef")).toEqual({ problem: "At most 5 characters." });
    expect(parseOption(colour, "r")).toEqual({ value: "r" });
    expect(parseOption(colour, "x")).toEqual({ problem: "Choose one of the options." });
    expect(parseOption(loud, false)).toEqual({ value: false });
    expect(parseOption(loud, undefined)).toEqual({ empty: true });
  });
});

describe("formProblems", () => {
  it("marks a required option left empty, and a bad optional one, but not an empty optional one", () => {
    expect(formProblems(entry([sides, label, loud]), { label: "toolong" })).toEqual({ sides: "Required.", label: "At most 5 characters." });
    expect(formProblems(entry([sides, label, loud]), { sides: "20" })).toEqual({});
  });
});

describe("commandRequest", () => {
  it("sends the command's id, name and the filled options with their values as the option takes them", () => {
    const request = commandRequest(entry([sides, label, loud]), { sides: "20", loud: true }, place, "n1");
    expect(request).toEqual({
      type: 2,
      application_id: "1",
      guild_id: "4",
      channel_id: "5",
      nonce: "n1",
      data: { id: "10", name: "roll", type: 1, options: [{ name: "sides", type: 4, value: 20 }, { name: "loud", type: 5, value: true }] },
    });
  });

  it("nests the options under the sub-command, and the sub-command under its group", () => {
    const sub = commandRequest(entry([sides], ["dice"]), { sides: "6" }, { channelId: "5", guildId: null }, "n2");
    expect(sub.guild_id).toBeUndefined();
    expect(sub.data.options).toEqual([{ name: "dice", type: 1, options: [{ name: "sides", type: 4, value: 6 }] }]);
    const grouped = commandRequest(entry([sides], ["many", "dice"]), { sides: "6" }, place, "n3");
    expect(grouped.data.options).toEqual([{ name: "many", type: 2, options: [{ name: "dice", type: 1, options: [{ name: "sides", type: 4, value: 6 }] }] }]);
  });
});

describe("autocompleteRequest", () => {
  it("sends the typed text of the focused option as it is, beside the other options that are valid", () => {
    const request = autocompleteRequest(entry([sides, label], ["dice"]), { sides: "abc", label: "hi" }, "sides", place, "n4");
    expect(request.type).toBe(4);
    expect(request.data.options).toEqual([
      { name: "dice", type: 1, options: [{ name: "sides", type: 4, value: "abc", focused: true }, { name: "label", type: 3, value: "hi" }] },
    ]);
  });
});
