/**
 * The server's endpoints as typed functions; pages and stores call these,
 * never fetch() directly.
 */

import { request } from "./client";
import type {
  InviteInfo,
  ItemList,
  LoginRequest,
  LoginResponse,
  Me,
  Meeting,
  Ok,
  OrgUnit,
  Participant,
  Room,
  Suggestion,
  ThemeBoard,
  ThemePollDraft,
  ThemePollRequest,
} from "./types";

export { ApiError, onUnauthorized } from "./client";
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

export async function listParticipants(meetingId: number, signal?: AbortSignal): Promise<Participant[]> {
  return (await request<ItemList<Participant>>(`/api/meetings/${meetingId}/participants`, { signal })).items;
}

/** An invite link's meeting and guest; needs no sign-in (the token is the credential). */
export function readInvite(invite: string, signal?: AbortSignal): Promise<InviteInfo> {
  return request(`/api/invites/${encodeURIComponent(invite)}`, { signal, allowUnauthorized: true });
}

/** A meeting's suggestions, oldest first (moderators and staff see them all). */
export async function listSuggestions(meetingId: number, signal?: AbortSignal): Promise<Suggestion[]> {
  return (await request<ItemList<Suggestion>>(`/api/meetings/${meetingId}/suggestions`, { signal })).items;
}

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
