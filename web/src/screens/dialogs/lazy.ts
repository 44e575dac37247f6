// Loads the dialogs and the user popout (screens.ts) the first time one opens: each is one
// click away, and the first load stays within its budget (e2e/budget.e2e.ts).

export const dialogScreens = () => import("./screens");
