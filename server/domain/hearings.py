"""Screening by hearing or forum (听证会、座谈会, 第十三条): staff record when and where it met,
who took part (by name and category), what was said, and its conclusion on each proposal it
heard; each proposal's timeline gets the conclusion (the step "heard"), which a screening by
hearing then cites. Documents of the hearing go through the topic file upload (?hearing_id=).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Room
from server.db.models_screening import TopicHearing
from server.db.models_topics import Topic
from server.domain.errors import Invalid, NotFound
from server.domain.topics import SHANGHAI, allows, record_step
from server.policy import Target

HEARING_KINDS = {"hearing": "听证会", "forum": "座谈会"}
CONCLUSIONS = {"support": "建议列入", "oppose": "建议不列入", "undecided": "意见不一，待进一步研究"}
# Who speaks at a hearing, by the categories the work rules name (第十三条, 第十六条).
PARTICIPANT_CATEGORIES = {
    "member": "政协委员",
    "resident": "群众代表",
    "official": "部门代表",
    "stakeholder": "利益相关方",
    "expert": "专家",
    "other": "其他",
}


@dataclass(frozen=True)
class Participant:
    name: str
    category: str


@dataclass(frozen=True)
class Conclusion:
    topic_id: int
    conclusion: str
    note: str = ""


async def record(
    session: AsyncSession,
    principal: Principal | None,
    *,
    room_id: int,
    kind: str,
    held_on: datetime,
    place: str,
    participants: Sequence[Participant],
    record_text: str,
    conclusions: Sequence[Conclusion],
) -> TopicHearing:
    """Record a hearing or forum held on some of the room's undecided proposals."""
    if await session.get(Room, room_id) is None:
        raise NotFound("协商议事室不存在", field="room_id")
    who = await policy.authorize(session, principal, "topic.hearing", Target(room_id=room_id))
    assert who.person is not None
    if kind not in HEARING_KINDS:
        raise Invalid("形式只能是听证会（hearing）或座谈会（forum）", field="kind")
    if held_on > datetime.now(UTC) + timedelta(days=1):
        raise Invalid("只能记录已经召开的听证会或座谈会，日期不能晚于今天", field="held_on")
    if not participants:
        raise Invalid("请至少写一位参加人", field="participants")
    if any(p.category not in PARTICIPANT_CATEGORIES for p in participants):
        raise Invalid("参加人的类别不在列表中", field="participants")
    ids = [c.topic_id for c in conclusions]
    if not ids or len(set(ids)) != len(ids):
        raise Invalid("请为每个听取意见的议题建议各写一条结论", field="conclusions")
    if any(c.conclusion not in CONCLUSIONS for c in conclusions):
        raise Invalid("结论只能是建议列入、建议不列入或待进一步研究", field="conclusions")
    topics = {t.id: t for t in await session.scalars(select(Topic).where(Topic.id.in_(ids)))}
    if len(topics) != len(ids) or any(
        t.room_id != room_id or not allows(t.status, "heard") or t.moderation == "held"
        for t in topics.values()
    ):
        raise Invalid("只能就本议事室尚未审定的议题建议记录结论", field="conclusions")
    hearing = TopicHearing(
        room_id=room_id,
        kind=kind,
        held_on=held_on.astimezone(UTC),
        place=place.strip(),
        participants=[{"name": p.name.strip(), "category": p.category} for p in participants],
        record=record_text.strip(),
        conclusions=[
            {"topic_id": c.topic_id, "conclusion": c.conclusion, "note": c.note.strip()}
            for c in conclusions
        ],
        created_by=who.person.id,
        created_at=datetime.now(UTC),
    )
    session.add(hearing)
    await session.flush()
    day = f"{held_on.astimezone(SHANGHAI):%Y年%m月%d日}"
    for c in conclusions:
        note = (
            f"{day}于{hearing.place}召开{HEARING_KINDS[kind]}（{len(participants)}人参加），"
            f"结论：{CONCLUSIONS[c.conclusion]}" + (f"。{c.note.strip()}" if c.note.strip() else "")
        )
        await record_step(
            session,
            c.topic_id,
            "heard",
            who,
            note,
            hearing_id=hearing.id,
            conclusion=c.conclusion,
        )
    await session.commit()
    return hearing


async def hearings_of(session: AsyncSession, topic: Topic) -> list[TopicHearing]:
    """The hearings that reached a conclusion on the topic, earliest first."""
    rows = await session.scalars(
        select(TopicHearing)
        .where(TopicHearing.room_id == topic.room_id)
        .order_by(TopicHearing.held_on, TopicHearing.id)
    )
    return [h for h in rows if any(c["topic_id"] == topic.id for c in h.conclusions)]


async def hearing_of(session: AsyncSession, topic_id: int, hearing_id: int) -> TopicHearing:
    """A hearing that heard the topic (for attaching its documents), or not found."""
    hearing = await session.get(TopicHearing, hearing_id)
    if hearing is None or not any(c["topic_id"] == topic_id for c in hearing.conclusions):
        raise NotFound("这次听证会或座谈会没有听取该议题", field="hearing_id")
    return hearing
