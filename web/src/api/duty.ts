/**
 * Members' yearly duty menus, training sessions and publicity items (第二十三—二十五条).
 * Shapes mirror server/http/api_duty_menu.py and api_training.py.
 */

import { request } from "./client";

export const MENU_KINDS = ["attended", "spoke", "voted", "suggestion", "training"] as const;
export type MenuKind = (typeof MENU_KINDS)[number];

export interface MenuLineNew {
  kind: MenuKind;
  target: number;
  room_id: number | null;
  topic: string;
}

export interface MenuLine extends MenuLineNew {
  room_name: string | null;
  done: number;
  percent: number;
}

export interface DutyMenu {
  person_id: number;
  name: string;
  year: number;
  months_left: number;
  planned_by: string | null;
  updated_at: string | null;
  lines: MenuLine[];
  record: Record<MenuKind, number>;
  planned: number;
  done: number;
  behind: boolean;
}

export function getMyMenu(year: number, signal?: AbortSignal): Promise<DutyMenu> {
  return request("/api/me/duty-menu", { query: { year }, signal });
}

export function getMenu(personId: number, year: number, signal?: AbortSignal): Promise<DutyMenu> {
  return request(`/api/people/${personId}/duty-menu`, { query: { year }, signal });
}

export function setMenu(personId: number, year: number, lines: MenuLineNew[]): Promise<DutyMenu> {
  return request(`/api/people/${personId}/duty-menu`, { method: "PUT", body: { year, lines } });
}

export async function listMenus(year: number, signal?: AbortSignal): Promise<DutyMenu[]> {
  return (await request<{ items: DutyMenu[] }>("/api/assessment/duty-menus", { query: { year }, signal })).items;
}

// --- training sessions (第二十四条) ---------------------------------------------------------

export interface TrainingNew {
  org_unit_id: number;
  title: string;
  held_on: string;
  place: string;
  attendee_ids: number[];
}

export interface Training extends TrainingNew {
  id: number;
  by_name: string;
}

export async function listTrainings(year: number, signal?: AbortSignal): Promise<Training[]> {
  return (await request<{ items: Training[] }>("/api/trainings", { query: { year }, signal })).items;
}

export function recordTraining(body: TrainingNew): Promise<Training> {
  return request("/api/trainings", { method: "POST", body });
}

// --- publicity items (第二十五条) -----------------------------------------------------------

export const CHANNELS = ["wechat", "portal", "press", "app"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface PublicityNew {
  title: string;
  url: string;
  channel: Channel;
  published_on: string;
  outcome_id: number | null;
}

export interface Publicity extends PublicityNew {
  id: number;
  room_id: number;
  by_name: string;
}

export async function listPublicity(roomId: number, signal?: AbortSignal): Promise<Publicity[]> {
  return (await request<{ items: Publicity[] }>(`/api/rooms/${roomId}/publicity`, { signal })).items;
}

export function addPublicity(roomId: number, body: PublicityNew): Promise<Publicity> {
  return request(`/api/rooms/${roomId}/publicity`, { method: "POST", body });
}

/** The address to link to, or null when it is not a plain http(s) address (then shown as text). */
export function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}
