/**
 * Topics (议题) before the meeting and the public portal (/public, no account).
 * Shapes are the OpenAPI document's (server/http/schemas_topics.py).
 */

import { request } from "./client";
import type { Schemas } from "./types";

export type Topic = Schemas["TopicOut"];
export type TopicSource = Topic["source"];
export type TopicStatus = Topic["status"];
export type Exclusion = NonNullable<Topic["exclusion"]>;
export type MeetingForm = Schemas["MeetingOut"]["mode"];
export type Hint = Schemas["TopicHintOut"];
export type Step = Schemas["StepOut"];
export type Research = Schemas["ResearchOut"];
export type TopicNotice = Schemas["TopicNotice"];
export type TopicSummary = Schemas["TopicSummary"];
export type Notice = Schemas["NoticeOut"];
export type Call = Schemas["CallOut"];
export type Portal = Schemas["PublicPortal"];
export type Challenge = Schemas["ChallengeOut"];
export type PublicProposal = Schemas["PublicProposalIn"];

export const getPortal = (signal?: AbortSignal) => request<Portal>("/api/public/portal", { signal });
export const getNotices = (signal?: AbortSignal) =>
  request<Schemas["NoticeList"]>("/api/public/notices", { signal });
export const getChallenge = () => request<Challenge>("/api/public/challenge");
export const sendProposal = (body: PublicProposal) =>
  request<Schemas["PublicProposalOut"]>("/api/public/proposals", { method: "POST", body });
export const sendVote = (callId: number, body: Schemas["VoteIn"]) =>
  request<Schemas["VoteOut"]>(`/api/public/votes/${callId}`, { method: "POST", body });

/** Proposals awaiting screening that say much the same thing (the suggestions' clustering). */
export type TopicTheme = Schemas["ThemeGroupOut"];

export const listTopics = (query: { room_id?: number; status?: string }, signal?: AbortSignal) =>
  request<Schemas["TopicList"]>("/api/topics", { query, signal });
export const getTopic = (id: number, signal?: AbortSignal) => request<Topic>(`/api/topics/${id}`, { signal });
export const createTopic = (body: Schemas["TopicIn"]) =>
  request<Topic>("/api/topics", { method: "POST", body });

/** One action on a topic's page: screen, review, file, comments, notice, research, override, moderate. */
export const topicAction = (id: number, action: string, body: Record<string, unknown>) =>
  request<Topic>(`/api/topics/${id}/${action}`, { method: "POST", body });

export const createCall = (body: Schemas["CallIn"]) =>
  request<Call>("/api/topic-calls", { method: "POST", body });
/** A suggestion held for a listed word, waiting for the room's staff. */
export type HeldSuggestion = Schemas["HeldSuggestionOut"];
/** A report of abuse on a topic or a suggestion, waiting for a decision. */
export type AbuseReport = Schemas["ReportItem"];
export type ModerationQueue = Schemas["ModerationQueue"];

export const moderationQueue = (signal?: AbortSignal) => request<ModerationQueue>("/api/moderation", { signal });
export const moderateSuggestion = (id: number, decision: "release" | "remove", reason: string) =>
  request<Schemas["SuggestionDecisionOut"]>(`/api/moderation/suggestions/${id}`, {
    method: "POST",
    body: { decision, reason },
  });
export const decideReport = (id: number, decision: "uphold" | "dismiss", reason: string) =>
  request<Schemas["ReportOut"]>(`/api/moderation/reports/${id}`, {
    method: "POST",
    body: { decision, reason },
  });
export const reportAbuse = (
  targetType: "topic" | "suggestion" | "comment",
  targetId: number,
  reason: string,
  invite?: string,
) =>
  request<Schemas["ReportOut"]>("/api/reports", {
    method: "POST",
    body: { target_type: targetType, target_id: targetId, reason },
    invite,
  });
export const getWords = (signal?: AbortSignal) => request<Schemas["WordsOut"]>("/api/moderation/words", { signal });
export const setWords = (words: string[]) =>
  request<Schemas["WordsOut"]>("/api/moderation/words", { method: "PUT", body: { words } });

export const attachPublicly = (proposalId: number, receipt: string, file: File) =>
  request<Schemas["AttachmentOut"]>(`/api/public/proposals/${proposalId}/attachments`, {
    method: "POST",
    body: file,
    query: { receipt, filename: file.name },
  });
export const attachToTopic = (topicId: number, file: File) =>
  request<Topic>(`/api/topics/${topicId}/attachments`, { method: "POST", body: file, query: { filename: file.name } });
