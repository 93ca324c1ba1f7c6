/**
 * After the meeting: outcomes and their items, the public list, and the yearly assessment.
 * Shapes are the OpenAPI document's (server/http/api_outcomes.py and api_assessment.py).
 */

import { request } from "./client";
import type { Schemas } from "./types";

export type OutcomeItem = Schemas["ItemOut"];
export type Decision = NonNullable<OutcomeItem["decision"]>;
export type ItemRecordNew = Schemas["RecordIn"];
export type RecordKindName = ItemRecordNew["kind"];
export type FollowUpMethod = NonNullable<ItemRecordNew["method"]>;
export type ItemRecord = Schemas["RecordOut"];
export type Outcome = Schemas["OutcomeOut"];
export type ProposedItem = Schemas["ProposedItem"];
export type Proposal = Schemas["ProposalOut"];
export type OutcomeSubmission = Schemas["SubmitIn"];
export type PublicOutcome = Schemas["PublicOutcome"];
export type RoomRow = Schemas["RoomRow"];
export type Dashboard = Schemas["Dashboard"];
export type DutyRecord = Schemas["DutyOut"];

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
  return (await request<Schemas["ItemList"]>("/api/outcome-items", { query, signal })).items;
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
  return (await request<Schemas["PublicOutcomes"]>("/api/public/outcomes", { signal, allowUnauthorized: true }))
    .outcomes;
}

export function getDashboard(year: number, signal?: AbortSignal): Promise<Dashboard> {
  return request("/api/assessment/dashboard", { query: { year }, signal });
}

export async function listDuty(year: number, signal?: AbortSignal): Promise<DutyRecord[]> {
  return (await request<Schemas["DutyList"]>("/api/assessment/duty", { query: { year }, signal })).items;
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
