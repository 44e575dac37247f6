// For message text drawn with {@html}: a custom emoji whose image cannot be had (the emoji
// was deleted, and the server drops its image at once) is marked `failed`, and app.css then
// shows its :name: (the alt text) in place of a broken picture. Only a class changes, so
// the markup Svelte put there stays as it put it.

export function emojiFallback(node: HTMLElement): { destroy(): void } {
  // Load errors do not bubble: they are caught on the way down.
  const failed = (event: Event) => {
    const img = event.target;
    if (img instanceof HTMLImageElement && img.classList.contains("emoji")) img.classList.add("failed");
  };
  node.addEventListener("error", failed, true);
  return { destroy: () => node.removeEventListener("error", failed, true) };
}
