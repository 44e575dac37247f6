// The instance admin console, a chunk of its own (lazy.ts).

export { default as AdminConsole } from "./AdminConsole.svelte";
