/**
 * The drafts as the editor holds them: a stable key per sentence (for v-for and for the
 * transcript's back-references), every linked text of a draft in reading order, and the
 * copy that is sent back with PUT (the text fields the DOCX is rendered from, refilled from
 * the sentences the user edited).
 */

import { toRaw } from "vue";

import type { Finding, KeyPoint, LinkedSentence, MinutesDraft, ReportDraft } from "@/api";

/** Anything the drafter linked to a transcript segment. */
export interface Linked {
  segment_id: number | null;
}

const keys = new WeakMap<object, string>();
let lastKey = 0;

/** A key that stays with the object while the user edits, adds and removes around it. */
export function keyOf(item: object): string {
  const raw = toRaw(item);
  let key = keys.get(raw);
  if (key === undefined) {
    lastKey += 1;
    key = `t${lastKey}`;
    keys.set(raw, key);
  }
  return key;
}

export function copyOf<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Where a linked text sits in the draft, to name it in the transcript column. */
export type PlacePart =
  | "summary"
  | "sectionSummary"
  | "keyPoint"
  | "poll"
  | "decisions"
  | "dissent"
  | "actions"
  | "item";

export interface Place {
  key: string;
  target: Linked;
  part: PlacePart;
  /** The section's title or the key point's speaker, when the part has one. */
  owner: string;
  /** 1-based position in its list. */
  n: number;
}

function places(part: PlacePart, owner: string, list: Linked[]): Place[] {
  return list.map((target, i) => ({ key: keyOf(target), target, part, owner, n: i + 1 }));
}

export function minutesPlaces(draft: MinutesDraft): Place[] {
  const found = places("summary", "", draft.summary_sentences);
  for (const section of draft.sections) {
    found.push(...places("sectionSummary", section.title, section.summary_sentences));
    for (const point of section.key_points) found.push(...places("keyPoint", point.speaker, point.sentences));
  }
  found.push(...places("poll", "", draft.polls));
  for (const part of ["decisions", "dissent", "actions"] as const) found.push(...places(part, "", draft[part]));
  return found;
}

export function reportPlaces(draft: ReportDraft): Place[] {
  return places("item", "", draft.items);
}

function filled(sentences: LinkedSentence[]): LinkedSentence[] {
  return sentences.filter((s) => s.text.trim() !== "");
}

function joined(sentences: LinkedSentence[]): string {
  return sentences.map((s) => s.text.trim()).join("");
}

function keyPointForSave(point: KeyPoint): KeyPoint {
  const sentences = filled(point.sentences);
  const linked = sentences.map((s) => s.segment_id).filter((id): id is number => id !== null);
  return { ...point, sentences, text: joined(sentences), segment_ids: [...new Set(linked)] };
}

function findingsForSave(list: Finding[]): Finding[] {
  return list.filter((f) => f.text.trim() !== "");
}

/**
 * The minutes as PUT sends them. The documents are rendered from the text fields, so each
 * one is the user's sentences put together again; blank sentences and items are left out.
 */
export function minutesForSave(draft: MinutesDraft): MinutesDraft {
  const copy = copyOf(draft);
  const summary = filled(copy.summary_sentences);
  return {
    ...copy,
    summary_sentences: summary,
    summary: joined(summary),
    sections: copy.sections.map((section) => {
      const own = filled(section.summary_sentences);
      return {
        ...section,
        summary_sentences: own,
        summary: joined(own),
        key_points: section.key_points.map(keyPointForSave),
      };
    }),
    polls: copy.polls.filter((p) => p.question.trim() !== ""),
    decisions: findingsForSave(copy.decisions),
    dissent: findingsForSave(copy.dissent),
    actions: findingsForSave(copy.actions),
  };
}

/** The report as PUT sends it: items in the order shown, an empty unit as none. */
export function reportForSave(draft: ReportDraft): ReportDraft {
  const copy = copyOf(draft);
  return {
    ...copy,
    items: copy.items
      .filter((item) => item.text.trim() !== "")
      .map((item, i) => ({ ...item, number: i + 1, unit: item.unit?.trim() ? item.unit : null })),
  };
}
