// The files in a paste or a drop. A drop can carry folders, which the browser shows as
// files it cannot read; they are left out. Text, links and HTML are not files: pasting
// them stays the browser's business.

/** The item of a DataTransfer as far as it matters here. */
type Item = Pick<DataTransferItem, "kind" | "getAsFile"> & { webkitGetAsEntry?: () => { isDirectory: boolean } | null };

export function filesOf(data: { items?: ArrayLike<Item>; files?: ArrayLike<File> } | null | undefined): File[] {
  if (!data) return [];
  const items = Array.from(data.items ?? []);
  if (!items.length) return Array.from(data.files ?? []);
  return items
    .filter((item) => item.kind === "file" && !item.webkitGetAsEntry?.()?.isDirectory)
    .map((item) => item.getAsFile())
    .filter((file): file is File => file !== null);
}

/** Whether a drag carries files (its files cannot be read until the drop). */
export function carriesFiles(data: { types?: ArrayLike<string> } | null | undefined): boolean {
  return Array.from(data?.types ?? []).includes("Files");
}
