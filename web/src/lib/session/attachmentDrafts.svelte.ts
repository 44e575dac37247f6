// The files waiting to be sent, per channel (lib/attachments/draft.svelte.ts): kept in the
// session so a channel's tray and its upload outlive a visit to another channel, and go
// with the person when they sign out. A channel has a draft once files were first added
// there; the draft's code (and the upload's) loads then, not on the first visit, which
// stays within its budget (e2e/chat.e2e.ts).

import type { Api } from "../api/client";
import type { AttachmentDraft } from "../attachments/draft.svelte";
import type { MessageWindows } from "./messageWindows.svelte";

export class AttachmentDrafts {
  private byChannel = $state<Record<string, AttachmentDraft>>({});
  private disposed = false;

  constructor(
    private readonly api: Api,
    private readonly messages: MessageWindows,
  ) {}

  /** The channel's draft; undefined until files were first added there. */
  of(channelId: string): AttachmentDraft | undefined {
    return this.byChannel[channelId];
  }

  /** Adds files (the + button, a paste, a drop) to the channel's draft. */
  async add(channelId: string, files: File[]): Promise<void> {
    if (!files.length) return;
    const { AttachmentDraft } = await import("../attachments/draft.svelte");
    if (this.disposed) return;
    const draft = (this.byChannel[channelId] ??= new AttachmentDraft(channelId, { api: this.api, onSent: (message) => void this.messages.arrived(message) }));
    draft.add(files);
  }

  /** Stops every upload and lets every preview go (sign-out). */
  dispose(): void {
    this.disposed = true;
    for (const draft of Object.values(this.byChannel)) draft.dispose();
    this.byChannel = {};
  }
}
