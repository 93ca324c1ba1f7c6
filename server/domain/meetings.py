"""Meetings (协商会议): scheduling, agenda, roster and guest invitations.

Who may prepare a meeting: the room's staff and moderators and the CPPCC staff above it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import (
    Principal,
    create_invite,
    meeting_participant,
    meeting_role,
    require,
    require_person,
)
from server.db.models import (
    AgendaItem,
    AgendaRound,
    LiveMeeting,
    Meeting,
    MeetingParticipant,
    Person,
)
from server.domain.errors import Conflict, Forbidden, Invalid, NotFound

ORGANISERS = ("staff", "moderator", "cppcc_staff")


async def list_meetings(
    session: AsyncSession, principal: Principal | None, *, room_id: int | None = None
) -> list[Meeting]:
    require_person(principal)
    query = select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if room_id is not None:
        query = query.where(Meeting.room_id == room_id)
    return list(await session.scalars(query))


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("会议不存在")
    return meeting


async def read_meeting(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> Meeting:
    """A meeting as its participants, or anyone signed in, may read it."""
    if principal is None:
        raise Forbidden("请先登录")
    meeting = await get_meeting(session, meeting_id)
    if principal.guest_participant_id is not None and principal.guest_meeting_id != meeting.id:
        raise Forbidden("邀请链接只能用于被邀请的会议")
    return meeting


def _in_utc(fields: dict[str, Any]) -> None:
    # Times are stored in UTC whatever zone the client wrote them in.
    for name in ("starts_at", "ends_at"):
        if fields.get(name) is not None:
            fields[name] = fields[name].astimezone(UTC)


def _check_times(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise Invalid("会议结束时间必须晚于开始时间")


def _build_agenda(agenda: list[dict[str, Any]]) -> list[AgendaItem]:
    items = []
    for position, item in enumerate(agenda, start=1):
        rounds = [
            AgendaRound(
                position=r_position,
                kind=r["kind"],
                title=r["title"],
                time_limit_s=r.get("time_limit_s"),
                config=r.get("config") or {},
            )
            for r_position, r in enumerate(item.get("rounds", []), start=1)
        ]
        items.append(
            AgendaItem(
                position=position,
                title=item["title"],
                description=item.get("description"),
                rounds=rounds,
            )
        )
    return items


async def create_meeting(
    session: AsyncSession, principal: Principal | None, fields: dict[str, Any]
) -> Meeting:
    """A new meeting; `speaking_rules`, when given, are the live machine's checked settings
    (server.meeting_templates.speaking_rules)."""
    await require(session, principal, ORGANISERS, room_id=fields["room_id"])
    _in_utc(fields)
    _check_times(fields["starts_at"], fields.get("ends_at"))
    agenda = fields.pop("agenda", [])
    rules = fields.pop("speaking_rules", None)
    meeting = Meeting(**fields, status="scheduled", settings={"live": rules} if rules else {})
    meeting.agenda = _build_agenda(agenda)
    session.add(meeting)
    await session.commit()
    await session.refresh(meeting, ["room", "agenda"])
    return meeting


async def update_meeting(
    session: AsyncSession, principal: Principal | None, meeting_id: int, changes: dict[str, Any]
) -> Meeting:
    meeting = await get_meeting(session, meeting_id)
    await require(session, principal, ORGANISERS, room_id=meeting.room_id)
    if "room_id" in changes:
        await require(session, principal, ORGANISERS, room_id=changes["room_id"])
    _in_utc(changes)
    agenda = changes.pop("agenda", None)
    rules = changes.pop("speaking_rules", None)
    if (agenda is not None or rules is not None) and await has_gone_live(session, meeting):
        # The live meeting runs on the setup stored when it first opened; a change now
        # would show here and never reach the meeting.
        raise Conflict("会议已开始，不能再修改议程和发言规则")
    if agenda is not None:
        # The old items go first: the new ones take the same positions (a unique key).
        meeting.agenda = []
        await session.flush()
        meeting.agenda = _build_agenda(agenda)
    if rules is not None:
        meeting.settings = {**meeting.settings, "live": rules}
    for field, value in changes.items():
        setattr(meeting, field, value)
    _check_times(meeting.starts_at, meeting.ends_at)
    await session.commit()
    await session.refresh(meeting, ["room", "agenda"])
    return meeting


async def has_gone_live(session: AsyncSession, meeting: Meeting) -> bool:
    """Whether the meeting has started or its live meeting has opened (its setup is fixed)."""
    if meeting.status != "scheduled":
        return True
    opened = await session.scalar(
        select(LiveMeeting.meeting_id).where(LiveMeeting.meeting_id == meeting.id)
    )
    return opened is not None


def speaking_rules_of(meeting: Meeting) -> dict[str, Any]:
    """The speaking rules as stored for the live machine ({} for its defaults)."""
    stored = meeting.settings.get("live") if isinstance(meeting.settings, dict) else None
    return stored if isinstance(stored, dict) else {}


async def list_participants(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> list[MeetingParticipant]:
    meeting = await read_meeting(session, principal, meeting_id)
    assert principal is not None
    if await meeting_role(session, principal, meeting) is None:
        await require(session, principal, ORGANISERS, room_id=meeting.room_id)
    return await list_roster(session, meeting.id)


async def add_participant(
    session: AsyncSession, principal: Principal | None, meeting_id: int, fields: dict[str, Any]
) -> MeetingParticipant:
    """Put a person with an account, or a named guest, on the meeting's roster."""
    meeting = await get_meeting(session, meeting_id)
    await require(session, principal, ORGANISERS, room_id=meeting.room_id)
    person_id = fields.get("person_id")
    if (person_id is None) == (not fields.get("guest_name")):
        raise Invalid("请指定一位已有账号的人员，或填写来宾姓名（二选一）")
    category = fields.get("category")
    if person_id is not None:
        person = await session.get(Person, person_id)
        if person is None:
            raise NotFound("人员不存在")
        exists = await session.scalar(
            select(MeetingParticipant.id).where(
                MeetingParticipant.meeting_id == meeting.id,
                MeetingParticipant.person_id == person_id,
            )
        )
        if exists:
            raise Conflict("此人已在参会名单中")
        category = category or person.category
    participant = MeetingParticipant(
        meeting_id=meeting.id,
        person_id=person_id,
        guest_name=fields.get("guest_name"),
        category=category or "guest",
        role=fields.get("role") or "participant",
    )
    session.add(participant)
    await session.commit()
    await session.refresh(participant, ["person"])
    return participant


async def invite_guest(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    *,
    participant_id: int,
    key: str,
    ttl_s: int,
) -> str:
    """A signed, expiring invite token for one participant of the meeting."""
    meeting = await get_meeting(session, meeting_id)
    await require(session, principal, ORGANISERS, room_id=meeting.room_id)
    participant = await session.get(MeetingParticipant, participant_id)
    if participant is None or participant.meeting_id != meeting.id:
        raise NotFound("该参会人员不在本次会议名单中")
    assert principal is not None and principal.person is not None
    token, _ = await create_invite(
        session, key, participant, created_by=principal.person.id, ttl_s=ttl_s
    )
    await session.commit()
    return token


async def my_place(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> tuple[str | None, MeetingParticipant | None]:
    """What the asker is in the meeting (moderator, staff, participant or nothing, as the
    server decides it for every action) and their roster entry, if they have one."""
    meeting = await read_meeting(session, principal, meeting_id)
    assert principal is not None
    role = await meeting_role(session, principal, meeting)
    return role, await meeting_participant(session, principal, meeting)


async def list_roster(session: AsyncSession, meeting_id: int) -> list[MeetingParticipant]:
    """Everyone on the meeting's roster, in the order they were added (no permission check:
    callers have already decided the asker may see the meeting)."""
    rows = await session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting_id)
        .order_by(MeetingParticipant.id)
    )
    return list(rows)
