// An image a person chose for an avatar, icon, banner or emoji, checked before it is sent (the
// formats the server takes, and its size limit, in the server's own words) and read as the
// data URI the API takes (`data:image/png;base64,...`). The server checks everything again
// and says what it refuses; this only spares a long upload of something it would refuse.

import { formatSize } from "../attachments/size";

/** The formats the server keeps (docs/api.md). */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/** Largest avatar, icon or banner; largest custom emoji. */
export const MAX_PICTURE_BYTES = 10 * 1024 * 1024;
export const MAX_EMOJI_BYTES = 256 * 1024;

/** What is wrong with `file` for an image of at most `maxBytes`, or null. */
export function imageProblem(file: { name: string; type: string; size: number }, maxBytes: number): string | null {
  if (!IMAGE_TYPES.includes(file.type)) return `${file.name} is not a PNG, JPEG, GIF or WebP image.`;
  if (file.size > maxBytes) return `${file.name} is ${formatSize(file.size)}; the image must be at most ${formatSize(maxBytes)}.`;
  if (file.size === 0) return `${file.name} is empty.`;
  return null;
}

/** The file as a data URI (its own type, which imageProblem made sure is an image's). */
export function readDataUri(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error("The file could not be read. Choose it again."));
    reader.readAsDataURL(file);
  });
}
