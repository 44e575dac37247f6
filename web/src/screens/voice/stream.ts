// A Svelte attachment that plays a MediaStream in a <video> or <audio> element.

export function playStream(stream: MediaStream | null | undefined) {
  return (element: HTMLMediaElement) => {
    element.srcObject = stream ?? null;
    if (stream) void element.play().catch(() => {});
    return () => {
      element.srcObject = null;
    };
  };
}
