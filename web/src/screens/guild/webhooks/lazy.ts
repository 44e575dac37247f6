// Loads the webhook settings (screens.ts) when the Integrations tab is first opened; the
// browser fetches them once, and a first visit does without them.

export const webhookScreens = () => import("./screens");
