/**
 * A form's typed-in state kept in sessionStorage until it is saved, so a refusal, a dropped
 * connection or a reload loses nothing (where the server's refusal goes: fieldErrors.ts).
 */

import { ref, watch, type Ref } from "vue";

const PREFIX = "hsl.draft.";

export interface Draft<T> {
  value: Ref<T>;
  /** Whether the value came back from an earlier, unsaved visit. */
  restored: boolean;
  /** Forget the stored copy (after a save, or when the user discards the changes), and
   * show `next` (the server's copy) instead. */
  clear: (next?: T) => void;
}

export function useDraft<T>(key: string, initial: () => T): Draft<T> {
  const storageKey = PREFIX + key;
  let stored: T | null = null;
  try {
    const raw = sessionStorage.getItem(storageKey);
    if (raw) stored = JSON.parse(raw) as T;
  } catch {
    stored = null;
  }
  const value = ref(stored ?? initial()) as Ref<T>;
  let skipNext = false;
  watch(
    value,
    (now) => {
      if (skipNext) {
        skipNext = false;
        return;
      }
      try {
        sessionStorage.setItem(storageKey, JSON.stringify(now));
      } catch {
        // A full or disabled storage only costs the copy; the form keeps working.
      }
    },
    { deep: true },
  );
  return {
    value,
    restored: stored !== null,
    clear(next?: T) {
      sessionStorage.removeItem(storageKey);
      if (next !== undefined) {
        skipNext = true; // the server's copy is not a draft
        value.value = next;
      }
    },
  };
}
