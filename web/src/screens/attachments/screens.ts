// The attachment screens loaded on first use (lazy.ts) rather than on the first visit, which
// stays within its budget (e2e/chat.e2e.ts): the tray of files waiting to be sent, and the
// lightbox. Their styles come with them.

import "./tray.css";

export { default as AttachmentTray } from "./AttachmentTray.svelte";
export { default as Lightbox } from "./Lightbox.svelte";
