/**
 * The server's endpoints as typed functions; pages and stores call these,
 * never fetch() directly.
 */

import { request } from "./client";
import type {
  DraftOf,
  InviteInfo,
  MeetingNew,
  MeetingPlanChange,
  ItemList,
  LoginRequest,
  LoginResponse,
  Me,
  Meeting,
  MyPlace,
  Ok,
  OrgUnit,
  Participant,
  RecordKind,
  RecordVersion,
  Room,
  Schemas,
  SegmentChange,
  SegmentNew,
  Suggestion,
  ThemeBoard,
  ThemePollDraft,
  ThemePollRequest,
  Transcript,
  TranscriptImported,
  TranscriptRebuilt,
  TranscriptSegment,
  VersionSummary,
} from "./types";

export { ApiError, downloadFile, fetchFile, onUnauthorized } from "./client";
export { CATEGORIES } from "./types";
export type * from "./types";

export function login(credentials: LoginRequest): Promise<LoginResponse> {
  return request("/api/auth/login", { method: "POST", body: credentials, allowUnauthorized: true });
}

export function logout(): Promise<Ok> {
  return request("/api/auth/logout", { method: "POST", allowUnauthorized: true });
}

/** The signed-in person; rejects with status 401 when nobody is signed in. */
export function fetchMe(): Promise<Me> {
  return request("/api/me", { allowUnauthorized: true });
}

export async function listOrgUnits(signal?: AbortSignal): Promise<OrgUnit[]> {
  return (await request<ItemList<OrgUnit>>("/api/org-units", { signal })).items;
}

export async function listRooms(signal?: AbortSignal): Promise<Room[]> {
  return (await request<ItemList<Room>>("/api/rooms", { signal })).items;
}

export function getRoom(roomId: number, signal?: AbortSignal): Promise<Room> {
  return request(`/api/rooms/${roomId}`, { signal });
}

export async function listMeetings(roomId: number | null, signal?: AbortSignal): Promise<Meeting[]> {
  const query = { room_id: roomId };
  return (await request<ItemList<Meeting>>("/api/meetings", { query, signal })).items;
}

export function getMeeting(meetingId: number, signal?: AbortSignal): Promise<Meeting> {
  return request(`/api/meetings/${meetingId}`, { signal });
}

/** The signed-in person's role in the meeting (moderator, staff, participant, or none). */
export function getMyPlace(meetingId: number, signal?: AbortSignal): Promise<MyPlace> {
  return request(`/api/meetings/${meetingId}/me`, { signal });
}

export async function listParticipants(meetingId: number, signal?: AbortSignal): Promise<Participant[]> {
  return (await request<ItemList<Participant>>(`/api/meetings/${meetingId}/participants`, { signal })).items;
}

/** An invite link's meeting and guest; needs no sign-in (the token is the credential). */
export function readInvite(invite: string, signal?: AbortSignal): Promise<InviteInfo> {
  return request(`/api/invites/${encodeURIComponent(invite)}`, { signal, allowUnauthorized: true });
}

/** A meeting's suggestions, oldest first (moderators and staff see them all). */
/** Staff get every suggestion; the rest of the roster its own and the others on the board
 * (without names); a guest sends the invite instead of the session cookie. */
export async function listSuggestions(meetingId: number, signal?: AbortSignal, invite?: string): Promise<Suggestion[]> {
  return (await request<ItemList<Suggestion>>(`/api/meetings/${meetingId}/suggestions`, { signal, invite })).items;
}

// --- the transcript (发言记录): moderators and staff of the meeting keep it ---------------

function transcriptPath(meetingId: number): string {
  return `/api/meetings/${meetingId}/transcript`;
}

/** The meeting's transcript; only its moderators and staff may read it (others get 403). */
export function getTranscript(meetingId: number, signal?: AbortSignal): Promise<Transcript> {
  return request(transcriptPath(meetingId), { signal });
}

/** One segment per speech of the session record; existing segments keep what was typed. */
export function buildTranscript(meetingId: number): Promise<TranscriptRebuilt> {
  return request(transcriptPath(meetingId), { method: "POST" });
}

export function addSegment(meetingId: number, segment: SegmentNew): Promise<TranscriptSegment> {
  return request(`${transcriptPath(meetingId)}/segments`, { method: "POST", body: segment });
}

export function updateSegment(
  meetingId: number,
  segmentId: number,
  change: SegmentChange,
): Promise<TranscriptSegment> {
  return request(`${transcriptPath(meetingId)}/${segmentId}`, { method: "PATCH", body: change });
}

export function deleteSegment(meetingId: number, segmentId: number): Promise<Ok> {
  return request(`${transcriptPath(meetingId)}/${segmentId}`, { method: "DELETE" });
}

/** Reads a transcript file (text, SRT, WebVTT, DOCX, JSONL) in place of, or after, the transcript. */
export function importTranscript(
  meetingId: number,
  file: File,
  mode: "replace" | "append",
): Promise<TranscriptImported> {
  return request(`${transcriptPath(meetingId)}/import`, {
    method: "POST",
    body: file,
    query: { filename: file.name, mode },
  });
}

// --- minutes and recommendation-report versions (会议纪要, 协商建议) ----------------------

function recordPath(meetingId: number, kind: RecordKind, number?: number): string {
  const base = `/api/meetings/${meetingId}/${kind}`;
  return number === undefined ? base : `${base}/${number}`;
}

/** Every version for editors; participants get the signed ones only. */
export async function listVersions(
  meetingId: number,
  kind: RecordKind,
  signal?: AbortSignal,
): Promise<VersionSummary[]> {
  return (await request<ItemList<VersionSummary>>(recordPath(meetingId, kind), { signal })).items;
}

export function getVersion<K extends RecordKind>(
  meetingId: number,
  kind: K,
  number: number,
  signal?: AbortSignal,
): Promise<RecordVersion<K>> {
  return request(recordPath(meetingId, kind, number), { signal });
}

/** Drafts new minutes from the transcript (409 while the transcript is empty). */
export function draftMinutes(meetingId: number): Promise<RecordVersion<"minutes">> {
  return request(recordPath(meetingId, "minutes"), { method: "POST", body: {} });
}

/** Drafts a recommendation report from the given minutes version. */
export function draftReport(meetingId: number, minutesVersion: number): Promise<RecordVersion<"recommendations">> {
  return request(recordPath(meetingId, "recommendations"), {
    method: "POST",
    body: { minutes_version: minutesVersion },
  });
}

/** Saves an edit of version `number` as the next version. */
export function saveVersion<K extends RecordKind>(
  meetingId: number,
  kind: K,
  number: number,
  draft: DraftOf[K],
  note: string,
): Promise<RecordVersion<K>> {
  return request(recordPath(meetingId, kind, number), { method: "PUT", body: { draft, note } });
}

/** The moderator signs a version off (签发). */
export function signVersion<K extends RecordKind>(
  meetingId: number,
  kind: K,
  number: number,
): Promise<RecordVersion<K>> {
  return request(`${recordPath(meetingId, kind, number)}/sign`, { method: "POST" });
}

/** Where a version downloads as a file; a plain link, so the browser saves it with the server's name. */
export function versionFileUrl(meetingId: number, kind: RecordKind, number: number, format: "docx" | "md" | "pdf"): string {
  return `${recordPath(meetingId, kind, number)}/${format}`;
}

// --- the theme board (意见建议主题): moderators and staff of the meeting ------------------

function themesPath(meetingId: number, rest = ""): string {
  return `/api/meetings/${meetingId}/themes${rest}`;
}

/** The theme board (moderators and staff): themes with keywords and ranked members, near-duplicates. */
export function getThemeBoard(meetingId: number, signal?: AbortSignal): Promise<ThemeBoard> {
  return request(themesPath(meetingId), { signal });
}

/** Cluster every suggestion afresh; staff edits (pins and names) are kept. */
export function reclusterThemes(meetingId: number): Promise<ThemeBoard> {
  return request(themesPath(meetingId, "/recluster"), { method: "POST" });
}

/** Merge themes into the first of `themeIds`, optionally naming the result. */
export function mergeThemes(meetingId: number, themeIds: number[], name?: string): Promise<ThemeBoard> {
  return request(themesPath(meetingId, "/merge"), { method: "POST", body: { theme_ids: themeIds, name } });
}

/** Take suggestions out of a theme: together they become a theme of their own. */
export function splitTheme(meetingId: number, themeId: number, suggestionIds: number[]): Promise<ThemeBoard> {
  return request(themesPath(meetingId, "/split"), {
    method: "POST",
    body: { theme_id: themeId, parts: [suggestionIds] },
  });
}

/** Move suggestions into a theme, or (`themeId` null) into a new theme. */
export function moveSuggestions(meetingId: number, suggestionIds: number[], themeId: number | null): Promise<ThemeBoard> {
  const body = themeId === null ? { suggestion_ids: suggestionIds } : { suggestion_ids: suggestionIds, theme_id: themeId };
  return request(themesPath(meetingId, "/move"), { method: "POST", body });
}

/** Give a theme staff's name; an empty name goes back to the generated label. */
export function renameTheme(meetingId: number, themeId: number, name: string): Promise<ThemeBoard> {
  return request(themesPath(meetingId, `/${themeId}`), { method: "PATCH", body: { name: name || null } });
}

/** The `poll.open` command that asks the meeting to choose or rank among the themes. */
export function themesToPoll(meetingId: number, body: ThemePollRequest): Promise<ThemePollDraft> {
  return request(themesPath(meetingId, "/poll"), { method: "POST", body });
}

// --- Planning a meeting (新建会议, the agenda editor, guest invite links). ----------------------

/** The rooms the signed-in person may plan a meeting in (the server's meeting.create decides). */
export async function listPlannableRooms(signal?: AbortSignal): Promise<Room[]> {
  return (await request<ItemList<Room>>("/api/rooms/plannable", { signal })).items;
}

export function createMeeting(body: MeetingNew): Promise<Meeting> {
  return request("/api/meetings", { method: "POST", body });
}

/** Save the agenda and speaking rules; refused with 409 once the meeting has gone live. */
export function updateMeetingPlan(meetingId: number, body: MeetingPlanChange): Promise<Meeting> {
  return request(`/api/meetings/${meetingId}`, { method: "PATCH", body });
}

export function revokeInvite(meetingId: number, inviteId: number): Promise<Schemas["InviteRevoked"]> {
  return request(`/api/meetings/${meetingId}/invites/${inviteId}/revoke`, { method: "POST" });
}

/** A meeting's watch link (旁听链接), as its moderator sees it. */
export type WatchLink = Schemas["WatchOut"];

export function getWatchLink(meetingId: number, signal?: AbortSignal): Promise<WatchLink> {
  return request(`/api/meetings/${meetingId}/watch`, { signal });
}

export function setWatchLink(meetingId: number, enabled: boolean): Promise<WatchLink> {
  return request(`/api/meetings/${meetingId}/watch`, { method: "PUT", body: { enabled } });
}

/** The meeting a watch link shows (no account needed). */
export type WatchedMeeting = Schemas["WatchedMeeting"];

export function getWatchedMeeting(token: string, signal?: AbortSignal): Promise<WatchedMeeting> {
  return request(`/api/watch/${encodeURIComponent(token)}`, { signal });
}
