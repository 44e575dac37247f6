// Where avatars, guild icons and banners, and custom emoji are served: Discord's CDN paths on
// Parley's own origin (/avatars/{user}/{hash}.webp?size=N and the like, docs/api.md). The
// server keeps one image per hash and makes each size and format once, so the client asks for
// a few sizes only: the smallest power of two that covers the size on screen at twice its
// CSS pixels (HiDPI screens), so an image is never blurry and never much larger than shown.

/** The largest and smallest `?size=` the server takes (powers of two between). */
const SMALLEST = 16;
const LARGEST = 4096;

/** The `?size=` for an image shown `px` CSS pixels wide: twice that (HiDPI), rounded up to
 * a power of two, within the server's range. */
export function cdnSize(px: number): number {
  let size = SMALLEST;
  while (size < px * 2 && size < LARGEST) size *= 2;
  return size;
}

/** A hash the server marks as moving (an animated GIF kept as sent) starts with `a_`. */
export function isAnimated(hash: string): boolean {
  return hash.startsWith("a_");
}

/** A moving image as a GIF only when asked to play (hovered, or in the owner's own preview);
 * otherwise, and for every still one, a WebP (smaller; the first frame of a moving one). */
function extension(hash: string, play: boolean): string {
  return play && isAnimated(hash) ? "gif" : "webp";
}

export interface Shown {
  /** Its size on screen, in CSS pixels. */
  px: number;
  /** Whether a moving image plays (GIF) rather than stands still (its first frame). */
  play?: boolean;
}

export function avatarUrl(userId: string, hash: string, { px, play = false }: Shown): string {
  return `/avatars/${userId}/${hash}.${extension(hash, play)}?size=${cdnSize(px)}`;
}

export function guildIconUrl(guildId: string, hash: string, { px, play = false }: Shown): string {
  return `/icons/${guildId}/${hash}.${extension(hash, play)}?size=${cdnSize(px)}`;
}

/** A banner is wide: `px` is its width. */
export function bannerUrl(guildId: string, hash: string, { px, play = false }: Shown): string {
  return `/banners/${guildId}/${hash}.${extension(hash, play)}?size=${cdnSize(px)}`;
}

/** A custom emoji by id: whether it moves is the emoji's (`animated`), not its hash's. */
export function emojiUrl(emoji: { id: string; animated?: boolean | null }, { px, play = true }: Shown): string {
  return `/emojis/${emoji.id}.${emoji.animated && play ? "gif" : "webp"}?size=${cdnSize(px)}`;
}
