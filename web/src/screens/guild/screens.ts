// A guild's settings and every tab of them, loaded the first time they open rather than on
// the first visit, which stays within its budget (e2e/chat.e2e.ts). The tabs that load on
// their own first use (webhooks/) stay apart.

export { default as GuildSettings } from "./GuildSettings.svelte";
