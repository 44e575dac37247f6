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

/** What a failed invite lookup (GET /invites/{code}) means. The server answers 404 10006 for
 * any code that is no usable guild invite, an instance invite (which only creates an account)
 * among them: to someone signed in, who came by an invite link of this server, that is
 * `not-a-guild-invite` (no guild to join); to a visitor it is `unknown`, as is another 404.
 * Anything else (offline, a server error) is `other`. */
export function inviteLookupFailure(error: unknown, signedIn: boolean): "not-a-guild-invite" | "unknown" | "other" {
  const e = error as { status?: unknown; code?: unknown } | null;
  if (e?.status !== 404) return "other";
  return signedIn && e.code === 10006 ? "not-a-guild-invite" : "unknown";
}
