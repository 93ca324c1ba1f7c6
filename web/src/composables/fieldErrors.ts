/**
 * The server's refusal of a form, split by field: "输入有误 — name：必填；phone：…" (from
 * server/http/framework.py describe_validation) becomes { name: "必填", phone: "…" }; the
 * rest of the sentence stays for the form's banner.
 */

import { ApiError } from "@/api";

export interface FieldErrors {
  fields: Record<string, string>;
  /** Set when the refusal names no field the form has: shown above the form's buttons. */
  general: unknown;
}

const PREFIX = "输入有误 — ";
const FIELD = /^([a-z_][a-z0-9_.]*)：(.+)$/;

/**
 * `known` lists the form's fields; `byCode` names the field a refusal code is about (e.g. a
 * conflict is about the username).
 */
export function splitErrors(
  error: unknown,
  known: readonly string[],
  byCode: Record<string, string> = {},
): FieldErrors {
  if (!(error instanceof ApiError) || !error.message) return { fields: {}, general: error };
  const fields: Record<string, string> = {};
  const field = byCode[error.code];
  if (field && known.includes(field)) return { fields: { [field]: error.message }, general: null };
  const text = error.message.startsWith(PREFIX) ? error.message.slice(PREFIX.length) : error.message;
  for (const part of text.split("；")) {
    const match = FIELD.exec(part.trim());
    const name = match?.[1]?.split(".")[0];
    if (match && name && known.includes(name)) fields[name] = match[2] ?? "";
  }
  return Object.keys(fields).length ? { fields, general: null } : { fields: {}, general: error };
}

/**
 * The server's words about one input ("lines.2.target"), or "" when the refusal is about
 * another: a domain refusal names its field (`ApiError.field`) and says it plainly; a
 * validation refusal lists "field：reason" parts, of which the one for `name` is kept.
 */
export function errorFor(error: unknown, name: string): string {
  if (!(error instanceof ApiError) || !error.message || error.field !== name) return "";
  if (!error.message.startsWith(PREFIX)) return error.message;
  for (const part of error.message.slice(PREFIX.length).split("；")) {
    const match = FIELD.exec(part.trim());
    if (match?.[1] === name) return match[2] ?? "";
  }
  return error.message;
}
