// How many files one message may carry: Discord's limit, and the most any Parley allows
// (an instance may set fewer, files_per_message; the server then says so when sending).

export const FILES_PER_MESSAGE = 10;

/** Which of `incoming` fit beside the `held` files already waiting, and what to tell the
 * person about the rest (null when all fit). */
export function admit<T>(held: number, incoming: T[], limit = FILES_PER_MESSAGE): { admitted: T[]; refusal: string | null } {
  const room = Math.max(0, limit - held);
  const admitted = incoming.slice(0, room);
  const left = incoming.length - admitted.length;
  if (!left) return { admitted, refusal: null };
  const which = left === 1 ? "1 file was" : `${left} files were`;
  return { admitted, refusal: `A message can carry at most ${limit} files: ${which} not added.` };
}
