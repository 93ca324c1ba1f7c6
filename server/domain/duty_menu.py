"""Members' yearly duty menus (履职菜单, 第二十三条): CPPCC staff plan which activities each
member takes on and how many times; the member sees the plan beside what they actually did.

Theory of operation. What was done is never typed in: it is the member's duty record
(`assessment.duty_records`, from rosters, the session record, votes, suggestions, training)
counted per kind and room. Each activity counts towards one line of the menu at most
(`allocate`): a line naming a room first takes that room's activities up to its target; a line
naming no room then takes what is left of its kind up to its target; whatever still remains
goes to its room's line if there is one, else to the kind's general line, so a line can show
more than planned but nothing is counted twice. A menu holds one line per kind and room.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Person, Room
from server.db.models_outcomes import MENU_KINDS, DutyMenu, DutyMenuLine
from server.domain import assessment, audit
from server.domain.assessment import DutyRecord
from server.domain.errors import Invalid, NotFound
from server.policy import Target

MAX_LINES = 30
MAX_TARGET = 100
KIND_NAMES = {
    "attended": "出席协商活动",
    "spoke": "会上发言",
    "voted": "参加表决",
    "suggestion": "提交意见建议",
    "training": "参加培训",
}

Done = Mapping[str, Mapping[int | None, int]]


@dataclass(frozen=True)
class Line:
    """One planned line: a kind of activity, how many times, optionally where and about what."""

    kind: str
    target: int
    room_id: int | None = None
    topic: str = ""


def done_by_room(record: DutyRecord) -> dict[str, dict[int | None, int]]:
    """The record's activities per menu kind and room (training belongs to no room)."""
    done: dict[str, dict[int | None, int]] = {k: defaultdict(int) for k in MENU_KINDS}
    for meeting in record.meetings:
        room = meeting["room_id"]
        done["attended"][room] += 1 if meeting["attended"] else 0
        done["spoke"][room] += 1 if meeting["speeches"] else 0
        done["voted"][room] += int(meeting["polls_voted"])
        done["suggestion"][room] += int(meeting["suggestions"])
    done["training"][None] += int(record.counts["training"])
    return done


def allocate(lines: Sequence[Line], done: Done) -> list[int]:
    """How many activities count towards each line; each activity towards one line at most."""
    got = [0] * len(lines)
    left = {kind: dict(rooms) for kind, rooms in done.items()}
    own = {(ln.kind, ln.room_id): i for i, ln in enumerate(lines)}
    for i, line in enumerate(lines):
        if line.room_id is not None:
            pool = left.get(line.kind, {})
            take = min(pool.get(line.room_id, 0), line.target)
            got[i] += take
            if take:
                pool[line.room_id] -= take
    for i, line in enumerate(lines):
        if line.room_id is None:
            pool = left.get(line.kind, {})
            for room in sorted(pool, key=lambda r: (r is not None, r or 0)):
                take = min(pool[room], line.target - got[i])
                if take > 0:
                    got[i] += take
                    pool[room] -= take
    for kind, pool in left.items():
        for room, count in pool.items():
            where = own.get((kind, room), own.get((kind, None)))
            if count > 0 and where is not None:
                got[where] += count
    return got


def check_lines(lines: Sequence[Line]) -> None:
    """Refuse a menu staff could not mean: unknown kinds, odd targets, a line twice."""
    if len(lines) > MAX_LINES:
        raise Invalid(f"一份履职菜单最多 {MAX_LINES} 项，请合并相近的项目", field="lines")
    seen: set[tuple[str, int | None]] = set()
    for n, line in enumerate(lines):
        where = f"lines.{n}"
        if line.kind not in MENU_KINDS:
            raise Invalid(f"第 {n + 1} 项：不认识的履职项目 {line.kind}", field=f"{where}.kind")
        if not 1 <= line.target <= MAX_TARGET:
            raise Invalid(
                f"第 {n + 1} 项：计划次数应在 1 到 {MAX_TARGET} 之间", field=f"{where}.target"
            )
        if line.kind == "training" and line.room_id is not None:
            raise Invalid(
                f"第 {n + 1} 项：培训不在议事室举办，请不要选择议事室", field=f"{where}.room_id"
            )
        if (line.kind, line.room_id) in seen:
            raise Invalid(
                f"第 {n + 1} 项：「{KIND_NAMES[line.kind]}」在同一议事室已列过一项，请合并次数",
                field=f"{where}.kind",
            )
        seen.add((line.kind, line.room_id))


# --- reading -------------------------------------------------------------------------------


async def _person(session: AsyncSession, person_id: int) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("人员不存在")
    return person


async def _menus(
    session: AsyncSession, person_ids: Sequence[int], year: int
) -> dict[int, DutyMenu]:
    rows = await session.scalars(
        select(DutyMenu).where(DutyMenu.person_id.in_(list(person_ids)), DutyMenu.year == year)
    )
    return {m.person_id: m for m in rows}


async def _room_names(session: AsyncSession, menus: Sequence[DutyMenu]) -> dict[int, str]:
    ids = {ln.room_id for m in menus for ln in m.lines if ln.room_id is not None}
    if not ids:
        return {}
    return dict((await session.execute(select(Room.id, Room.name).where(Room.id.in_(ids)))).all())


def _view(
    person_id: int,
    name: str,
    year: int,
    menu: DutyMenu | None,
    record: DutyRecord | None,
    rooms: Mapping[int, str],
    now: datetime,
) -> dict[str, Any]:
    lines = [Line(ln.kind, ln.target, ln.room_id, ln.topic) for ln in menu.lines] if menu else []
    done = done_by_room(record) if record else {k: {} for k in MENU_KINDS}
    got = allocate(lines, done)
    shown = [
        {
            "kind": ln.kind,
            "target": ln.target,
            "room_id": ln.room_id,
            "room_name": rooms.get(ln.room_id) if ln.room_id is not None else None,
            "topic": ln.topic,
            "done": count,
            "percent": min(100, round(100 * count / ln.target)),
        }
        for ln, count in zip(lines, got, strict=True)
    ]
    planned = sum(ln.target for ln in lines)
    met = sum(min(count, ln.target) for ln, count in zip(lines, got, strict=True))
    return {
        "person_id": person_id,
        "name": name,
        "year": year,
        "months_left": assessment.months_left(year, now),
        "planned_by": menu.by_name if menu else None,
        "updated_at": menu.updated_at if menu else None,
        "lines": shown,
        "record": {k: sum(done[k].values()) for k in MENU_KINDS},
        "planned": planned,
        "done": met,
        "behind": any(count < ln.target for ln, count in zip(lines, got, strict=True)),
    }


async def _one(session: AsyncSession, person: Person, year: int, now: datetime) -> dict[str, Any]:
    menu = (await _menus(session, [person.id], year)).get(person.id)
    found = await assessment.duty_records(session, year, [person.id])
    rooms = await _room_names(session, [menu] if menu else [])
    return _view(person.id, person.name, year, menu, found[0] if found else None, rooms, now)


async def menu_of(
    session: AsyncSession, principal: Principal | None, person_id: int, year: int, now: datetime
) -> dict[str, Any]:
    """One member's menu with progress, for the CPPCC office over them or the member."""
    assessment.check_year(year)
    person = await _person(session, person_id)
    await policy.authorize(session, principal, "duty_menu.read", Target(person=person))
    return await _one(session, person, year, now)


async def my_menu(
    session: AsyncSession, principal: Principal | None, year: int, now: datetime
) -> dict[str, Any]:
    """The signed-in member's own menu beside their record (empty when none was planned)."""
    assessment.check_year(year)
    who = policy.authorize_now("duty.mine", principal)
    assert who.person is not None
    return await _one(session, who.person, year, now)


async def office_menus(
    session: AsyncSession, principal: Principal | None, year: int, now: datetime
) -> list[dict[str, Any]]:
    """Every member filed under the caller's scope with their menu and progress; those
    behind their menu first."""
    assessment.check_year(year)
    await policy.authorize(session, principal, "assessment.read")
    reach = await policy.reach(session, principal, {"cppcc_staff"})
    query = select(Person.id, Person.name).where(Person.category == "member")
    if not reach.everywhere:
        query = query.where(Person.org_unit_id.in_(reach.org_unit_ids))
    people = list(await session.execute(query.order_by(Person.id)))
    ids = [person_id for person_id, _ in people]
    menus = await _menus(session, ids, year)
    records = {r.person_id: r for r in await assessment.duty_records(session, year, ids)}
    rooms = await _room_names(session, list(menus.values()))
    rows = [
        _view(pid, name, year, menus.get(pid), records.get(pid), rooms, now) for pid, name in people
    ]
    return sorted(rows, key=lambda r: (not r["behind"], r["person_id"]))


# --- planning ------------------------------------------------------------------------------


async def set_menu(
    session: AsyncSession,
    principal: Principal | None,
    person_id: int,
    year: int,
    lines: Sequence[Line],
    now: datetime,
) -> dict[str, Any]:
    """CPPCC staff over the member's org unit replace the member's menu for the year."""
    assessment.check_year(year)
    person = await _person(session, person_id)
    who = await policy.authorize(session, principal, "duty_menu.edit", Target(person=person))
    if person.category != "member":
        raise Invalid("履职菜单只为政协委员制定；此人不是委员")
    check_lines(lines)
    rooms = {ln.room_id for ln in lines if ln.room_id is not None}
    found = set(await session.scalars(select(Room.id).where(Room.id.in_(rooms))))
    for n, line in enumerate(lines):
        if line.room_id is not None and line.room_id not in found:
            raise Invalid(f"第 {n + 1} 项：协商议事室不存在", field=f"lines.{n}.room_id")
    planned = [
        DutyMenuLine(position=n, kind=ln.kind, target=ln.target, room_id=ln.room_id, topic=ln.topic)
        for n, ln in enumerate(lines)
    ]
    menu = (await _menus(session, [person.id], year)).get(person.id)
    if menu is None:
        session.add(
            DutyMenu(
                person_id=person.id, year=year, by_name=who.name, updated_at=now, lines=planned
            )
        )
    else:
        # The old lines go first: positions are unique within a menu.
        await session.execute(delete(DutyMenuLine).where(DutyMenuLine.menu_id == menu.id))
        await session.refresh(menu, ["lines"])
        menu.by_name, menu.updated_at, menu.lines = who.name, now, planned
    await audit.record(
        session,
        who,
        "duty_menu.edit",
        "person",
        person.id,
        year=year,
        lines=[{"kind": ln.kind, "target": ln.target, "room_id": ln.room_id} for ln in lines],
    )
    await session.commit()
    return await _one(session, person, year, now)
