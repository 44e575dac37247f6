// Where the client loads a message's file from. The server signs each link on its public URL
// (what bots and other clients need); the web client is served by Parley itself, and its
// content security policy loads images and media from its own origin only, so it opens the
// same signed path on the origin it came from. An instance reached under another name (a LAN
// address, a second domain, a development proxy) then still shows its files.

/** Signed paths served by Parley: the file itself, and its previews (the media proxy). */
const OWN = /^\/(?:media\/)?attachments\//;

export function attachmentHref(url: string): string {
  try {
    const parsed = new URL(url, "http://relative.invalid");
    return OWN.test(parsed.pathname) ? `${parsed.pathname}${parsed.search}` : url;
  } catch {
    return url;
  }
}

/** An image's preview for a `box` of CSS pixels at the screen's density (at most 3×): its
 * proxy URL asking for a thumbnail that fits, which the server makes once and keeps, so a
 * channel of photos loads kilobytes, not the photos. Without a box or a proxy URL, the file. */
export function previewHref(
  attachment: { url: string; proxy_url?: string | null },
  box: { width: number; height: number } | null,
  density: number = globalThis.devicePixelRatio || 1,
): string {
  if (!box || !attachment.proxy_url) return attachmentHref(attachment.url);
  const href = attachmentHref(attachment.proxy_url);
  const joiner = href.endsWith("&") || href.endsWith("?") ? "" : href.includes("?") ? "&" : "?";
  const scale = Math.min(Math.max(density, 1), 3);
  return `${href}${joiner}width=${Math.ceil(box.width * scale)}&height=${Math.ceil(box.height * scale)}`;
}
