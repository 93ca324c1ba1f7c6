"""The only code that emits to live clients: a meeting's events to its Socket.IO room.

Public observers (watchers) are in a room of their own and get each event in its public
form: its seq and type, no data, and the public view of the meeting after it (less what
never changes once the meeting is live: they have that from their join). With Redis
configured, python-socketio's Redis manager carries each emit to every worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import socketio

from realtime.meeting import MeetingState, public_update

NAMESPACE = "/live"


def meeting_room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def editors_room(meeting_id: int) -> str:
    """The meeting's moderators and staff, who see what participants write."""
    return f"meeting:{meeting_id}:editors"


def watchers_room(meeting_id: int) -> str:
    """The meeting's public observers, who see its public view only."""
    return f"meeting:{meeting_id}:watchers"


# This worker's copy of a meeting's state, as the engine keeps it (None if it has none).
StateOf = Callable[[int], tuple[MeetingState, int] | None]


class Broadcaster:
    """Sends stored events, in seq order, to everyone in the meeting's room."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio
        self.state_of: StateOf = lambda meeting_id: None

    def watch_states(self, state_of: StateOf) -> None:
        """Where the public view sent to watchers comes from (the engine, once it exists)."""
        self.state_of = state_of

    async def publish(self, meeting_id: int, events: Sequence[dict[str, Any]]) -> None:
        for event in events:
            await self.sio.emit("event", event, room=meeting_room(meeting_id), namespace=NAMESPACE)
        known = self.state_of(meeting_id)
        if events and known is not None:
            # Called once the events are applied: one view after them all, with the last.
            view = public_update(known[0], time.time())
            for n, event in enumerate(events, 1):
                public = {"seq": event["seq"], "type": event["type"], "data": {}, "at": event["at"]}
                if n == len(events):
                    public["view"] = view
                await self.sio.emit(
                    "event", public, room=watchers_room(meeting_id), namespace=NAMESPACE
                )

    async def publish_tally(self, meeting_id: int, tally: dict[str, Any]) -> None:
        """A poll's running count: not an event (no seq), coalesced by the sender. A secret
        poll's says only how many have voted, so watchers get it too."""
        for room in (meeting_room(meeting_id), watchers_room(meeting_id)):
            await self.sio.emit("tally", tally, room=room, namespace=NAMESPACE)

    async def notify(self, meeting_id: int, notice: dict[str, Any]) -> None:
        """A change outside the event log (suggestions, the theme board) for the editors."""
        await self.sio.emit("notice", notice, room=editors_room(meeting_id), namespace=NAMESPACE)

    async def enter(
        self, sid: str, meeting_id: int, *, editor: bool = False, watcher: bool = False
    ) -> None:
        if watcher:
            await self.sio.enter_room(sid, watchers_room(meeting_id), namespace=NAMESPACE)
            return
        await self.sio.enter_room(sid, meeting_room(meeting_id), namespace=NAMESPACE)
        if editor:
            await self.sio.enter_room(sid, editors_room(meeting_id), namespace=NAMESPACE)

    async def leave(self, sid: str, meeting_id: int) -> None:
        for room in (meeting_room(meeting_id), editors_room(meeting_id), watchers_room(meeting_id)):
            await self.sio.leave_room(sid, room, namespace=NAMESPACE)

    async def close_watch(self, meeting_id: int) -> None:
        """The watch link went off: its watchers are told and get nothing more."""
        room = watchers_room(meeting_id)
        await self.sio.emit("watch.closed", {}, room=room, namespace=NAMESPACE)
        await self.sio.close_room(room, namespace=NAMESPACE)
