/**
 * The agenda editor's draft: the meeting's agenda and speaking-time budgets as the form holds
 * them (minutes, one option a line), and the plan sent to the server from it. No rule here.
 */

import {
  CATEGORIES,
  type AgendaItemPlan,
  type Category,
  type LineupSlot,
  type Meeting,
  type PollKind,
  type RoundConfig,
  type RoundKind,
  type SpeakingRules,
} from "@/api";

/** A lineup slot as one select's value: "role:moderator", "category:member", "participant:12". */
export type SlotValue = string;

export interface VoteDraft {
  question: string;
  kind: PollKind;
  options: string;
  secret: boolean;
}

export interface RoundDraft {
  kind: RoundKind;
  title: string;
  minutes: number | string | null;
  lineup: SlotValue[];
  votes: VoteDraft[];
}

export interface ItemDraft {
  title: string;
  description: string;
  rounds: RoundDraft[];
  /** Filled from the typical template by the server when saved without rounds. */
  typical?: boolean;
}

export interface PlanDraft {
  items: ItemDraft[];
  budgets: Record<Category, number | string | null>;
}

export const ROUND_KINDS: RoundKind[] = ["intro", "briefing", "statements", "responses", "discussion", "vote", "summary"];
export const POLL_KINDS: PollKind[] = ["yes_no_abstain", "single", "multiple", "rating", "ranking", "text"];

function slotValue(slot: LineupSlot): SlotValue {
  if ("participant_id" in slot) return `participant:${slot.participant_id}`;
  if ("category" in slot) return `category:${slot.category}`;
  return "role:moderator";
}

function slotOf(value: SlotValue): LineupSlot {
  const [kind, rest] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
  if (kind === "participant") return { participant_id: rest };
  if (kind === "category") return { category: rest as Category };
  return { role: "moderator" };
}

function minutesOf(seconds: number | null | undefined): number | null {
  return seconds === null || seconds === undefined ? null : Math.round((seconds / 60) * 100) / 100;
}

function secondsOf(minutes: number | string | null): number | null {
  if (minutes === null || minutes === "") return null;
  return Math.round(Number(minutes) * 60);
}

export function draftOf(meeting: Meeting): PlanDraft {
  const budgets = meeting.speaking_rules?.budgets_s ?? {};
  return {
    items: meeting.agenda.map((item) => ({
      title: item.title,
      description: item.description ?? "",
      rounds: item.rounds.map((r) => ({
        kind: r.kind,
        title: r.title,
        minutes: minutesOf(r.time_limit_s),
        lineup: (r.config?.lineup ?? []).map(slotValue),
        votes: (r.config?.votes ?? []).map((v) => ({
          question: v.question,
          kind: v.kind,
          options: (v.options ?? []).join("\n"),
          secret: v.secret ?? false,
        })),
      })),
    })),
    budgets: Object.fromEntries(CATEGORIES.map((c) => [c, minutesOf(budgets[c])])) as PlanDraft["budgets"],
  };
}

function configOf(round: RoundDraft): RoundConfig {
  const config: RoundConfig = {};
  if (round.lineup.length) config.lineup = round.lineup.map(slotOf);
  if (round.votes.length) {
    config.votes = round.votes.map((v) => ({
      question: v.question,
      kind: v.kind,
      options: v.options
        .split("\n")
        .map((o) => o.trim())
        .filter(Boolean),
      secret: v.secret,
    }));
  }
  return config;
}

export function agendaOf(draft: PlanDraft): AgendaItemPlan[] {
  return draft.items.map((item) => {
    const plan: AgendaItemPlan = { title: item.title, description: item.description || null };
    if (item.typical && !item.rounds.length) plan.template = "typical";
    else
      plan.rounds = item.rounds.map((r) => ({
        kind: r.kind,
        title: r.title,
        time_limit_s: secondsOf(r.minutes),
        config: configOf(r),
      }));
    return plan;
  });
}

export function rulesOf(draft: PlanDraft, current: SpeakingRules | undefined): SpeakingRules {
  const budgets: Partial<Record<Category, number>> = {};
  for (const category of CATEGORIES) {
    const seconds = secondsOf(draft.budgets[category]);
    if (seconds !== null) budgets[category] = seconds;
  }
  return { ...(current ?? {}), budgets_s: budgets };
}
