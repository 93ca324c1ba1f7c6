/**
 * After the meeting: outcomes and their items, the public list, and the yearly assessment.
 * Shapes mirror server/http/api_outcomes.py and api_assessment.py.
 */

import { request } from "./client";

export type Decision = "adopted" | "partly_adopted" | "not_adopted";
export type RecordKindName = "decision" | "progress" | "feedback" | "escalation" | "follow_up" | "explanation";
export type FollowUpMethod = "oversight" | "inspection" | "review";

/** A photo or document on a progress entry (第十八条); `url` downloads it with the session. */
export interface ProgressFile {
  id: number;
  filename: string;
  content_type: string;
  size: number;
  uploaded_by_name: string;
  uploaded_at: string;
  url: string;
}

export interface ItemRecord {
  id: number;
  kind: RecordKindName | "reminder";
  at: string;
  by_name: string;
  note: string;
  data: Record<string, unknown>;
  attachments: ProgressFile[];
}

export interface OutcomeItem {
  id: number;
  outcome_id: number;
  outcome_code: string;
  outcome_title: string;
  meeting_id: number;
  room: string;
  position: number;
  text: string;
  unit_id: number;
  unit_name: string;
  due_on: string;
  decision: Decision | null;
  decision_reason: string | null;
  progress: number;
  feedback: string | null;
  closed_at: string | null;
  escalated_to: "county" | "city" | null;
  published: boolean;
  overdue: boolean;
  reminded_on: string | null;
  may_answer: boolean;
  records: ItemRecord[];
}

export interface Outcome {
  id: number;
  code: string;
  meeting_id: number;
  topic_id: number | null;
  title: string;
  recipients: string[];
  report_version: number;
  submitted_at: string;
  submitted_by_name: string;
  items: OutcomeItem[];
}

export interface ProposedItem {
  text: string;
  unit_id: number | null;
  unit_name: string;
  due_on: string;
}

export interface Proposal {
  report_version: number;
  title: string;
  recipients: string[];
  items: ProposedItem[];
}

export interface OutcomeSubmission {
  report_version: number;
  title: string;
  recipients: string[];
  items: { text: string; unit_id: number; due_on: string }[];
}

export interface ItemRecordNew {
  kind: RecordKindName;
  note: string;
  decision?: Decision;
  percent?: number;
  on?: string;
  to?: "county" | "city";
  method?: FollowUpMethod;
}

export interface PublicOutcome {
  outcome_id: number;
  topic_id: number | null;
  title: string;
  items: { text: string; unit: string; decision: Decision | null; progress: number; feedback: string | null }[];
}

export interface RoomRow {
  room_id: number;
  name: string;
  level: string;
  activities: number;
  required: number;
  behind: boolean;
  outcomes: number;
  adopted: number;
  implemented: number;
}

export interface Dashboard {
  year: number;
  months_left: number;
  rooms: RoomRow[];
  activities_by_month: number[];
  items: number;
  adoption_rate: number | null;
  implementation_rate: number | null;
  participation: Record<string, number>;
  awards: { room_id: number; evidence: string; by_name: string; at: string }[];
}

export interface DutyRecord {
  person_id: number;
  name: string;
  counts: Record<string, number>;
  points: Record<string, number>;
  score: number;
  meetings: { meeting_id: number; title: string; attended: boolean; speeches: number; speech_seconds: number }[];
}

export function getOutcome(meetingId: number, signal?: AbortSignal): Promise<Outcome> {
  return request(`/api/meetings/${meetingId}/outcome`, { signal });
}

export function getProposal(meetingId: number, signal?: AbortSignal): Promise<Proposal> {
  return request(`/api/meetings/${meetingId}/outcome/proposal`, { signal });
}

export function submitOutcome(meetingId: number, body: OutcomeSubmission): Promise<Outcome> {
  return request(`/api/meetings/${meetingId}/outcome`, { method: "POST", body });
}

export function setPublished(meetingId: number, items: { item_id: number; published: boolean }[]): Promise<Outcome> {
  return request(`/api/meetings/${meetingId}/outcome/published`, { method: "PUT", body: { items } });
}

export async function listOutcomeItems(overdue: boolean, signal?: AbortSignal): Promise<OutcomeItem[]> {
  const query = overdue ? { overdue: "1" } : undefined;
  return (await request<{ items: OutcomeItem[] }>("/api/outcome-items", { query, signal })).items;
}

export function addItemRecord(itemId: number, body: ItemRecordNew): Promise<OutcomeItem> {
  return request(`/api/outcome-items/${itemId}/records`, { method: "POST", body });
}

/** Attach a file to a progress entry of the item: the raw file as the body, as topics do. */
export function attachToProgress(itemId: number, recordId: number, file: File): Promise<OutcomeItem> {
  return request(`/api/outcome-items/${itemId}/records/${recordId}/attachments`, {
    method: "POST",
    body: file,
    query: { filename: file.name },
  });
}

export async function listPublicOutcomes(signal?: AbortSignal): Promise<PublicOutcome[]> {
  return (await request<{ outcomes: PublicOutcome[] }>("/api/public/outcomes", { signal, allowUnauthorized: true }))
    .outcomes;
}

export function getDashboard(year: number, signal?: AbortSignal): Promise<Dashboard> {
  return request("/api/assessment/dashboard", { query: { year }, signal });
}

export async function listDuty(year: number, signal?: AbortSignal): Promise<DutyRecord[]> {
  return (await request<{ items: DutyRecord[] }>("/api/assessment/duty", { query: { year }, signal })).items;
}

export function getMyDuty(year: number, signal?: AbortSignal): Promise<DutyRecord> {
  return request("/api/me/duty", { query: { year }, signal });
}

export function awardRoom(roomId: number, year: number, evidence: string): Promise<unknown> {
  return request(`/api/rooms/${roomId}/awards`, { method: "POST", body: { year, evidence } });
}

/** Where the browser downloads a table of the assessment (the session cookie goes along). */
export function exportUrl(year: number, table: "rooms" | "duty" | "menu", format: "xlsx" | "csv"): string {
  return `/api/assessment/export?year=${year}&table=${table}&format=${format}`;
}

/** The county's (or city's) yearly report as DOCX in the official layout. */
export function reportUrl(year: number, orgUnitId: number): string {
  return `/api/assessment/report.docx?year=${year}&org_unit_id=${orgUnitId}`;
}
