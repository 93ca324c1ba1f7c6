/**
 * Preparing a meeting's people: search, the roster by category, briefing documents and
 * invitations. Shapes are the OpenAPI document's (server/http/schemas_roster.py).
 */

import { request } from "./client";
import type { InviteLink, Ok, Participant, Schemas } from "./types";

export type RosterEntry = Schemas["RosterEntry"];
export type AttendanceMode = NonNullable<RosterEntry["attendance_mode"]>;
export type MeetingRoleName = RosterEntry["role"];
export type Invitation = Schemas["InvitationOut"];
export type InvitationStatus = Invitation["status"];
export type Answer = Schemas["AnswerIn"]["status"];
export type PersonFound = Schemas["PersonFound"];
/** A guest's newest invite link (the link itself is shown only when made). */
export type GuestLinkState = Schemas["GuestLink"];
export type CategoryCheck = Schemas["CategoryCheck"];
export type AttendanceSummary = Schemas["AttendanceSummary"];
export type Roster = Schemas["RosterOut"];
export type Briefing = Schemas["BriefingOut"];
/** A research record's file, read through the meeting's briefing. */
export type BriefingAttachment = Schemas["BriefingAttachmentOut"];
export type BriefingResearch = Schemas["BriefingResearchOut"];
/** The topic's notice; `days` from the notice to the meeting's day, `required_days` the room's (第十四条). */
export type BriefingNotice = Schemas["BriefingNoticeOut"];
/** The meeting's topic as the roster reads it before the meeting: its notice and research. */
export type BriefingTopic = Schemas["BriefingTopicOut"];
export type BriefingList = Schemas["BriefingList"];
export type MyInvitation = Schemas["MyInvitation"];
export type NewEntry = Schemas["ParticipantIn"];
export type EntryChange = Schemas["ParticipantPatch"];

const base = (meetingId: number) => `/api/meetings/${meetingId}`;

export function getRoster(meetingId: number, signal?: AbortSignal): Promise<Roster> {
  return request<Roster>(`${base(meetingId)}/roster`, { signal });
}

export async function searchPeople(meetingId: number, q: string, signal?: AbortSignal): Promise<PersonFound[]> {
  const found = await request<Schemas["PeopleFound"]>(`${base(meetingId)}/people`, { query: { q }, signal });
  return found.items;
}

export function addEntry(meetingId: number, entry: NewEntry): Promise<Participant> {
  return request<Participant>(`${base(meetingId)}/participants`, { method: "POST", body: entry });
}

export function changeEntry(meetingId: number, entryId: number, change: EntryChange): Promise<Participant> {
  return request<Participant>(`${base(meetingId)}/participants/${entryId}`, { method: "PATCH", body: change });
}

export function removeEntry(meetingId: number, entryId: number): Promise<Ok> {
  return request<Ok>(`${base(meetingId)}/participants/${entryId}`, { method: "DELETE" });
}

/** `invite`: a guest reading through their link (the same endpoint as the roster's members). */
export function listBriefings(meetingId: number, signal?: AbortSignal, invite?: string): Promise<BriefingList> {
  return request<BriefingList>(`${base(meetingId)}/briefings`, { signal, invite });
}

export function uploadBriefing(meetingId: number, file: File): Promise<Briefing> {
  return request<Briefing>(`${base(meetingId)}/briefings`, { method: "POST", body: file, query: { filename: file.name } });
}

export function deleteBriefing(meetingId: number, briefingId: number): Promise<Ok> {
  return request<Ok>(`${base(meetingId)}/briefings/${briefingId}`, { method: "DELETE" });
}

export function sendInvitations(meetingId: number): Promise<{ sent: number; emailed: number; texted: number }> {
  return request(`${base(meetingId)}/invitations`, { method: "POST" });
}

/** Send one participant's invitation again; a guest gets a new link and the old ones stop working. */
export function resendInvitation(
  meetingId: number,
  entryId: number,
): Promise<{ invitation: Invitation; delivered: string[]; invite: InviteLink | null }> {
  return request(`${base(meetingId)}/participants/${entryId}/invitation`, { method: "POST" });
}

export async function myInvitations(signal?: AbortSignal): Promise<MyInvitation[]> {
  const list = await request<Schemas["MyInvitationList"]>("/api/me/invitations", { signal });
  return list.items;
}

/** The caller's invitation: a member signed in, or a guest through their link (`invite`). */
export function openInvitation(meetingId: number, signal?: AbortSignal, invite?: string): Promise<MyInvitation> {
  return request<MyInvitation>(`${base(meetingId)}/invitation`, { signal, invite });
}

export function answerInvitation(
  meetingId: number,
  status: Answer,
  reason?: string,
  invite?: string,
): Promise<MyInvitation> {
  return request<MyInvitation>(`${base(meetingId)}/invitation`, { method: "POST", body: { status, reason }, invite });
}
