"""Org units, rooms and people: who and where the consultation happens.

Each function checks who may do it before it changes anything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import Principal, hash_password, require, require_person
from server.db.models import OrgUnit, Person, RoleGrant, Room
from server.domain import audit
from server.domain.errors import Conflict, Invalid, NotFound

# Which child level each org level may have (the tree city → county → township → village).
CHILD_LEVEL = {None: "city", "city": "county", "county": "township", "township": "village"}
# A township room hangs on a township unit; a village room on a village unit.
ROOM_LEVEL_FOR_ORG = {"township": "township", "village": "village"}
MANAGERS = ("cppcc_staff",)


async def list_org_units(session: AsyncSession, principal: Principal | None) -> list[OrgUnit]:
    require_person(principal)
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
    parent = await get_org_unit(session, parent_id) if parent_id is not None else None
    expected = CHILD_LEVEL.get(parent.level if parent else None)
    if level != expected:
        raise Invalid(f"该上级组织下只能建立“{_LEVEL_NAMES.get(expected or '', '无')}”级组织")
    await require(session, principal, MANAGERS, org_unit_id=parent_id)
    unit = OrgUnit(name=name, level=level, parent_id=parent_id)
    session.add(unit)
    await session.commit()
    return unit


async def update_org_unit(
    session: AsyncSession, principal: Principal | None, org_unit_id: int, *, name: str | None
) -> OrgUnit:
    unit = await get_org_unit(session, org_unit_id)
    await require(session, principal, MANAGERS, org_unit_id=unit.parent_id or unit.id)
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
    require_person(principal)
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
    unit = await get_org_unit(session, org_unit_id)
    level = ROOM_LEVEL_FOR_ORG.get(unit.level)
    if level is None:
        raise Invalid("协商议事室只能设在镇（街道、园区）或村（社区、企事业单位）")
    await require(session, principal, MANAGERS, org_unit_id=org_unit_id)
    room = Room(name=name, level=level, org_unit_id=org_unit_id, address=address)
    session.add(room)
    await session.commit()
    await session.refresh(room, ["org_unit"])
    return room


async def update_room(
    session: AsyncSession, principal: Principal | None, room_id: int, changes: dict[str, Any]
) -> Room:
    room = await get_room(session, room_id)
    await require(session, principal, MANAGERS, org_unit_id=room.org_unit_id)
    for field in ("name", "address"):
        if field in changes:
            setattr(room, field, changes[field])
    await session.commit()
    return room


async def list_people(session: AsyncSession, principal: Principal | None) -> list[Person]:
    await require(session, principal, ("cppcc_staff", "staff", "moderator"))
    return list(await session.scalars(select(Person).order_by(Person.id)))


async def get_person(session: AsyncSession, principal: Principal | None, person_id: int) -> Person:
    me = require_person(principal)
    if me.person is None or me.person.id != person_id:
        await require(session, principal, ("cppcc_staff", "staff", "moderator"))
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("人员不存在")
    return person


def _check_cppcc_level(category: str, cppcc_level: str | None) -> None:
    if cppcc_level is not None and category != "member":
        raise Invalid("只有政协委员才有委员级别（市级或县级）")


async def create_person(
    session: AsyncSession, principal: Principal | None, fields: dict[str, Any]
) -> Person:
    await require(session, principal, MANAGERS, org_unit_id=fields.get("org_unit_id"))
    _check_cppcc_level(fields["category"], fields.get("cppcc_level"))
    if await session.scalar(select(Person.id).where(Person.username == fields["username"])):
        raise Conflict("用户名已被使用")
    password = fields.pop("password", None)
    person = Person(**fields, password_hash=hash_password(password) if password else None)
    session.add(person)
    await session.commit()
    await session.refresh(person, ["grants"])
    return person


async def update_person(
    session: AsyncSession, principal: Principal | None, person_id: int, changes: dict[str, Any]
) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("人员不存在")
    await require(session, principal, MANAGERS, org_unit_id=person.org_unit_id)
    password = changes.pop("password", None)
    category = changes.get("category", person.category)
    _check_cppcc_level(category, changes.get("cppcc_level", person.cppcc_level))
    for field, value in changes.items():
        setattr(person, field, value)
    if password:
        person.password_hash = hash_password(password)
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
    if role == "admin" or (org_unit_id is None and room_id is None):
        await require(session, principal, ("admin",))
    else:
        await require(session, principal, MANAGERS, org_unit_id=org_unit_id, room_id=room_id)
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound("人员不存在")
    exists = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.person_id == person_id,
            RoleGrant.role == role,
            RoleGrant.org_unit_id.is_(org_unit_id)
            if org_unit_id is None
            else RoleGrant.org_unit_id == org_unit_id,
            RoleGrant.room_id.is_(room_id) if room_id is None else RoleGrant.room_id == room_id,
        )
    )
    if exists is None:
        session.add(
            RoleGrant(person_id=person_id, role=role, org_unit_id=org_unit_id, room_id=room_id)
        )
        await audit.role_granted(session, principal, person_id, role, org_unit_id, room_id)
        await session.commit()
    await session.refresh(person, ["grants"])
    return person
