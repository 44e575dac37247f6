// Loads the chat (Shell.svelte and all it shows) once someone is signed in: the sign-in page
// does without it, and a signed-in first load fetches it at once beside the entry.

export const shellScreen = () => import("./Shell.svelte");
