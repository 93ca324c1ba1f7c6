"""The meeting's status (scheduled, live, ended) written as its live meeting opens and closes.

`STATUS_HOOKS` store the change in the same transaction as the event that causes it. Opening
asks the topic service first (server.domain.topics.opening_refusal): a meeting whose topic is
not approved, filed, noticed long enough or researched stays in the lobby, told why; closing
tells it that its topic's meeting was held.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from realtime.hooks import StorageHook
from realtime.meeting import Actor, Event, MeetingState, Refusal
from server.db.models import Meeting
from server.domain.topics import meeting_ended, opening_refusal

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
    if any(e.type == "agenda.moved" for e in events):
        status = await session.scalar(select(Meeting.status).where(Meeting.id == meeting_id))
        if status == "scheduled":
            why = await opening_refusal(session, meeting_id)
            if why is not None:
                raise Refusal("conflict", why)
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
        if status == "ended":
            await meeting_ended(session, meeting_id)
    return list(events)


STATUS_HOOKS: tuple[StorageHook, ...] = (
    StorageHook("agenda.goto", persist=_persist_status),
    StorageHook("meeting.close", persist=_persist_status),
)
