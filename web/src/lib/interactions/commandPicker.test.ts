// The `/` picker: which slash commands a place offers, what is typed after the `/`, and which
// entries match it, best first.

import { describe, expect, it } from "vitest";
import { commandEntries, commandQuery, matchingCommands } from "./commandPicker";
import { OptionType, type CommandIndex } from "./types";

const index: CommandIndex = {
  applications: [{ id: "1", name: "Dice", description: "", bot_id: "1" }],
  application_commands: [
    { id: "10", type: 1, application_id: "1", name: "roll", description: "Roll a die", options: [{ type: OptionType.Integer, name: "sides", description: "How many sides" }] },
    { id: "11", type: 1, application_id: "1", name: "config", description: "Settings", options: [
      { type: OptionType.SubCommand, name: "show", description: "Show them" },
      { type: OptionType.SubCommandGroup, name: "role", description: "Roles", options: [{ type: OptionType.SubCommand, name: "add", description: "Add a role", options: [{ type: OptionType.Role, name: "role", description: "Which" }] }] },
    ] },
    { id: "12", type: 2, application_id: "1", name: "Inspect", description: "" },
    { id: "13", type: 1, application_id: "1", name: "reroll", description: "Again" },
  ],
};

describe("commandEntries", () => {
  it("lists slash commands only, one entry per sub-command with its path, and the application's name", () => {
    const entries = commandEntries(index);
    expect(entries.map((e) => e.fullName)).toEqual(["config role add", "config show", "reroll", "roll"]);
    const add = entries[0];
    expect(add?.path).toEqual(["role", "add"]);
    expect(add?.description).toBe("Add a role");
    expect(add?.options.map((o) => o.name)).toEqual(["role"]);
    expect(add?.application?.name).toBe("Dice");
  });
});

describe("commandQuery", () => {
  it("reads what follows a leading slash, and nothing else", () => {
    expect(commandQuery("/ro")).toBe("ro");
    expect(commandQuery("/")).toBe("");
    expect(commandQuery("/Config  Role")).toBe("config role");
    expect(commandQuery("hello /ro")).toBeNull();
    expect(commandQuery("/ro\nsecond line")).toBeNull();
  });
});

describe("matchingCommands", () => {
  const entries = commandEntries(index);
  const names = (query: string) => matchingCommands(entries, query).map((e) => e.fullName);

  it("puts names that start with the query first, then a later word's start, then any containing it", () => {
    expect(names("ro")).toEqual(["roll", "config role add", "reroll"]);
  });

  it("offers everything for an empty query, and narrows by sub-command when one is typed", () => {
    expect(names("")).toHaveLength(4);
    expect(names("config ro")).toEqual(["config role add"]);
    expect(names("nothing")).toEqual([]);
  });
});
