/**
 * Remote audio and video for one meeting: a single RTCPeerConnection to the server's media
 * worker, signalled over the /media Socket.IO namespace, following the floor.
 *
 * The server decides who is heard; this module only mirrors it: the microphone is enabled
 * while the server says we are live (and we have not muted ourselves), and each receiving
 * slot plays whichever speaker the server put in it. The signalling socket is given to
 * us (`MediaSignal`), so the app keeps one place that imports socket.io-client.
 */

/** What this module needs of a Socket.IO client socket connected to /media. */
export interface MediaSignal {
  readonly connected: boolean;
  emitWithAck(event: string, payload: unknown): Promise<unknown>;
  emit(event: string, payload: unknown): unknown;
  on(event: string, handler: (data: never) => void): unknown;
  disconnect(): unknown;
}

import type { MediaKind } from "@/realtime/mediaMemory";

export type { MediaKind };
export { rememberMedia, rememberedMedia } from "@/realtime/mediaMemory";
export type MediaPhase = "idle" | "starting" | "connected" | "failed" | "closed";
export type QualityGrade = "good" | "fair" | "poor";

export interface MediaOptions {
  meetingId: number;
  /** "room" for the in-room computer: it sends the room microphone and camera. */
  kind: MediaKind;
  /** Send our camera too (the room, or a remote speaker who wants to be seen). */
  video: boolean;
  /** How many speakers we can hear and see at once. */
  audioSlots?: number;
  videoSlots?: number;
}

/** One receiving slot: the speaker the server put in it (none: label null). */
export interface RemoteSlot {
  mid: string;
  kind: "audio" | "video";
  label: string | null;
  name: string | null;
  stream: MediaStream;
}

export interface Quality {
  grade: QualityGrade;
  rttMs: number | null;
  lossPct: number | null;
  inboundKbps: number | null;
  outboundKbps: number | null;
}

/** The server's view of one participant's connection (moderators and staff get these). */
export interface PeerQuality {
  label: string;
  name: string;
  kind: MediaKind;
  connection: string;
  live: boolean;
  grade: QualityGrade;
  rtt_ms: number | null;
  uplink_loss_pct: number | null;
  downlink_loss_pct: number | null;
}

export interface MediaView {
  phase: MediaPhase;
  /** Why a listener (kind "listen") was cut off: the moderator stopped it, or the link went. */
  listenClosed: "stopped" | "link_closed" | null;
  /** A sentence for the participant when starting or the connection failed. */
  error: string | null;
  /** The server refused in a way joining again cannot change (no retry is scheduled). */
  refused: boolean;
  /** The server forwards our microphone now (we have the floor, open mics, the room…). */
  live: boolean;
  mutedByModerator: boolean;
  selfMuted: boolean;
  openMics: boolean;
  floor: string | null;
  sendingAudio: boolean;
  sendingVideo: boolean;
  slots: RemoteSlot[];
  levels: Record<string, number>;
  quality: Quality | null;
  peers: PeerQuality[];
  videoCapKbps: number | null;
}

interface Ack {
  ok: boolean;
  error?: { code: string; message: string };
  [key: string]: unknown;
}

const ACK_TIMEOUT_MS = 20_000;
const GATHER_TIMEOUT_MS = 5_000;
const STATS_EVERY_MS = 2_000;
/** Waits before joining again after a failure: 2 s, 4 s, 8 s… at most 30 s. */
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 30_000;
/** Refusals that joining again cannot change (the others, like a worker restarting, can). */
const FINAL_CODES = new Set(["forbidden", "invalid", "not_found"]);

/** A refusal from the server, with its code. */
class MediaRefusal extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}


export function gradeOf(lossPct: number | null, rttMs: number | null): QualityGrade {
  const loss = lossPct ?? 0;
  const rtt = rttMs ?? 0;
  if (loss < 2 && rtt < 300) return "good";
  if (loss < 8 && rtt < 700) return "fair";
  return "poor";
}

function isAck(value: unknown): value is Ack {
  return typeof value === "object" && value !== null && typeof (value as Ack).ok === "boolean";
}

function initialView(): MediaView {
  return {
    phase: "idle",
    listenClosed: null,
    error: null,
    refused: false,
    live: false,
    mutedByModerator: false,
    selfMuted: false,
    openMics: false,
    floor: null,
    sendingAudio: false,
    sendingVideo: false,
    slots: [],
    levels: {},
    quality: null,
    peers: [],
    videoCapKbps: null,
  };
}

/** Put Opus and VP8 first: the server forwards packets as they are and speaks only these. */
function preferForwardedCodecs(transceiver: RTCRtpTransceiver, kind: "audio" | "video"): void {
  const wanted = kind === "audio" ? "audio/opus" : "video/vp8";
  const capabilities = RTCRtpReceiver.getCapabilities(kind);
  if (!capabilities || typeof transceiver.setCodecPreferences !== "function") return;
  const codecs = capabilities.codecs;
  const first = codecs.filter((c) => c.mimeType.toLowerCase() === wanted);
  const rest = codecs.filter((c) => c.mimeType.toLowerCase() !== wanted);
  try {
    transceiver.setCodecPreferences([...first, ...rest]);
  } catch {
    // An older browser refuses some capability lists; its default order still has both.
  }
}

async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return;
  await new Promise<void>((resolve) => {
    const timer = window.setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        window.clearTimeout(timer);
        resolve();
      }
    });
  });
}

export class MediaSession {
  readonly view: MediaView = initialView();
  pc: RTCPeerConnection | null = null;
  private local: MediaStream | null = null;
  private statsTimer: number | null = null;
  private lastCounters = { at: 0, inBytes: 0, outBytes: 0, lost: 0, received: 0 };
  /** The participant wants to be in the media: failures and reconnects join again. */
  private wanted = false;
  private retryTimer: number | null = null;
  private retryDelayMs = RETRY_FIRST_MS;

  constructor(
    private readonly signal: MediaSignal,
    private readonly options: MediaOptions,
    private readonly changed: (view: MediaView) => void,
  ) {
    signal.on("media.state", (data: { live: boolean; muted: boolean; open_mics: boolean; floor: string | null }) => {
      this.view.live = data.live;
      this.view.mutedByModerator = data.muted;
      this.view.openMics = data.open_mics;
      this.view.floor = data.floor;
      this.applyMicrophone();
      this.emitChange();
    });
    signal.on("media.slots", (data: { slots: { mid: string; label: string | null; name: string | null }[] }) => {
      this.applySlots(data.slots);
    });
    signal.on("media.levels", (data: { levels: Record<string, number> }) => {
      this.view.levels = data.levels;
      this.emitChange();
    });
    signal.on("media.quality", (data: { peers: PeerQuality[] }) => {
      this.view.peers = data.peers;
      this.emitChange();
    });
    signal.on("media.cap", (data: { video_kbps: number | null }) => {
      this.view.videoCapKbps = data.video_kbps;
      void this.applyVideoCap();
    });
    signal.on("media.listen_closed", (data: { reason: string }) => {
      // A watcher cut off by the server: consent withdrawn or the link turned off. Final.
      this.wanted = false;
      this.clearRetry();
      this.teardown();
      this.view.phase = "closed";
      this.view.listenClosed = data.reason === "link_closed" ? "link_closed" : "stopped";
      this.emitChange();
    });
    signal.on("media.connection", (data: { state: string }) => {
      if (data.state === "failed") this.fail("音视频连接失败，您仍可通过文字、举手和表决参加会议");
    });
    // The server drops our peer when the signalling socket goes; when it comes back
    // (Socket.IO reconnects by itself), join again rather than stay silent.
    signal.on("disconnect", () => {
      if (this.wanted && this.view.phase !== "idle") this.fail("音视频连接中断，正在重新连接…");
    });
    signal.on("connect", () => {
      if (this.wanted && this.view.phase !== "starting" && this.view.phase !== "connected") this.retryNow();
    });
  }

  /** How this session joins: the room or a person, with or without the camera. */
  get joinedAs(): { kind: MediaKind; video: boolean } {
    return { kind: this.options.kind, video: this.options.video };
  }

  /** Turn our camera on or off: a new join (the server does not renegotiate). */
  async setVideo(video: boolean): Promise<void> {
    this.options.video = video;
    if (!this.wanted) return;
    this.teardown();
    this.view.phase = "idle";
    await this.start();
  }

  /** Join the meeting's media: ask for the devices, offer, and play what the server sends. */
  async start(): Promise<void> {
    if (this.view.phase === "starting" || this.view.phase === "connected") return;
    this.wanted = true;
    this.clearRetry();
    this.view.phase = "starting";
    this.view.error = null;
    this.view.refused = false;
    this.view.listenClosed = null;
    this.emitChange();
    try {
      const joined = await this.call("join", { meeting_id: this.options.meetingId, kind: this.options.kind });
      const iceServers = (joined.ice_servers as RTCIceServer[] | undefined) ?? [];
      // A listener never asks for the microphone: it only hears.
      this.local = this.options.kind === "listen" ? null : await this.openDevices();
      const pc = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle" });
      this.pc = pc;
      this.addTransceivers(pc);
      pc.addEventListener("connectionstatechange", () => {
        if (pc.connectionState === "connected") {
          this.view.phase = "connected";
          this.view.error = null;
          this.retryDelayMs = RETRY_FIRST_MS;
          this.emitChange();
        } else if (pc.connectionState === "failed") {
          this.fail("音视频连接失败，您仍可通过文字、举手和表决参加会议");
        }
      });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const local = pc.localDescription;
      if (!local) throw new Error("no local description");
      const answer = await this.call("offer", { type: "offer", sdp: local.sdp });
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp as string });
      this.applyMicrophone();
      this.statsTimer = window.setInterval(() => void this.sampleStats(), STATS_EVERY_MS);
    } catch (error) {
      const final = error instanceof MediaRefusal && FINAL_CODES.has(error.code);
      this.fail(error instanceof Error && error.message ? error.message : "无法加入音视频", !final);
    }
  }

  /** Mute or unmute ourselves; the server's decision still applies on top. */
  setSelfMuted(muted: boolean): void {
    this.view.selfMuted = muted;
    this.applyMicrophone();
    this.emitChange();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    this.clearRetry();
    this.teardown();
    this.view.phase = "closed";
    this.emitChange();
    if (this.signal.connected) {
      try {
        await this.call("leave", {});
      } catch {
        // Leaving is best effort: the server drops the peer when the socket closes anyway.
      }
    }
  }

  /** Stop everything and close the signalling socket (the component is going away). */
  dispose(): void {
    this.wanted = false;
    this.clearRetry();
    this.teardown();
    this.signal.disconnect();
  }

  // --- internals -----------------------------------------------------------------------

  private async call(event: string, payload: unknown): Promise<Ack> {
    let timer = 0;
    const timeout = new Promise<never>((_, reject) => {
      timer = window.setTimeout(() => reject(new Error("音视频服务没有响应")), ACK_TIMEOUT_MS);
    });
    try {
      const reply = await Promise.race([this.signal.emitWithAck(event, payload), timeout]);
      if (!isAck(reply)) throw new Error("音视频服务的回答无法识别");
      if (!reply.ok) throw new MediaRefusal(reply.error?.message ?? "音视频请求被拒绝", reply.error?.code ?? "");
      return reply;
    } finally {
      window.clearTimeout(timer);
    }
  }

  private async openDevices(): Promise<MediaStream | null> {
    const video = this.options.video ? { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } } : false;
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true }, video });
    } catch {
      if (video) {
        try {
          return await navigator.mediaDevices.getUserMedia({ audio: true });
        } catch {
          // Fall through: listen only.
        }
      }
      this.view.error = "无法使用麦克风，您可以收听会议，但发言需要麦克风";
      return null;
    }
  }

  private addTransceivers(pc: RTCPeerConnection): void {
    const mic = this.local?.getAudioTracks()[0] ?? null;
    const camera = this.local?.getVideoTracks()[0] ?? null;
    this.view.sendingAudio = mic !== null;
    this.view.sendingVideo = camera !== null;
    const streams = this.local ? [this.local] : [];
    if (this.options.kind === "listen") {
      // A watcher hears up to `audioSlots` speakers and sends nothing, sees no video.
      for (let i = 0; i < (this.options.audioSlots ?? 3); i += 1) {
        preferForwardedCodecs(pc.addTransceiver("audio", { direction: "recvonly" }), "audio");
      }
      return;
    }
    // The first transceiver of each kind carries ours up and one speaker down.
    const audio = pc.addTransceiver(mic ?? "audio", { direction: mic ? "sendrecv" : "recvonly", streams });
    preferForwardedCodecs(audio, "audio");
    const videoFirst = pc.addTransceiver(camera ?? "video", { direction: camera ? "sendrecv" : "recvonly", streams });
    preferForwardedCodecs(videoFirst, "video");
    for (let i = 1; i < (this.options.audioSlots ?? 3); i += 1) {
      preferForwardedCodecs(pc.addTransceiver("audio", { direction: "recvonly" }), "audio");
    }
    for (let i = 1; i < (this.options.videoSlots ?? 2); i += 1) {
      preferForwardedCodecs(pc.addTransceiver("video", { direction: "recvonly" }), "video");
    }
  }

  private applyMicrophone(): void {
    const on = this.view.live && !this.view.selfMuted && !this.view.mutedByModerator;
    for (const track of this.local?.getAudioTracks() ?? []) track.enabled = on;
    for (const track of this.local?.getVideoTracks() ?? []) track.enabled = this.view.live;
  }

  private applySlots(slots: { mid: string; label: string | null; name: string | null }[]): void {
    const pc = this.pc;
    if (!pc) return;
    const byMid = new Map(pc.getTransceivers().map((t) => [t.mid, t]));
    this.view.slots = slots.flatMap((slot) => {
      const transceiver = byMid.get(slot.mid);
      if (!transceiver) return [];
      const track = transceiver.receiver.track;
      return [
        {
          mid: slot.mid,
          kind: track.kind === "video" ? "video" : "audio",
          label: slot.label,
          name: slot.name,
          stream: new MediaStream([track]),
        } satisfies RemoteSlot,
      ];
    });
    this.emitChange();
  }

  private async applyVideoCap(): Promise<void> {
    const sender = this.pc?.getSenders().find((s) => s.track?.kind === "video");
    if (!sender) return;
    const parameters = sender.getParameters();
    if (!parameters.encodings?.length) parameters.encodings = [{}];
    for (const encoding of parameters.encodings) {
      if (this.view.videoCapKbps === null) delete encoding.maxBitrate;
      else encoding.maxBitrate = this.view.videoCapKbps * 1000;
    }
    try {
      await sender.setParameters(parameters);
    } catch {
      // A sender not yet negotiated refuses parameters; the next cap notice tries again.
    }
  }

  private async sampleStats(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const report = await pc.getStats();
    let inBytes = 0;
    let outBytes = 0;
    let lost = 0;
    let received = 0;
    let rtt: number | null = null;
    report.forEach((stat: Record<string, unknown>) => {
      const num = (key: string): number => {
        const value = stat[key];
        return typeof value === "number" ? value : 0;
      };
      if (stat.type === "inbound-rtp") {
        inBytes += num("bytesReceived");
        lost += Math.max(0, num("packetsLost"));
        received += num("packetsReceived");
      } else if (stat.type === "outbound-rtp") {
        outBytes += num("bytesSent");
      } else if (stat.type === "candidate-pair" && stat.nominated === true && typeof stat.currentRoundTripTime === "number") {
        rtt = stat.currentRoundTripTime * 1000;
      }
    });
    const now = performance.now();
    const last = this.lastCounters;
    const seconds = last.at ? (now - last.at) / 1000 : 0;
    const expected = received - last.received + (lost - last.lost);
    const lossPct = expected > 0 ? (100 * (lost - last.lost)) / expected : null;
    this.lastCounters = { at: now, inBytes, outBytes, lost, received };
    if (!seconds) return;
    const quality: Quality = {
      rttMs: rtt === null ? null : Math.round(rtt),
      lossPct: lossPct === null ? null : Math.round(lossPct * 10) / 10,
      inboundKbps: Math.round(((inBytes - last.inBytes) * 8) / seconds / 1000),
      outboundKbps: Math.round(((outBytes - last.outBytes) * 8) / seconds / 1000),
      grade: gradeOf(lossPct, rtt),
    };
    this.view.quality = quality;
    this.emitChange();
    this.signal.emit("report", {
      rtt_ms: quality.rttMs ?? undefined,
      loss_pct: quality.lossPct ?? undefined,
      inbound_kbps: quality.inboundKbps,
      outbound_kbps: quality.outboundKbps,
    });
  }

  /** Show the failure and, unless joining again cannot help, join again after a wait. */
  private fail(message: string, retry = true): void {
    this.teardown();
    this.view.phase = "failed";
    this.view.error = message;
    this.view.refused = !retry;
    if (!retry) this.wanted = false;
    if (this.wanted && this.retryTimer === null) {
      this.view.error = `${message}（${Math.round(this.retryDelayMs / 1000)} 秒后自动重新连接）`;
      this.retryTimer = window.setTimeout(() => this.retryNow(), this.retryDelayMs);
      this.retryDelayMs = Math.min(RETRY_MAX_MS, this.retryDelayMs * 2);
    }
    this.emitChange();
  }

  private retryNow(): void {
    this.clearRetry();
    if (!this.wanted || !this.signal.connected) return; // "connect" will call us again
    this.teardown();
    this.view.phase = "idle";
    void this.start();
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private teardown(): void {
    if (this.statsTimer !== null) window.clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.pc?.close();
    this.pc = null;
    for (const track of this.local?.getTracks() ?? []) track.stop();
    this.local = null;
    this.view.slots = [];
    this.view.live = false;
  }

  private emitChange(): void {
    this.changed(this.view);
  }
}
