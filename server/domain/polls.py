"""The poll record of a meeting: each poll as opened, its final result and who took part.

For the minutes and the CSV export; read only (live polls are run by realtime/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import MeetingParticipant
from server.db.models_polls import Poll, PollNamedVote, PollVoter
from server.domain.errors import NotFound
from server.domain.meetings import get_meeting, list_roster
from server.policy import Target


@dataclass(frozen=True)
class Voter:
    participant_id: str
    name: str
    category: str
    choice: Any = None  # named polls only
    cast_by: str | None = None  # the staff member who cast it at the room screen


@dataclass(frozen=True)
class PollRecord:
    """A poll as opened (`spec`, the `poll.opened` event's data) and, once closed, its result.

    `voters` lists who took part; with their choices only when the poll was named.
    """

    poll_id: str
    status: str
    spec: dict[str, Any]
    result: dict[str, Any] | None
    opened_at: float
    closed_at: float | None
    voters: list[Voter] = field(default_factory=list)

    @property
    def secret(self) -> bool:
        return bool(self.spec.get("secret"))


async def _check_reader(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> None:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "poll.record", Target(meeting=meeting))


def _names(roster: list[MeetingParticipant]) -> dict[str, MeetingParticipant]:
    return {str(p.id): p for p in roster}


async def _voters(
    session: AsyncSession, row: Poll, roster: dict[str, MeetingParticipant]
) -> list[Voter]:
    def person(pid: str) -> tuple[str, str]:
        p = roster.get(pid)
        return (p.display_name, p.category) if p is not None else (pid, "")

    if row.spec.get("secret"):
        ids = await session.scalars(
            select(PollVoter.participant_id)
            .where(PollVoter.meeting_id == row.meeting_id, PollVoter.poll_id == row.poll_id)
            .order_by(PollVoter.participant_id)
        )
        return [Voter(pid, *person(pid)) for pid in ids]
    votes = await session.scalars(
        select(PollNamedVote)
        .where(PollNamedVote.meeting_id == row.meeting_id, PollNamedVote.poll_id == row.poll_id)
        .order_by(PollNamedVote.participant_id)
    )
    return [
        Voter(v.participant_id, *person(v.participant_id), choice=v.choice, cast_by=v.cast_by)
        for v in votes
    ]


async def meeting_polls(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> list[PollRecord]:
    """Every poll of the meeting in the order opened, with who took part."""
    await _check_reader(session, principal, meeting_id)
    roster = _names(await list_roster(session, meeting_id))
    rows = await session.scalars(
        select(Poll).where(Poll.meeting_id == meeting_id).order_by(Poll.opened_at, Poll.poll_id)
    )
    return [await _record(session, row, roster) for row in rows]


async def poll_record(
    session: AsyncSession, principal: Principal | None, meeting_id: int, poll_id: str
) -> PollRecord:
    await _check_reader(session, principal, meeting_id)
    row = await session.get(Poll, (meeting_id, poll_id))
    if row is None:
        raise NotFound("没有这项表决")
    return await _record(session, row, _names(await list_roster(session, meeting_id)))


async def _record(
    session: AsyncSession, row: Poll, roster: dict[str, MeetingParticipant]
) -> PollRecord:
    return PollRecord(
        poll_id=row.poll_id,
        status=row.status,
        spec=row.spec,
        result=row.result,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        voters=await _voters(session, row, roster),
    )
