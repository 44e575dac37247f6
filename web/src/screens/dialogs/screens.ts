// What opens on demand over the chat, in one chunk of its own (lazy.ts): creating or joining
// a guild, creating a channel, starting a group DM or a thread, inviting people, and a
// person's popout.

export { default as CreateChannel } from "../CreateChannel.svelte";
export { default as CreateGuild } from "../CreateGuild.svelte";
export { default as NotificationSettings } from "../NotificationSettings.svelte";
export { default as InviteDialog } from "../InviteDialog.svelte";
export { default as PeoplePicker } from "../PeoplePicker.svelte";
export { default as StartThread } from "../StartThread.svelte";
export { default as UserPopout } from "../UserPopout.svelte";
