// The few client routes that mean something on arrival: an invite link.

/** The invite code in `/invite/{code}`, if that is where the visitor arrived. */
export function inviteCode(path: string): string | null {
  const match = /^\/invite\/([A-Za-z0-9_-]{2,32})\/?$/.exec(path);
  return match?.[1] ?? null;
}

/** The invite code in a pasted link (`https://host/invite/CODE`) or a bare code. */
export function inviteCodeFromInput(input: string): string | null {
  const trimmed = input.trim();
  const fromLink = /\/invite\/([A-Za-z0-9_-]{2,32})\/?$/.exec(trimmed)?.[1];
  if (fromLink) return fromLink;
  return /^[A-Za-z0-9_-]{2,32}$/.test(trimmed) ? trimmed : null;
}
