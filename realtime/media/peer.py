"""One participant's WebRTC connection on the media worker: what it sends us (its sources)
and the slots through which it hears and sees the others.

The browser offers; we answer. Its first audio and first video transceiver that send
become its sources; every transceiver it can receive on becomes a slot, filled with one
speaker's forwarded track at a time. Only Opus and VP8 are accepted, so that any
speaker's packets can go to any listener as they are.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from realtime.media.forward import (
    ForwardingTrack,
    Source,
    keyframe_requester,
    watch_listener_reports,
)
from realtime.media.quality import START_VIDEO_BPS

log = logging.getLogger("hsl.media")

FORWARDED_CODECS = {"audio": "audio/opus", "video": "video/vp8"}
# More receiving transceivers than this are answered inactive: a listener hears the
# floor, the room and a moderator at once, and sees two of them.
MAX_SLOTS = {"audio": 4, "video": 3}
# A public observer (旁听) only hears: no video, and nothing it sends is taken.
WATCHER_SLOTS = {"audio": 4, "video": 0}


class OfferRefused(Exception):
    """The offer cannot be forwarded (no Opus or VP8, a malformed SDP); a Chinese message."""


@dataclass
class Slot:
    """A receiving transceiver of a listener and the forwarded track it plays."""

    mid: str
    track: ForwardingTrack
    estimate_bps: float = START_VIDEO_BPS  # for the bitrate cap (video only)


@dataclass
class PeerInfo:
    peer_id: str
    meeting_id: int
    participant_id: str | None
    kind: str  # "person", "room" or "watcher" (a public observer, receive-only)
    name: str
    role: str  # the meeting role: moderator, staff, participant (watcher for a watcher)

    @property
    def is_room(self) -> bool:
        return self.kind == "room"

    @property
    def is_watcher(self) -> bool:
        """A public observer: hears the meeting, sends nothing, is counted, never listed."""
        return self.kind == "watcher"

    @property
    def label(self) -> str:
        """How the interface names this peer's media: the participant id, or "room"."""
        return "room" if self.is_room else (self.participant_id or self.peer_id)


@dataclass
class Peer:
    info: PeerInfo
    pc: RTCPeerConnection
    joined_at: float = field(default_factory=time.monotonic)
    sources: dict[str, Source] = field(default_factory=dict)
    slots: dict[str, list[Slot]] = field(default_factory=lambda: {"audio": [], "video": []})
    live: bool | None = None  # what the peer was last told
    sent: dict[str, Any] = field(default_factory=dict)  # last notice of each kind sent
    last_spoke: float = 0.0
    client_report: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)  # stats at the last look
    cap_bps: int | None = None

    @property
    def peer_id(self) -> str:
        return self.info.peer_id


def new_peer(info: PeerInfo, ice_servers: list[dict[str, Any]]) -> Peer:
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice_servers
    ]
    # An explicit (possibly empty) list: aiortc's default is a public STUN server.
    return Peer(info, RTCPeerConnection(RTCConfiguration(iceServers=servers)))


def _keep_forwarded_codecs(transceiver: RTCRtpTransceiver) -> None:
    """Narrow the negotiated codecs to Opus or VP8 (with its RTX), or refuse the offer."""
    wanted = FORWARDED_CODECS[transceiver.kind]
    codecs: list[RTCRtpCodecParameters] = transceiver._codecs
    main = [c for c in codecs if c.mimeType.lower() == wanted]
    if not main:
        raise OfferRefused(f"浏览器未提供 {wanted.split('/')[1].upper()} 编码，无法转发")
    payload_types = {c.payloadType for c in main}
    retransmit = [
        c
        for c in codecs
        if c.mimeType.lower().endswith("/rtx") and c.parameters.get("apt") in payload_types
    ]
    transceiver._codecs = [*main, *retransmit]


async def answer(
    peer: Peer, sdp: str, on_source: Callable[[Peer, Source], None]
) -> RTCSessionDescription:
    """Take the browser's offer: set up sources and slots, and give back our answer."""
    pc = peer.pc
    limits = WATCHER_SLOTS if peer.info.is_watcher else MAX_SLOTS
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
    except (ValueError, AssertionError) as exc:
        raise OfferRefused("无法解析会话描述（SDP）") from exc
    for transceiver in pc.getTransceivers():
        kind = transceiver.kind
        if kind not in FORWARDED_CODECS:
            continue
        _keep_forwarded_codecs(transceiver)
        offered = transceiver._offerDirection or "inactive"  # seen from our side
        we_receive = (
            offered in ("sendrecv", "recvonly")
            and kind not in peer.sources
            and not peer.info.is_watcher  # a watcher's microphone is never taken
        )
        we_send = offered in ("sendrecv", "sendonly") and len(peer.slots[kind]) < limits[kind]
        if we_receive:
            receiver = transceiver.receiver
            source = Source(kind, receiver.track, keyframe_requester(receiver))
            peer.sources[kind] = source
            on_source(peer, source)
        if we_send:
            track = ForwardingTrack(kind)
            transceiver.sender.replaceTrack(track)
            watch_listener_reports(transceiver.sender, track)
            peer.slots[kind].append(Slot(mid=transceiver.mid or "", track=track))
        transceiver.direction = (
            "sendrecv"
            if we_send and we_receive
            else "sendonly"
            if we_send
            else "recvonly"
            if we_receive
            else "inactive"
        )
    await pc.setLocalDescription(await pc.createAnswer())
    for source in peer.sources.values():
        source.start()
    return pc.localDescription


async def close_peer(peer: Peer) -> None:
    for source in peer.sources.values():
        source.stop()
    for slots in peer.slots.values():
        for slot in slots:
            slot.track.stop()
    try:
        await asyncio.wait_for(peer.pc.close(), 5)
    except TimeoutError:
        log.warning("peer %s: closing took too long", peer.peer_id)


async def peer_stats(peer: Peer) -> dict[str, Any]:
    """Loss both ways and round-trip time since the last look, from aiortc's statistics."""
    report = await peer.pc.getStats()
    received = lost = 0
    down_lost: list[float] = []
    rtts: list[float] = []
    for stat in report.values():
        kind = getattr(stat, "type", "")
        if kind == "inbound-rtp":
            received += stat.packetsReceived
            lost += max(0, stat.packetsLost)
        elif kind == "remote-inbound-rtp":
            if stat.fractionLost is not None:
                down_lost.append(stat.fractionLost / 256 * 100)
            if stat.roundTripTime is not None:
                rtts.append(stat.roundTripTime * 1000)
    d_received = received - peer.counters.get("received", 0)
    d_lost = lost - peer.counters.get("lost", 0)
    peer.counters.update(received=received, lost=lost)
    expected = d_received + d_lost
    return {
        "uplink_loss_pct": round(100 * d_lost / expected, 1) if expected > 0 else None,
        "downlink_loss_pct": round(max(down_lost), 1) if down_lost else None,
        "rtt_ms": round(min(rtts)) if rtts else None,
    }
