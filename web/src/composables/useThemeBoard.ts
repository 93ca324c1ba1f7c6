/**
 * One meeting's theme board (主题看板) in a component: loaded over HTTP, kept current by the
 * editors' notices on /live, and changed only by staff edits that the server answers with
 * the new board.
 *
 * The board's `revision` rises by one with every suggestion placed and every layout change,
 * so a notice says whether this copy is behind: the next revision of a known theme is placed
 * in place at once; anything else (a re-clustering, a new theme, a missed revision) fetches
 * the board again. A suggestion placed in place also asks for a fetch a little later, since
 * only the server ranks members, orders themes and finds near-duplicates. Fetches are
 * coalesced: a burst of notices makes one request, and one more at most if notices came
 * while it was on its way; a fetch for a revision the board has reached meanwhile (an
 * edit's own notice, come before the edit's answer) is not made.
 */

import { onScopeDispose, ref, shallowRef, watch, type UnwrapNestedRefs } from "vue";

import {
  getThemeBoard,
  mergeThemes,
  moveSuggestions,
  reclusterThemes,
  renameTheme,
  splitTheme,
  type ThemeBoard,
  type ThemeMember,
} from "@/api";
import type { LiveNotice } from "@/realtime/types";
import type { LiveMeetingStore } from "@/stores/live";

/** Notices that arrive together (a re-clustering, a class submitting at once) wait this long for each other. */
const COALESCE_MS = 250;
/** After a suggestion is placed in place, the server's ranking follows once the arrivals settle. */
const RANK_AFTER_MS = 1_500;

/** A refused or failed edit, and where it was made: "theme:<id>" or "board". */
export interface BoardFailure {
  at: string;
  error: unknown;
}

export function useThemeBoard(live: LiveMeetingStore) {
  const meetingId = live.meetingId;
  const board = shallowRef<ThemeBoard | null>(null);
  /** The last fetch failed (shown with a retry); the board, if any, stays as it was. */
  const loadError = shallowRef<unknown>(null);
  /** An edit is on its way: the controls wait for the server's answer. */
  const busy = ref(false);
  const failure = shallowRef<BoardFailure | null>(null);
  /**
   * Whether the board shown came from a staff edit (this console's or another's, but not a
   * re-clustering): the cards then keep their places on screen instead of re-sorting.
   */
  const fromEdit = ref(false);
  /** A notice said another console edited the board: the fetch it asks for brings an edit. */
  let editNoticed = false;
  /** Suggestions placed from a notice: their rank in the theme comes with the next fetch. */
  const unranked = ref(new Set<number>());

  let timer: ReturnType<typeof setTimeout> | null = null;
  let dueAt = 0;
  let controller: AbortController | null = null;
  let again = false;
  /** The revision the next fetch is for: none is needed once the board has it (an edit's answer). */
  let wanted = 0;

  /** Keep the newest board: an edit's answer and a fetch can cross on the way. */
  function take(next: ThemeBoard, edited = false): void {
    const current = board.value;
    if (current && next.revision < current.revision) return;
    fromEdit.value = edited;
    board.value = next;
    unranked.value = new Set();
  }

  async function fetchNow(): Promise<void> {
    const current = new AbortController();
    controller = current;
    try {
      const edited = editNoticed;
      editNoticed = false;
      take(await getThemeBoard(meetingId, current.signal), edited);
      loadError.value = null;
    } catch (error) {
      if (!current.signal.aborted) loadError.value = error;
    } finally {
      if (controller === current) controller = null;
    }
    if (again && !current.signal.aborted) {
      again = false;
      schedule(COALESCE_MS);
    }
  }

  function schedule(delay: number): void {
    const due = Date.now() + delay;
    if (timer && dueAt <= due) return;
    if (timer) clearTimeout(timer);
    dueAt = due;
    timer = setTimeout(() => {
      timer = null;
      const want = wanted;
      wanted = 0;
      if (!board.value || board.value.revision < want) void fetchNow();
    }, delay);
  }

  /**
   * Fetch the board within `delay`, unless it has reached `revision` by then (without one:
   * fetch in any case). Calls while a fetch waits or is on its way make one more at most.
   */
  function refresh(delay = COALESCE_MS, revision = Number.POSITIVE_INFINITY): void {
    wanted = Math.max(wanted, revision);
    if (controller) again = true;
    else schedule(delay);
  }

  function placeSuggestion(data: Record<string, unknown>): void {
    const current = board.value;
    const revision = data.revision;
    if (!current || typeof revision !== "number") return refresh();
    if (revision <= current.revision) return; // already in this copy (an edit's answer, a fetch)
    const theme = current.themes.find((t) => t.id === data.theme_id);
    const placeable =
      revision === current.revision + 1 &&
      data.relayout !== true &&
      typeof data.suggestion_id === "number" &&
      typeof data.text === "string" &&
      typeof data.theme_size === "number";
    if (!theme || !placeable) return refresh(COALESCE_MS, revision);
    const member: ThemeMember = {
      suggestion_id: data.suggestion_id as number,
      text: data.text as string,
      name: typeof data.name === "string" ? data.name : "",
      centrality: 0,
      pinned: false,
      hints: [], // the server screens it; they come with the next board
    };
    board.value = {
      ...current,
      revision,
      total: current.total + 1,
      themes: current.themes.map((t) =>
        t.id === theme.id
          ? {
              ...t,
              label: typeof data.theme_label === "string" ? data.theme_label : t.label,
              size: data.theme_size as number,
              members: [...t.members, member],
            }
          : t,
      ),
    };
    unranked.value = new Set(unranked.value).add(member.suggestion_id);
    refresh(RANK_AFTER_MS);
  }

  function takeNotice(notice: LiveNotice): void {
    if (notice.data.meeting_id !== meetingId) return;
    if (notice.type === "suggestion.added") placeSuggestion(notice.data);
    else if (notice.type === "themes.changed") {
      const revision = notice.data.revision;
      editNoticed = notice.data.reason !== "recluster";
      refresh(COALESCE_MS, typeof revision === "number" ? revision : undefined);
    }
  }

  /** Send one edit; its answer is the new board. A refusal leaves the board as it was. */
  async function edit(at: string, call: () => Promise<ThemeBoard>, keepPlaces = true): Promise<boolean> {
    busy.value = true;
    failure.value = null;
    try {
      take(await call(), keepPlaces);
      return true;
    } catch (error) {
      failure.value = { at, error };
      return false;
    } finally {
      busy.value = false;
    }
  }

  const stopListening = live.onNotice(takeNotice);
  // Notices sent while this browser was offline are not replayed.
  watch(() => live.connectedJoins, () => refresh());
  void fetchNow();
  onScopeDispose(() => {
    stopListening();
    if (timer) clearTimeout(timer);
    controller?.abort();
  });

  return {
    fromEdit,
    board,
    loadError,
    busy,
    failure,
    unranked,
    reload: () => refresh(),
    clearFailure: () => (failure.value = null),
    rename: (themeId: number, name: string) =>
      edit(`theme:${themeId}`, () => renameTheme(meetingId, themeId, name)),
    merge: (themeIds: number[], name: string) =>
      edit("board", () => mergeThemes(meetingId, themeIds, name || undefined)),
    split: (themeId: number, suggestionIds: number[]) =>
      edit(`theme:${themeId}`, () => splitTheme(meetingId, themeId, suggestionIds)),
    move: (from: number, suggestionIds: number[], to: number | null) =>
      edit(`theme:${from}`, () => moveSuggestions(meetingId, suggestionIds, to)),
    recluster: () => edit("board", () => reclusterThemes(meetingId), false),
  };
}

/** The board as the components share it: `reactive(useThemeBoard(live))`. */
export type ThemeBoardModel = UnwrapNestedRefs<ReturnType<typeof useThemeBoard>>;
