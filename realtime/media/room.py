"""One meeting's media on its worker: who is live, who hears whom through which slot, the
meeting's audio (levels and recording), connection quality and the speakers' bitrate caps.

Everything follows the policy the server sends (`realtime.media.policy`): a source is
forwarded only while its peer is live under the newest policy, whatever the browser
does, so a participant the moderator muted is not heard even with a doctored client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from realtime.media.forward import EncodedFrame, Source
from realtime.media.peer import Peer, close_peer, peer_stats
from realtime.media.policy import closed_policy, is_live, rank, speeches_within
from realtime.media.quality import cap_changed, grade, next_estimate, video_cap
from realtime.media.recorder import MeetingAudio, Recording

log = logging.getLogger("hsl.media")

# Send a peer's notice to its browser; a meeting notice to everyone in the meeting.
PeerNotice = Callable[[Peer, str, dict[str, Any]], None]
MeetingNotice = Callable[[int, str, dict[str, Any]], None]
Finished = Callable[[int, Recording, dict[str, Any]], None]
# The meeting's connection rows for the server processes (who decide the moderator's view).
Report = Callable[[int, list[dict[str, Any]], int], None]

LEVELS_EVERY_S = 0.25
QUALITY_EVERY_S = 2.0
SPEAKING_DBFS = -45.0
STAFF_ROLES = ("moderator", "staff")


class MeetingMedia:
    """The peers of one meeting and the rules they are forwarded by."""

    def __init__(
        self,
        meeting_id: int,
        recordings: Path | None,
        tell_peer: PeerNotice,
        tell_meeting: MeetingNotice,
        finished: Finished,
        report: Report | None = None,
    ) -> None:
        self.meeting_id = meeting_id
        self.recordings = recordings
        self.policy: dict[str, Any] = closed_policy()
        self.peers: dict[str, Peer] = {}
        self.audio: MeetingAudio | None = None
        self._tell_peer = tell_peer
        self._tell_meeting = tell_meeting
        self._finished = finished
        self._report = report
        self._loops: list[asyncio.Task[None]] = []
        self._levels_sent: dict[str, float] = {}

    # --- peers and policy --------------------------------------------------------------

    def add(self, peer: Peer) -> None:
        self.peers[peer.peer_id] = peer
        if not self._loops:
            loop = asyncio.get_running_loop()
            self._loops = [
                loop.create_task(self._every(LEVELS_EVERY_S, self._levels)),
                loop.create_task(self._every(QUALITY_EVERY_S, self._quality)),
            ]
        if self.audio is None and not self.policy["closed"]:
            self.audio = MeetingAudio(self.meeting_id, self.recordings)
            self.audio.start()

    def source_added(self, peer: Peer, source: Source) -> None:
        """Called while answering, before the source starts: tap audio for the meeting.

        The source starts silent; `refresh`, right after the answer, decides if it is live.
        """
        if source.kind == "audio":
            key = peer.peer_id

            def tap(frame: EncodedFrame) -> None:
                if self.audio is not None:
                    self.audio.feed(key, frame.data)

            source.taps.append(tap)

    async def remove(self, peer_id: str) -> bool:
        """Drop a peer; True when it was the last one (the meeting's media can end)."""
        peer = self.peers.pop(peer_id, None)
        if peer is not None:
            await close_peer(peer)
            self.refresh()
        return not self.peers

    def apply(self, policy: dict[str, Any]) -> None:
        """Take a newer policy (an older one, arriving late, is ignored)."""
        if policy["seq"] < self.policy["seq"]:
            return
        self.policy = policy
        if policy["closed"]:
            asyncio.get_running_loop().create_task(self.finish_recording())
        self.refresh()

    def refresh(self) -> None:
        """Apply the policy: live flags, what each listener's slots carry, and tell them."""
        # One person on two devices (a phone and a laptop) is heard through the newest.
        newest = {
            peer.info.participant_id: peer
            for peer in sorted(self.peers.values(), key=lambda p: p.joined_at)
            if not peer.info.is_room and not peer.info.is_watcher
        }
        for peer in self.peers.values():
            live = is_live(self.policy, peer.info.participant_id, peer.info.is_room) and (
                peer.info.is_room or newest.get(peer.info.participant_id) is peer
            )
            for source in peer.sources.values():
                source.set_live(live)
            peer.live = live
            self._tell_state(peer, live)
        for kind in ("audio", "video"):
            speakers = self._speakers(kind)
            for listener in self.peers.values():
                self._fill_slots(listener, kind, speakers)
        for listener in self.peers.values():
            self._tell_slots(listener)

    def _speakers(self, kind: str) -> list[Peer]:
        """Live peers with a source of this kind, the most important first."""
        live = [p for p in self.peers.values() if kind in p.sources and p.sources[kind].live]

        def order(peer: Peer) -> tuple[int, float, float]:
            r = rank(self.policy, peer.info.participant_id, peer.info.is_room)
            return (r, -peer.last_spoke, peer.joined_at)

        return sorted(live, key=order)

    @staticmethod
    def _fill_slots(listener: Peer, kind: str, speakers: list[Peer]) -> None:
        slots = listener.slots[kind]
        wanted = [p.sources[kind] for p in speakers if p is not listener][: len(slots)]
        kept = {id(s.track.source) for s in slots if s.track.source in wanted}
        free = [src for src in wanted if id(src) not in kept]
        for slot in slots:
            if slot.track.source in wanted:
                continue
            slot.track.set_source(free.pop(0) if free else None)

    # --- telling the browsers ------------------------------------------------------------

    def _tell_once(self, peer: Peer, event: str, data: dict[str, Any]) -> None:
        if peer.sent.get(event) != data:
            peer.sent[event] = data
            self._tell_peer(peer, event, data)

    def _tell_state(self, peer: Peer, live: bool) -> None:
        participant_id = peer.info.participant_id
        muted = ("room" if peer.info.is_room else participant_id) in self.policy["muted"]
        self._tell_once(
            peer,
            "media.state",
            {
                "live": live,
                "muted": muted,
                "open_mics": self.policy["open_mics"],
                "floor": self.policy["floor"],
                "closed": self.policy["closed"],
            },
        )

    def _tell_slots(self, listener: Peer) -> None:
        by_source = {
            id(source): peer for peer in self.peers.values() for source in peer.sources.values()
        }
        slots = []
        for kind in ("audio", "video"):
            for slot in listener.slots[kind]:
                speaker = by_source.get(id(slot.track.source))
                slots.append(
                    {
                        "mid": slot.mid,
                        "kind": kind,
                        "label": None if speaker is None else speaker.info.label,
                        "name": None if speaker is None else speaker.info.name,
                    }
                )
        self._tell_once(listener, "media.slots", {"slots": slots})

    # --- periodic work -------------------------------------------------------------------

    async def _every(self, seconds: float, work: Callable[[], Any]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                result = work()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("meeting %s: periodic media work failed", self.meeting_id)

    def _levels(self) -> None:
        """Loudness of the live speakers, for the interface; sent only when it changes."""
        if self.audio is None:
            return
        now = time.monotonic()
        levels: dict[str, float] = {}
        for peer in self.peers.values():
            source = peer.sources.get("audio")
            if source is None or not source.live or now - source.last_frame_at > 0.5:
                continue
            level = self.audio.levels.get(peer.peer_id)
            if level is None:
                continue
            # Whole steps of 3 dB are enough for a meter and spare most of the messages.
            levels[peer.info.label] = round(level / 3) * 3
            if level > SPEAKING_DBFS:
                peer.last_spoke = now
        if levels != self._levels_sent:
            self._levels_sent = levels
            self._tell_meeting(self.meeting_id, "media.levels", {"levels": levels})
        if self.policy["open_mics"]:
            self.refresh()  # with open mics, whoever spoke last comes first

    def listening(self) -> int:
        """How many public observers hear the meeting now (counted, never listed)."""
        return sum(1 for p in self.peers.values() if p.info.is_watcher)

    async def _quality(self) -> None:
        self._update_caps()
        staff = [p for p in self.peers.values() if p.info.role in STAFF_ROLES]
        if not staff and self._report is None:
            return
        rows = []
        # Public observers are counted, never listed (and their stats are nobody's business).
        for peer in [p for p in self.peers.values() if not p.info.is_watcher]:
            stats = await peer_stats(peer)
            loss = max(
                (
                    x
                    for x in (stats["uplink_loss_pct"], stats["downlink_loss_pct"])
                    if x is not None
                ),
                default=None,
            )
            connection = peer.pc.connectionState
            rows.append(
                {
                    "label": peer.info.label,
                    "name": peer.info.name,
                    "kind": peer.info.kind,
                    "connection": connection,
                    "live": bool(peer.live),
                    **stats,
                    "grade": "poor" if connection == "failed" else grade(loss, stats["rtt_ms"]),
                    "client": peer.client_report,
                }
            )
        listening = self.listening()
        for peer in staff:
            self._tell_peer(peer, "media.quality", {"peers": rows, "listening": listening})
        if self._report is not None:
            self._report(self.meeting_id, rows, listening)

    def _update_caps(self) -> None:
        """Ask each live speaker's browser to keep its video within the weakest listener."""
        for peer in self.peers.values():
            source = peer.sources.get("video")
            if source is None or not source.live:
                continue
            estimates = []
            for listener in self.peers.values():
                for slot in listener.slots["video"]:
                    if slot.track.source is source:
                        slot.estimate_bps = next_estimate(
                            slot.estimate_bps, slot.track.fraction_lost, slot.track.remb_bps
                        )
                        estimates.append(slot.estimate_bps)
            cap = video_cap(estimates)
            if cap_changed(peer.cap_bps, cap):
                peer.cap_bps = cap
                self._tell_peer(
                    peer, "media.cap", {"video_kbps": None if cap is None else cap // 1000}
                )

    def counters(self) -> list[dict[str, Any]]:
        """What each peer sent us and what we forwarded to it, frame by frame."""
        return [
            {
                "label": peer.info.label,
                "connection": peer.pc.connectionState,
                "live": bool(peer.live),
                "sources": {
                    kind: {"frames_in": s.frames_in, "forwarded": s.frames_forwarded}
                    for kind, s in peer.sources.items()
                },
                "slots": [
                    {
                        "kind": kind,
                        "mid": slot.mid,
                        "sent": slot.track.frames_sent,
                        "dropped": slot.track.frames_dropped,
                    }
                    for kind, slots in peer.slots.items()
                    for slot in slots
                ],
            }
            for peer in self.peers.values()
        ]

    # --- the end -------------------------------------------------------------------------

    async def finish_recording(self) -> None:
        """Close the meeting's audio, write the recording's index, and report it."""
        audio, self.audio = self.audio, None
        if audio is None:
            return
        recording = await asyncio.to_thread(audio.stop)
        if recording is None or self.recordings is None:
            return
        index = {
            "meeting_id": self.meeting_id,
            "file": recording.file,
            "started_at": recording.started_at,
            "ended_at": recording.ended_at,
            "duration_s": recording.duration_s,
            "speeches": speeches_within(self.policy, recording.started_at, recording.ended_at),
        }
        path = self.recordings / Path(recording.file).with_suffix(".json")
        await asyncio.to_thread(
            path.write_text, json.dumps(index, ensure_ascii=False, indent=1), "utf-8"
        )
        self._finished(self.meeting_id, recording, index)

    async def close(self) -> None:
        for task in self._loops:
            task.cancel()
        self._loops = []
        for peer_id in list(self.peers):
            peer = self.peers.pop(peer_id)
            await close_peer(peer)
        await self.finish_recording()
