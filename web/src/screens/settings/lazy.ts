// Loads my settings (screens.ts) when they are first opened; the browser fetches them once,
// and a first visit does without them.

export const settingsScreens = () => import("./screens");
