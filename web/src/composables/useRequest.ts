/**
 * One request's life in a component: loading, the answer or the error, and a
 * reload; a newer request (or leaving the page) cancels the older one.
 */

import { onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef, type WatchSource } from "vue";

export interface RequestState<T> {
  data: ShallowRef<T | null>;
  error: ShallowRef<unknown>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
}

export function useRequest<T>(
  load: (signal: AbortSignal) => Promise<T>,
  source?: WatchSource,
): RequestState<T> {
  const data = shallowRef<T | null>(null);
  const error = shallowRef<unknown>(null);
  const loading = ref(false);
  let controller: AbortController | null = null;

  async function run(): Promise<void> {
    controller?.abort();
    const current = new AbortController();
    controller = current;
    loading.value = true;
    error.value = null;
    try {
      const value = await load(current.signal);
      if (!current.signal.aborted) data.value = value;
    } catch (cause) {
      if (!current.signal.aborted) {
        data.value = null;
        error.value = cause;
      }
    } finally {
      if (controller === current) loading.value = false;
    }
  }

  if (source) watch(source, run, { immediate: true });
  else void run();
  onScopeDispose(() => controller?.abort());

  return { data, error, loading, reload: run };
}
