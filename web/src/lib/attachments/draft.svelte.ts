// The files waiting to go with my next message in one channel (the tray above the composer),
// and their upload: each file's progress, a cancel, and on failure the server's message with
// every file kept, so nothing is lost. The message appears only once the server has it.
// Loaded, with the upload code, when files are first added (lib/session/attachmentDrafts).

import { errorMessage, type Api, type Transport } from "../api/client";
import type { Message } from "../messages";
import { attachmentKind } from "./kind";
import { admit } from "./limit";
import { UploadCancelled } from "./cancelled";
import { fileProgress, type ByteRange } from "./progress";
import { sendWithFiles } from "./send";
import type { UploadOptions } from "./upload";

export interface PendingFile {
  /** Stable across removals (the tray's key). */
  key: number;
  file: File;
  /** Alt text, sent as the attachment's `description`. */
  description: string;
  spoiler: boolean;
  /** An object URL to show an image the browser can draw; null for anything else. */
  preview: string | null;
}

/** What a draft needs from outside (tests pass fakes). */
export interface DraftLinks {
  api: Api;
  /** My message, as the server took it. */
  onSent: (message: Message) => void;
  transport?: (options: UploadOptions) => Transport;
  previews?: { create: (file: File) => string; revoke: (url: string) => void };
}

let keys = 0;
const newNonce = () => crypto.randomUUID().slice(0, 25);

export class AttachmentDraft {
  files = $state<PendingFile[]>([]);
  /** Set while an upload runs: bytes of the body sent, and where each file lies in it. */
  upload = $state<{ sent: number; ranges: ByteRange[]; size: number } | null>(null);
  /** What went wrong last (the server's message), or why files were not added. */
  problem = $state<string | null>(null);
  /** The text of a send that did not go through, for the composer to take back. */
  unsentText = $state<string | null>(null);
  private controller: AbortController | null = null;
  /** One per message: a retry after an answer was lost cannot send it twice. */
  private nonce = newNonce();
  private readonly previews;

  constructor(
    private readonly channelId: string,
    private readonly links: DraftLinks,
  ) {
    this.previews = links.previews ?? { create: (file: File) => URL.createObjectURL(file), revoke: (url: string) => URL.revokeObjectURL(url) };
  }

  get sending(): boolean {
    return this.upload !== null;
  }

  /** Each file's progress, 0 to 1, while an upload runs. */
  get progress(): number[] {
    return this.upload ? fileProgress(this.upload.sent, this.upload.ranges) : [];
  }

  /** Whether every byte has gone and the server is storing and answering. */
  get waitingForServer(): boolean {
    return !!this.upload && this.upload.sent >= this.upload.size;
  }

  /** Adds files (from the button, a drop or a paste), up to the limit; says what was not. */
  add(incoming: File[]): void {
    if (!incoming.length) return;
    if (this.sending) {
      this.problem = "Wait for this upload to finish, or cancel it, before adding more files.";
      return;
    }
    const { admitted, refusal } = admit(this.files.length, incoming);
    this.problem = refusal;
    this.files = [
      ...this.files,
      ...admitted.map((file) => ({
        key: ++keys,
        file,
        description: "",
        spoiler: false,
        preview: attachmentKind(file.type) === "image" ? this.previews.create(file) : null,
      })),
    ];
  }

  remove(key: number): void {
    if (this.sending) return;
    const gone = this.files.find((f) => f.key === key);
    if (gone?.preview) this.previews.revoke(gone.preview);
    this.files = this.files.filter((f) => f.key !== key);
  }

  /** Sends the files with `payload` (the text and a reply's fields); true once the server
   * has the message. On failure or cancel the files stay and the text waits in
   * `unsentText`. */
  async send(payload: { content: string } & Record<string, unknown>): Promise<boolean> {
    if (this.sending || !this.files.length) return false;
    const files = this.files;
    const nonce = this.nonce;
    const controller = new AbortController();
    this.controller = controller;
    this.problem = null;
    this.upload = { sent: 0, ranges: [], size: Infinity };
    try {
      const message = await sendWithFiles({
        api: this.links.api,
        channelId: this.channelId,
        files,
        payload: { ...payload, nonce },
        signal: controller.signal,
        transport: this.links.transport,
        onStart: (size, ranges) => (this.upload = { sent: 0, ranges, size }),
        onProgress: (sent) => {
          if (this.upload && this.controller === controller) this.upload = { ...this.upload, sent };
        },
      });
      for (const f of files) if (f.preview) this.previews.revoke(f.preview);
      this.files = [];
      this.nonce = newNonce();
      this.links.onSent({ ...message, nonce });
      return true;
    } catch (error) {
      if (!(error instanceof UploadCancelled)) this.problem = errorMessage(error);
      if (payload.content) this.unsentText = payload.content;
      return false;
    } finally {
      this.upload = null;
      this.controller = null;
    }
  }

  /** Stops the upload under way; its files stay in the tray. */
  cancel(): void {
    this.controller?.abort();
  }

  /** The text of a failed send, once: the composer puts it back in the box. */
  takeUnsentText(): string | null {
    const text = this.unsentText;
    this.unsentText = null;
    return text;
  }

  /** Sign-out: the upload stops and the previews are let go. */
  dispose(): void {
    this.cancel();
    for (const f of this.files) if (f.preview) this.previews.revoke(f.preview);
    this.files = [];
  }
}
