// Loads the interaction screens (screens.ts) on first use; the browser fetches them once.

export const interactionScreens = () => import("./screens");
