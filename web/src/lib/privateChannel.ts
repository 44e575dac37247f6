// A channel made private as it is created (Discord's "Private channel" switch): @everyone may
// not see it, its creator and the roles chosen may. Sent as the create request's own
// permission_overwrites, so the channel is never visible to everyone, not even for a moment.

import { PERMISSION } from "./permissions";

export interface NewOverwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

export function privateOverwrites(guildId: string, creatorId: string, roleIds: string[]): NewOverwrite[] {
  const view = PERMISSION.VIEW_CHANNEL.toString();
  return [
    { id: guildId, type: 0, allow: "0", deny: view },
    { id: creatorId, type: 1, allow: view, deny: "0" },
    ...roleIds.filter((id) => id !== guildId).map((id) => ({ id, type: 0 as const, allow: view, deny: "0" })),
  ];
}
