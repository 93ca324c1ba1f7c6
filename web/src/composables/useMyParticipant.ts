/**
 * Which participant of a live meeting the signed-in user is: their row on the roster.
 * The live snapshot names participants, not accounts, so the roster links the two.
 */

import { watch } from "vue";

import { listParticipants } from "@/api";
import type { LiveMeetingStore } from "@/stores/live";
import { useSessionStore } from "@/stores/session";

export function useMyParticipant(live: LiveMeetingStore): void {
  const session = useSessionStore();
  watch(
    () => session.me?.id ?? null,
    async (personId) => {
      if (personId === null) return;
      try {
        const roster = await listParticipants(live.meetingId);
        const mine = roster.find((p) => p.person_id === personId);
        live.setMyParticipant(mine ? String(mine.id) : null);
      } catch {
        // Not on the roster and no right to read it (the server will refuse the join and say so).
        live.setMyParticipant(null);
      }
    },
    { immediate: true },
  );
}
