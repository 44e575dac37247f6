// Sending an image as JSON (PATCH /users/@me, PATCH /guilds/{id}, POST /guilds/{id}/emojis):
// through Api.send like any request (token, refresh, errors), by XMLHttpRequest so the
// screens can show how much of a large image has gone.

import type { Api } from "../api/client";
import { uploadTransport } from "../attachments/upload";

export interface ImageSend {
  method: "PATCH" | "POST";
  path: string;
  body: Record<string, unknown>;
  /** Bytes sent so far, of `total`. */
  onProgress: (sent: number, total: number) => void;
}

export function sendImage<T>(api: Api, { method, path, body, onProgress }: ImageSend): Promise<T> {
  const json = new Blob([JSON.stringify(body)], { type: "application/json" });
  const transport = uploadTransport({
    body: json,
    method,
    contentType: "application/json",
    onProgress: (sent) => onProgress(sent, json.size),
    signal: new AbortController().signal,
  });
  return api.send<T>(path, transport);
}
