"""The JSON API of members' yearly duty menus (履职菜单); the rules are
server.domain.duty_menu's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from server.domain import assessment, duty_menu
from server.http.api_assessment import YEAR_QUERY, year_of
from server.http.framework import Context, Endpoint
from server.http.schemas import Id, Input

MenuKind = Literal["attended", "spoke", "voted", "suggestion", "training"]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class MenuLineIn(Input):
    kind: MenuKind
    target: Annotated[int, Field(ge=1, le=duty_menu.MAX_TARGET)]
    room_id: Id | None = None
    topic: Topic = ""


class MenuIn(Input):
    year: Annotated[int, Field(ge=assessment.FIRST_YEAR, le=assessment.LAST_YEAR)]
    lines: Annotated[list[MenuLineIn], Field(max_length=duty_menu.MAX_LINES)]


class MenuLineOut(BaseModel):
    kind: MenuKind
    target: int
    room_id: int | None
    room_name: str | None
    topic: str
    done: int
    percent: int


class MenuOut(BaseModel):
    person_id: int
    name: str
    year: int
    months_left: int
    planned_by: str | None
    updated_at: datetime | None
    lines: list[MenuLineOut]
    record: dict[str, int]
    planned: int
    done: int
    behind: bool


class MenuList(BaseModel):
    items: list[MenuOut]


def _now() -> datetime:
    return datetime.now(UTC)


async def my_menu(ctx: Context) -> MenuOut:
    found = await duty_menu.my_menu(ctx.session, ctx.principal, year_of(ctx), _now())
    return MenuOut.model_validate(found)


async def get_menu(ctx: Context) -> MenuOut:
    found = await duty_menu.menu_of(
        ctx.session, ctx.principal, ctx.path_int("person_id"), year_of(ctx), _now()
    )
    return MenuOut.model_validate(found)


async def set_menu(ctx: Context) -> MenuOut:
    body: MenuIn = ctx.body
    lines = [duty_menu.Line(ln.kind, ln.target, ln.room_id, ln.topic) for ln in body.lines]
    found = await duty_menu.set_menu(
        ctx.session, ctx.principal, ctx.path_int("person_id"), body.year, lines, _now()
    )
    return MenuOut.model_validate(found)


async def office_menus(ctx: Context) -> MenuList:
    found = await duty_menu.office_menus(ctx.session, ctx.principal, year_of(ctx), _now())
    return MenuList(items=[MenuOut.model_validate(m) for m in found])


PERSON = "/api/people/{person_id:int}/duty-menu"
ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "GET",
        "/api/me/duty-menu",
        my_menu,
        "本人的年度履职菜单及完成情况",
        None,
        MenuOut,
        YEAR_QUERY,
        permission="duty.mine",
    ),
    Endpoint(
        "GET",
        PERSON,
        get_menu,
        "一位委员的年度履职菜单及完成情况",
        None,
        MenuOut,
        YEAR_QUERY,
        permission="duty_menu.read",
    ),
    Endpoint(
        "PUT",
        PERSON,
        set_menu,
        "制定或修改一位委员的年度履职菜单",
        MenuIn,
        MenuOut,
        permission="duty_menu.edit",
    ),
    Endpoint(
        "GET",
        "/api/assessment/duty-menus",
        office_menus,
        "范围内委员的履职菜单完成情况（未完成的在前）",
        None,
        MenuList,
        YEAR_QUERY,
        permission="assessment.read",
    ),
]
