/**
 * What the signed-in person may do with a meeting's minutes, as the server's answers say:
 * reading the transcript succeeds for editors (moderators and staff) and is refused (403)
 * for everyone else; the roster says who is the meeting's moderator. Only controls are
 * shown or hidden by it; every action is still the server's to allow.
 */

import { computed, ref, shallowRef, watch, type Ref } from "vue";

import { ApiError, getTranscript, listParticipants, type MeetingRole, type TranscriptSegment } from "@/api";
import { useSessionStore } from "@/stores/session";

/** The 签发 control: a button, a sentence saying why not, or nothing (readers see signed versions only). */
export type SignControl = "button" | "reason" | "none";

export function useRecordAccess(meetingId: Ref<number>) {
  const session = useSessionStore();
  const segments = shallowRef<TranscriptSegment[]>([]);
  /** null until the server has answered. */
  const editor = ref<boolean | null>(null);
  const rosterRole = ref<MeetingRole | null>(null);
  const loading = ref(false);
  const error = shallowRef<unknown>(null);

  async function loadTranscript(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      segments.value = (await getTranscript(meetingId.value)).segments;
      editor.value = true;
    } catch (cause) {
      if (cause instanceof ApiError && cause.status === 403) editor.value = false;
      else error.value = cause;
    } finally {
      loading.value = false;
    }
  }

  async function loadRole(): Promise<void> {
    try {
      const roster = await listParticipants(meetingId.value);
      rosterRole.value = roster.find((p) => p.person_id === session.me?.id)?.role ?? null;
    } catch {
      // Not on the roster and no right to read it: the version list says why.
      rosterRole.value = null;
    }
  }

  watch(
    meetingId,
    () => {
      editor.value = null;
      segments.value = [];
      void loadTranscript();
      void loadRole();
    },
    { immediate: true },
  );

  // Staff on the roster are told why they cannot sign; an editor by a grant over the room
  // (not on the roster) gets the button and the server's answer.
  const signControl = computed<SignControl>(() => {
    if (!editor.value) return "none";
    return rosterRole.value === "staff" ? "reason" : "button";
  });

  return { segments, editor, rosterRole, loading, error, signControl, reloadTranscript: loadTranscript };
}
