"""The only code that emits to live clients: a meeting's events to its Socket.IO room.

With Redis configured, python-socketio's Redis manager carries each emit to every worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import socketio

NAMESPACE = "/live"


def meeting_room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def editors_room(meeting_id: int) -> str:
    """The meeting's moderators and staff, who see what participants write."""
    return f"meeting:{meeting_id}:editors"


class Broadcaster:
    """Sends stored events, in seq order, to everyone in the meeting's room."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def publish(self, meeting_id: int, events: Sequence[dict[str, Any]]) -> None:
        for event in events:
            await self.sio.emit("event", event, room=meeting_room(meeting_id), namespace=NAMESPACE)

    async def publish_tally(self, meeting_id: int, tally: dict[str, Any]) -> None:
        """A poll's running count: not an event (no seq), coalesced by the sender."""
        await self.sio.emit("tally", tally, room=meeting_room(meeting_id), namespace=NAMESPACE)

    async def notify(self, meeting_id: int, notice: dict[str, Any]) -> None:
        """A change outside the event log (suggestions, the theme board) for the editors."""
        await self.sio.emit("notice", notice, room=editors_room(meeting_id), namespace=NAMESPACE)

    async def enter(self, sid: str, meeting_id: int, *, editor: bool = False) -> None:
        await self.sio.enter_room(sid, meeting_room(meeting_id), namespace=NAMESPACE)
        if editor:
            await self.sio.enter_room(sid, editors_room(meeting_id), namespace=NAMESPACE)

    async def leave(self, sid: str, meeting_id: int) -> None:
        await self.sio.leave_room(sid, meeting_room(meeting_id), namespace=NAMESPACE)
        await self.sio.leave_room(sid, editors_room(meeting_id), namespace=NAMESPACE)
