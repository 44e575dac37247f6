// The channel editor, in its own chunk (lazy.ts).

export { default as ChannelSettings } from "./ChannelSettings.svelte";
