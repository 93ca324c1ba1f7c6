/**
 * The floor timer as every view shows it: time left while within the limit, then the
 * time over it (counting up, shown red), or the time spoken when there is no limit.
 */

import { computed } from "vue";


export type TimerMode = "left" | "over" | "elapsed";

/** What the timer needs: the floor and the server's clock (the live store, or a watcher's view). */
export interface TimerSource {
  readonly floor: { started_at: number; limit_s: number | null } | null;
  readonly now: number;
}

export function useFloorTimer(live: TimerSource) {
  const elapsed = computed(() => {
    const floor = live.floor;
    return floor ? Math.max(0, live.now - floor.started_at) : 0;
  });
  const limit = computed(() => live.floor?.limit_s ?? null);
  /** Over exactly when the server says so: now - started_at > limit_s (docs/protocol.md). */
  const over = computed(() => limit.value !== null && elapsed.value > limit.value);
  const mode = computed<TimerMode>(() => {
    if (limit.value === null) return "elapsed";
    return over.value ? "over" : "left";
  });
  const shown = computed(() => {
    if (limit.value === null) return elapsed.value;
    // Counting down, a timer shows 00:01 until the last second has gone; hence the ceiling.
    return over.value ? elapsed.value - limit.value : Math.ceil(limit.value - elapsed.value);
  });
  return { elapsed, limit, over, mode, shown };
}
