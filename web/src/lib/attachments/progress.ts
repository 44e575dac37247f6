// How far each file of an upload has gone: the multipart body carries the files in order,
// so the bytes of the body sent so far fill them one after another.

/** Where one file's bytes lie in the body: [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

/** How far each file is, from 0 to 1, once `sent` bytes of the body have gone. */
export function fileProgress(sent: number, ranges: ByteRange[]): number[] {
  return ranges.map(({ start, end }) => {
    if (end === start) return sent >= start ? 1 : 0;
    return Math.min(1, Math.max(0, (sent - start) / (end - start)));
  });
}
