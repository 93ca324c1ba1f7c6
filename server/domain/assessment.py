"""The yearly assessment (第二十二—二十六条): each room's consultation activities against what its
level requires, its outcomes adopted and implemented, the city's excellent rooms, and members'
duty records scored by the rule table the CPPCC office edits.

An activity is a meeting of the room that was held (status `ended`) and started in the year,
Beijing time. A duty record counts, per member and meeting, being invited, attending and
speaking once each however many times the record shows them; speaking time in minutes, votes
per poll and suggestions per suggestion. Points and caps come from `duty_rules`, never code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Meeting, MeetingParticipant, OrgUnit, Person, Room
from server.db.models_outcomes import (
    DUTY_KINDS,
    ActivityRequirement,
    DutyRule,
    Outcome,
    OutcomeItem,
    RoomAward,
    TrainingAttendance,
    TrainingSession,
)
from server.db.models_polls import PollNamedVote, PollVoter
from server.db.models_suggestions import Suggestion
from server.domain import audit
from server.domain.errors import Forbidden, Invalid, NotFound
from server.domain.session_record import load_record
from server.policy import Target

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
FIRST_YEAR, LAST_YEAR = 2000, 2100
ADOPTED = ("adopted", "partly_adopted")


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(f"年份应在 {FIRST_YEAR} 到 {LAST_YEAR} 之间", field="year")
    return year


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year's first and the next year's first moment, Beijing time, as UTC."""
    start = datetime(year, 1, 1, tzinfo=BEIJING).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=BEIJING).astimezone(UTC)


def months_left(year: int, now: datetime) -> int:
    """Whole months after the current one left in the year (12 for a future year)."""
    local = now.astimezone(BEIJING)
    if year > local.year:
        return 12
    if year < local.year:
        return 0
    return 12 - local.month


def _held_in(year: int) -> list[ColumnElement[bool]]:
    start, end = year_bounds(year)
    return [Meeting.status == "ended", Meeting.starts_at >= start, Meeting.starts_at < end]


async def _scope(session: AsyncSession, principal: Principal | None) -> policy.Reach:
    await policy.authorize(session, principal, "assessment.read")
    return await policy.reach(session, principal, {"cppcc_staff"})


async def requirements(session: AsyncSession) -> dict[str, int]:
    rows = await session.scalars(select(ActivityRequirement))
    return {r.level: r.required for r in rows}


def _within(column: Any, reach: policy.Reach) -> list[ColumnElement[bool]]:
    """The filter to the caller's rooms; none for a caller whose grant covers everything."""
    return [] if reach.everywhere else [column.in_(reach.room_ids)]


async def room_rows(
    session: AsyncSession, principal: Principal | None, year: int
) -> list[dict[str, Any]]:
    """Every room in the caller's scope: activities held in the year against the required
    number, and the outcomes submitted that year with their items adopted and implemented."""
    check_year(year)
    return await _room_rows(session, await _scope(session, principal), year)


async def _room_rows(session: AsyncSession, reach: policy.Reach, year: int) -> list[dict[str, Any]]:
    rooms = list(
        await session.execute(
            select(Room.id, Room.name, Room.level).where(*_within(Room.id, reach)).order_by(Room.id)
        )
    )
    activities = dict(
        (
            await session.execute(
                select(Meeting.room_id, func.count())
                .where(*_held_in(year), *_within(Meeting.room_id, reach))
                .group_by(Meeting.room_id)
            )
        ).all()
    )
    outcome_counts = dict(
        (
            await session.execute(
                select(Outcome.room_id, func.count())
                .where(Outcome.year == year, *_within(Outcome.room_id, reach))
                .group_by(Outcome.room_id)
            )
        ).all()
    )
    adopted: dict[int, int] = defaultdict(int)
    implemented: dict[int, int] = defaultdict(int)
    item_rows = await session.execute(
        select(Outcome.room_id, OutcomeItem.closed_at.is_not(None), func.count())
        .join(Outcome, OutcomeItem.outcome_id == Outcome.id)
        .where(
            Outcome.year == year,
            OutcomeItem.decision.in_(ADOPTED),
            *_within(Outcome.room_id, reach),
        )
        .group_by(Outcome.room_id, OutcomeItem.closed_at.is_not(None))
    )
    for room_id, closed, count in item_rows:
        adopted[room_id] += count
        if closed:
            implemented[room_id] += count
    required = await requirements(session)
    rows = []
    for room_id, name, level in rooms:
        held = int(activities.get(room_id, 0))
        need = required.get(level, 0)
        rows.append(
            {
                "room_id": room_id,
                "name": name,
                "level": level,
                "activities": held,
                "required": need,
                "behind": held < need,
                "outcomes": int(outcome_counts.get(room_id, 0)),
                "adopted": adopted[room_id],
                "implemented": implemented[room_id],
            }
        )
    return rows


async def dashboard(
    session: AsyncSession, principal: Principal | None, year: int, now: datetime
) -> dict[str, Any]:
    """What the county and city dashboards draw: the rows, the months left, activities per
    month, adoption and implementation rates, participation by category, excellent rooms."""
    check_year(year)
    return await figures(session, await _scope(session, principal), year, now)


async def area(session: AsyncSession, org_unit_id: int) -> tuple[OrgUnit, policy.Reach]:
    """An org unit and everything beneath it (its units and rooms), as a scope the figures
    are counted over: the yearly report of a county counts exactly its own rooms."""
    unit = await session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise NotFound("组织不存在，请检查编号")
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in await session.execute(select(OrgUnit.id, OrgUnit.parent_id)):
        children[parent_id].append(unit_id)
    units: set[int] = set()
    todo = [unit.id]
    while todo:
        current = todo.pop()
        if current not in units:
            units.add(current)
            todo.extend(children[current])
    rooms = await session.scalars(select(Room.id).where(Room.org_unit_id.in_(units)))
    return unit, policy.Reach(False, tuple(sorted(units)), tuple(sorted(rooms)), ())


async def figures(
    session: AsyncSession, reach: policy.Reach, year: int, now: datetime
) -> dict[str, Any]:
    """The dashboard's figures over a scope (the caller's, or one county's for its report)."""
    rows = await _room_rows(session, reach, year)
    mine = _within(Meeting.room_id, reach)
    if session.get_bind().dialect.name == "postgresql":
        month: Any = extract("month", func.timezone("Asia/Shanghai", Meeting.starts_at))
    else:
        # SQLite keeps the UTC moment as text; the month is Beijing's, eight hours on.
        month = func.strftime("%m", Meeting.starts_at, "+8 hours")
    per_month = [0] * 12
    grouped = await session.execute(
        select(month, func.count()).where(*_held_in(year), *mine).group_by(month)
    )
    for m, count in grouped:
        per_month[int(m) - 1] = int(count)
    categories = dict(
        (
            await session.execute(
                select(MeetingParticipant.category, func.count())
                .join(Meeting, MeetingParticipant.meeting_id == Meeting.id)
                .where(*_held_in(year), *mine, MeetingParticipant.role != "staff")
                .group_by(MeetingParticipant.category)
            )
        ).all()
    )
    items = await session.scalar(
        select(func.count())
        .select_from(OutcomeItem)
        .join(Outcome, OutcomeItem.outcome_id == Outcome.id)
        .where(Outcome.year == year, *_within(Outcome.room_id, reach))
    )
    adopted = sum(r["adopted"] for r in rows)
    implemented = sum(r["implemented"] for r in rows)
    awards = await session.scalars(
        select(RoomAward).where(RoomAward.year == year, *_within(RoomAward.room_id, reach))
    )
    return {
        "year": year,
        "months_left": months_left(year, now),
        "rooms": rows,
        "activities_by_month": per_month,
        "items": int(items or 0),
        "adoption_rate": round(adopted / items, 3) if items else None,
        "implementation_rate": round(implemented / adopted, 3) if adopted else None,
        "participation": {c: int(categories.get(c, 0)) for c in sorted(categories)},
        "awards": [
            {"room_id": a.room_id, "evidence": a.evidence, "by_name": a.by_name, "at": a.at}
            for a in awards
        ],
    }


# --- the stored rules ------------------------------------------------------------------------


async def rules(session: AsyncSession, principal: Principal | None) -> dict[str, Any]:
    await policy.authorize(session, principal, "assessment.read")
    duty = await session.scalars(select(DutyRule).order_by(DutyRule.kind))
    return {
        "required": await requirements(session),
        "duty": {r.kind: {"points": r.points, "cap": r.cap} for r in duty},
    }


async def set_rules(
    session: AsyncSession,
    principal: Principal | None,
    required: Mapping[str, int],
    duty: Mapping[str, tuple[float, float | None]],
) -> dict[str, Any]:
    """The office changes how many activities a level requires and the duty points."""
    who = await policy.authorize(session, principal, "assessment.rules")
    for level, count in required.items():
        row = await session.get(ActivityRequirement, level)
        if row is None:
            session.add(ActivityRequirement(level=level, required=count))
        else:
            row.required = count
    for kind, (points, cap) in duty.items():
        if kind not in DUTY_KINDS:
            raise Invalid(f"不认识的履职项目 {kind}", field="duty")
        rule = await session.get(DutyRule, kind)
        if rule is None:
            session.add(DutyRule(kind=kind, points=points, cap=cap))
        else:
            rule.points, rule.cap = points, cap
    await audit.record(
        session,
        who,
        "assessment.rules",
        "assessment",
        None,
        required=dict(required),
        duty={k: list(v) for k, v in duty.items()},
    )
    await session.commit()
    return await rules(session, principal)


# --- excellent rooms ------------------------------------------------------------------------


async def _city_of(session: AsyncSession, room: Room) -> int | None:
    for unit_id in await policy.org_chain(session, room.org_unit_id):
        unit = await session.get(OrgUnit, unit_id)
        if unit is not None and unit.level == "city":
            return unit.id
    return None


async def award(
    session: AsyncSession, principal: Principal | None, room_id: int, year: int, evidence: str
) -> RoomAward:
    """The city's CPPCC marks a room 优秀协商议事室 for the year, with the evidence."""
    check_year(year)
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound("协商议事室不存在")
    who = await policy.authorize(session, principal, "room.award", Target(room_id=room_id))
    city = await _city_of(session, room)
    if city is None or not await policy.holds(
        session, who, {"cppcc_staff"}, Target(org_unit_id=city)
    ):
        raise Forbidden("优秀协商议事室由市政协评选；请联系市政协工作人员")
    if len(evidence.strip()) < 4:
        raise Invalid("请附上评选依据（如活动次数、成果采纳落实情况、宣传报道）", field="evidence")
    found = await session.scalar(
        select(RoomAward).where(RoomAward.room_id == room_id, RoomAward.year == year)
    )
    if found is None:
        found = RoomAward(room_id=room_id, year=year)
        session.add(found)
    found.evidence = evidence.strip()
    found.by_id = who.person.id if who.person else None
    found.by_name = who.name
    found.at = datetime.now(UTC)
    await audit.record(session, who, "room.award", "room", room_id, year=year)
    await session.commit()
    return found


# --- member duty records --------------------------------------------------------------------


@dataclass
class DutyRecord:
    """One member's year: counts per kind of activity, and the points the rules give them."""

    person_id: int
    name: str
    counts: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DUTY_KINDS, 0.0))
    meetings: list[dict[str, Any]] = field(default_factory=list)
    points: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


def score(record: DutyRecord, table: Mapping[str, tuple[float, float | None]]) -> DutyRecord:
    """Points per kind = count × points, capped; the total is their sum."""
    record.points = {}
    for kind in DUTY_KINDS:
        points, cap = table.get(kind, (0.0, None))
        earned = record.counts[kind] * points
        record.points[kind] = round(min(earned, cap) if cap is not None else earned, 2)
    record.score = round(sum(record.points.values()), 2)
    return record


async def duty_table(session: AsyncSession) -> dict[str, tuple[float, float | None]]:
    return {r.kind: (r.points, r.cap) for r in await session.scalars(select(DutyRule))}


async def duty_records(
    session: AsyncSession, year: int, person_ids: Iterable[int] | None = None
) -> list[DutyRecord]:
    """Members' duty records for the year from the product's own records (roster, session
    record, votes, suggestions); each meeting counts once per kind for a member."""
    check_year(year)
    if person_ids is not None:
        person_ids = list(person_ids)
    query = (
        select(MeetingParticipant, Meeting)
        .join(Meeting, MeetingParticipant.meeting_id == Meeting.id)
        .join(Person, MeetingParticipant.person_id == Person.id)
        .where(*_held_in(year), Person.category == "member", MeetingParticipant.role != "staff")
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if person_ids is not None:
        query = query.where(MeetingParticipant.person_id.in_(list(person_ids)))
    rows = list(await session.execute(query))
    by_meeting: dict[int, list[MeetingParticipant]] = defaultdict(list)
    meetings: dict[int, Meeting] = {}
    for entry, meeting in rows:
        by_meeting[meeting.id].append(entry)
        meetings[meeting.id] = meeting
    records: dict[int, DutyRecord] = {}
    for meeting_id, entries in by_meeting.items():
        record = await load_record(session, meeting_id)
        voted = await _votes(session, meeting_id)
        wrote = await _suggestions(session, meeting_id)
        for entry in entries:
            assert entry.person is not None and entry.person_id is not None
            duty = records.setdefault(
                entry.person_id, DutyRecord(entry.person_id, entry.person.name)
            )
            speeches = [s for s in record.speeches if s.participant_id == entry.id]
            seconds = sum(max(0.0, (s.ended_at or s.started_at) - s.started_at) for s in speeches)
            attended = (
                entry.id in record.attendance
                or bool(speeches)
                or (not record.held and entry.attendance_mode is not None)
            )
            polls = voted.get(str(entry.id), set())
            suggestions = wrote.get(entry.person_id, 0) + wrote.get(-entry.id, 0)
            duty.counts["invited"] += 1
            duty.counts["attended"] += 1 if attended else 0
            duty.counts["spoke"] += 1 if speeches else 0
            duty.counts["speech_minutes"] += round(seconds / 60, 2)
            duty.counts["voted"] += len(polls)
            duty.counts["suggestion"] += suggestions
            duty.meetings.append(
                {
                    "meeting_id": meeting_id,
                    "title": meetings[meeting_id].title,
                    "room_id": meetings[meeting_id].room_id,
                    "attended": attended,
                    "speeches": len(speeches),
                    "speech_seconds": round(seconds),
                    "polls_voted": len(polls),
                    "suggestions": suggestions,
                }
            )
    await _add_training(session, year, person_ids, records)
    table = await duty_table(session)
    return [score(r, table) for r in sorted(records.values(), key=lambda r: r.person_id)]


async def _add_training(
    session: AsyncSession,
    year: int,
    person_ids: Iterable[int] | None,
    records: dict[int, DutyRecord],
) -> None:
    """Training courses attended in the year (第二十四条), one per course."""
    query = (
        select(Person.id, Person.name, func.count())
        .join(TrainingAttendance, TrainingAttendance.person_id == Person.id)
        .join(TrainingSession, TrainingAttendance.session_id == TrainingSession.id)
        .where(
            Person.category == "member",
            TrainingSession.held_on >= date(year, 1, 1),
            TrainingSession.held_on <= date(year, 12, 31),
        )
        .group_by(Person.id, Person.name)
    )
    if person_ids is not None:
        query = query.where(Person.id.in_(list(person_ids)))
    for person_id, name, count in await session.execute(query):
        duty = records.setdefault(person_id, DutyRecord(person_id, name))
        duty.counts["training"] += count


async def _votes(session: AsyncSession, meeting_id: int) -> dict[str, set[str]]:
    """Roster id → the polls they voted in (named votes and secret ballots' voter lists)."""
    found: dict[str, set[str]] = defaultdict(set)
    for model in (PollNamedVote, PollVoter):
        rows = await session.execute(
            select(model.participant_id, model.poll_id).where(model.meeting_id == meeting_id)
        )
        for participant_id, poll_id in rows:
            found[str(participant_id)].add(str(poll_id))
    return found


async def _suggestions(session: AsyncSession, meeting_id: int) -> dict[int, int]:
    """Suggestions per person id, and per roster id as a negative key (guests, links)."""
    found: dict[int, int] = defaultdict(int)
    rows = await session.execute(
        select(Suggestion.person_id, Suggestion.participant_id).where(
            Suggestion.meeting_id == meeting_id
        )
    )
    for person_id, participant_id in rows:
        if person_id is not None:
            found[person_id] += 1
        elif participant_id is not None:
            found[-participant_id] += 1
    return found


async def my_duty(session: AsyncSession, principal: Principal | None, year: int) -> DutyRecord:
    """The member's own record (an empty one when they took part in nothing)."""
    who = policy.authorize_now("duty.mine", principal)
    assert who.person is not None
    found = await duty_records(session, year, [who.person.id])
    if found:
        return found[0]
    return score(DutyRecord(who.person.id, who.person.name), await duty_table(session))


async def office_duty(
    session: AsyncSession, principal: Principal | None, year: int
) -> list[DutyRecord]:
    """The duty records of members filed under the caller's scope."""
    return await duty_within(session, await _scope(session, principal), year)


async def duty_within(session: AsyncSession, reach: policy.Reach, year: int) -> list[DutyRecord]:
    """The duty records of members filed under the scope's org units."""
    query = select(Person.id).where(Person.category == "member")
    if not reach.everywhere:
        query = query.where(Person.org_unit_id.in_(reach.org_unit_ids))
    people = await session.scalars(query)
    return await duty_records(session, year, list(people))
