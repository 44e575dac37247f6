// Loads the moderation dialogs (screens.ts) the first time one opens: most visits never need
// them, and the first load stays within its budget.

export const moderationScreens = () => import("./screens");
