"""The live meeting's privileged decisions in the audit log: poll closes and kiosk unlocks.

Called inside the command's transaction, so an entry commits with the events it records.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from realtime.meeting import Actor, Event, MeetingState
from server.db.models import Person
from server.domain import audit


async def _person(session: AsyncSession, sender: str) -> Person | None:
    """The person behind a command's sender ("person:N"); None for the server or a guest."""
    kind, _, number = sender.partition(":")
    if kind != "person" or not number.isdigit():
        return None
    return await session.get(Person, int(number))


async def record_decisions(
    session: AsyncSession,
    meeting_id: int,
    state: MeetingState,
    actor: Actor,
    sender: str,
    events: Sequence[Event],
) -> None:
    """An entry for each poll closed and each kiosk unlocked; never a ballot or a choice."""
    for event in events:
        if event.type == "poll.closed":
            poll = state.poll(event.data["poll_id"])
            result = event.data.get("result") or {}
            await audit.record(
                session,
                await _person(session, sender),
                "poll.close",
                "meeting",
                meeting_id,
                poll_id=event.data["poll_id"],
                question=poll.question if poll is not None else "",
                secret=bool(poll.secret) if poll is not None else None,
                votes=result.get("votes"),
                by=actor.role,
            )
        elif event.type == "kiosk.unlocked":
            await audit.record(
                session,
                await _person(session, sender),
                "kiosk.unlock",
                "meeting",
                meeting_id,
                poll_id=event.data.get("poll_id"),
                participant_id=event.data.get("participant_id"),
                by=actor.role,
            )
