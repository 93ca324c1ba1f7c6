/**
 * The live meeting's events in seq order: the snapshot, the seq it stands at, and the events
 * that came early. No Vue, no socket, no timers: the store feeds it and acts on its verdicts
 * (wait for a hole to fill, rejoin since the seq, or ask for a whole new snapshot).
 */

import { applyEvent, CannotApply } from "./reducer";
import type { LiveEvent, Snapshot } from "./types";

/**
 * What applying the buffered events came to:
 * - `idle`: there is no snapshot yet to apply them to (the join brings one);
 * - `current`: every event that came has been applied;
 * - `gap`: events wait behind a missing seq (they may still come; if not, rejoin since the seq);
 * - `snapshot`: an event could not be applied, and replaying it would fail the same way:
 *   the store asks for a fresh snapshot.
 */
export type Verdict = "idle" | "current" | "gap" | "snapshot";

export class Sequencer {
  snapshot: Snapshot | null = null;
  seq = 0;
  private buffer = new Map<number, LiveEvent>();

  /** Events waiting behind a hole. */
  get waiting(): number {
    return this.buffer.size;
  }

  /** Start over from a snapshot at `seq`; buffered events it already holds are dropped. */
  replace(snapshot: Snapshot, seq: number): void {
    this.snapshot = snapshot;
    this.seq = seq;
    this.forgetUpTo(seq);
  }

  /**
   * Keep an event until it can be applied. Returns false for one already applied (a replay
   * after a rejoin) or one without a seq.
   */
  offer(event: LiveEvent): boolean {
    if (typeof event?.seq !== "number") return false;
    if (event.seq <= this.seq && this.snapshot) return false;
    this.buffer.set(event.seq, event);
    return true;
  }

  /** The events a rejoin since our seq sent back, kept to be applied in order. */
  take(events: LiveEvent[]): void {
    for (const event of events) this.buffer.set(event.seq, event);
  }

  /** Apply the buffered events while they follow on from `seq`. */
  drain(): Verdict {
    let current = this.snapshot;
    if (!current) return "idle";
    let last = this.seq;
    try {
      for (let next = this.buffer.get(last + 1); next; next = this.buffer.get(last + 1)) {
        this.buffer.delete(next.seq);
        current = applyEvent(current, next);
        last = next.seq;
      }
    } catch (error) {
      if (!(error instanceof CannotApply)) throw error;
      // Keep what did apply; the fresh snapshot replaces it.
      this.snapshot = current;
      this.seq = last;
      return "snapshot";
    }
    this.snapshot = current;
    this.seq = last;
    this.forgetUpTo(last);
    return this.buffer.size > 0 ? "gap" : "current";
  }

  /** Drop the early events (the connection is gone; a rejoin brings them again). */
  clear(): void {
    this.buffer = new Map();
  }

  private forgetUpTo(seq: number): void {
    for (const key of [...this.buffer.keys()]) if (key <= seq) this.buffer.delete(key);
  }
}
