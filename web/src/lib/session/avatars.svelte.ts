// Everyone's avatar as last heard of, by user id: a message keeps the author as they were
// when it was loaded, so faces are looked up here first, and a new avatar shows on every
// message, member row, DM and call tile at once. It learns from whatever carries a user:
// READY (me, my DMs' people), each guild's members, member and recipient events,
// USER_UPDATE (me, on any device) and new messages (their author as they are now).

import type { DispatchHandlers } from "../gateway/dispatcher";
import { isPrivate } from "../privateChannels";
import type { User } from "../users";

type Face = Pick<User, "id" | "avatar">;

export class Avatars {
  /** The avatar hash by user id; null for someone known to have none. */
  byUser = $state<Record<string, string | null>>({});

  private learn(users: Face[]): void {
    for (const user of users) {
      const avatar = user.avatar ?? null;
      if (this.byUser[user.id] !== avatar) this.byUser[user.id] = avatar;
    }
  }

  readonly handlers: DispatchHandlers = {
    READY: (ready) => {
      this.byUser = {};
      this.learn([ready.user, ...(ready.private_channels ?? []).flatMap((c) => c.recipients)]);
    },
    USER_UPDATE: (user) => this.learn([user]),
    GUILD_CREATE: (guild) => this.learn((guild.members ?? []).map((m) => m.user)),
    GUILD_MEMBER_ADD: (member) => this.learn([member.user]),
    GUILD_MEMBER_UPDATE: (member) => this.learn([member.user]),
    CHANNEL_CREATE: (channel) => {
      if (isPrivate(channel)) this.learn(channel.recipients);
    },
    CHANNEL_RECIPIENT_ADD: ({ user }) => this.learn([user]),
    // A webhook's author is the name and picture of one message, not a person's.
    MESSAGE_CREATE: (message) => {
      if (!message.webhook_id) this.learn([message.author]);
    },
  };

  /** The avatar of `user` as last heard of; what the object itself says for someone this
   * client has not met. */
  of(user: Face): string | null {
    const known = this.byUser[user.id];
    return known === undefined ? (user.avatar ?? null) : known;
  }
}
