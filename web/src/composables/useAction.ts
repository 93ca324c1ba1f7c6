/**
 * A user's action that waits on the server: busy while it runs (one at a time), and the
 * failure kept for the page to show (ErrorBanner) until the next attempt.
 */

import { ref, shallowRef } from "vue";

export function useAction() {
  const busy = ref(false);
  const error = shallowRef<unknown>(null);

  /** Runs `work` unless an earlier run is still busy; resolves to its result, or undefined on failure. */
  async function run<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (busy.value) return undefined;
    busy.value = true;
    error.value = null;
    try {
      return await work();
    } catch (cause) {
      error.value = cause;
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, run };
}
