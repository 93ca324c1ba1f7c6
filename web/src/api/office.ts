/**
 * The office console's endpoints as typed functions: its reach, org units, rooms, people,
 * role grants, people imports and password reset links (server/http/api_office.py).
 */

import { request } from "./client";
import type { Category, CppccLevel, ItemList, Ok, OrgUnit, RoleGrant, Room, Schemas } from "./types";

/** Where the caller runs the office and which roles they may hand out there. */
export type OfficeReach = Schemas["OfficeOut"];
export type Person = Schemas["PersonOut"];
export type PersonNew = Schemas["PersonIn"];
export type PersonChange = Schemas["PersonPatch"];

export interface PeopleQuery {
  q?: string;
  category?: Category | "";
  cppcc_level?: CppccLevel | "";
}

export type ImportRow = Schemas["ImportRowOut"];
export type ImportReport = Schemas["PeopleImportOut"];
export type ResetLink = Schemas["ResetLinkOut"];
export type ResetInfo = Schemas["ResetInfo"];
export type OrgUnitNew = Schemas["OrgUnitIn"];
/** A new room; a unit not yet chosen goes as null, and the server's refusal names the field. */
export type RoomNew = Omit<Schemas["RoomIn"], "org_unit_id"> & { org_unit_id: number | null };

export function getOfficeReach(signal?: AbortSignal): Promise<OfficeReach> {
  return request("/api/office", { signal });
}

export function createOrgUnit(unit: OrgUnitNew): Promise<OrgUnit> {
  return request("/api/org-units", { method: "POST", body: unit });
}

export function renameOrgUnit(unitId: number, name: string): Promise<OrgUnit> {
  return request(`/api/org-units/${unitId}`, { method: "PATCH", body: { name } });
}

export function createRoom(room: RoomNew): Promise<Room> {
  return request("/api/rooms", { method: "POST", body: room });
}

export type RoomChange = Schemas["RoomPatch"];

export function updateRoom(roomId: number, change: RoomChange): Promise<Room> {
  return request(`/api/rooms/${roomId}`, { method: "PATCH", body: change });
}

export async function listPeople(query: PeopleQuery, signal?: AbortSignal): Promise<Person[]> {
  const params = { q: query.q || null, category: query.category || null, cppcc_level: query.cppcc_level || null };
  return (await request<ItemList<Person>>("/api/people", { query: params, signal })).items;
}

export function createPerson(person: PersonNew): Promise<Person> {
  return request("/api/people", { method: "POST", body: person });
}

export function updatePerson(personId: number, change: PersonChange): Promise<Person> {
  return request(`/api/people/${personId}`, { method: "PATCH", body: change });
}

export function grantRole(personId: number, grant: RoleGrant): Promise<Person> {
  return request(`/api/people/${personId}/roles`, { method: "POST", body: grant });
}

export function revokeRole(personId: number, grant: RoleGrant): Promise<Person> {
  return request(`/api/people/${personId}/roles/revoke`, { method: "POST", body: grant });
}

/** Checks a CSV or XLSX list row by row without importing anything. */
export function previewImport(file: File): Promise<ImportReport> {
  return request("/api/people/import/preview", { method: "POST", body: file, query: { filename: file.name } });
}

/** Imports every row, or nobody when any row is wrong (the refusal lists the rows). */
export function importPeople(file: File): Promise<ImportReport> {
  return request("/api/people/import", { method: "POST", body: file, query: { filename: file.name } });
}

export function createResetLink(personId: number): Promise<ResetLink> {
  return request(`/api/people/${personId}/reset-links`, { method: "POST" });
}

/** Whose password a reset link sets; needs no sign-in (the link is the credential). */
export function readResetLink(token: string, signal?: AbortSignal): Promise<ResetInfo> {
  return request(`/api/password-resets/${encodeURIComponent(token)}`, { signal, allowUnauthorized: true });
}

export function useResetLink(token: string, password: string): Promise<Ok> {
  return request(`/api/password-resets/${encodeURIComponent(token)}`, {
    method: "POST",
    body: { password },
    allowUnauthorized: true,
  });
}
