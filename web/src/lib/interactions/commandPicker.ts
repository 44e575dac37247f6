// The `/` picker's logic: the slash commands of a place as the entries the picker lists (a
// command with sub-commands is listed once per sub-command, "/config set", as Discord's client
// lists them), what is being typed after the `/`, and which entries match it, best first.

import { CommandType, OptionType, type ApplicationCommand, type CommandIndex, type CommandOption, type IndexedApplication } from "./types";

/** One thing the picker offers: a command, or one sub-command of it. */
export interface CommandEntry {
  command: ApplicationCommand;
  application: IndexedApplication | undefined;
  /** The sub-command group and sub-command chosen under the command, if any. */
  path: string[];
  /** "config set": the command with its sub-command path, as typed after the `/`. */
  fullName: string;
  description: string;
  /** The options the person fills in. */
  options: CommandOption[];
}

const isSubCommand = (o: CommandOption) => o.type === OptionType.SubCommand || o.type === OptionType.SubCommandGroup;

/** The entries of one command: itself when it has no sub-commands, else one per sub-command. */
function entriesOf(command: ApplicationCommand, application: IndexedApplication | undefined): CommandEntry[] {
  const walk = (path: string[], description: string, options: CommandOption[]): CommandEntry[] => {
    if (!options.some(isSubCommand)) {
      return [{ command, application, path, fullName: [command.name, ...path].join(" "), description, options }];
    }
    return options.filter(isSubCommand).flatMap((o) => walk([...path, o.name], o.description, o.options ?? []));
  };
  return walk([], command.description, command.options ?? []);
}

/** Every slash command of an index as picker entries, in name order. */
export function commandEntries(index: CommandIndex): CommandEntry[] {
  return index.application_commands
    .filter((c) => c.type === CommandType.Slash)
    .flatMap((c) => entriesOf(c, index.applications.find((a) => a.id === c.application_id)))
    .sort((a, b) => a.fullName.localeCompare(b.fullName));
}

/** What is typed after a `/` that starts the message ("ro" for "/ro"); null when the text is
 * not a command being chosen (no `/` first, or a second line). */
export function commandQuery(text: string): string | null {
  if (!text.startsWith("/") || text.includes("\n")) return null;
  return text.slice(1).replace(/\s+/g, " ").trimStart().toLowerCase();
}

/** How well an entry matches: 0 its name starts with the query, 1 a word of it does (a
 * sub-command's name), 2 it contains it; null for no match. */
function score(entry: CommandEntry, query: string): number | null {
  const name = entry.fullName.toLowerCase();
  const q = query.trim();
  if (!q || name.startsWith(q)) return 0;
  if (name.split(" ").some((word) => word.startsWith(q))) return 1;
  if (name.includes(q)) return 2;
  return null;
}

/** The entries matching the query, best first (then by name), at most `limit`. */
export function matchingCommands(entries: CommandEntry[], query: string, limit = 25): CommandEntry[] {
  return entries
    .map((entry) => ({ entry, s: score(entry, query) }))
    .filter((x): x is { entry: CommandEntry; s: number } => x.s !== null)
    .sort((a, b) => a.s - b.s || a.entry.fullName.localeCompare(b.entry.fullName))
    .slice(0, limit)
    .map((x) => x.entry);
}
