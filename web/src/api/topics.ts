/**
 * Topics (议题) before the meeting and the public portal (/public, no account).
 * Shapes mirror server/http/schemas_topics.py.
 */

import { request } from "./client";
import type { Hearing, HeldComment, Question, StaffComment } from "./screening";

export type TopicSource = "public" | "resident" | "member" | "leader";
export type TopicStatus =
  | "proposed"
  | "screened"
  | "approved"
  | "filed"
  | "noticed"
  | "researched"
  | "held"
  | "submitted"
  | "closed"
  | "rejected";
export type Exclusion = "settled_by_policy" | "individual_dispute" | "litigation" | "already_agreed";
export type MeetingForm = "in_room" | "online" | "hybrid";

export interface Hint {
  kind: string;
  message: string;
  triggers: string[];
}

export interface Step {
  step: string;
  at: string;
  by: string;
  note: string;
}

export interface Research {
  id: number;
  who: string;
  place: string;
  done_on: string;
  findings: string;
}

export interface TopicNotice {
  noticed_at: string;
  meeting_at: string;
  place: string;
  form: string;
  how_to_join: string;
  days_left: number;
}

export interface Topic {
  topic_id: number;
  room_id: number;
  room: string;
  room_level: string;
  title: string;
  description: string;
  place: string;
  source: TopicSource;
  status: TopicStatus;
  moderation: string;
  proposer_name: string;
  contact: { name: string; phone: string };
  receipt: string;
  created_at: string;
  exclusion: Exclusion | null;
  filing_required: boolean;
  notice_days: number;
  notice: TopicNotice | null;
  research: Research[];
  meetings: { id: number; title: string; starts_at: string; status: string }[];
  attachments: { id: number; filename: string; size: number; research_id: number | null; url: string }[];
  hints: Hint[];
  timeline: Step[];
  hearings: Hearing[];
  public_comments: StaffComment[];
  opening: string | null;
}

export interface TopicSummary {
  topic_id: number;
  room_id: number;
  room: string;
  title: string;
  source: TopicSource;
  status: TopicStatus;
  moderation: string;
  created_at: string;
  last_step: string;
  last_note: string;
  hints: Hint[];
  duplicates: number[];
}

export interface Notice {
  topic_id: number;
  title: string;
  room: string;
  noticed_at: string;
  meeting_at: string;
  days_left: number;
  place: string;
  form: string;
  how_to_join: string;
  comments: number;
}

export interface Call {
  call_id: number;
  room_id: number;
  room: string;
  kind: "proposals" | "vote" | "questionnaire";
  title: string;
  description: string;
  deadline: string;
  shortlist: { topic_id: number; title: string; votes: number }[];
  questions: Question[];
}

export interface Portal {
  calls: Call[];
  rooms: { room_id: number; name: string; level: string }[];
}

export interface Challenge {
  token: string;
  question: string;
}

export interface PublicProposal {
  title: string;
  description: string;
  room_id: number;
  contact: { name: string; phone: string };
  place?: string;
  call_id?: number;
  challenge?: { token: string; answer: string };
}

export const getPortal = (signal?: AbortSignal) => request<Portal>("/api/public/portal", { signal });
export const getNotices = (signal?: AbortSignal) =>
  request<{ notices: Notice[] }>("/api/public/notices", { signal });
export const getChallenge = () => request<Challenge>("/api/public/challenge");
export const sendProposal = (body: PublicProposal) =>
  request<{ proposal_id: number; receipt: string }>("/api/public/proposals", { method: "POST", body });
export const sendVote = (callId: number, body: { topic_id: number; phone: string; challenge?: { token: string; answer: string } }) =>
  request<{ counted: boolean; shortlist: Call["shortlist"] }>(`/api/public/votes/${callId}`, { method: "POST", body });

/** Proposals awaiting screening that say much the same thing (the suggestions' clustering). */
export interface TopicTheme {
  label: string;
  keywords: string[];
  topic_ids: number[];
}

export const listTopics = (query: { room_id?: number; status?: string }, signal?: AbortSignal) =>
  request<{ items: TopicSummary[]; themes: TopicTheme[] }>("/api/topics", { query, signal });
export const getTopic = (id: number, signal?: AbortSignal) => request<Topic>(`/api/topics/${id}`, { signal });
export const createTopic = (body: Record<string, unknown>) =>
  request<Topic>("/api/topics", { method: "POST", body });

/** One action on a topic's page: screen, review, file, comments, notice, research, override, moderate. */
export const topicAction = (id: number, action: string, body: Record<string, unknown>) =>
  request<Topic>(`/api/topics/${id}/${action}`, { method: "POST", body });

export const createCall = (body: Record<string, unknown>) =>
  request<Call>("/api/topic-calls", { method: "POST", body });
/** A suggestion held for a listed word (or by its room's pre-moderation), waiting for the room's staff. */
export interface HeldSuggestion {
  suggestion_id: number;
  meeting_id: number;
  text: string;
  name: string;
  created_at: string;
  /** The listed words it contains, as the list is now. */
  words: string[];
  /** Its room holds every suggestion for the staff. */
  premoderated: boolean;
}

/** A report of abuse on a topic or a suggestion, waiting for a decision. */
export interface AbuseReport {
  report_id: number;
  target_type: "topic" | "suggestion" | "comment";
  target_id: number;
  room_id: number;
  text: string;
  reason: string;
  reporter: string;
  at: string;
}

export interface ModerationQueue {
  items: TopicSummary[];
  suggestions: HeldSuggestion[];
  comments: HeldComment[];
  reports: AbuseReport[];
}

export const moderationQueue = (signal?: AbortSignal) => request<ModerationQueue>("/api/moderation", { signal });
export const moderateSuggestion = (id: number, decision: "release" | "remove", reason: string) =>
  request<{ suggestion_id: number; moderation: string }>(`/api/moderation/suggestions/${id}`, {
    method: "POST",
    body: { decision, reason },
  });
export const decideReport = (id: number, decision: "uphold" | "dismiss", reason: string) =>
  request<{ report_id: number; status: string }>(`/api/moderation/reports/${id}`, {
    method: "POST",
    body: { decision, reason },
  });
export const reportAbuse = (
  targetType: "topic" | "suggestion" | "comment",
  targetId: number,
  reason: string,
  invite?: string,
) =>
  request<{ report_id: number; status: string }>("/api/reports", {
    method: "POST",
    body: { target_type: targetType, target_id: targetId, reason },
    invite,
  });
export const getWords = (signal?: AbortSignal) => request<{ words: string[] }>("/api/moderation/words", { signal });
export const setWords = (words: string[]) =>
  request<{ words: string[] }>("/api/moderation/words", { method: "PUT", body: { words } });

export const attachPublicly = (proposalId: number, receipt: string, file: File) =>
  request<{ id: number; filename: string }>(`/api/public/proposals/${proposalId}/attachments`, {
    method: "POST",
    body: file,
    query: { receipt, filename: file.name },
  });
export const attachToTopic = (topicId: number, file: File) =>
  request<Topic>(`/api/topics/${topicId}/attachments`, { method: "POST", body: file, query: { filename: file.name } });
