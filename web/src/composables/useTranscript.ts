/**
 * The staff console's transcript (发言记录) kept on the server: segments made from the floor
 * events as speeches start and end, text saved as the recorder types, with retries.
 * Nothing typed is lost: a text stays on the page until the server has confirmed it.
 */

import { computed, onScopeDispose, reactive, ref, shallowRef, watch } from "vue";

import {
  addSegment,
  ApiError,
  buildTranscript,
  deleteSegment,
  getTranscript,
  importTranscript,
  updateSegment,
  type SegmentChange,
  type SegmentNew,
  type Transcript,
  type TranscriptImported,
  type TranscriptSegment,
} from "@/api";
import type { LiveMeetingStore } from "@/stores/live";

/** How long typing may pause before the text is saved. */
const SAVE_AFTER_MS = 1_000;
/** Waits before saving again after the network or the server failed, then every 30 s. */
const RETRY_MS = [2_000, 5_000, 10_000, 30_000];

export type SaveState = "saving" | "saved" | "failed";

interface Pending {
  timer: ReturnType<typeof setTimeout> | null;
  running: Promise<void> | null;
  failures: number;
}

/** A failure that may pass by itself (no answer, or the server's own fault): retried by itself. */
export function passing(error: unknown): boolean {
  return error instanceof ApiError && (error.code === "network" || error.status >= 500);
}

export function useTranscript(live: LiveMeetingStore) {
  const meetingId = live.meetingId;
  const segments = shallowRef<TranscriptSegment[]>([]);
  const recordStartedAt = ref<number | null>(null);
  const loaded = ref(false);
  const loadError = shallowRef<unknown>(null);
  /** What the recorder typed that the server has not confirmed yet, by segment id. */
  const drafts = reactive(new Map<number, string>());
  const saveState = reactive(new Map<number, SaveState>());
  const saveError = reactive(new Map<number, unknown>());
  const pending = new Map<number, Pending>();
  let syncing: Promise<void> | null = null;
  let syncAgain = false;

  function take(transcript: Transcript): void {
    recordStartedAt.value = transcript.record_started_at;
    segments.value = transcript.segments;
    // A segment someone deleted (or an import replaced) takes its unsaved text with it.
    const ids = new Set(transcript.segments.map((s) => s.id));
    for (const id of [...drafts.keys()]) if (!ids.has(id)) drafts.delete(id);
    loaded.value = true;
    loadError.value = null;
  }

  function replaceSegment(saved: TranscriptSegment): void {
    segments.value = segments.value.map((s) => (s.id === saved.id ? saved : s));
  }

  /** Whether the session record holds a speech (the server refuses to build before one). */
  const anySpeech = computed(() => (live.snapshot?.speeches.length ?? 0) > 0 || live.floor !== null);

  /**
   * Fetch the transcript, making the segments of new speeches first when there are any.
   * Calls while one runs become one more run after it.
   */
  function sync(): Promise<void> {
    if (syncing) {
      syncAgain = true;
      return syncing;
    }
    syncing = (async () => {
      try {
        do {
          syncAgain = false;
          try {
            take(anySpeech.value ? (await buildTranscript(meetingId)).transcript : await getTranscript(meetingId));
          } catch (error) {
            loadError.value = error;
          }
        } while (syncAgain);
      } finally {
        syncing = null;
      }
    })();
    return syncing;
  }

  // A speech that starts or ends changes the segments: its own appears, or gets its end.
  const speechesKey = computed(() => {
    const snapshot = live.snapshot;
    if (!snapshot) return "";
    return `${snapshot.speeches.length}/${snapshot.floor?.speech_id ?? "-"}`;
  });
  watch(speechesKey, () => void sync(), { immediate: true });

  // Back online: what others saved meanwhile comes in, and failed saves are tried again.
  watch(
    () => live.connectedJoins,
    () => {
      void sync();
      for (const id of drafts.keys()) if (saveState.get(id) === "failed") void saveNow(id);
    },
  );

  // --- typing and saving ---------------------------------------------------------------

  function textOf(segment: TranscriptSegment): string {
    return drafts.get(segment.id) ?? segment.text;
  }

  function pendingOf(id: number): Pending {
    let entry = pending.get(id);
    if (!entry) {
      entry = { timer: null, running: null, failures: 0 };
      pending.set(id, entry);
    }
    return entry;
  }

  function type(segment: TranscriptSegment, text: string): void {
    drafts.set(segment.id, text);
    const entry = pendingOf(segment.id);
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void saveNow(segment.id), SAVE_AFTER_MS);
  }

  /** Save what was typed in a segment now (on leaving the field, or a retry). */
  async function saveNow(id: number): Promise<void> {
    const entry = pendingOf(id);
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    if (entry.running) {
      await entry.running;
      if (!drafts.has(id)) return;
    }
    const text = drafts.get(id);
    if (text === undefined) return;
    const current = segments.value.find((s) => s.id === id);
    if (current && current.text === text) {
      drafts.delete(id);
      saveState.set(id, "saved");
      return;
    }
    saveState.set(id, "saving");
    saveError.delete(id);
    let typedOn = false;
    entry.running = (async () => {
      try {
        const saved = await updateSegment(meetingId, id, { text });
        replaceSegment(saved);
        entry.failures = 0;
        typedOn = drafts.get(id) !== text;
        if (!typedOn) {
          drafts.delete(id);
          saveState.set(id, "saved");
        }
      } catch (error) {
        saveState.set(id, "failed");
        saveError.set(id, error);
        if (passing(error)) {
          const wait = RETRY_MS[Math.min(entry.failures, RETRY_MS.length - 1)];
          entry.failures += 1;
          entry.timer = setTimeout(() => void saveNow(id), wait);
        }
      } finally {
        entry.running = null;
      }
    })();
    await entry.running;
    // Typed on while this was on its way: the newer text goes next, unless its timer is set.
    if (typedOn && drafts.has(id) && !entry.timer) await saveNow(id);
  }

  const unsaved = computed(() => drafts.size);

  function warnBeforeLeaving(event: BeforeUnloadEvent): void {
    if (drafts.size === 0) return;
    event.preventDefault();
  }
  window.addEventListener("beforeunload", warnBeforeLeaving);
  onScopeDispose(() => {
    window.removeEventListener("beforeunload", warnBeforeLeaving);
    for (const entry of pending.values()) if (entry.timer) clearTimeout(entry.timer);
  });

  // --- speakers, added turns, imported files ---------------------------------------------

  async function change(segment: TranscriptSegment, fields: SegmentChange): Promise<void> {
    replaceSegment(await updateSegment(meetingId, segment.id, fields));
  }

  async function add(segment: SegmentNew): Promise<void> {
    await addSegment(meetingId, segment);
    take(await getTranscript(meetingId));
  }

  async function remove(segment: TranscriptSegment): Promise<void> {
    await deleteSegment(meetingId, segment.id);
    drafts.delete(segment.id);
    take(await getTranscript(meetingId));
  }

  async function importFile(file: File, mode: "replace" | "append"): Promise<TranscriptImported> {
    const result = await importTranscript(meetingId, file, mode);
    if (mode === "replace") drafts.clear();
    take(result.transcript);
    return result;
  }

  return {
    segments,
    recordStartedAt,
    loaded,
    loadError,
    saveState,
    saveError,
    unsaved,
    textOf,
    type,
    saveNow,
    change,
    add,
    remove,
    importFile,
    reload: sync,
  };
}

export type TranscriptState = ReturnType<typeof useTranscript>;
