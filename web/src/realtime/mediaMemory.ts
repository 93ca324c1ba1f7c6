/**
 * Whether this tab had joined a meeting's media (and with the camera), so that a reload
 * joins again by itself. Kept in sessionStorage: it lasts as long as the tab. A module of
 * its own so that pages can ask without loading the media code (its own chunk).
 */

/** "listen": a watcher (旁听) hearing the meeting, receive-only. */
export type MediaKind = "person" | "room" | "listen";

function storageKey(meetingId: number, kind: MediaKind): string {
  return `hsl.media.${meetingId}.${kind}`;
}

export function rememberedMedia(meetingId: number, kind: MediaKind): { video: boolean } | null {
  try {
    const value = window.sessionStorage.getItem(storageKey(meetingId, kind));
    return value === null ? null : { video: value === "video" };
  } catch {
    return null;
  }
}

export function rememberMedia(meetingId: number, kind: MediaKind, joined: { video: boolean } | null): void {
  try {
    if (joined === null) window.sessionStorage.removeItem(storageKey(meetingId, kind));
    else window.sessionStorage.setItem(storageKey(meetingId, kind), joined.video ? "video" : "audio");
  } catch {
    // Private modes may refuse storage: the page then asks to join again after a reload.
  }
}
