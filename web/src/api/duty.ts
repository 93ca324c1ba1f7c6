/**
 * Members' yearly duty menus, training sessions and publicity items (第二十三—二十五条).
 * Shapes are the OpenAPI document's (./schema.generated.ts).
 */

import { request } from "./client";
import type { Schemas } from "./types";

export const MENU_KINDS = ["attended", "spoke", "voted", "suggestion", "training"] as const;
export type MenuKind = (typeof MENU_KINDS)[number];

export type MenuLineNew = Schemas["MenuLineIn"];

export type MenuLine = Schemas["MenuLineOut"];

export type DutyMenu = Schemas["MenuOut"];

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
  return (await request<Schemas["MenuList"]>("/api/assessment/duty-menus", { query: { year }, signal })).items;
}

// --- training sessions (第二十四条) ---------------------------------------------------------

export type TrainingNew = Schemas["TrainingIn"];

export type Training = Schemas["TrainingOut"];

export async function listTrainings(year: number, signal?: AbortSignal): Promise<Training[]> {
  return (await request<Schemas["TrainingList"]>("/api/trainings", { query: { year }, signal })).items;
}

export function recordTraining(body: TrainingNew): Promise<Training> {
  return request("/api/trainings", { method: "POST", body });
}

// --- publicity items (第二十五条) -----------------------------------------------------------

export const CHANNELS = ["wechat", "portal", "press", "app"] as const;
export type Channel = (typeof CHANNELS)[number];

export type PublicityNew = Schemas["PublicityIn"];

export type Publicity = Schemas["PublicityOut"];

export async function listPublicity(roomId: number, signal?: AbortSignal): Promise<Publicity[]> {
  return (await request<Schemas["PublicityList"]>(`/api/rooms/${roomId}/publicity`, { signal })).items;
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
