/**
 * Whether this tab had joined a meeting's media (and with the camera), or was listening
 * through a watch link, so that a reload joins again by itself. Kept in sessionStorage: it lasts as long as the tab. A module of
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

function listenKey(watchToken: string): string {
  return `hsl.watch.${watchToken}.listen`;
}

/** Whether this tab was hearing the meeting through this watch link (旁听收听). */
export function rememberedListening(watchToken: string): boolean {
  try {
    return window.sessionStorage.getItem(listenKey(watchToken)) !== null;
  } catch {
    return false;
  }
}

export function rememberListening(watchToken: string, listening: boolean): void {
  try {
    if (listening) window.sessionStorage.setItem(listenKey(watchToken), "1");
    else window.sessionStorage.removeItem(listenKey(watchToken));
  } catch {
    // As above: without storage the watcher taps 收听会场声音 again after a reload.
  }
}
