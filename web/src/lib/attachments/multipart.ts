// A message with files as Discord's libraries send it: a multipart/form-data body with the
// JSON in a `payload_json` part, then each file in a `files[n]` part, in order. Written here
// rather than by FormData so the byte range of each file in the body is known exactly: an
// upload's progress (bytes of the body sent) then says how far each file has gone
// (progress.ts). The body is a Blob of the parts: the files are referenced, not read into
// memory.

import type { ByteRange } from "./progress";

export interface FormFile {
  /** The bytes (a File or any Blob). */
  blob: Blob;
  /** The name it is sent under (SPOILER_ included). */
  filename: string;
}

export interface MultipartBody {
  body: Blob;
  contentType: string;
  /** One per file, in the order given. */
  ranges: ByteRange[];
}

const encoder = new TextEncoder();

/** A name in a part header, escaped as browsers escape it (WHATWG multipart/form-data):
 * a quote or a line break cannot end the header early. */
function quoted(value: string): string {
  return `"${value.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22")}"`;
}

/** A boundary no file will contain by chance (as browsers choose theirs: random). */
export function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `ParleyFormBoundary${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function multipartBody(payload: unknown, files: FormFile[], boundary = randomBoundary()): MultipartBody {
  const pieces: BlobPart[] = [];
  const ranges: ByteRange[] = [];
  let offset = 0;
  const text = (s: string) => {
    const bytes = encoder.encode(s);
    pieces.push(bytes);
    offset += bytes.length;
  };
  text(`--${boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\nContent-Type: application/json\r\n\r\n`);
  text(JSON.stringify(payload));
  files.forEach(({ blob, filename }, n) => {
    text(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="files[${n}]"; filename=${quoted(filename)}\r\n`);
    text(`Content-Type: ${blob.type || "application/octet-stream"}\r\n\r\n`);
    pieces.push(blob);
    ranges.push({ start: offset, end: offset + blob.size });
    offset += blob.size;
  });
  text(`\r\n--${boundary}--\r\n`);
  return { body: new Blob(pieces), contentType: `multipart/form-data; boundary=${boundary}`, ranges };
}
