/**
 * A list's order on screen that stays put while it is being edited: cards keep their places
 * when the server's order changes under them (a theme grows and would jump ahead), gone ones
 * leave, new ones join at the end. Only the reader decides to take the server's order again.
 */

/** `previous` order kept for the ids still present, then the new ids in `next`'s order. */
export function keepOrder<T>(previous: readonly T[], next: readonly T[]): T[] {
  const present = new Set(next);
  const kept = previous.filter((id) => present.has(id));
  const seen = new Set(kept);
  return [...kept, ...next.filter((id) => !seen.has(id))];
}
