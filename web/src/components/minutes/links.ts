/**
 * What the draft's fields and the transcript column share on the minutes page: which
 * linked text is selected (its segment is highlighted), the names of segments, moving
 * between a text and its segment, and whether the open version may be edited at all.
 */

import { computed, inject, provide, shallowRef, type ComputedRef, type InjectionKey, type Ref, type ShallowRef } from "vue";

import type { TranscriptSegment } from "@/api";

import { keyOf, type Linked } from "./draft";

export interface LinkContext {
  readonly: Ref<boolean>;
  /** The text last focused in the draft; its segment is the one highlighted. */
  active: ShallowRef<Linked | null>;
  activeSegmentId: ComputedRef<number | null>;
  segment: (id: number) => TranscriptSegment | undefined;
  activate: (target: Linked) => void;
  link: (segmentId: number) => void;
  unlink: (target: Linked) => void;
}

const KEY: InjectionKey<LinkContext> = Symbol("minutes-links");

export function provideLinks(segments: Ref<TranscriptSegment[]>, readonly: Ref<boolean>): LinkContext {
  const active = shallowRef<Linked | null>(null);
  const byId = computed(() => new Map(segments.value.map((s) => [s.id, s])));
  const context: LinkContext = {
    readonly,
    active,
    activeSegmentId: computed(() => active.value?.segment_id ?? null),
    segment: (id) => byId.value.get(id),
    activate: (target) => {
      active.value = target;
    },
    link: (segmentId) => {
      if (active.value) active.value.segment_id = segmentId;
    },
    unlink: (target) => {
      target.segment_id = null;
    },
  };
  provide(KEY, context);
  return context;
}

export function useLinks(): LinkContext {
  const context = inject(KEY);
  if (!context) throw new Error("useLinks() outside the minutes page");
  return context;
}

/** The DOM id of a draft's text field, so the transcript column can move focus to it. */
export function fieldId(target: Linked): string {
  return `text-${keyOf(target)}`;
}

export function segmentElementId(segmentId: number): string {
  return `segment-${segmentId}`;
}

function scrollOptions(): ScrollIntoViewOptions {
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  return { block: "nearest", behavior: still ? "auto" : "smooth" };
}

/** Scrolls an element into view and, when asked, moves the keyboard focus there. */
export function reveal(elementId: string, focus: boolean): void {
  const element = document.getElementById(elementId);
  if (!element) return;
  element.scrollIntoView(scrollOptions());
  if (focus) element.focus({ preventScroll: true });
}
