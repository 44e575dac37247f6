// The few client routes that mean something on arrival: an invite link, and where its
// newcomer lands.

/** Where to open once a guild is joined through an invite: the channel it was made for, as
 * Discord does (not the first channel of the list). */
export interface Landing {
  guildId: string;
  channelId: string | null;
}

/** The landing of an invite object (from the server's GET or POST /invites/{code}). */
export function landingOf(invite: { guild: { id: string }; channel?: { id: string } | null }): Landing {
  return { guildId: invite.guild.id, channelId: invite.channel?.id ?? null };
}

/** The invite code in `/invite/{code}`, if that is where the visitor arrived. */
export function inviteCode(path: string): string | null {
  const match = /^\/invite\/([A-Za-z0-9_-]{2,32})\/?$/.exec(path);
  return match?.[1] ?? null;
}

/** The invite code in a pasted link (`https://host/invite/CODE`, with or without the
 * scheme, a trailing slash, a query or a fragment) or a bare code. */
export function inviteCodeFromInput(input: string): string | null {
  const trimmed = input.trim().replace(/[?#].*$/, "");
  const fromLink = /\/invite\/([A-Za-z0-9_-]{2,32})\/?$/.exec(trimmed)?.[1];
  if (fromLink) return fromLink;
  return /^[A-Za-z0-9_-]{2,32}$/.test(trimmed) ? trimmed : null;
}
