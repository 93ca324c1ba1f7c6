/**
 * Command ids: one random id per user action, kept when the command is sent again after
 * a reconnect, so the server applies it once (docs/protocol.md, `command`).
 */

/** 32 hex characters. getRandomValues, unlike randomUUID, also works on plain-http LAN addresses. */
export function newCommandId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
