"""Meetings (协商会议): scheduling, agenda, roster and guest invitations.

Who may prepare a meeting: the room's staff and moderators and the CPPCC staff above it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal, create_invite
from server.db.models import (
    AgendaItem,
    AgendaRound,
    Invite,
    LiveMeeting,
    Meeting,
    MeetingParticipant,
    Person,
    Room,
)
from server.db.models_roster import Invitation
from server.domain import topics
from server.domain.errors import Conflict, Forbidden, Invalid, NotFound
from server.policy import Target, meeting_participant, meeting_role

# Checks a planned agenda against the roster as the live meeting would (the API passes the
# machine's check in, so this module stays free of the live layer); raises Invalid.
PlanCheck = Callable[[Sequence[dict[str, Any]], Sequence[dict[str, Any]]], None]


async def list_meetings(
    session: AsyncSession, principal: Principal | None, *, room_id: int | None = None
) -> list[Meeting]:
    await policy.authorize(session, principal, "meeting.list")
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
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "meeting.read", Target(meeting=meeting))
    return meeting


async def plannable_rooms(session: AsyncSession, principal: Principal | None) -> list[Room]:
    """The rooms the caller may plan a meeting in, as the policy's `meeting.create` decides."""
    await policy.authorize(session, principal, "room.read")
    rooms = []
    for room in await session.scalars(select(Room).order_by(Room.id)):
        try:
            await policy.authorize(session, principal, "meeting.create", Target(room_id=room.id))
        except Forbidden:
            continue
        rooms.append(room)
    return rooms


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


def _roster_for_check(rows: Sequence[MeetingParticipant]) -> list[dict[str, Any]]:
    return [
        {"participant_id": str(p.id), "name": p.display_name or "—", "category": p.category}
        for p in rows
    ]


async def create_meeting(
    session: AsyncSession,
    principal: Principal | None,
    fields: dict[str, Any],
    check: PlanCheck | None = None,
) -> Meeting:
    """A new meeting; `speaking_rules`, when given, are the live machine's checked settings
    (server.meeting_templates.speaking_rules). With `copy_from`, the agenda, the speaking
    rules and the roster are copied from that earlier meeting (lineups follow their people)."""
    await policy.authorize(session, principal, "meeting.create", Target(room_id=fields["room_id"]))
    source_id = fields.pop("copy_from", None)
    topic_id = fields.pop("topic_id", None)
    source = None
    if source_id is not None:
        source = await get_meeting(session, source_id)
        await policy.authorize(session, principal, "meeting.update", Target(meeting=source))
        if fields.get("agenda"):
            raise Invalid("从已有会议复制时不能另给议程，请二选一", field="copy_from")
    _in_utc(fields)
    _check_times(fields["starts_at"], fields.get("ends_at"))
    agenda = fields.pop("agenda", None) or []
    rules = fields.pop("speaking_rules", None)
    report = fields.pop("report", None)
    if source is not None and rules is None:
        rules = speaking_rules_of(source) or None
    if check is not None:
        check(agenda, [])
    settings: dict[str, Any] = {"live": rules} if rules else {}
    if report:
        settings["report"] = dict(report)
    meeting = Meeting(**fields, status="scheduled", settings=settings)
    meeting.agenda = []  # loaded (empty), so setting it after the flush below needs no query
    session.add(meeting)
    if source is not None:
        await session.flush()
        agenda = await _copy_roster_and_agenda(session, source, meeting)
    meeting.agenda = _build_agenda(agenda)
    if topic_id is not None:
        await session.flush()
        await topics.link_meeting(session, principal, topic_id, meeting)
    await session.commit()
    await session.refresh(meeting, ["room", "agenda"])
    return meeting


async def _copy_roster_and_agenda(
    session: AsyncSession, source: Meeting, meeting: Meeting
) -> list[dict[str, Any]]:
    """Put the source meeting's roster on the new one; its agenda, with lineups naming the
    new roster entries of the same people."""
    new_ids: dict[str, str] = {}
    for old in await list_roster(session, source.id):
        row = MeetingParticipant(
            meeting_id=meeting.id,
            person_id=old.person_id,
            guest_name=old.guest_name,
            guest_phone=old.guest_phone,
            category=old.category,
            role=old.role,
        )
        session.add(row)
        await session.flush()
        new_ids[str(old.id)] = str(row.id)

    def config_of(config: dict[str, Any]) -> dict[str, Any]:
        out = dict(config)
        if config.get("lineup"):
            out["lineup"] = [
                {**slot, "participant_id": new_ids.get(slot["participant_id"], "?")}
                if "participant_id" in slot
                else dict(slot)
                for slot in config["lineup"]
            ]
        return out

    return [
        {
            "title": item.title,
            "description": item.description,
            "rounds": [
                {
                    "kind": r.kind,
                    "title": r.title,
                    "time_limit_s": r.time_limit_s,
                    "config": config_of(r.config or {}),
                }
                for r in item.rounds
            ],
        }
        for item in source.agenda
    ]


async def update_meeting(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    changes: dict[str, Any],
    check: PlanCheck | None = None,
) -> Meeting:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "meeting.update", Target(meeting=meeting))
    if "room_id" in changes:
        moved_to = Target(room_id=changes["room_id"])
        await policy.authorize(session, principal, "meeting.create", moved_to)
    _in_utc(changes)
    agenda = changes.pop("agenda", None)
    rules = changes.pop("speaking_rules", None)
    if (agenda is not None or rules is not None) and await has_gone_live(session, meeting):
        # The live meeting runs on the setup stored when it first opened; a change now
        # would show here and never reach the meeting.
        raise Conflict("会议已开始，不能再修改议程和发言规则")
    if agenda is not None:
        if check is not None:
            check(agenda, _roster_for_check(await list_roster(session, meeting.id)))
        # The old items go first: the new ones take the same positions, which are unique.
        meeting.agenda = []
        await session.flush()
        meeting.agenda = _build_agenda(agenda)
    if rules is not None:
        meeting.settings = {**meeting.settings, "live": rules}
    report = changes.pop("report", None)
    if report is not None:
        meeting.settings = {**meeting.settings, "report": dict(report)}
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


def refuse_after_end(meeting: Meeting, what: str) -> None:
    """Refuse what belongs to a meeting still to be held, once it has ended (the record,
    transcript and minutes, stays open to its staff)."""
    if meeting.status == "ended":
        raise Conflict(f"会议已结束，{what}")


def report_settings_of(meeting: Meeting) -> dict[str, str]:
    """How the written outcome is addressed and signed: `recipient` (主送), `organ` (落款) and
    the minutes' `number` (期号), each "" when not set."""
    stored = meeting.settings.get("report") if isinstance(meeting.settings, dict) else None
    stored = stored if isinstance(stored, dict) else {}
    return {key: str(stored.get(key) or "") for key in ("recipient", "organ", "number")}


def speaking_rules_of(meeting: Meeting) -> dict[str, Any]:
    """The speaking rules as stored for the live machine ({} for its defaults)."""
    stored = meeting.settings.get("live") if isinstance(meeting.settings, dict) else None
    return stored if isinstance(stored, dict) else {}


async def list_participants(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> tuple[list[MeetingParticipant], bool]:
    """The roster, and whether the asker may see guests' phone numbers (only those who may
    change the roster do; other participants see names and categories)."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "roster.read", Target(meeting=meeting))
    try:
        await policy.authorize(session, principal, "roster.update", Target(meeting=meeting))
        contacts = True
    except Forbidden:
        contacts = False
    return await list_roster(session, meeting.id), contacts


async def add_participant(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    fields: dict[str, Any],
    *,
    key: str,
    ttl_s: int,
) -> tuple[MeetingParticipant, tuple[str, Invite] | None]:
    """Put a person with an account, or a named guest, on the meeting's roster. A guest has
    no account, so adding one also makes their invite link (their invitation), in the same
    transaction: there is no guest without a link."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "roster.update", Target(meeting=meeting))
    refuse_after_end(meeting, "不能再添加参会人员")
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
        guest_phone=fields.get("guest_phone") if person_id is None else None,
        category=category or "guest",
        role=fields.get("role") or "participant",
        attendance_mode=fields.get("attendance_mode"),
    )
    session.add(participant)
    await session.flush()
    link = None
    if person_id is None:
        link = await issue_link(session, key, participant, principal, ttl_s=ttl_s)
    await session.commit()
    await session.refresh(participant, ["person"])
    return participant, link


async def issue_link(
    session: AsyncSession,
    key: str,
    participant: MeetingParticipant,
    principal: Principal | None,
    *,
    ttl_s: int,
) -> tuple[str, Invite]:
    """A new invite link for a participant (not committed). For a guest the link is their
    invitation: the first one counts as sent (未读) until the guest opens it."""
    made_by = principal.person.id if principal is not None and principal.person else None
    token, invite = await create_invite(session, key, participant, created_by=made_by, ttl_s=ttl_s)
    invited = await session.scalar(
        select(Invitation.id).where(Invitation.participant_id == participant.id)
    )
    if invited is None and participant.person_id is None:
        session.add(
            Invitation(
                meeting_id=participant.meeting_id,
                participant_id=participant.id,
                status="unread",
                sent_at=datetime.now(UTC),
                delivered="link",
            )
        )
    return token, invite


async def invite_guest(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    *,
    participant_id: int,
    key: str,
    ttl_s: int,
) -> tuple[str, Invite]:
    """A signed, expiring invite token for one participant of the meeting, and its record."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "invite.create", Target(meeting=meeting))
    refuse_after_end(meeting, "不能再邀请来宾")
    participant = await session.get(MeetingParticipant, participant_id)
    if participant is None or participant.meeting_id != meeting.id:
        raise NotFound("该参会人员不在本次会议名单中")
    token, invite = await issue_link(session, key, participant, principal, ttl_s=ttl_s)
    await session.commit()
    return token, invite


async def revoke_invite(
    session: AsyncSession, principal: Principal | None, meeting_id: int, invite_id: int
) -> Invite:
    """Stop an invite link from working, on the API and on /live, from now on."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "invite.revoke", Target(meeting=meeting))
    invite = await session.get(Invite, invite_id)
    if invite is None or invite.meeting_id != meeting.id:
        raise NotFound("本次会议没有这个邀请链接")
    invite.revoked = True
    await session.commit()
    return invite


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
