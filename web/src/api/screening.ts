/**
 * Screening by questionnaire and by hearing (第十三条) and the public's comments on a noticed
 * topic (第十四条). Shapes are the OpenAPI
 * document's (./schema.generated.ts).
 */

import { request } from "./client";
import type { Schemas } from "./types";

export type QuestionKind = "rank" | "choose" | "single" | "multiple" | "text";

export type Question = Schemas["QuestionOut"];

/** One answer per question: topic ids (rank, choose), an option's index (single), indexes (multiple), text. */
export type Answer = number | number[] | string;

export type QuestionTally = Schemas["QuestionTallyOut"];

export type Questionnaire = Schemas["QuestionnaireOut"];

export type QuestionnaireIn = Schemas["QuestionnaireIn"];

export const listQuestionnaires = (signal?: AbortSignal) =>
  request<Schemas["QuestionnaireList"]>("/api/questionnaires", { signal });
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

export type Hearing = Schemas["HearingOut"];

export type HearingIn = Schemas["HearingIn"];

export const recordHearing = (body: HearingIn) => request<Hearing>("/api/hearings", { method: "POST", body });
export const attachToHearing = (topicId: number, hearingId: number, file: File) =>
  request<unknown>(`/api/topics/${topicId}/attachments`, {
    method: "POST",
    body: file,
    query: { filename: file.name, hearing_id: hearingId },
  });

export type PublicComment = Schemas["CommentOut"];

export type StaffComment = Schemas["StaffCommentOut"];

export type HeldComment = Schemas["HeldCommentOut"];

export const getComments = (topicId: number, signal?: AbortSignal) =>
  request<Schemas["CommentList"]>(`/api/public/notices/${topicId}/comments`, { signal });
export const sendComment = (
  topicId: number,
  body: Schemas["CommentIn"],
) => request<Schemas["CommentSent"]>(`/api/public/notices/${topicId}/comments`, { method: "POST", body });
export const moderateComment = (id: number, decision: "release" | "remove", reason: string) =>
  request<Schemas["CommentDecisionOut"]>(`/api/moderation/comments/${id}`, {
    method: "POST",
    body: { decision, reason },
  });
