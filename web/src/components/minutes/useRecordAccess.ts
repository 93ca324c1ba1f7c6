/**
 * What the signed-in person may do with a meeting's minutes, as the server says: their role
 * in the meeting (GET /api/meetings/{id}/me) decides which controls are shown, and editors
 * (moderators and staff) get the transcript beside the draft. Every action is still the
 * server's to allow.
 */

import { computed, ref, shallowRef, watch, type Ref } from "vue";

import { getMyPlace, getTranscript, type MeetingRole, type TranscriptSegment } from "@/api";

/** The 签发 control: a button, a sentence saying why not, or nothing (readers see signed versions only). */
export type SignControl = "button" | "reason" | "none";

export function useRecordAccess(meetingId: Ref<number>) {
  const segments = shallowRef<TranscriptSegment[]>([]);
  /** The person's role in the meeting; undefined until the server has answered. */
  const role = ref<MeetingRole | null | undefined>(undefined);
  /** null until the server has answered. */
  const editor = computed<boolean | null>(() =>
    role.value === undefined ? null : role.value === "moderator" || role.value === "staff",
  );
  const loading = ref(false);
  const error = shallowRef<unknown>(null);

  async function loadTranscript(): Promise<void> {
    if (!editor.value) return;
    loading.value = true;
    error.value = null;
    try {
      segments.value = (await getTranscript(meetingId.value)).segments;
    } catch (cause) {
      error.value = cause;
    } finally {
      loading.value = false;
    }
  }

  async function load(): Promise<void> {
    role.value = undefined;
    segments.value = [];
    error.value = null;
    try {
      role.value = (await getMyPlace(meetingId.value)).role;
    } catch (cause) {
      error.value = cause; // the role stays unknown: the page offers to try again
      return;
    }
    await loadTranscript();
  }

  watch(meetingId, () => void load(), { immediate: true });

  // Only the meeting's moderator signs; staff are told why they cannot.
  const signControl = computed<SignControl>(() => {
    if (role.value === "moderator") return "button";
    return role.value === "staff" ? "reason" : "none";
  });

  return { segments, editor, role, loading, error, signControl, reload: load, reloadTranscript: loadTranscript };
}
