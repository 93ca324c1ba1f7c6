"""What a room asks the public before a meeting: calls for topics with a deadline (面向社会征题),
screening votes on its shortlist (网络投票, 第十三条), and the moderation of public input by the
office's sensitive-word list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Room
from server.db.models_topics import ScreeningVote, SensitiveWord, Topic, TopicCall
from server.domain import audit
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.topics import record_step
from server.policy import Target

CALL_KINDS = ("proposals", "vote")  # a questionnaire is made by server.domain.questionnaires


async def create_call(
    session: AsyncSession,
    principal: Principal | None,
    *,
    room_id: int,
    kind: str,
    title: str,
    description: str,
    deadline: datetime,
    topic_ids: Sequence[int] = (),
) -> TopicCall:
    """Open a call for topics, or a vote on shortlisted topics, until the deadline."""
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound("协商议事室不存在", field="room_id")
    who = await policy.authorize(session, principal, "topic.call", Target(room_id=room_id))
    assert who.person is not None
    if deadline <= datetime.now(UTC):
        raise Invalid("截止时间已过，请填写今后的时间", field="deadline")
    if kind not in CALL_KINDS:
        raise Invalid("只能发布征题（proposals）或网络投票（vote）", field="kind")
    ids = sorted(set(topic_ids))
    if kind == "vote":
        if len(ids) < 2:
            raise Invalid("网络投票至少要有两个已筛选的议题", field="topic_ids")
        rows = list(await session.scalars(select(Topic).where(Topic.id.in_(ids))))
        if len(rows) != len(ids) or any(
            t.room_id != room_id or t.status != "screened" for t in rows
        ):
            raise Invalid("只能就本议事室已筛选（入选）的议题投票", field="topic_ids")
    call = TopicCall(
        room_id=room_id,
        kind=kind,
        topic_ids=ids if kind == "vote" else [],
        title=title.strip(),
        description=description.strip(),
        deadline=deadline.astimezone(UTC),
        created_by=who.person.id,
        created_at=datetime.now(UTC),
    )
    session.add(call)
    await session.commit()
    await session.refresh(call, ["room"])
    return call


async def open_calls(session: AsyncSession, now: datetime | None = None) -> list[TopicCall]:
    """Every call still open, soonest deadline first (public)."""
    rows = await session.scalars(
        select(TopicCall)
        .where(TopicCall.deadline > (now or datetime.now(UTC)))
        .order_by(TopicCall.deadline, TopicCall.id)
    )
    return list(rows)


async def open_call(session: AsyncSession, call_id: int, kind: str = "proposals") -> TopicCall:
    call = await session.get(TopicCall, call_id)
    if call is None or call.kind != kind:
        raise NotFound("没有这次征题或投票", field="call_id")
    if call.deadline <= datetime.now(UTC):
        raise Conflict("这次征题或投票已经截止")
    return call


async def shortlist_titles(session: AsyncSession, call: TopicCall) -> list[Topic]:
    if not call.topic_ids:
        return []
    rows = await session.scalars(
        select(Topic).where(Topic.id.in_(call.topic_ids), Topic.moderation != "removed")
    )
    return sorted(rows, key=lambda t: t.id)


# -- screening votes -------------------------------------------------------------------------


def phone_voter(phone: str) -> str:
    """A voter's key from their phone number: digits only, hashed, so the table holds none."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 6:
        raise Invalid("请填写有效的手机号码", field="phone")
    return "phone:" + hashlib.sha256(digits.encode()).hexdigest()[:40]


def voter_of(principal: Principal | None, phone: str) -> str:
    """Who is answering a screening vote or questionnaire, once per person: the account when
    signed in, otherwise the phone number (checked either way). The one voter key."""
    voter = phone_voter(phone)
    if principal is not None and principal.person is not None:
        voter = f"person:{principal.person.id}"
    return voter


async def vote(session: AsyncSession, call_id: int, topic_id: int, voter: str) -> bool:
    """Count one voter once in a screening vote: a second try (another device, a retry)
    changes nothing. Returns whether this one was counted."""
    call = await open_call(session, call_id, "vote")
    if topic_id not in call.topic_ids:
        raise Invalid("所选议题不在本次投票的名单中", field="topic_id")
    counted = True
    session.add(
        ScreeningVote(call_id=call.id, topic_id=topic_id, voter=voter, at=datetime.now(UTC))
    )
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        counted = False
    return counted


async def tally(session: AsyncSession, call_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(ScreeningVote.topic_id, func.count())
        .where(ScreeningVote.call_id == call_id)
        .group_by(ScreeningVote.topic_id)
    )
    return {topic_id: n for topic_id, n in rows.all()}


# -- sensitive words and moderation ----------------------------------------------------------


async def words(session: AsyncSession) -> list[SensitiveWord]:
    return list(await session.scalars(select(SensitiveWord).order_by(SensitiveWord.word)))


async def list_words(session: AsyncSession, principal: Principal | None) -> list[SensitiveWord]:
    await policy.authorize(session, principal, "moderation.words")
    return await words(session)


async def set_words(
    session: AsyncSession, principal: Principal | None, wanted: Sequence[str]
) -> list[SensitiveWord]:
    """Replace the office's list of sensitive words."""
    who = await policy.authorize(session, principal, "moderation.words")
    assert who.person is not None
    clean = sorted({w.strip() for w in wanted if w.strip()})
    before = {row.word for row in await words(session)}
    await audit.record(
        session,
        who,
        "moderation.words",
        "sensitive_words",
        None,
        added=sorted(set(clean) - before),
        removed=sorted(before - set(clean)),
    )
    for row in await words(session):
        if row.word not in clean:
            await session.delete(row)
        else:
            clean.remove(row.word)
    for word in clean:
        session.add(
            SensitiveWord(word=word, created_by=who.person.id, created_at=datetime.now(UTC))
        )
    await session.commit()
    return await words(session)


async def held_words(session: AsyncSession, *texts: str) -> list[str]:
    """The listed words that occur in the texts (case-insensitive)."""
    joined = " ".join(texts).casefold()
    return [w.word for w in await words(session) if w.word.casefold() in joined]


async def moderation_queue(session: AsyncSession, principal: Principal | None) -> list[Topic]:
    """Public proposals waiting for moderation in the rooms the caller screens."""
    await policy.authorize(session, principal, "topic.list")
    rows = await session.scalars(
        select(Topic).where(Topic.moderation == "held").order_by(Topic.created_at)
    )
    return [
        t
        for t in rows
        if await policy.allows(session, principal, "topic.screen", Target(room_id=t.room_id))
    ]


async def moderate(
    session: AsyncSession,
    principal: Principal | None,
    topic_id: int,
    *,
    decision: str,
    reason: str,
) -> Topic:
    """Release a held proposal to screening, or remove it (kept in the record, not screened)."""
    topic = await session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("议题不存在，请检查编号")
    who = await policy.authorize(session, principal, "topic.screen", Target(room_id=topic.room_id))
    if topic.moderation != "held":
        raise Conflict("这条提交不在审核队列中")
    if decision == "release":
        topic.moderation = "released"
        await record_step(session, topic.id, "moderated", who, reason.strip() or "审核通过")
        await audit.record(session, who, "topic.release", "topic", topic.id, reason=reason.strip())
    elif decision == "remove":
        if not reason.strip():
            raise Invalid("请写明不予展示的理由", field="reason")
        topic.moderation = "removed"
        await audit.record(session, who, "topic.remove", "topic", topic.id, reason=reason.strip())
        await record_step(session, topic.id, "moderated", who, f"审核未通过：{reason.strip()}")
        await record_step(session, topic.id, "rejected", who, "审核未通过，不进入筛选")
    else:
        raise Invalid("审核结果只能是通过（release）或不通过（remove）", field="decision")
    await session.commit()
    return topic
