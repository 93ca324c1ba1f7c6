"""The roster as organisers prepare it: finding people to invite, each entry's attendance mode
and role, removing someone before the meeting goes live, and what the roster lacks.

The categories are 第十条's four; the checks against the speaking rules (budgets, alternation)
read the rules the live machine will apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import CATEGORIES, Invite, Meeting, MeetingParticipant, OrgUnit, Person
from server.db.models_roster import Invitation
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.meetings import get_meeting, has_gone_live, list_roster, speaking_rules_of
from server.policy import Target

SEARCH_LIMIT = 30
CATEGORY_WORDS = {
    "member": "委员",
    "stakeholder": "利益相关方代表",
    "official": "部门/村居负责人",
    "guest": "其他人员",
}


@dataclass(frozen=True)
class Found:
    """A person an organiser may put on the roster: no contact details, only who they are."""

    person: Person
    org_unit_name: str | None
    on_roster: bool


async def _subtree(session: AsyncSession, root: int) -> set[int]:
    found = {root}
    frontier = [root]
    while frontier:
        children = set(
            await session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id.in_(frontier)))
        )
        frontier = list(children - found)
        found |= children
    return found


async def _reachable_units(session: AsyncSession, meeting: Meeting) -> set[int]:
    """The org units whose people may be invited: everything under the county (or the
    topmost unit) the room belongs to, and the units above it (city-level members)."""
    chain = await policy.org_chain(session, meeting.room.org_unit_id)
    levels = dict(
        (await session.execute(select(OrgUnit.id, OrgUnit.level).where(OrgUnit.id.in_(chain))))
        .tuples()
        .all()
    )
    county = next((unit for unit in chain if levels.get(unit) == "county"), chain[-1])
    return await _subtree(session, county) | set(chain)


async def search_people(
    session: AsyncSession, principal: Principal | None, meeting_id: int, query: str
) -> list[Found]:
    """People the meeting's organisers may invite whose name matches `query` (all, up to a
    limit, when empty); active accounts only."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "roster.search", Target(meeting=meeting))
    query = query.strip()[:32]
    units = await _reachable_units(session, meeting)
    statement = (
        select(Person, OrgUnit.name)
        .outerjoin(OrgUnit, Person.org_unit_id == OrgUnit.id)
        .where(Person.active.is_(True), Person.org_unit_id.in_(units))
        .order_by(Person.name, Person.id)
        .limit(SEARCH_LIMIT)
    )
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            or_(Person.name.like(f"%{escaped}%", escape="\\"), Person.username == query)
        )
    on_roster = set(
        await session.scalars(
            select(MeetingParticipant.person_id).where(MeetingParticipant.meeting_id == meeting.id)
        )
    )
    rows = (await session.execute(statement)).tuples().all()
    return [Found(person, unit, person.id in on_roster) for person, unit in rows]


@dataclass(frozen=True)
class Overview:
    """The roster with each entry's invitation, the categories' checks and the replies."""

    meeting: Meeting
    entries: list[tuple[MeetingParticipant, Invitation | None]]
    categories: list[dict[str, Any]]
    summary: dict[str, int]
    locked: bool  # the meeting has gone live: nobody is removed any more
    links: dict[int, Invite]  # each guest's newest invite link, by participant id


def _category_checks(
    rules: dict[str, Any], roster: list[MeetingParticipant]
) -> list[dict[str, Any]]:
    budgets: dict[str, Any] = rules.get("budgets_s") or {}
    speakers = [p for p in roster if p.role == "participant"]
    present = {p.category for p in speakers}
    checks = []
    for category in CATEGORIES:
        count = sum(1 for p in speakers if p.category == category)
        budget = budgets.get(category)
        warnings = []
        if budget and count == 0:
            warnings.append(
                f"已为{CATEGORY_WORDS[category]}设定发言时间（{budget // 60} 分钟），"
                "但名单中还没有这类人员"
            )
        if rules.get("alternate_categories") and count == 0 and len(present) < 2:
            warnings.append("发言按类别轮换，名单中至少需要两类参会人")
        checks.append(
            {"category": category, "count": count, "budget_s": budget, "warnings": warnings}
        )
    return checks


def _summary(entries: list[tuple[MeetingParticipant, Invitation | None]]) -> dict[str, int]:
    counts = {"expected": len(entries), "in_room": 0, "remote": 0, "declined": 0, "no_reply": 0}
    for _participant, invitation in entries:
        status = invitation.status if invitation is not None else "unread"
        if status in ("in_room", "remote", "declined"):
            counts[status] += 1
        else:
            counts["no_reply"] += 1
    return counts


async def overview(session: AsyncSession, principal: Principal | None, meeting_id: int) -> Overview:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "roster.manage", Target(meeting=meeting))
    roster = await list_roster(session, meeting.id)
    invitations = {
        i.participant_id: i
        for i in await session.scalars(
            select(Invitation).where(Invitation.meeting_id == meeting.id)
        )
    }
    entries = [(p, invitations.get(p.id)) for p in roster]
    links: dict[int, Invite] = {}
    for invite in await session.scalars(
        select(Invite).where(Invite.meeting_id == meeting.id).order_by(Invite.id)
    ):
        links[invite.participant_id] = invite  # the newest one wins
    return Overview(
        meeting,
        entries,
        _category_checks(speaking_rules_of(meeting), roster),
        _summary(entries),
        await has_gone_live(session, meeting),
        links,
    )


async def _entry(
    session: AsyncSession, principal: Principal | None, meeting_id: int, participant_id: int
) -> tuple[Meeting, MeetingParticipant]:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "roster.update", Target(meeting=meeting))
    participant = await session.get(MeetingParticipant, participant_id)
    if participant is None or participant.meeting_id != meeting.id:
        raise NotFound("该人员不在本次会议的参会名单中")
    return meeting, participant


async def update_entry(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    participant_id: int,
    changes: dict[str, Any],
) -> MeetingParticipant:
    """Change an entry's attendance mode, meeting role, category or a guest's phone."""
    meeting, participant = await _entry(session, principal, meeting_id, participant_id)
    role_changes = "role" in changes and changes["role"] != participant.role
    if role_changes and await has_gone_live(session, meeting):
        raise Conflict("会议已开始，不能再更改参会人员的身份")
    if "guest_phone" in changes and participant.person_id is not None:
        raise Invalid("有账号的人员的电话请在人员信息中修改，这里只能填写来宾的电话")
    if changes.get("role") is None:
        changes.pop("role", None)
    if changes.get("category") is None:
        changes.pop("category", None)
    for field, value in changes.items():
        setattr(participant, field, value)
    await session.commit()
    await session.refresh(participant, ["person"])
    return participant


async def remove_entry(
    session: AsyncSession, principal: Principal | None, meeting_id: int, participant_id: int
) -> None:
    """Take someone off the roster, with their invitation and guest links; only before the
    meeting goes live, because the live record names them from then on."""
    meeting, participant = await _entry(session, principal, meeting_id, participant_id)
    if await has_gone_live(session, meeting):
        raise Conflict(
            f"会议已开始，{participant.display_name}已在会议记录中，不能再从参会名单中移除；"
            "如其未到会，签到记录会如实显示"
        )
    await session.execute(delete(Invitation).where(Invitation.participant_id == participant.id))
    await session.execute(delete(Invite).where(Invite.participant_id == participant.id))
    await session.delete(participant)
    await session.commit()
