/**
 * What a person has typed into a form, kept in sessionStorage under `key` until the form is
 * sent, so a reload or a dropped connection loses nothing.
 */

import { watch } from "vue";

export function useDraft<T extends object>(key: string, state: T): { clear: () => void } {
  try {
    const saved = sessionStorage.getItem(key);
    if (saved) Object.assign(state, JSON.parse(saved) as Partial<T>);
  } catch {
    // storage off or a draft from an older version: start empty
  }
  watch(
    () => JSON.stringify(state),
    (text) => {
      try {
        sessionStorage.setItem(key, text);
      } catch {
        // storage full or off: the form still works
      }
    },
  );
  return {
    clear: () => {
      try {
        sessionStorage.removeItem(key);
      } catch {
        // nothing stored
      }
    },
  };
}
