/**
 * Preparing a meeting's people: search, the roster by category, briefing documents and
 * invitations. Shapes mirror server/http/schemas_roster.py.
 */

import { request } from "./client";
import type { Category, InviteLink, Meeting, Ok, Participant } from "./types";

export type AttendanceMode = "in_room" | "remote";
export type MeetingRoleName = "moderator" | "staff" | "participant";
export type InvitationStatus = "unread" | "read" | "in_room" | "remote" | "declined";
export type Answer = "in_room" | "remote" | "declined";

export interface PersonFound {
  id: number;
  name: string;
  category: Category;
  cppcc_level: "city" | "county" | null;
  org_unit_name: string | null;
  on_roster: boolean;
}

export interface Invitation {
  status: InvitationStatus;
  reason: string | null;
  sent_at: string;
  answered_at: string | null;
  delivered: string;
}

export interface RosterEntry {
  id: number;
  person_id: number | null;
  name: string;
  category: Category;
  role: MeetingRoleName;
  attendance_mode: AttendanceMode | null;
  org_unit_name: string | null;
  guest_phone: string | null;
  invitation: Invitation | null;
  /** A guest's newest invite link (the link itself is shown only when made). */
  link?: GuestLinkState | null;
}

export interface GuestLinkState {
  invite_id: number;
  expires_at: string;
  revoked: boolean;
  expired: boolean;
}

export interface CategoryCheck {
  category: Category;
  count: number;
  budget_s: number | null;
  warnings: string[];
}

export interface AttendanceSummary {
  expected: number;
  in_room: number;
  remote: number;
  declined: number;
  no_reply: number;
}

export interface Roster {
  meeting_id: number;
  locked: boolean;
  entries: RosterEntry[];
  categories: CategoryCheck[];
  summary: AttendanceSummary;
}

export interface Briefing {
  id: number;
  meeting_id: number;
  filename: string;
  content_type: string;
  size: number;
  uploaded_at: string;
  url: string;
}

/** A research record's file, read through the meeting's briefing. */
export interface BriefingAttachment {
  id: number;
  filename: string;
  content_type: string;
  size: number;
  url: string;
}

export interface BriefingResearch {
  id: number;
  who: string;
  place: string;
  done_on: string;
  findings: string;
  attachments: BriefingAttachment[];
}

export interface BriefingNotice {
  noticed_at: string;
  meeting_at: string;
  place: string;
  form: string;
  how_to_join: string;
  /** Whole days from the notice to the meeting's day. */
  days: number;
  /** The room's notice days (第十四条). */
  required_days: number;
}

/** The meeting's topic as the roster reads it before the meeting: its notice and research. */
export interface BriefingTopic {
  topic_id: number;
  title: string;
  description: string;
  notice: BriefingNotice | null;
  research: BriefingResearch[];
}

export interface BriefingList {
  items: Briefing[];
  topic: BriefingTopic | null;
}

export interface MyInvitation {
  meeting: Meeting;
  participant_id: number;
  invitation: Invitation;
  briefings: Briefing[];
  topic: BriefingTopic | null;
}

export interface NewEntry {
  person_id?: number;
  guest_name?: string;
  guest_phone?: string;
  category?: Category;
}

export interface EntryChange {
  attendance_mode?: AttendanceMode | null;
  role?: MeetingRoleName;
}

const base = (meetingId: number) => `/api/meetings/${meetingId}`;

export function getRoster(meetingId: number, signal?: AbortSignal): Promise<Roster> {
  return request<Roster>(`${base(meetingId)}/roster`, { signal });
}

export async function searchPeople(meetingId: number, q: string, signal?: AbortSignal): Promise<PersonFound[]> {
  const found = await request<{ items: PersonFound[] }>(`${base(meetingId)}/people`, { query: { q }, signal });
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
  const list = await request<{ items: MyInvitation[] }>("/api/me/invitations", { signal });
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
