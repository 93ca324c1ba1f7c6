/**
 * What a dragged suggestion carries on the theme board: its id and the theme it comes from,
 * in the drag's own data, so that any theme (or the "new theme" zone) can take the drop.
 */

import { ref } from "vue";

/** A type of our own: other drags (text, files) are not taken for a suggestion. */
export const SUGGESTION_DRAG_TYPE = "application/x-hsl-suggestion";

export interface DraggedSuggestion {
  suggestionId: number;
  from: number;
}

export function startSuggestionDrag(event: DragEvent, dragged: DraggedSuggestion): void {
  if (!event.dataTransfer) return;
  event.dataTransfer.setData(SUGGESTION_DRAG_TYPE, JSON.stringify(dragged));
  event.dataTransfer.effectAllowed = "move";
}

export function readDraggedSuggestion(event: DragEvent): DraggedSuggestion | null {
  const raw = event.dataTransfer?.getData(SUGGESTION_DRAG_TYPE);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<DraggedSuggestion>;
    if (typeof value.suggestionId !== "number" || typeof value.from !== "number") return null;
    return { suggestionId: value.suggestionId, from: value.from };
  } catch {
    return null;
  }
}

/**
 * A place a suggestion can be dropped on: `over` while one is dragged above it, and the
 * handlers to bind with v-on. Other drags pass through untouched.
 */
export function useSuggestionDrop(take: (dragged: DraggedSuggestion) => void) {
  const over = ref(false);
  const handlers = {
    dragover(event: DragEvent): void {
      if (!event.dataTransfer?.types.includes(SUGGESTION_DRAG_TYPE)) return;
      event.preventDefault();
      over.value = true;
    },
    dragleave(): void {
      over.value = false;
    },
    drop(event: DragEvent): void {
      over.value = false;
      const dragged = readDraggedSuggestion(event);
      if (!dragged) return;
      event.preventDefault();
      take(dragged);
    },
  };
  return { over, handlers };
}
