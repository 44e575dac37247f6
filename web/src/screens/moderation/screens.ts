// The moderation dialogs, in their own chunk (lazy.ts).

export { default as ModerateMember } from "./ModerateMember.svelte";
