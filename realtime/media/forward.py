"""Forwarding encoded media without transcoding: the seams in aiortc, one source's fan-out,
and the track each listener's sender reads.

aiortc decodes every received track and encodes every sent one. A forwarding server needs
neither: `install_forwarding_codecs()` replaces aiortc's decoder factory with one that hands
on the encoded frame (Opus packet, VP8 frame) and its encoder factory with one that sends
the RTP payloads a `Source` packed once for all its listeners. Both seams are module-level
names aiortc looks up at call time (`aiortc.rtcrtpreceiver.get_decoder`,
`aiortc.rtcrtpsender.get_encoder`), so one call in the worker process switches them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
from aiortc.codecs import get_encoder as _aiortc_encoder
from aiortc.codecs.base import Decoder, Encoder
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    AnyRtcpPacket,
    RtcpPsfbPacket,
    RtcpRrPacket,
    unpack_remb_fci,
)

log = logging.getLogger("hsl.media")

CLOCK_RATE = {"audio": 48_000, "video": 90_000}
# How many frames a listener may fall behind before the oldest are dropped: 200 ms of
# audio; a second of video at 30 fps (a dropped video frame then waits for a keyframe).
QUEUE_LIMIT = {"audio": 10, "video": 30}
# aiortc's own VP8 sender makes a keyframe only every few minutes, and a browser only
# when asked: keyframes are requested upstream, but at most this often per source.
KEYFRAME_INTERVAL_S = 1.0


class EncodedFrame:
    """One encoded frame as it arrived (an Opus packet, a whole VP8 frame), packed once."""

    __slots__ = ("data", "keyframe", "kind", "payloads", "timestamp")

    def __init__(self, kind: str, data: bytes, timestamp: int) -> None:
        self.kind = kind
        self.data = data
        self.timestamp = timestamp  # source clock units, from 0 (aiortc maps the RTP clock)
        self.keyframe = kind == "video" and is_vp8_keyframe(data)
        self.payloads: list[bytes] = []


class Outgoing:
    """What a listener's sender sends for one frame: the shared payloads, its own clock."""

    __slots__ = ("payloads", "timestamp")

    def __init__(self, payloads: list[bytes], timestamp: int) -> None:
        self.payloads = payloads
        self.timestamp = timestamp


def is_vp8_keyframe(data: bytes) -> bool:
    # The first bit of a VP8 frame tag is 0 for a key frame (RFC 6386, section 9.1).
    return bool(data) and not data[0] & 0x01


class PassThroughDecoder(Decoder):
    """Stands where aiortc's decoder would: hands the encoded frame on undecoded."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def decode(self, encoded_frame: JitterFrame) -> list[Any]:
        return [EncodedFrame(self.kind, encoded_frame.data, encoded_frame.timestamp)]


class PackedEncoder(Encoder):
    """Stands where aiortc's encoder would: sends what the source already packed.

    Anything else (a frame to encode, a packet to packetize: a peer in the same process
    that is not forwarding) goes to aiortc's own encoder for the codec.
    """

    def __init__(self, codec: RTCRtpCodecParameters) -> None:
        self.codec = codec
        self._own: Encoder | None = None

    def _fallback(self) -> Encoder:
        if self._own is None:
            self._own = _aiortc_encoder(self.codec)
        return self._own

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        return self._fallback().encode(frame, force_keyframe)

    def pack(self, packet: Any) -> tuple[list[bytes], int]:
        if isinstance(packet, Outgoing):
            return packet.payloads, packet.timestamp
        return self._fallback().pack(packet)


def _passthrough_decoder(codec: RTCRtpCodecParameters) -> Decoder:
    return PassThroughDecoder(codec.mimeType.split("/")[0].lower())


def _packed_encoder(codec: RTCRtpCodecParameters) -> Encoder:
    return PackedEncoder(codec)


def install_forwarding_codecs() -> None:
    """Make every aiortc receiver hand on encoded frames and every sender send them as is."""
    aiortc.rtcrtpreceiver.get_decoder = _passthrough_decoder  # type: ignore[attr-defined]
    aiortc.rtcrtpsender.get_encoder = _packed_encoder  # type: ignore[attr-defined]


class KeyframeRequests:
    """Asks a source for a keyframe on behalf of many listeners, at most once a second.

    A request inside the quiet interval is not lost: one request goes out when it ends.
    """

    def __init__(self, send: Callable[[], None], interval_s: float = KEYFRAME_INTERVAL_S) -> None:
        self._send = send
        self._interval = interval_s
        self._last = -interval_s
        self._pending: asyncio.TimerHandle | None = None
        self.sent = 0
        self.asked = 0

    def request(self) -> None:
        self.asked += 1
        if self._pending is not None:
            return
        now = time.monotonic()
        wait = self._last + self._interval - now
        if wait <= 0:
            self._fire()
        else:
            self._pending = asyncio.get_running_loop().call_later(wait, self._fire)

    def _fire(self) -> None:
        self._pending = None
        self._last = time.monotonic()
        self.sent += 1
        self._send()

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


class Source:
    """One speaker's received track: reads its encoded frames and fans them out.

    Frames go to the listeners' tracks only while the source is `live` (the floor rules
    decide that); taps (the recording, the level meter) see the same frames.
    """

    def __init__(
        self,
        kind: str,
        track: MediaStreamTrack,
        request_keyframe: Callable[[], None] | None = None,
    ) -> None:
        self.kind = kind
        self.track = track
        self.live = False
        self.listeners: list[ForwardingTrack] = []
        self.taps: list[Callable[[EncodedFrame], None]] = []
        self.keyframes = KeyframeRequests(request_keyframe or (lambda: None))
        self.frames_in = 0
        self.frames_forwarded = 0
        self.last_frame_at = 0.0
        self._picture_id = random.randrange(1 << 15)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def set_live(self, live: bool) -> None:
        if live and not self.live:
            # Listeners missed the frames while it was off: video resumes at a keyframe.
            for listener in self.listeners:
                listener.resume()
        self.live = live

    async def _run(self) -> None:
        while True:
            try:
                frame = await self.track.recv()
            except MediaStreamError:
                break
            if not isinstance(frame, EncodedFrame):
                continue  # a decoder other than ours is installed; nothing to forward
            self.frames_in += 1
            self.last_frame_at = time.monotonic()
            if not self.live:
                continue
            self._pack(frame)
            self.frames_forwarded += 1
            for tap in self.taps:
                tap(frame)
            for listener in self.listeners:
                listener.push(self, frame)
        for listener in list(self.listeners):
            listener.set_source(None)

    def _pack(self, frame: EncodedFrame) -> None:
        if self.kind == "video":
            frame.payloads = Vp8Encoder._packetize(frame.data, self._picture_id)
            self._picture_id = (self._picture_id + 1) % (1 << 15)
        else:
            frame.payloads = [frame.data]

    def stop(self) -> None:
        self.keyframes.cancel()
        if self._task is not None:
            self._task.cancel()


class ForwardingTrack(MediaStreamTrack):
    """A listener's outgoing track for one slot: whichever source the slot is given.

    Its sender sees one continuous stream: when the source changes, the timestamps are
    rebased to follow on from the last frame sent, and video waits for a keyframe.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.source: Source | None = None
        self._clock = CLOCK_RATE[kind]
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue(QUEUE_LIMIT[kind])
        self._offset: int | None = None
        self._last_out: int = 0
        self._last_out_at = time.monotonic()
        self._wants_keyframe = kind == "video"
        self.frames_sent = 0
        self.frames_dropped = 0
        # What the listener's reports say of this stream (for the bitrate cap).
        self.fraction_lost = 0.0
        self.remb_bps: int | None = None

    def set_source(self, source: Source | None) -> None:
        if source is self.source:
            return
        if self.source is not None and self in self.source.listeners:
            self.source.listeners.remove(self)
        self.source = source
        self._offset = None
        if source is not None:
            source.listeners.append(self)
            if self.kind == "video":
                self._wants_keyframe = True
                source.keyframes.request()

    def resume(self) -> None:
        if self.kind == "video" and self.source is not None:
            self._wants_keyframe = True
            self.source.keyframes.request()

    def push(self, source: Source, frame: EncodedFrame) -> None:
        if source is not self.source:
            return
        if self._wants_keyframe:
            if not frame.keyframe:
                return
            self._wants_keyframe = False
        now = time.monotonic()
        if self._offset is None:
            # Follow on from the last frame sent by the wall-clock time since it went.
            step = max(1, int((now - self._last_out_at) * self._clock))
            self._offset = self._last_out + step - frame.timestamp
        timestamp = (frame.timestamp + self._offset) & 0xFFFFFFFF
        self._last_out, self._last_out_at = timestamp, now
        if self._queue.full():
            self._queue.get_nowait()
            self.frames_dropped += 1
            if self.kind == "video":
                # The frames after a dropped one cannot be decoded until the next keyframe.
                self._wants_keyframe = True
                source.keyframes.request()
                return
        self._queue.put_nowait(Outgoing(frame.payloads, timestamp))

    async def recv(self) -> Any:
        if self.readyState != "live":
            raise MediaStreamError
        outgoing = await self._queue.get()
        self.frames_sent += 1
        return outgoing

    def stop(self) -> None:
        self.set_source(None)
        super().stop()

    def on_listener_report(self, packet: AnyRtcpPacket, sender_ssrc: int) -> None:
        """RTCP from the listener about this stream: keyframe requests and what gets through."""
        if isinstance(packet, RtcpPsfbPacket):
            if packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
                if self.source is not None:
                    self.source.keyframes.request()
            elif packet.fmt == RTCP_PSFB_APP:
                try:
                    bitrate, ssrcs = unpack_remb_fci(packet.fci)
                except ValueError:
                    return
                if sender_ssrc in ssrcs:
                    self.remb_bps = bitrate
        elif isinstance(packet, RtcpRrPacket):
            for report in packet.reports:
                if report.ssrc == sender_ssrc:
                    self.fraction_lost = report.fraction_lost / 256


def watch_listener_reports(sender: aiortc.RTCRtpSender, track: ForwardingTrack) -> None:
    """Let `track` see the RTCP its listener sends about it, before aiortc's sender does.

    aiortc's sender turns a keyframe request into a flag for its encoder, which forwarded
    frames never pass through; the request has to reach the speaker instead.
    """
    handle = sender._handle_rtcp_packet

    async def handle_rtcp(packet: AnyRtcpPacket) -> None:
        track.on_listener_report(packet, sender._ssrc)
        await handle(packet)

    sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]


def keyframe_requester(receiver: aiortc.RTCRtpReceiver) -> Callable[[], None]:
    """A function that sends a picture loss indication (PLI) to whoever sends `receiver`'s track."""

    def request() -> None:
        sources = receiver.getSynchronizationSources()
        if not sources:
            return
        newest = max(sources, key=lambda s: s.timestamp)
        asyncio.get_running_loop().create_task(receiver._send_rtcp_pli(newest.source))

    return request
