// A person as the server shows them to others (message authors, members, DM recipients), and
// what to call them.

import type { components } from "./api/schema";

export type User = components["schemas"]["PublicUser"];

/** What to call a person: the name they chose, else their username. */
export function nameOf(user: { username: string; global_name?: string | null }): string {
  return user.global_name ?? user.username;
}
