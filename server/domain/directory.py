"""Org units, rooms and people: who and where the consultation happens.

Each function asks server/policy.py whether the caller may do it before it changes anything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import OrgUnit, Person, Room
from server.domain import audit
from server.domain.errors import Conflict, Invalid, NotFound
from server.passwords import hash_password_async
from server.policy import Target

# Which child level each org level may have (the tree city → county → township → village).
CHILD_LEVEL = {None: "city", "city": "county", "county": "township", "township": "village"}
# A township room hangs on a township unit; a village room on a village unit.
ROOM_LEVEL_FOR_ORG = {"township": "township", "village": "village"}


async def list_org_units(session: AsyncSession, principal: Principal | None) -> list[OrgUnit]:
    await policy.authorize(session, principal, "org_unit.read")
    return list(await session.scalars(select(OrgUnit).order_by(OrgUnit.id)))


async def get_org_unit(session: AsyncSession, org_unit_id: int) -> OrgUnit:
    unit = await session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise NotFound("组织不存在")
    return unit


async def create_org_unit(
    session: AsyncSession,
    principal: Principal | None,
    *,
    name: str,
    level: str,
    parent_id: int | None,
) -> OrgUnit:
    await policy.authorize(session, principal, "org_unit.create", Target(org_unit_id=parent_id))
    parent = await get_org_unit(session, parent_id) if parent_id is not None else None
    expected = CHILD_LEVEL.get(parent.level if parent else None)
    if level != expected:
        raise Invalid(f"该上级组织下只能建立“{_LEVEL_NAMES.get(expected or '', '无')}”级组织")
    unit = OrgUnit(name=name, level=level, parent_id=parent_id)
    session.add(unit)
    await session.commit()
    return unit


async def update_org_unit(
    session: AsyncSession, principal: Principal | None, org_unit_id: int, *, name: str | None
) -> OrgUnit:
    unit = await get_org_unit(session, org_unit_id)
    scope = Target(org_unit_id=unit.parent_id or unit.id)
    await policy.authorize(session, principal, "org_unit.update", scope)
    if name is not None:
        unit.name = name
    await session.commit()
    return unit


_LEVEL_NAMES = {
    "city": "市",
    "county": "县（市、区）",
    "township": "镇（街道、园区）",
    "village": "村（社区）",
}


async def list_rooms(
    session: AsyncSession, principal: Principal | None, *, org_unit_id: int | None = None
) -> list[Room]:
    await policy.authorize(session, principal, "room.read")
    query = select(Room).order_by(Room.id)
    if org_unit_id is not None:
        query = query.where(Room.org_unit_id == org_unit_id)
    return list(await session.scalars(query))


async def get_room(session: AsyncSession, room_id: int) -> Room:
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound("协商议事室不存在")
    return room


async def create_room(
    session: AsyncSession,
    principal: Principal | None,
    *,
    name: str,
    org_unit_id: int,
    address: str | None,
) -> Room:
    await policy.authorize(session, principal, "room.create", Target(org_unit_id=org_unit_id))
    unit = await get_org_unit(session, org_unit_id)
    level = ROOM_LEVEL_FOR_ORG.get(unit.level)
    if level is None:
        raise Invalid("协商议事室只能设在镇（街道、园区）或村（社区、企事业单位）")
    room = Room(name=name, level=level, org_unit_id=org_unit_id, address=address)
    session.add(room)
    await session.commit()
    await session.refresh(room, ["org_unit"])
    return room


async def update_room(
    session: AsyncSession, principal: Principal | None, room_id: int, changes: dict[str, Any]
) -> Room:
    room = await get_room(session, room_id)
    await policy.authorize(session, principal, "room.update", Target(room_id=room.id))
    for field in ("name", "address", "notice_days", "premoderate"):
        if field in changes:
            setattr(room, field, changes[field])
    await session.commit()
    return room


async def list_people(
    session: AsyncSession,
    principal: Principal | None,
    *,
    search: str | None = None,
    category: str | None = None,
    cppcc_level: str | None = None,
) -> list[Person]:
    """Everyone the caller manages: filed under an org unit their CPPCC-staff grant covers;
    `search` matches part of the name or the username."""
    await policy.authorize(session, principal, "person.list")
    query = select(Person).order_by(Person.id)
    if search:
        pattern = "%" + search.replace("\\", "").replace("%", "").replace("_", "") + "%"
        query = query.where(Person.name.like(pattern) | Person.username.like(pattern))
    if category:
        query = query.where(Person.category == category)
    if cppcc_level:
        query = query.where(Person.cppcc_level == cppcc_level)
    people = list(await session.scalars(query))
    # Whether a person is in reach depends only on their org unit: ask once per unit.
    reach: dict[int | None, bool] = {}
    for unit in {p.org_unit_id for p in people}:
        target = Target(org_unit_id=unit)
        reach[unit] = await policy.holds(session, principal, ["cppcc_staff"], target)
    return [p for p in people if reach[p.org_unit_id]]


async def _person(session: AsyncSession, person_id: int) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("人员不存在")
    return person


async def get_person(session: AsyncSession, principal: Principal | None, person_id: int) -> Person:
    person = await _person(session, person_id)
    await policy.authorize(session, principal, "person.read", Target(person=person))
    return person


def _check_cppcc_level(category: str, cppcc_level: str | None) -> None:
    if cppcc_level is not None and category != "member":
        raise Invalid("只有政协委员才有委员级别（市级或县级）")


async def create_person(
    session: AsyncSession, principal: Principal | None, fields: dict[str, Any]
) -> Person:
    unit = Target(org_unit_id=fields.get("org_unit_id"))
    await policy.authorize(session, principal, "person.create", unit)
    _check_cppcc_level(fields["category"], fields.get("cppcc_level"))
    if await session.scalar(select(Person.id).where(Person.username == fields["username"])):
        raise Conflict("用户名已被使用", field="username")
    password = fields.pop("password", None)
    password_hash = await hash_password_async(password) if password else None
    person = Person(**fields, password_hash=password_hash)
    session.add(person)
    await session.commit()
    await session.refresh(person, ["grants"])
    return person


async def update_person(
    session: AsyncSession, principal: Principal | None, person_id: int, changes: dict[str, Any]
) -> Person:
    person = await _person(session, person_id)
    await policy.check_account_change(session, principal, person)
    password = changes.pop("password", None)
    category = changes.get("category", person.category)
    _check_cppcc_level(category, changes.get("cppcc_level", person.cppcc_level))
    for field, value in changes.items():
        setattr(person, field, value)
    if password:
        person.password_hash = await hash_password_async(password)
    await audit.person_updated(session, principal, person, password_reset=bool(password))
    await session.commit()
    await session.refresh(person, ["grants"])
    return person


async def grant_role(
    session: AsyncSession,
    principal: Principal | None,
    person_id: int,
    *,
    role: str,
    org_unit_id: int | None,
    room_id: int | None,
) -> Person:
    """Give someone a role over an org unit, a room or everywhere, as far as the policy lets
    the caller hand it out; granting what they already hold changes nothing."""
    await policy.check_grant(session, principal, role, org_unit_id=org_unit_id, room_id=room_id)
    person = await _person(session, person_id)
    await policy.add_grant(session, person, role, org_unit_id=org_unit_id, room_id=room_id)
    await audit.role_granted(session, principal, person_id, role, org_unit_id, room_id)
    await session.commit()
    await session.refresh(person, ["grants"])
    return person


async def revoke_role(
    session: AsyncSession,
    principal: Principal | None,
    person_id: int,
    *,
    role: str,
    org_unit_id: int | None,
    room_id: int | None,
) -> Person:
    """Take back a role, by the same rule as handing it out (server/policy.py `check_grant`),
    from someone who holds no more than the caller (a change to their account)."""
    await policy.check_grant(
        session,
        principal,
        role,
        org_unit_id=org_unit_id,
        room_id=room_id,
        action="person.revoke",
    )
    person = await _person(session, person_id)
    await policy.check_account_change(session, principal, person, action="person.revoke")
    if not await policy.remove_grant(
        session, person, role, org_unit_id=org_unit_id, room_id=room_id
    ):
        raise NotFound("此人在该范围内没有这个角色")
    await audit.record(
        session,
        principal,
        "role.revoke",
        "person",
        person_id,
        role=role,
        org_unit_id=org_unit_id,
        room_id=room_id,
    )
    await session.commit()
    await session.refresh(person, ["grants"])
    return person
