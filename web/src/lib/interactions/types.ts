// Application commands, message components, modals and the interaction dispatches, in the
// shapes the server sends and takes (docs/api.md, "Slash commands, buttons and modals"). Written
// by hand: the generated OpenAPI types do not carry them yet. Numbers the wire uses have names
// here, so no screen compares `type === 3`.

/** What kind of thing an interaction is (the POST's `type`). */
export const InteractionType = {
  Command: 2,
  Component: 3,
  Autocomplete: 4,
  ModalSubmit: 5,
} as const;

/** A command's kind: slash commands are the ones the `/` picker offers. */
export const CommandType = { Slash: 1, User: 2, Message: 3 } as const;

/** What an option of a slash command takes. */
export const OptionType = {
  SubCommand: 1,
  SubCommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;
export type OptionTypeNumber = (typeof OptionType)[keyof typeof OptionType];

export const ComponentType = {
  ActionRow: 1,
  Button: 2,
  StringSelect: 3,
  TextInput: 4,
  UserSelect: 5,
  RoleSelect: 6,
  MentionableSelect: 7,
  ChannelSelect: 8,
} as const;

export const ButtonStyle = { Primary: 1, Secondary: 2, Success: 3, Danger: 4, Link: 5 } as const;

/** A text input's style. */
export const TextInputStyle = { Short: 1, Paragraph: 2 } as const;

/** Message flags that interactions bring. */
export const MessageFlag = {
  /** Shown to the person who used the interaction alone, never kept in history. */
  Ephemeral: 64,
  /** "is thinking…": the application deferred its answer. */
  Loading: 128,
} as const;

export interface CommandChoice {
  name: string;
  value: string | number;
}

export interface CommandOption {
  type: OptionTypeNumber;
  name: string;
  description: string;
  required?: boolean;
  choices?: CommandChoice[];
  /** A sub-command's options, or a group's sub-commands. */
  options?: CommandOption[];
  channel_types?: number[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  autocomplete?: boolean;
}

export interface ApplicationCommand {
  id: string;
  type: number;
  application_id: string;
  guild_id?: string;
  name: string;
  description: string;
  options?: CommandOption[];
}

export interface IndexedApplication {
  id: string;
  name: string;
  description: string;
  bot_id: string;
}

/** `GET .../application-command-index`: what I may use in one place, with whose it is. */
export interface CommandIndex {
  applications: IndexedApplication[];
  application_commands: ApplicationCommand[];
}

/** An option as sent: a value, or (for a sub-command or group) the options under it. */
export interface UsedOption {
  name: string;
  type: OptionTypeNumber;
  value?: string | number | boolean;
  options?: UsedOption[];
  focused?: boolean;
}

export interface ComponentEmoji {
  id?: string | null;
  name?: string | null;
}

export interface SelectOption {
  label: string;
  value: string;
  description?: string;
  emoji?: ComponentEmoji;
  default?: boolean;
}

/** A button, a select menu or a text input: one flat shape, as the wire has it. */
export interface Component {
  type: number;
  id?: number;
  custom_id?: string;
  style?: number;
  label?: string;
  emoji?: ComponentEmoji;
  url?: string;
  disabled?: boolean;
  options?: SelectOption[];
  placeholder?: string;
  min_values?: number;
  max_values?: number;
  channel_types?: number[];
  min_length?: number;
  max_length?: number;
  required?: boolean;
  value?: string;
}

export interface ActionRow {
  type: number;
  id?: number;
  components: Component[];
}

interface InteractionUser {
  id: string;
  username: string;
  global_name?: string | null;
}

/** On an interaction's answer: who used what. */
export interface InteractionMetadata {
  id: string;
  /** 2 command, 3 component, 5 modal submit. */
  type: number;
  user: InteractionUser;
  interacted_message_id?: string;
}

/** Discord's older field on a command's answer: which command (with its sub-command path). */
export interface MessageInteraction {
  id: string;
  type: number;
  name: string;
  user: InteractionUser;
}

/** What interactions add to a message. */
export interface InteractionParts {
  components?: ActionRow[];
  application_id?: string | null;
  interaction_metadata?: InteractionMetadata | null;
  interaction?: MessageInteraction | null;
}

// --- the dispatches the person receives ---------------------------------------------

/** INTERACTION_CREATE, to the person: the id their POST (with this nonce) got. */
export interface InteractionCreated {
  id: string;
  nonce: string | null;
}

/** INTERACTION_SUCCESS: the application answered. */
export interface InteractionSucceeded {
  id: string;
}

/** APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE: suggestions for the option being typed. */
export interface AutocompleteResponse {
  id: string;
  application_id: string;
  choices: CommandChoice[];
}

/** INTERACTION_MODAL_CREATE: the application asks the person to fill in a form. */
export interface ModalCreate {
  /** The interaction that opened it (the submission names it). */
  id: string;
  application: { id: string; name: string };
  channel_id: string;
  custom_id: string;
  title: string;
  components: ActionRow[];
}
