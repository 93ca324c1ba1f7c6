/**
 * The shapes of the /live protocol as docs/protocol.md and CONTRACT.md give them:
 * the join and command acks, the events, and the meeting snapshot the pages show.
 */

import type { Category, MeetingRole, RoundKind } from "@/api";

import type { RoleAllowed } from "./commands.generated";

export type Phase = "lobby" | "item" | "round" | "closed";
export type HandKind = "speech" | "point_of_order" | "question";
export type SpeechKind = HandKind | "turn";
export type Stance = "pro" | "contra";
export type AttendanceMode = "in_room" | "remote";
export type RefusalCode = "invalid" | "forbidden" | "not_found" | "conflict" | "rate_limited";

/** How a browser proves who it is when it connects: the session cookie, or a guest invite. */
export type LiveAuth = { kind: "session" } | { kind: "invite"; invite: string } | { kind: "watch"; watch: string };

export interface LiveError {
  code: string;
  /** A plain Chinese sentence for whoever sent the command. */
  message: string;
  /** The live machine's refusals: the command, the sender's role and the phase (for the moderator). */
  details?: string;
}

export interface LiveEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  /** Server time (epoch seconds) the event was decided. */
  at: number;
  /** On the last event of a batch: what each role may send after it. */
  allowed?: Allowed;
}

/**
 * What each role may send now, as the machine answers it (realtime/machine/affordances.py):
 * for a moderator, for staff, for a participant of each category with no hand raised who
 * has not spoken on the item, and for each participant in a particular position (`people`).
 */
export interface Allowed {
  moderator: RoleAllowed;
  staff: RoleAllowed;
  participant: Partial<Record<Category, RoleAllowed>>;
  people: Record<string, RoleAllowed>;
}

export interface JoinAckOk {
  ok: true;
  seq: number;
  snapshot?: Snapshot;
  events?: LiveEvent[];
  /** The running counts of the open polls (tallies are not events: they have no seq). */
  tallies?: PollTally[];
  server_time: number;
  /** This connection's participant on the roster (null for staff who are not on it). */
  participant_id?: string | null;
  /** What this connection is in the meeting, as the server decided it. */
  role?: MeetingRole;
}

export type JoinAck = JoinAckOk | { ok: false; error: LiveError };
export type CommandAck = { ok: true; seq: number } | { ok: false; error: LiveError };

export interface LiveCommand {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

// --- the snapshot -------------------------------------------------------------------------

export interface LineupSlot {
  participant_id?: string;
  category?: Category;
  role?: "moderator";
  limit_s: number | null;
}

export interface AgendaRoundView {
  round_id: string;
  kind: RoundKind;
  title: string;
  time_limit_s: number | null;
  lineup: LineupSlot[];
  status: "pending" | "running" | "done";
  /** Whether its speeches count against their category's budget (the server's rule). */
  budgeted: boolean;
}

export interface AgendaItemView {
  item_id: string;
  title: string;
  description: string | null;
  is_vote_item: boolean;
  rounds: AgendaRoundView[];
}

export interface LineupTurn {
  participant_id: string;
  name: string | null;
  limit_s: number | null;
}

export interface CurrentRound {
  item_id: string;
  round_id: string;
  kind: RoundKind;
  title: string;
  started_at: number;
  lineup: LineupTurn[];
}

export interface RoundRun {
  item_id: string;
  round_id: string;
  started_at: number;
  ended_at: number;
  unheard: string[];
}

export interface AgendaView {
  items: AgendaItemView[];
  current_item_id: string | null;
  current_round_id: string | null;
  current_round: CurrentRound | null;
  rounds_run: RoundRun[];
}

export interface QueueEntry {
  entry_id: string;
  participant_id: string;
  name: string | null;
  category: Category;
  kind: HandKind;
  stance: Stance | null;
  to_participant_id: string | null;
  raised_at: number;
  on_behalf: boolean;
  added_by: string | null;
}

export interface FloorFields {
  speech_id: string;
  participant_id: string;
  name: string | null;
  category: Category;
  kind: SpeechKind;
  item_id: string;
  round_id: string | null;
  started_at: number;
  limit_s: number | null;
  entry_id: string | null;
  to_participant_id: string | null;
  stance: Stance | null;
}

export interface FloorView extends FloorFields {
  /** As of the snapshot's `now`; the pages count from `started_at` with the corrected clock. */
  elapsed_s: number;
  over: boolean;
}

export interface SpeechView extends FloorFields {
  ended_at: number;
  duration_s: number;
  over_s: number;
  over: boolean;
}

export interface ParticipantView {
  participant_id: string;
  name: string;
  category: Category;
  is_moderator: boolean;
  connected: boolean;
  connections: number;
  mode: AttendanceMode | null;
  checked_in_at: number | null;
  is_added: boolean;
  spoken_on_item: number;
}

export type PollKind = "yes_no_abstain" | "single" | "multiple" | "rating" | "ranking" | "text";

export interface PollOption {
  option_id: string;
  label: string;
}

/** A closed poll's result (CONTRACT.md's keys, and the kind's own figures when it has them). */
export interface PollResult {
  counts: Record<string, number>;
  votes: number;
  passed: boolean | null;
  eligible?: number;
  present?: number;
  quorum?: { required: number; met: boolean } | null;
  mean?: number | null;
  satisfaction?: number | null;
  answers?: string[];
  /** What passing was measured against (deciding kinds): the base, its size, the rule. */
  base?: "valid" | "cast" | "eligible" | "present";
  base_votes?: number;
  threshold?: "simple" | "two_thirds";
  needed?: number;
  winner?: string | null;
  /** Ranking polls: Borda points per option and the instant-runoff count. */
  borda?: Record<string, number>;
  irv?: { winner: string | null; tied: string[]; rounds: unknown[] };
}

/**
 * An open poll's running count, sent apart from the events (Socket.IO `tally`, and in
 * the join ack). `counts` is null while a poll hides its results until the close, and
 * always while a secret poll is open: the server sends it only the turnout.
 * `version` grows with every vote: the highest one is the newest.
 */
/**
 * Each participant's connection as the server judges it (realtime/media/quality.py), sent
 * to moderators and staff every few seconds when a grade changes (docs/protocol.md).
 */
export type ConnectionGrade = "good" | "fair" | "poor" | "no_media" | "offline";

export interface ConnectionQuality {
  meeting_id: number;
  /** `via`: what the grade comes from, the media worker or the /live connection's round trip (no media). */
  participants: { participant_id: string; grade: ConnectionGrade; rtt_ms: number | null; loss_pct: number | null; via?: "media" | "live" | null }[];
  /** Watchers hearing the meeting now: a number, never who. */
  listening: number;
}

export interface PollTally {
  poll_id: string;
  votes: number;
  version: number;
  counts: Record<string, number> | null;
  mean?: number | null;
  satisfaction?: number | null;
}

export interface PollRules {
  eligible: Category[];
  live_results: boolean;
  allow_change: boolean;
  max_choices: number | null;
  closes_in_s: number | null;
  [key: string]: unknown;
}

export interface PollView {
  poll_id: string;
  question: string;
  kind: PollKind;
  secret: boolean;
  status: "open" | "closed";
  options: PollOption[];
  result: PollResult | null;
  rules?: PollRules;
  item_id?: string | null;
  opened_at?: number;
  closes_at?: number | null;
  closed_at?: number | null;
}

/** The voting tablet (表决器) unlocked for one participant to vote on it (a member without a phone). */
export interface KioskView {
  poll_id: string;
  participant_id: string;
  name: string | null;
  by: string | null;
}

/** A written suggestion (意见建议) as the staff console lists it. */
export interface SuggestionView {
  suggestion_id: string;
  name: string | null;
  text: string;
  /** Epoch seconds. */
  at: number;
  theme_label: string | null;
}

/** A message the server sends apart from the meeting's events (Socket.IO `notice`). */
export interface LiveNotice {
  type: string;
  data: Record<string, unknown>;
}

/** One category's speaking time on the current item, as the server counts it. */
export interface BudgetView {
  budget_s: number | null;
  used_s: number;
  left_s: number | null;
  exhausted: boolean;
}

export interface Snapshot {
  meeting_id: string;
  title: string;
  phase: Phase;
  now: number;
  closed_at: number | null;
  agenda: AgendaView;
  queue: QueueEntry[];
  queue_open: boolean;
  floor: FloorView | null;
  polls: PollView[];
  participants: ParticipantView[];
  speeches: SpeechView[];
  /** As of the snapshot's `now`; the store keeps its own running figures (`budgets`). */
  budgets: Record<Category, BudgetView>;
  kiosk?: KioskView | null;
  settings: Record<string, unknown>;
  /** Whom the moderator muted ("room" is the room's microphone) and whether all mics are open. */
  media?: MediaView;
  /** What each role may send now; kept current by the events that carry it. */
  allowed?: Allowed;
}

export interface MediaView {
  muted: string[];
  open_mics: boolean;
  /** The moderator lets watchers (旁听) hear the meeting's audio. */
  watch_audio: boolean;
}

/** A vote's choice, by poll kind (CONTRACT.md): an option id, several, a number or a text. */
export type VoteChoice = string | string[] | number;
