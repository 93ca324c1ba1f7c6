"""Training sessions with their attendance (第二十四条) and publicity items about rooms and
outcomes (第二十五条): who may record them, and what counts as a valid one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import OrgUnit, Person, Room
from server.db.models_outcomes import (
    PUBLICITY_CHANNELS,
    Outcome,
    PublicityItem,
    TrainingAttendance,
    TrainingSession,
)
from server.domain import assessment, audit
from server.domain.errors import Invalid, NotFound
from server.policy import Target

MAX_ATTENDEES = 500


def check_link(url: str) -> str:
    """A report's link is shown to everyone as a clickable address: only a whole http(s)
    address with a host, and nothing in it that a browser would read another way."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c in '<>"\\' for c in url):
        raise Invalid("链接中不能有空格、引号、尖括号或反斜杠，请粘贴完整的网址", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise Invalid("链接不是有效的网址，请粘贴完整的网址", field="url") from None
    if parts.scheme.lower() not in ("http", "https") or not url.lower().startswith(
        ("http://", "https://")
    ):
        raise Invalid("链接应以 https:// 或 http:// 开头", field="url")
    if not host or parts.username is not None or parts.password is not None:
        raise Invalid(
            "链接应包含网站地址（如 https://mp.weixin.qq.com/…），不含账号密码", field="url"
        )
    return url


async def record_training(
    session: AsyncSession,
    principal: Principal | None,
    *,
    org_unit_id: int,
    title: str,
    held_on: date,
    place: str,
    attendee_ids: Sequence[int],
) -> TrainingSession:
    """A CPPCC office records a course it held and who attended (each person once)."""
    if await session.get(OrgUnit, org_unit_id) is None:
        raise NotFound("组织不存在")
    who = await policy.authorize(
        session, principal, "training.manage", Target(org_unit_id=org_unit_id)
    )
    people = sorted(set(attendee_ids))
    if len(people) > MAX_ATTENDEES:
        raise Invalid(f"一次培训最多登记 {MAX_ATTENDEES} 人", field="attendee_ids")
    found = set(await session.scalars(select(Person.id).where(Person.id.in_(people))))
    missing = [p for p in people if p not in found]
    if missing:
        raise Invalid(f"人员 {missing[0]} 不存在，请检查出席名单", field="attendee_ids")
    training = TrainingSession(
        org_unit_id=org_unit_id,
        title=title,
        held_on=held_on,
        place=place,
        by_name=who.name,
        attendees=[TrainingAttendance(person_id=p) for p in people],
    )
    session.add(training)
    await audit.record(session, who, "training.record", "org_unit", org_unit_id, title=title)
    await session.commit()
    await session.refresh(training, ["attendees"])
    return training


async def trainings(
    session: AsyncSession, principal: Principal | None, year: int
) -> list[TrainingSession]:
    """The courses held in the year by the org units under the caller's scope."""
    assessment.check_year(year)
    await policy.authorize(session, principal, "assessment.read")
    reach = await policy.reach(session, principal, {"cppcc_staff"})
    query = select(TrainingSession).where(
        TrainingSession.held_on >= date(year, 1, 1), TrainingSession.held_on <= date(year, 12, 31)
    )
    if not reach.everywhere:
        query = query.where(TrainingSession.org_unit_id.in_(reach.org_unit_ids))
    return list(await session.scalars(query.order_by(TrainingSession.held_on)))


async def add_publicity(
    session: AsyncSession,
    principal: Principal | None,
    room_id: int,
    *,
    title: str,
    url: str,
    channel: str,
    published_on: date,
    outcome_id: int | None,
) -> PublicityItem:
    """The room's team attaches a report (portal, WeChat article, press, app) to the room or
    to one of its outcomes."""
    if await session.get(Room, room_id) is None:
        raise NotFound("协商议事室不存在")
    who = await policy.authorize(session, principal, "publicity.manage", Target(room_id=room_id))
    if channel not in PUBLICITY_CHANNELS:
        raise Invalid("请选择门户网站、微信公众号、报刊或履职 APP", field="channel")
    check_link(url)
    if outcome_id is not None:
        outcome = await session.get(Outcome, outcome_id)
        if outcome is None or outcome.room_id != room_id:
            raise Invalid("该协商成果不属于这个议事室", field="outcome_id")
    item = PublicityItem(
        room_id=room_id,
        outcome_id=outcome_id,
        title=title,
        url=url,
        channel=channel,
        published_on=published_on,
        by_name=who.name,
    )
    session.add(item)
    await audit.record(session, who, "publicity.add", "room", room_id, title=title, url=url)
    await session.commit()
    return item


async def publicity_of(
    session: AsyncSession, principal: Principal | None, room_id: int
) -> list[PublicityItem]:
    policy.authorize_now("room.read", principal)
    if await session.get(Room, room_id) is None:
        raise NotFound("协商议事室不存在")
    rows = await session.scalars(
        select(PublicityItem)
        .where(PublicityItem.room_id == room_id)
        .order_by(PublicityItem.published_on.desc(), PublicityItem.id.desc())
    )
    return list(rows)
