// My settings, loaded the first time they open rather than on the first visit, which stays
// within its budget (e2e/chat.e2e.ts).

export { default as Settings } from "./Settings.svelte";
