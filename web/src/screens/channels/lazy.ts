// Loads the channel editor (screens.ts) the first time it opens: only those who manage
// channels ever need it, and the first load stays within its budget.

export const channelScreens = () => import("./screens");
