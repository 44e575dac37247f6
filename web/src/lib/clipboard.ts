// Copying text for the person: through the Clipboard API where the browser offers it (a
// secure context, and a click that allows it). Where it has none, or refuses, the answer is
// false and the screen shows the text in a field to select and copy by hand.

export async function copyText(text: string, clipboard: Pick<Clipboard, "writeText"> | undefined = globalThis.navigator?.clipboard): Promise<boolean> {
  if (typeof clipboard?.writeText !== "function") return false;
  try {
    await clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
