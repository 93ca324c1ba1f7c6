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

/**
 * The rest of a closed result, shown whole: 应到/实到, for a ranking the Borda and
 * instant-runoff winners, and why a vote did not pass. All figures are the server's (the
 * close's result); nothing is decided here.
 */
export interface PollOutcome {
  eligible: number | null;
  present: number | null;
  needed: number | null;
  borda: { labels: string[]; points: number } | null;
  irv: { labels: string[]; rounds: number; tied: boolean } | null;
  /** Why it did not pass: too few votes for the quorum, or too little support. */
  why: { quorum: number } | { needed: number; support: number } | null;
}

export function pollOutcome(poll: PollWithTally): PollOutcome | null {
  const r = poll.result;
  if (poll.status !== "closed" || !r) return null;
  const label = (id: string): string => poll.options.find((o) => o.option_id === id)?.label ?? id;
  let borda: PollOutcome["borda"] = null;
  if (r.borda && Object.keys(r.borda).length > 0) {
    const points = Math.max(...Object.values(r.borda));
    borda = { labels: Object.keys(r.borda).filter((k) => r.borda?.[k] === points).map(label), points };
  }
  let irv: PollOutcome["irv"] = null;
  if (r.irv) {
    const tied = r.irv.winner == null && r.irv.tied.length > 0;
    const labels = r.irv.winner != null ? [label(r.irv.winner)] : r.irv.tied.map(label);
    if (labels.length > 0) irv = { labels, rounds: r.irv.rounds.length, tied };
  }
  let why: PollOutcome["why"] = null;
  if (r.passed === false) {
    if (r.quorum && !r.quorum.met) why = { quorum: r.quorum.required };
    else if (r.needed != null) {
      const support = poll.kind === "yes_no_abstain" ? (r.counts.yes ?? 0) : Math.max(0, ...Object.values(r.counts));
      why = { needed: r.needed, support };
    }
  }
  return { eligible: r.eligible ?? null, present: r.present ?? null, needed: r.needed ?? null, borda, irv, why };
}
