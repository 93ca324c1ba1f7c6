/**
 * The version open on the minutes page: loading it, the copy being edited and whether it
 * differs from what was loaded, saving the copy as the next version, signing it off.
 */

import { computed, ref, shallowRef, watch, type Ref } from "vue";

import {
  getVersion,
  saveVersion,
  signVersion,
  type MinutesDraft,
  type RecordKind,
  type ReportDraft,
  type VersionSummary,
} from "@/api";

import { copyOf, minutesForSave, reportForSave } from "./draft";

export interface OpenTarget {
  kind: RecordKind;
  number: number;
}

export type EditDoc = { kind: "minutes"; draft: MinutesDraft } | { kind: "recommendations"; draft: ReportDraft };

export function useOpenVersion(meetingId: Ref<number>, target: Ref<OpenTarget | null>) {
  const version = shallowRef<VersionSummary | null>(null);
  const doc = ref<EditDoc | null>(null);
  const baseline = ref("");
  const loading = ref(false);
  const error = shallowRef<unknown>(null);
  const saving = ref(false);
  const saveError = shallowRef<unknown>(null);
  const signing = ref(false);
  const signError = shallowRef<unknown>(null);
  let controller: AbortController | null = null;

  function show(opened: EditDoc, summary: VersionSummary): void {
    version.value = summary;
    doc.value = opened;
    baseline.value = JSON.stringify(opened.draft);
    saveError.value = null;
    signError.value = null;
  }

  async function load(): Promise<void> {
    controller?.abort();
    version.value = null;
    doc.value = null;
    error.value = null;
    const wanted = target.value;
    if (!wanted) return;
    const current = new AbortController();
    controller = current;
    loading.value = true;
    try {
      if (wanted.kind === "minutes") {
        const got = await getVersion(meetingId.value, "minutes", wanted.number, current.signal);
        if (!current.signal.aborted) show({ kind: "minutes", draft: copyOf(got.draft) }, got);
      } else {
        const got = await getVersion(meetingId.value, "recommendations", wanted.number, current.signal);
        if (!current.signal.aborted) show({ kind: "recommendations", draft: copyOf(got.draft) }, got);
      }
    } catch (cause) {
      if (!current.signal.aborted) error.value = cause;
    } finally {
      if (controller === current) loading.value = false;
    }
  }

  watch(() => (target.value ? `${target.value.kind}/${target.value.number}` : ""), load, { immediate: true });

  const dirty = computed(() => doc.value !== null && JSON.stringify(doc.value.draft) !== baseline.value);

  /** Saves the edited copy as the next version; on failure the copy stays as it is. */
  async function save(note: string): Promise<VersionSummary | null> {
    const opened = doc.value;
    const base = version.value;
    if (!opened || !base) return null;
    saving.value = true;
    saveError.value = null;
    try {
      const saved =
        opened.kind === "minutes"
          ? await saveVersion(meetingId.value, "minutes", base.number, minutesForSave(opened.draft), note)
          : await saveVersion(meetingId.value, "recommendations", base.number, reportForSave(opened.draft), note);
      baseline.value = JSON.stringify(opened.draft);
      return saved;
    } catch (cause) {
      saveError.value = cause;
      return null;
    } finally {
      saving.value = false;
    }
  }

  /** Signs the open version off; the copy being edited is left alone. */
  async function sign(): Promise<boolean> {
    const opened = doc.value;
    const base = version.value;
    if (!opened || !base) return false;
    signing.value = true;
    signError.value = null;
    try {
      version.value = await signVersion(meetingId.value, opened.kind, base.number);
      return true;
    } catch (cause) {
      signError.value = cause;
      return false;
    } finally {
      signing.value = false;
    }
  }

  return { version, doc, loading, error, dirty, saving, saveError, signing, signError, save, sign, reload: load };
}
