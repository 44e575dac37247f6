// The files waiting to be sent, per channel (lib/attachments/draft.svelte.ts): kept in the
// session so a channel's tray and its upload outlive a visit to another channel, and go
// with the person when they sign out.

import type { Api } from "../api/client";
import { AttachmentDraft } from "../attachments/draft.svelte";
import type { MessageWindows } from "./messageWindows.svelte";

export class AttachmentDrafts {
  // Not reactive itself: a draft is made on first read (from a screen's render), and each
  // draft's own fields are the reactive state.
  private readonly drafts = new Map<string, AttachmentDraft>();

  constructor(
    private readonly api: Api,
    private readonly messages: MessageWindows,
  ) {}

  of(channelId: string): AttachmentDraft {
    let draft = this.drafts.get(channelId);
    if (!draft) {
      draft = new AttachmentDraft(channelId, { api: this.api, onSent: (message) => void this.messages.arrived(message) });
      this.drafts.set(channelId, draft);
    }
    return draft;
  }

  /** Stops every upload and lets every preview go (sign-out). */
  dispose(): void {
    for (const draft of this.drafts.values()) draft.dispose();
    this.drafts.clear();
  }
}
