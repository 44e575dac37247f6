// The channel view as a drop target for files: `use:fileDrop={{ onFiles, onActive }}`.
// onActive(true) while files are dragged over it (to show where they will go), and the files
// go to onFiles when dropped. Drags of text or links are left alone. Anywhere else in the
// window a dropped file is refused rather than opened, which would navigate away from Parley.

import { carriesFiles, filesOf } from "../../lib/attachments/transfer";

export interface FileDropOptions {
  onFiles: (files: File[]) => void;
  onActive: (active: boolean) => void;
}

export function fileDrop(node: HTMLElement, options: FileDropOptions) {
  let current = options;
  // dragenter and dragleave fire for every child crossed: counted, to know when the drag
  // has left the whole view.
  let depth = 0;
  const inView = (event: DragEvent) => {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    const was = depth > 0;
    if (event.type === "dragenter") depth += 1;
    else if (event.type === "dragleave") depth -= 1;
    else if (event.type === "drop") {
      depth = 0;
      current.onFiles(filesOf(event.dataTransfer));
    }
    if (was !== depth > 0) current.onActive(depth > 0);
  };
  // Outside the view, cancelling dragover (with "none" for the cursor) and drop is what
  // stops the browser from opening the file in place of the page.
  const elsewhere = (event: DragEvent) => {
    if (event.type === "dragend" && depth > 0) {
      depth = 0;
      current.onActive(false);
    }
    if (!carriesFiles(event.dataTransfer) || node.contains(event.target as Node)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "none";
  };
  const local = ["dragenter", "dragover", "dragleave", "drop"] as const;
  const global = ["dragover", "drop", "dragend"] as const;
  for (const type of local) node.addEventListener(type, inView);
  for (const type of global) window.addEventListener(type, elsewhere);
  return {
    update(next: FileDropOptions) {
      current = next;
    },
    destroy() {
      for (const type of local) node.removeEventListener(type, inView);
      for (const type of global) window.removeEventListener(type, elsewhere);
    },
  };
}
