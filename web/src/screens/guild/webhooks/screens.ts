// The webhook settings, loaded the first time the Integrations tab opens rather than on the
// first visit, which stays within its budget (e2e/chat.e2e.ts). Their styles come with them.

import "./webhooks.css";

export { default as Webhooks } from "./Webhooks.svelte";
