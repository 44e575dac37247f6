// My DMs and group DMs, newest activity first: READY's private_channels, then channel and
// recipient events; a call ringing in a DM this client has not seen yet brings that DM.

import type { Api } from "../api/client";
import type { DispatchHandlers } from "../gateway/dispatcher";
import { isPrivate, type PrivateChannel } from "../privateChannels";
import type { User } from "../users";

export class DmList {
  list = $state<PrivateChannel[]>([]);

  constructor(private readonly api: Api) {}

  readonly handlers: DispatchHandlers = {
    READY: (ready) => {
      this.list = ready.private_channels ?? [];
    },
    CHANNEL_CREATE: (channel) => {
      if (isPrivate(channel)) this.put(channel);
    },
    CHANNEL_UPDATE: (channel) => {
      if (isPrivate(channel)) this.put(channel);
    },
    CHANNEL_DELETE: ({ id }) => {
      this.list = this.list.filter((c) => c.id !== id);
    },
    CHANNEL_RECIPIENT_ADD: ({ channel_id, user }) => this.recipients(channel_id, user, true),
    CHANNEL_RECIPIENT_REMOVE: ({ channel_id, user }) => this.recipients(channel_id, user, false),
    CALL_CREATE: ({ channel_id: id }) => {
      // A call in a DM this client has not seen yet (DMs open on the other side only when
      // a message is sent): load it, so the ring and the call have a place to show.
      if (this.find(id)) return;
      this.api
        .request<PrivateChannel>("GET", `/channels/${id}`)
        .then((dm) => {
          if (!this.find(dm.id)) this.list = [dm, ...this.list];
        })
        .catch(() => {});
    },
  };

  find(channelId: string): PrivateChannel | undefined {
    return this.list.find((c) => c.id === channelId);
  }

  /** Puts a DM (new, or changed) at the top of the list. */
  put(dm: PrivateChannel): void {
    this.list = [dm, ...this.list.filter((c) => c.id !== dm.id)];
  }

  private recipients(channelId: string, user: User, add: boolean): void {
    this.list = this.list.map((c) =>
      c.id === channelId ? { ...c, recipients: [...c.recipients.filter((u) => u.id !== user.id), ...(add ? [user] : [])] } : c,
    );
  }
}
