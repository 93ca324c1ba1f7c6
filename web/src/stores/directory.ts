/**
 * Rooms and the org-unit tree they hang on, loaded once per sign-in and shared
 * by the room list, the meeting list's heading and the meeting page.
 */

import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";

import { listOrgUnits, listRooms, type OrgUnit, type Room } from "@/api";

export const useDirectoryStore = defineStore("directory", () => {
  const rooms = shallowRef<Room[]>([]);
  const orgUnits = shallowRef<OrgUnit[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = shallowRef<unknown>(null);

  const roomsById = computed(() => new Map(rooms.value.map((room) => [room.id, room])));

  let pending: Promise<void> | null = null;

  async function fetchAll(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      // The tree only improves the grouping; rooms still show if it cannot be read.
      const [roomItems, unitItems] = await Promise.all([
        listRooms(),
        listOrgUnits().catch(() => [] as OrgUnit[]),
      ]);
      rooms.value = roomItems;
      orgUnits.value = unitItems;
      loaded.value = true;
    } catch (cause) {
      error.value = cause;
    } finally {
      loading.value = false;
      pending = null;
    }
  }

  /** Loads once; later calls reuse the answer (or the request in flight). */
  function ensureLoaded(): Promise<void> {
    if (loaded.value) return Promise.resolve();
    pending ??= fetchAll();
    return pending;
  }

  function reload(): Promise<void> {
    pending ??= fetchAll();
    return pending;
  }

  function reset(): void {
    rooms.value = [];
    orgUnits.value = [];
    loaded.value = false;
    error.value = null;
  }

  return { rooms, orgUnits, loaded, loading, error, roomsById, ensureLoaded, reload, reset };
});
