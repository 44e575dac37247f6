// Loads the instance admin console (screens.ts) the first time an admin opens it: most people
// never see it, and the first load stays within its budget (e2e/budget.e2e.ts).

export const adminScreens = () => import("./screens");
