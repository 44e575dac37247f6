// How a message's file is shown: the media types the server serves inline (it sniffs them
// from the bytes; server/app/src/files/sniff.rs) play in place, everything else is a
// download card. An allowlist, so a type the client does not know (SVG, HTML) is never
// rendered: it is a file to download.

export type AttachmentKind = "image" | "video" | "audio" | "file";

const IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
const VIDEOS = new Set(["video/mp4", "video/webm"]);
const AUDIO = new Set(["audio/mpeg", "audio/ogg", "audio/wav", "audio/flac"]);

export function attachmentKind(contentType: string | null | undefined): AttachmentKind {
  // "image/png; charset=…" is still image/png.
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (IMAGES.has(type)) return "image";
  if (VIDEOS.has(type)) return "video";
  if (AUDIO.has(type)) return "audio";
  return "file";
}

/** The box a preview takes in the message list (at most 400 × 300, never enlarged), known
 * before the image loads so nothing below it moves when it does. */
export function previewSize(width: number | null | undefined, height: number | null | undefined, max = { width: 400, height: 300 }): { width: number; height: number } | null {
  if (!width || !height) return null;
  const scale = Math.min(1, max.width / width, max.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
