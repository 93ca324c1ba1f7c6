/**
 * The one way the app talks HTTP to the server: request() sends the session
 * cookie, adds the CSRF header on writes and turns every failure into an ApiError.
 */

import type { ErrorBody } from "./types";

const CSRF_COOKIE = "hsl_csrf";
const CSRF_HEADER = "X-CSRF-Token";
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * A failed request. `code` is the server's error code, or "network" when no
 * answer came back, or "bad_response" when the answer was not the JSON we expect.
 * `message` is the server's own (Chinese) sentence when it sent one; otherwise
 * empty, and the page shows its own translated text for `code`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The input the refusal is about, as the server names it ("agenda.0.rounds.2"), if any. */
  readonly field: string | null;

  constructor(status: number, code: string, message: string, field: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

type UnauthorizedHandler = () => void;
let unauthorizedHandler: UnauthorizedHandler | null = null;

/** main.ts wires this to "forget the user and go to sign-in", keeping this module free of the router. */
export function onUnauthorized(handler: UnauthorizedHandler): void {
  unauthorizedHandler = handler;
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** JSON-encoded, except a Blob (a File), which is sent as its bytes. */
  body?: unknown;
  query?: Record<string, string | number | null | undefined>;
  /** Skip the sign-in redirect on 401: for sign-in itself and the "who am I" probe. */
  allowUnauthorized?: boolean;
  /** A guest's invite link token, sent as X-Invite instead of the session cookie counting:
   * the guest acts through the same endpoints as a member. A refusal of it never sends
   * them to sign-in (they have no account); the page shows the server's sentence. */
  invite?: string;
  signal?: AbortSignal;
}

const INVITE_HEADER = "X-Invite";

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  // A file goes as it is (the transcript import reads the raw bytes); anything else as JSON.
  const file = options.body instanceof Blob ? options.body : null;
  if (file) headers["Content-Type"] = file.type || "application/octet-stream";
  else if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.invite) headers[INVITE_HEADER] = options.invite;
  if (WRITE_METHODS.has(method)) {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }

  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      body: file ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "network", "");
  }

  const payload = await readJson(response);
  if (response.ok) {
    if (payload === undefined) throw new ApiError(response.status, "bad_response", "");
    return payload as T;
  }
  const error = toApiError(response.status, payload);
  if (response.status === 401 && !options.allowUnauthorized && !options.invite) unauthorizedHandler?.();
  throw error;
}

/**
 * A file from the server (GET, with the session cookie, or a guest's `invite` as in
 * `request`): its bytes and the name the server gave it. A refusal or a failure (the PDF
 * export without LibreOffice, say) becomes an ApiError carrying the server's sentence,
 * instead of a saved error page.
 */
export async function fetchFile(path: string, invite?: string): Promise<{ blob: Blob; filename: string }> {
  let response: Response;
  try {
    const headers: Record<string, string> = invite ? { [INVITE_HEADER]: invite } : {};
    response = await fetch(path, { credentials: "same-origin", headers });
  } catch {
    throw new ApiError(0, "network", "");
  }
  if (!response.ok) {
    const error = toApiError(response.status, await readJson(response));
    if (response.status === 401 && !invite) unauthorizedHandler?.();
    throw error;
  }
  const disposition = response.headers.get("content-disposition") ?? "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const plain = /filename="([^"]+)"/i.exec(disposition)?.[1];
  const filename = encoded ? decodeURIComponent(encoded) : (plain ?? path.split("/").pop() ?? "file");
  return { blob: await response.blob(), filename };
}

/** Fetch a file as `fetchFile` does and hand it to the browser to save under its name. */
export async function downloadFile(path: string, invite?: string): Promise<void> {
  const { blob, filename } = await fetchFile(path, invite);
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function withQuery(path: string, query: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function readJson(response: Response): Promise<unknown> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) return undefined;
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(status: number, payload: unknown): ApiError {
  if (isErrorBody(payload)) {
    const field = typeof payload.error.field === "string" ? payload.error.field : null;
    return new ApiError(status, payload.error.code, payload.error.message, field);
  }
  // A proxy's HTML error page or an empty body: no server sentence to show.
  return new ApiError(status, status >= 500 ? "server_error" : "bad_response", "");
}

function isErrorBody(payload: unknown): payload is ErrorBody {
  if (typeof payload !== "object" || payload === null || !("error" in payload)) return false;
  const error = payload.error;
  if (typeof error !== "object" || error === null) return false;
  return (
    "code" in error &&
    typeof error.code === "string" &&
    "message" in error &&
    typeof error.message === "string"
  );
}

function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}
