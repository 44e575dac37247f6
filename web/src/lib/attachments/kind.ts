// How a message's file is shown: the media types the server serves inline (it sniffs them
// from the bytes; server/app/src/files/sniff.rs) play in place, everything else is a
// download card. An allowlist, so a type the client does not know (SVG, HTML) is never
// rendered: it is a file to download.

export type AttachmentKind = "image" | "video" | "audio" | "file";

/** Exactly these types (parameters after a `;` aside), nothing that merely resembles them. */
const SHOWN = /^(?:(image)\/(?:png|jpeg|gif|webp)|(video)\/(?:mp4|webm)|(audio)\/(?:mpeg|ogg|wav|flac))\s*(?:;|$)/i;

export function attachmentKind(contentType: string | null | undefined): AttachmentKind {
  const found = SHOWN.exec(contentType ?? "");
  return found ? ((found[1] ?? found[2] ?? found[3] ?? "file").toLowerCase() as AttachmentKind) : "file";
}

/** The box a preview takes in the message list (at most 400 × 300, never enlarged), known
 * before the image loads so nothing below it moves when it does. */
export function previewSize(width: number | null | undefined, height: number | null | undefined, max = { width: 400, height: 300 }): { width: number; height: number } | null {
  if (!width || !height) return null;
  const scale = Math.min(1, max.width / width, max.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
