// One send of a message with files: the multipart body (multipart.ts) uploaded by
// XMLHttpRequest (upload.ts) through Api.send.

import type { Api, Transport } from "../api/client";
import type { Message } from "../messages";
import { multipartBody } from "./multipart";
import type { ByteRange } from "./progress";
import { spoilerName } from "./spoiler";
import { uploadTransport, type UploadOptions } from "./upload";

export interface OutgoingFile {
  file: File;
  description: string;
  spoiler: boolean;
}

export interface SendOptions {
  api: Api;
  channelId: string;
  files: OutgoingFile[];
  /** The text, a reply's fields, the nonce. */
  payload: Record<string, unknown>;
  signal: AbortSignal;
  /** Called once the body is laid out: its size and where each file lies in it. */
  onStart: (size: number, ranges: ByteRange[]) => void;
  onProgress: (sent: number) => void;
  transport?: (options: UploadOptions) => Transport;
}

export function sendWithFiles({ api, channelId, files, payload, signal, onStart, onProgress, transport = uploadTransport }: SendOptions): Promise<Message> {
  const attachments = files.map((f, id) => ({ id, filename: spoilerName(f.file.name, f.spoiler), description: f.description.trim() || undefined }));
  const form = multipartBody(
    { ...payload, attachments },
    files.map((f, i) => ({ blob: f.file, filename: attachments[i]?.filename ?? f.file.name })),
  );
  onStart(form.body.size, form.ranges);
  return api.send<Message>(`/channels/${channelId}/messages`, transport({ body: form.body, contentType: form.contentType, signal, onProgress }));
}
