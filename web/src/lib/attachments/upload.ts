// Sending a message's files (and avatars, icons and emoji, images/send.ts): by
// XMLHttpRequest, because fetch cannot say how much of a body has gone. The request goes through Api.send (lib/api/client.ts), so it carries the same
// token, refresh and error handling as every other request; this is only how it travels.

import { ApiError, type Transport } from "../api/client";
import { UploadCancelled } from "./cancelled";

export interface UploadOptions {
  body: Blob;
  /** POST unless said (an avatar is a PATCH of the user). */
  method?: string;
  contentType: string;
  /** Bytes of the body sent so far (0 again if a retry starts over). */
  onProgress: (sent: number) => void;
  /** Aborting it cancels the upload. */
  signal: AbortSignal;
  /** Makes the request (tests pass a fake). */
  create?: () => XMLHttpRequest;
}

export function uploadTransport({ body, method = "POST", contentType, onProgress, signal, create = () => new XMLHttpRequest() }: UploadOptions): Transport {
  return (url, headers) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new UploadCancelled());
      const xhr = create();
      xhr.open(method, url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.setRequestHeader("Content-Type", contentType);
      xhr.upload.onprogress = (event) => onProgress(event.loaded);
      const cancel = () => xhr.abort();
      signal.addEventListener("abort", cancel, { once: true });
      const done = () => signal.removeEventListener("abort", cancel);
      xhr.onload = () => {
        done();
        resolve({ status: xhr.status, statusText: xhr.statusText, text: xhr.responseText });
      };
      xhr.onerror = () => {
        done();
        reject(new ApiError(0, 0, "The upload stopped: Parley cannot be reached. Check your connection and try again."));
      };
      xhr.onabort = () => {
        done();
        reject(new UploadCancelled());
      };
      onProgress(0);
      xhr.send(body);
    });
}
