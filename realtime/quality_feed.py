"""Every participant's connection quality on the moderator's console, whether or not the
moderator has joined the meeting's media.

The media worker measures each peer (aiortc's statistics: loss each way, round-trip
time) every 2 s and sends the rows to every server process (`MediaGateway.quality_of`).
Each server process, every `FEED_EVERY_S`, looks at the meetings whose moderators or
staff are connected to it, decides each participant's standing from the live state and
those rows, and for people without media how fast their /live connection answers
(`realtime.link_probe`) (`realtime.media.quality.participant_quality`: good, fair, poor,
no media, offline) and sends `quality` to its own editors only (`ignore_queue`: with Redis, every
process serves its own sockets, so nobody gets it twice). A meeting's table is sent when a
grade changes, and otherwise at most every `REFRESH_S` (for the figures); a moderator who
just joined gets the current table at the next tick. The rate is bounded by the ticks,
never by how often people join, leave or lose packets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import socketio

from realtime.broadcast import NAMESPACE, editors_room
from realtime.engine import LiveEngine
from realtime.link_probe import LinkProbe
from realtime.media.gateway import MediaGateway
from realtime.media.quality import participant_quality

log = logging.getLogger("hsl.live")

FEED_EVERY_S = 2.0
REFRESH_S = 10.0
EVENT = "quality"


def _meeting_of(room: Any) -> int | None:
    """The meeting id of an editors' room name (`meeting:{id}:editors`), else None."""
    if not isinstance(room, str) or not room.endswith(":editors"):
        return None
    middle = room.removeprefix("meeting:").removesuffix(":editors")
    return int(middle) if middle.isdigit() else None


class QualityFeed:
    """Sends each meeting's connection table to the editors connected to this process."""

    def __init__(
        self,
        sio: socketio.AsyncServer,
        engine: LiveEngine,
        media: MediaGateway,
        link: LinkProbe | None = None,
    ):
        self.sio = sio
        self.engine = engine
        self.media = media
        self.link = link
        # Per meeting: when the table was last sent, its grades, and who had it then.
        self._sent: dict[int, tuple[float, tuple[Any, ...], set[str]]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FEED_EVERY_S)
            try:
                await self.tick()
            except Exception:
                log.exception("connection quality feed failed")

    def local_editors(self) -> dict[int, set[str]]:
        """Meeting id -> the sids of its moderators and staff connected to this process."""
        rooms = self.sio.manager.rooms.get(NAMESPACE, {})
        out: dict[int, set[str]] = {}
        for room, members in list(rooms.items()):
            meeting_id = _meeting_of(room)
            if meeting_id is not None and members:
                out[meeting_id] = set(members)
        return out

    async def table(self, meeting_id: int) -> dict[str, Any]:
        state, _ = await self.engine.view(meeting_id)
        rows, listening = self.media.quality_of(meeting_id)
        link = None if self.link is None else await self.link.of(meeting_id)
        return {
            "meeting_id": meeting_id,
            "participants": participant_quality(state, rows, link),
            # Public observers hearing the meeting: a number, never who.
            "listening": listening,
        }

    async def tick(self) -> None:
        editors = self.local_editors()
        for gone in set(self._sent) - set(editors):
            del self._sent[gone]
        now = time.monotonic()
        for meeting_id, sids in editors.items():
            try:
                data = await self.table(meeting_id)
            except LookupError:
                continue  # not live (yet)
            grades = (
                *((p["participant_id"], p["grade"]) for p in data["participants"]),
                data["listening"],
            )
            last = self._sent.get(meeting_id)
            if last is None or last[1] != grades or now - last[0] >= REFRESH_S:
                await self.sio.emit(
                    EVENT,
                    data,
                    room=editors_room(meeting_id),
                    namespace=NAMESPACE,
                    ignore_queue=True,
                )
                self._sent[meeting_id] = (now, grades, sids)
                continue
            for sid in sids - last[2]:  # joined since: the table as it stands
                await self.sio.emit(EVENT, data, to=sid, namespace=NAMESPACE, ignore_queue=True)
            self._sent[meeting_id] = (last[0], last[1], sids)
