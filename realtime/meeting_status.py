"""The meeting's status (scheduled, live, ended) written as its live meeting opens and closes.

`STATUS_HOOKS` store the change in the same transaction as the event that causes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from realtime.hooks import StorageHook
from realtime.meeting import Actor, Event, MeetingState
from server.db.models import Meeting

# The event that moves a meeting on, and the statuses it may move it from.
_MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    # The live meeting opens when the moderator leaves the lobby for the first item.
    "agenda.moved": ("live", ("scheduled",)),
    "meeting.closed": ("ended", ("scheduled", "live")),
}


async def _persist_status(
    session: AsyncSession,
    meeting_id: int,
    state: MeetingState,
    actor: Actor,
    events: Sequence[Event],
) -> list[Event]:
    for event in events:
        move = _MOVES.get(event.type)
        if move is None:
            continue
        status, before = move
        await session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id, Meeting.status.in_(before))
            .values(status=status)
        )
    return list(events)


STATUS_HOOKS: tuple[StorageHook, ...] = (
    StorageHook("agenda.goto", persist=_persist_status),
    StorageHook("meeting.close", persist=_persist_status),
)
