/**
 * Screening by questionnaire and by hearing (第十三条) and the public's comments on a noticed
 * topic (第十四条). Shapes mirror server/http/schemas_screening.py.
 */

import { request } from "./client";

export type QuestionKind = "rank" | "choose" | "single" | "multiple" | "text";

export interface Question {
  kind: QuestionKind;
  prompt: string;
  options: string[];
  max_choices: number;
}

/** One answer per question: topic ids (rank, choose), an option's index (single), indexes (multiple), text. */
export type Answer = number | number[] | string;

export interface QuestionTally {
  kind: QuestionKind;
  prompt: string;
  topics: { topic_id: number; title: string; count: number; first: number; points: number }[];
  options: { label: string; count: number }[];
  texts: string[];
}

export interface Questionnaire {
  call_id: number;
  room_id: number;
  room: string;
  title: string;
  description: string;
  deadline: string;
  recorded_at: string | null;
  respondents: number;
  questions: Question[];
  results: QuestionTally[];
}

export interface QuestionnaireIn {
  room_id: number;
  title: string;
  description?: string;
  deadline: string;
  topic_ids: number[];
  questions: Partial<Question>[];
}

export const listQuestionnaires = (signal?: AbortSignal) =>
  request<{ items: Questionnaire[] }>("/api/questionnaires", { signal });
export const getQuestionnaire = (id: number, signal?: AbortSignal) =>
  request<Questionnaire>(`/api/questionnaires/${id}`, { signal });
export const createQuestionnaire = (body: QuestionnaireIn) =>
  request<Questionnaire>("/api/questionnaires", { method: "POST", body });
export const recordQuestionnaire = (id: number) =>
  request<Questionnaire>(`/api/questionnaires/${id}/record`, { method: "POST", body: {} });
export const answerQuestionnaire = (
  id: number,
  body: { phone: string; answers: Answer[]; challenge?: { token: string; answer: string } },
) => request<{ counted: boolean; respondents: number }>(`/api/public/questionnaires/${id}`, { method: "POST", body });

export type HearingKind = "hearing" | "forum";
export type Conclusion = "support" | "oppose" | "undecided";
export type ParticipantCategory = "member" | "resident" | "official" | "stakeholder" | "expert" | "other";

export interface Hearing {
  hearing_id: number;
  room_id: number;
  kind: HearingKind;
  held_on: string;
  place: string;
  participants: { name: string; category: ParticipantCategory }[];
  record: string;
  conclusions: { topic_id: number; conclusion: Conclusion; note: string }[];
}

export interface HearingIn {
  room_id: number;
  kind: HearingKind;
  held_on: string;
  place: string;
  participants: { name: string; category: ParticipantCategory }[];
  record: string;
  conclusions: { topic_id: number; conclusion: Conclusion; note?: string }[];
}

export const recordHearing = (body: HearingIn) => request<Hearing>("/api/hearings", { method: "POST", body });
export const attachToHearing = (topicId: number, hearingId: number, file: File) =>
  request<unknown>(`/api/topics/${topicId}/attachments`, {
    method: "POST",
    body: file,
    query: { filename: file.name, hearing_id: hearingId },
  });

export interface PublicComment {
  comment_id: number;
  name: string;
  text: string;
  at: string;
}

export interface StaffComment extends PublicComment {
  moderation: "clear" | "held" | "released" | "removed";
  held_reason: string;
}

export interface HeldComment {
  comment_id: number;
  topic_id: number;
  name: string;
  text: string;
  held_reason: string;
  at: string;
}

export const getComments = (topicId: number, signal?: AbortSignal) =>
  request<{ comments: PublicComment[] }>(`/api/public/notices/${topicId}/comments`, { signal });
export const sendComment = (
  topicId: number,
  body: { name: string; text: string; challenge?: { token: string; answer: string } },
) => request<{ comment_id: number; held: boolean }>(`/api/public/notices/${topicId}/comments`, { method: "POST", body });
export const moderateComment = (id: number, decision: "release" | "remove", reason: string) =>
  request<{ comment_id: number; moderation: string }>(`/api/moderation/comments/${id}`, {
    method: "POST",
    body: { decision, reason },
  });
