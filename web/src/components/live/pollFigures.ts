/**
 * What a poll has to show: the final result once it is closed, the running tally while it
 * is open (counts null when the poll hides them until the close). One place for both views.
 * An open secret poll shows only its turnout, whatever a tally carries: its counts, read
 * vote by vote against who has voted, would name each voter's choice.
 */

import type { PollTally, PollView } from "@/realtime/types";

export type PollWithTally = PollView & { tally?: PollTally | null };

export interface PollFigures {
  counts: Record<string, number> | null;
  votes: number;
  passed: boolean | null;
  mean: number | null;
  /** An open secret poll: only how many have voted, no bar, no number per option. */
  turnoutOnly: boolean;
}

export function pollFigures(poll: PollWithTally): PollFigures {
  if (poll.status === "closed" && poll.result) {
    const r = poll.result;
    return { counts: r.counts, votes: r.votes, passed: r.passed, mean: r.mean ?? null, turnoutOnly: false };
  }
  const tally = poll.tally;
  const votes = tally?.votes ?? 0;
  if (poll.secret) return { counts: null, votes, passed: null, mean: null, turnoutOnly: true };
  return { counts: tally?.counts ?? null, votes, passed: null, mean: tally?.mean ?? null, turnoutOnly: false };
}

export interface PollRow {
  key: string;
  label: string;
  count: number;
  share: number;
}

/** One row per option, or null when there are no counts to show (hidden, or free text). */
export function pollRows(poll: PollWithTally, figures: PollFigures): PollRow[] | null {
  const counts = figures.counts;
  if (counts === null || poll.kind === "text") return null;
  const total = poll.options.reduce((sum, o) => sum + (counts[o.option_id] ?? 0), 0);
  return poll.options.map((o) => {
    const count = counts[o.option_id] ?? 0;
    return { key: o.option_id, label: o.label, count, share: total > 0 ? count / total : 0 };
  });
}
