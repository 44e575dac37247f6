// The interaction screens, loaded the first time one is needed (a `/` typed, a message with
// buttons or menus, a modal opened) rather than on the first visit, which stays within its
// budget (e2e/chat.e2e.ts). Their styles come with them.

import "./interactions.css";

export { default as CommandForm } from "./CommandForm.svelte";
export { default as CommandPicker } from "./CommandPicker.svelte";
export { default as InteractionModal } from "./InteractionModal.svelte";
export { default as MessageComponents } from "./MessageComponents.svelte";
