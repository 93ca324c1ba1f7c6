/**
 * Where the server's refusal of a form goes: beside the fields it names, else in the form's
 * banner. The one reading of a refusal for every form.
 *
 * A refusal names its place in `error.field`, a dotted path ("agenda.0.rounds.2"): the field
 * a rule is about, or the first input that failed validation. A validation sentence
 * ("输入有误 — name：必填；phone：…", server/http/framework.py describe_validation) names
 * every input that failed, and each gets its own reason.
 */

import { ApiError } from "@/api";

const PREFIX = "输入有误 — ";
const PART = /^([a-z_][a-z0-9_.]*)：(.+)$/;

/** Each place the refusal names, with what it says there. */
function placesOf(error: unknown): Map<string, string> {
  const places = new Map<string, string>();
  if (!(error instanceof ApiError) || !error.message) return places;
  if (error.message.startsWith(PREFIX)) {
    for (const part of error.message.slice(PREFIX.length).split("；")) {
      const match = PART.exec(part.trim());
      if (match?.[1] && !places.has(match[1])) places.set(match[1], match[2] ?? "");
    }
  }
  if (error.field && !places.has(error.field)) places.set(error.field, error.message);
  return places;
}

const inside = (place: string, path: string) => place === path || place.startsWith(path + ".");

/** What the refusal says about `path` or a place inside it ("agenda.0" holds "agenda.0.title"), or null. */
export function refusalAt(error: unknown, path: string): string | null {
  for (const [place, message] of placesOf(error)) if (inside(place, path)) return message;
  return null;
}

/** The form's `fields` the refusal is about, each with what it says there. */
export function refusalsAt(error: unknown, fields: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const field of fields) {
    const message = refusalAt(error, field);
    if (message !== null) found[field] = message;
  }
  return found;
}

/** The refusal for the form's banner: the error itself unless it names one of `fields`. */
export function unplacedRefusal(error: unknown, fields: readonly string[]): unknown {
  return Object.keys(refusalsAt(error, fields)).length ? null : error;
}
