// Where the client loads a message's file from. The server signs each link on its public URL
// (what bots and other clients need); the web client is served by Parley itself, and its
// content security policy loads images and media from its own origin only, so it opens the
// same signed path on the origin it came from. An instance reached under another name (a LAN
// address, a second domain, a development proxy) then still shows its files.

export function attachmentHref(url: string): string {
  try {
    const parsed = new URL(url, "http://relative.invalid");
    return parsed.pathname.startsWith("/attachments/") ? `${parsed.pathname}${parsed.search}` : url;
  } catch {
    return url;
  }
}
