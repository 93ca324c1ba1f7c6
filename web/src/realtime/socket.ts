/**
 * The browser's one Socket.IO connection to /live (the only importer of socket.io-client):
 * connect with the session cookie or a guest invite, join, send commands, receive events.
 */

import { io, type Socket } from "socket.io-client";

export type { Socket };

import type { CommandAck, ConnectionQuality, JoinAck, LiveAuth, LiveCommand, LiveEvent, LiveNotice, PollTally } from "./types";

const NAMESPACE = "/live";
/** An ack that has not come back by then is treated as lost; the command is sent again. */
const ACK_TIMEOUT_MS = 15_000;

export interface LiveSocketHandlers {
  /** Every connect, the first and each automatic reconnect: the caller joins again. */
  connected(): void;
  disconnected(reason: string): void;
  /** The server refused the connection (bad invite, signed out): `message` is its sentence. */
  refused(message: string, code: string | null): void;
  event(event: LiveEvent): void;
  /** A poll's running count (no seq; the highest version wins). */
  tally(tally: PollTally): void;
  /** Something the server announces outside the meeting's events (a new suggestion). */
  notice(notice: LiveNotice): void;
  /** A watcher's link was turned off: nothing more will come. */
  watchClosed?(): void;
  /** Everyone's connection quality (moderators and staff only). */
  quality?(quality: ConnectionQuality): void;
}

export interface LiveSocket {
  readonly connected: boolean;
  join(meetingId: number, sinceSeq: number | null): Promise<JoinAck>;
  command(command: LiveCommand): Promise<CommandAck>;
  close(): void;
}

export class AckTimeout extends Error {
  constructor() {
    super("no answer from the server");
    this.name = "AckTimeout";
  }
}

function authPayload(auth: LiveAuth): Record<string, string> {
  // The session cookie goes with the handshake by itself (same origin).
  if (auth.kind === "invite") return { invite: auth.invite };
  return auth.kind === "watch" ? { watch: auth.watch } : {};
}

export function openLiveSocket(auth: LiveAuth, handlers: LiveSocketHandlers): LiveSocket {
  const socket: Socket = io(NAMESPACE, {
    auth: authPayload(auth),
    // WebSocket first: it needs no sticky sessions when several workers share a port.
    transports: ["websocket", "polling"],
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
    withCredentials: true,
  });

  socket.on("connect", () => handlers.connected());
  socket.on("disconnect", (reason) => handlers.disconnected(reason));
  socket.on("connect_error", (error: Error & { data?: unknown }) => {
    const data = error.data as { code?: unknown } | undefined;
    const code = typeof data?.code === "string" ? data.code : null;
    // A refusal by the server will not change on retry; socket.io stops retrying it itself
    // (socket.active is false). A network failure keeps retrying and is only "offline".
    if (!socket.active) handlers.refused(error.message, code);
  });
  socket.on("event", (event: LiveEvent) => handlers.event(event));
  socket.on("tally", (tally: PollTally) => handlers.tally(tally));
  socket.on("notice", (notice: LiveNotice) => handlers.notice(notice));
  socket.on("watch.closed", () => handlers.watchClosed?.());
  socket.on("quality", (quality: ConnectionQuality) => handlers.quality?.(quality));
  // The server times how fast we answer (realtime/link_probe.py): answer at once, nothing else.
  socket.on("probe", (_data: unknown, answer?: () => void) => answer?.());

  async function call<T>(name: string, payload: unknown): Promise<T> {
    try {
      return (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(name, payload)) as T;
    } catch {
      throw new AckTimeout();
    }
  }

  return {
    get connected() {
      return socket.connected;
    },
    join(meetingId, sinceSeq) {
      const payload = sinceSeq == null ? { meeting_id: meetingId } : { meeting_id: meetingId, since_seq: sinceSeq };
      return call<JoinAck>("join", payload);
    },
    command(command) {
      return call<CommandAck>("command", command);
    },
    close() {
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}

/**
 * A Socket.IO connection to /media, the WebRTC signalling of the meeting's audio and video.
 * realtime/media.ts takes it as its `MediaSignal`; it lives here so that this module stays
 * the app's one importer of socket.io-client.
 */
export function openMediaSocket(auth: LiveAuth): Socket {
  return io("/media", {
    auth: authPayload(auth),
    transports: ["websocket", "polling"],
    withCredentials: true,
  });
}
