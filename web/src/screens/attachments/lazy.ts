// Loads the attachment screens (screens.ts) on first use: the tray when files are first
// added, the lightbox when an image is first opened. The browser fetches them once.

export const attachmentScreens = () => import("./screens");
