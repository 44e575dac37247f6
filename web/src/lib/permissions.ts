// Discord's permission bits as the settings screens name and explain them, and what a member
// may do at the guild level (to decide which settings to offer; the server decides for real).

export const PERMISSION = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_AUDIT_LOG: 1n << 7n,
  PRIORITY_SPEAKER: 1n << 8n,
  STREAM: 1n << 9n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  USE_EXTERNAL_EMOJIS: 1n << 18n,
  CONNECT: 1n << 20n,
  SPEAK: 1n << 21n,
  MUTE_MEMBERS: 1n << 22n,
  DEAFEN_MEMBERS: 1n << 23n,
  MOVE_MEMBERS: 1n << 24n,
  USE_VAD: 1n << 25n,
  CHANGE_NICKNAME: 1n << 26n,
  MANAGE_NICKNAMES: 1n << 27n,
  MANAGE_ROLES: 1n << 28n,
  MANAGE_WEBHOOKS: 1n << 29n,
  MANAGE_GUILD_EXPRESSIONS: 1n << 30n,
  MANAGE_THREADS: 1n << 34n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
  MODERATE_MEMBERS: 1n << 40n,
  CREATE_GUILD_EXPRESSIONS: 1n << 43n,
  PIN_MESSAGES: 1n << 51n,
} as const;

export type PermissionName = keyof typeof PERMISSION;

export interface PermissionInfo {
  name: PermissionName;
  label: string;
  /** One line on what it lets someone do. */
  help: string;
}

/** The permissions the editors offer, in sections, each with a sentence. */
export const PERMISSION_SECTIONS: { title: string; permissions: PermissionInfo[]; channel: boolean }[] = [
  {
    title: "General",
    channel: true,
    permissions: [
      { name: "VIEW_CHANNEL", label: "View channels", help: "See the channel and read what is new in it." },
      { name: "MANAGE_CHANNELS", label: "Manage channels", help: "Create, rename, move and delete channels." },
      { name: "MANAGE_ROLES", label: "Manage roles", help: "Create and edit roles below their own, and channel overwrites." },
      { name: "CREATE_INSTANT_INVITE", label: "Create invites", help: "Invite people to the guild." },
      { name: "MANAGE_WEBHOOKS", label: "Manage webhooks", help: "Create, edit and delete webhooks, and see their secret URLs." },
    ],
  },
  {
    title: "Guild",
    channel: false,
    permissions: [
      { name: "ADMINISTRATOR", label: "Administrator", help: "Every permission, everywhere; overwrites do not apply. Grant with care." },
      { name: "MANAGE_GUILD", label: "Manage guild", help: "Rename the guild and manage its invites." },
      { name: "VIEW_AUDIT_LOG", label: "View audit log", help: "See who changed what in the guild." },
      { name: "KICK_MEMBERS", label: "Kick members", help: "Remove members (they may join again with an invite)." },
      { name: "BAN_MEMBERS", label: "Ban members", help: "Remove members and keep them out." },
      { name: "MODERATE_MEMBERS", label: "Time out members", help: "Stop a member from talking for a while." },
      { name: "CHANGE_NICKNAME", label: "Change nickname", help: "Change their own nickname." },
      { name: "MANAGE_NICKNAMES", label: "Manage nicknames", help: "Change other members' nicknames." },
      { name: "CREATE_GUILD_EXPRESSIONS", label: "Create expressions", help: "Add custom emoji, and rename or delete their own." },
      { name: "MANAGE_GUILD_EXPRESSIONS", label: "Manage expressions", help: "Rename and delete anyone's custom emoji." },
    ],
  },
  {
    title: "Text",
    channel: true,
    permissions: [
      { name: "SEND_MESSAGES", label: "Send messages", help: "Write in text channels." },
      { name: "READ_MESSAGE_HISTORY", label: "Read message history", help: "Read messages sent before they arrived." },
      { name: "ADD_REACTIONS", label: "Add reactions", help: "React to messages with new emoji." },
      { name: "USE_EXTERNAL_EMOJIS", label: "Use external emoji", help: "Use custom emoji from their other guilds." },
      { name: "EMBED_LINKS", label: "Embed links", help: "Links they send show a preview." },
      { name: "ATTACH_FILES", label: "Attach files", help: "Upload files and images." },
      { name: "MENTION_EVERYONE", label: "Mention @everyone", help: "Notify everyone in the channel at once." },
      { name: "MANAGE_MESSAGES", label: "Manage messages", help: "Delete others' messages." },
      { name: "PIN_MESSAGES", label: "Pin messages", help: "Pin and unpin messages." },
      { name: "CREATE_PUBLIC_THREADS", label: "Create threads", help: "Start threads from messages." },
      { name: "SEND_MESSAGES_IN_THREADS", label: "Send messages in threads", help: "Write in threads." },
      { name: "MANAGE_THREADS", label: "Manage threads", help: "Rename, archive and delete threads." },
    ],
  },
  {
    title: "Voice",
    channel: true,
    permissions: [
      { name: "CONNECT", label: "Connect", help: "Join voice channels." },
      { name: "SPEAK", label: "Speak", help: "Talk in voice channels." },
      { name: "STREAM", label: "Video", help: "Share their camera or screen in voice channels." },
      { name: "PRIORITY_SPEAKER", label: "Priority speaker", help: "Be heard over others: their volume drops while this member speaks." },
      { name: "MUTE_MEMBERS", label: "Mute members", help: "Mute others in voice channels." },
      { name: "DEAFEN_MEMBERS", label: "Deafen members", help: "Stop others from hearing anyone in voice channels." },
      { name: "MOVE_MEMBERS", label: "Move members", help: "Move others between voice channels, or disconnect them." },
    ],
  },
];

/** The permissions that open a guild settings screen. */
export const SETTINGS_PERMISSIONS =
  PERMISSION.MANAGE_GUILD |
  PERMISSION.MANAGE_ROLES |
  PERMISSION.MANAGE_CHANNELS |
  PERMISSION.BAN_MEMBERS |
  PERMISSION.VIEW_AUDIT_LOG |
  PERMISSION.MANAGE_WEBHOOKS |
  PERMISSION.CREATE_GUILD_EXPRESSIONS |
  PERMISSION.MANAGE_GUILD_EXPRESSIONS;

const ALL = (1n << 52n) - 1n;

export interface GuildShape {
  id: string;
  owner_id?: string;
  roles: { id: string; permissions?: string }[];
  members: { user: { id: string }; roles: string[] }[];
}

/** A member's guild-level permissions: everything for the owner and administrators, else
 * @everyone's (the role whose id is the guild's) with each of their roles'. */
export function guildPermissions(guild: GuildShape, userId: string): bigint {
  if (guild.owner_id === userId) return ALL;
  const member = guild.members.find((m) => m.user.id === userId);
  let bits = 0n;
  for (const role of guild.roles) {
    if (role.id === guild.id || member?.roles.includes(role.id)) bits |= BigInt(role.permissions ?? "0");
  }
  return bits & PERMISSION.ADMINISTRATOR ? ALL : bits;
}

/** A member's permissions in one channel: the guild's, then the channel's overwrites for
 * @everyone, their roles (all denials, then all grants) and themselves, as the server
 * computes them (docs/permissions.md). Timeouts and implicit denials are the server's. */
export function channelPermissions(
  guild: GuildShape,
  channel: { permission_overwrites?: { id: string; type: number; allow: string; deny: string }[] },
  userId: string,
): bigint {
  let bits = guildPermissions(guild, userId);
  // The owner and administrators: every permission, whatever the overwrites say.
  if (bits & PERMISSION.ADMINISTRATOR) return ALL;
  const overwrites = channel.permission_overwrites ?? [];
  const apply = (allow: bigint, deny: bigint) => (bits = (bits & ~deny) | allow);
  const everyone = overwrites.find((o) => o.id === guild.id);
  if (everyone) apply(BigInt(everyone.allow), BigInt(everyone.deny));
  const roles = guild.members.find((m) => m.user.id === userId)?.roles ?? [];
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && o.id !== guild.id && roles.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  apply(allow, deny);
  const member = overwrites.find((o) => o.type === 1 && o.id === userId);
  if (member) apply(BigInt(member.allow), BigInt(member.deny));
  return bits;
}

export function has(bits: bigint, permission: bigint): boolean {
  return (bits & permission) === permission;
}

/** An overwrite's answer for one permission: allowed, denied, or left to the roles. */
export type Tri = "allow" | "deny" | "inherit";

export function overwriteState(allow: string, deny: string, permission: bigint): Tri {
  if (BigInt(allow) & permission) return "allow";
  if (BigInt(deny) & permission) return "deny";
  return "inherit";
}

/** The overwrite's allow and deny after setting one permission to `state`. */
export function setOverwrite(allow: string, deny: string, permission: bigint, state: Tri): { allow: string; deny: string } {
  let a = BigInt(allow) & ~permission;
  let d = BigInt(deny) & ~permission;
  if (state === "allow") a |= permission;
  if (state === "deny") d |= permission;
  return { allow: a.toString(), deny: d.toString() };
}
