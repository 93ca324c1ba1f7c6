"""The public's comments on a topic under notice (第十四条: the notice says how to take part):
anyone may write one at /public without an account; a comment with a listed sensitive word, or
any comment in a room that moderates public input first, waits in the moderation queue.

Comments are plain text wherever they are shown. The guard against floods (rate limit per
address and the arithmetic question) is the public forms' own (server.domain.public_guard).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models_screening import PublicComment
from server.db.models_topics import Topic
from server.domain import audit
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.topics import SHANGHAI, local_date
from server.policy import Target

MAX_CHARS = 500
DEFAULT_NAME = "居民"
SHOWN = ("clear", "released")


def under_notice(topic: Topic, now: datetime | None = None) -> bool:
    """Whether the topic is on /public's notice board (so the public may comment on it)."""
    if topic.moderation == "removed" or topic.noticed_at is None or topic.meeting_at is None:
        return False
    if topic.status not in ("noticed", "researched"):
        return False
    today = datetime.combine(local_date(now or datetime.now(UTC)), datetime.min.time(), SHANGHAI)
    return topic.meeting_at >= today


async def _noticed_topic(session: AsyncSession, topic_id: int) -> Topic:
    topic = await session.get(Topic, topic_id)
    if topic is None or not under_notice(topic):
        raise NotFound("这个议题不在公示中，不能留言", field="topic_id")
    return topic


async def already_sent(
    session: AsyncSession, topic_id: int, client_id: str | None
) -> PublicComment | None:
    """The comment the sender's page already sent under this key (a retry), if any."""
    if not client_id:
        return None
    return await session.scalar(
        select(PublicComment).where(
            PublicComment.topic_id == topic_id, PublicComment.client_id == client_id
        )
    )


async def write(
    session: AsyncSession,
    topic_id: int,
    *,
    name: str,
    text: str,
    held_words: Sequence[str],
    client_id: str | None = None,
) -> PublicComment:
    """Keep a comment from the public; held for moderation when it contains a listed word or
    the room moderates everything first. A retry with the client key of a comment already
    kept returns that comment and keeps nothing more."""
    topic = await _noticed_topic(session, topic_id)
    first = await already_sent(session, topic.id, client_id)
    if first is not None:
        return first
    body = text.strip()
    if not body:
        raise Invalid("请写下您的意见", field="text")
    if len(body) > MAX_CHARS:
        raise Invalid(f"留言最多 {MAX_CHARS} 字", field="text")
    if held_words:
        reason = "含有敏感词（" + "、".join(held_words) + "）"
    elif topic.room.premoderate:
        reason = "本议事室的公众留言须先审核"
    else:
        reason = ""
    row = PublicComment(
        topic_id=topic.id,
        name=(name.strip() or DEFAULT_NAME)[:64],
        text=body,
        moderation="held" if reason else "clear",
        held_reason=reason[:200],
        at=datetime.now(UTC),
        client_id=client_id or None,
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:  # the same key sent twice at once: the other one was kept
        await session.rollback()
        first = await already_sent(session, topic_id, client_id)
        if first is None:
            raise
        return first
    return row


async def shown(session: AsyncSession, topic_id: int) -> list[PublicComment]:
    """The comments /public shows under a noticed topic, oldest first."""
    await _noticed_topic(session, topic_id)
    rows = await session.scalars(
        select(PublicComment)
        .where(PublicComment.topic_id == topic_id, PublicComment.moderation.in_(SHOWN))
        .order_by(PublicComment.at, PublicComment.id)
    )
    return list(rows)


async def counts(session: AsyncSession, topic_ids: Sequence[int]) -> dict[int, int]:
    """How many shown comments each topic has (for the notice board)."""
    if not topic_ids:
        return {}
    rows = await session.execute(
        select(PublicComment.topic_id, func.count())
        .where(PublicComment.topic_id.in_(topic_ids), PublicComment.moderation.in_(SHOWN))
        .group_by(PublicComment.topic_id)
    )
    return {topic_id: n for topic_id, n in rows.all()}


async def of_topic(session: AsyncSession, topic_id: int) -> list[PublicComment]:
    """Every comment on the topic, held and removed ones included, for its readers (the caller
    has read the topic through the policy)."""
    rows = await session.scalars(
        select(PublicComment)
        .where(PublicComment.topic_id == topic_id)
        .order_by(PublicComment.at, PublicComment.id)
    )
    return list(rows)


async def room_of(session: AsyncSession, row: PublicComment) -> int:
    topic = await session.get(Topic, row.topic_id)
    assert topic is not None
    return topic.room_id


async def held(session: AsyncSession, principal: Principal | None) -> list[PublicComment]:
    """Comments waiting for moderation in the rooms the caller moderates, oldest first."""
    rows = await session.execute(
        select(PublicComment, Topic.room_id)
        .join(Topic, Topic.id == PublicComment.topic_id)
        .where(PublicComment.moderation == "held")
        .order_by(PublicComment.id)
    )
    return [
        c
        for c, room_id in rows.all()
        if await policy.allows(session, principal, "moderation.decide", Target(room_id=room_id))
    ]


async def moderate(
    session: AsyncSession,
    principal: Principal | None,
    comment_id: int,
    *,
    decision: str,
    reason: str = "",
) -> PublicComment:
    """Release a held comment onto /public, or remove it (kept for the record); logged."""
    row = await session.get(PublicComment, comment_id)
    if row is None:
        raise NotFound("找不到这条留言")
    who = await policy.authorize(
        session, principal, "moderation.decide", Target(room_id=await room_of(session, row))
    )
    if row.moderation != "held":
        raise Conflict("这条留言不在审核队列中")
    if decision == "release":
        row.moderation = "released"
    elif decision == "remove":
        if not reason.strip():
            raise Invalid("请写明不予展示的理由", field="reason")
        row.moderation = "removed"
    else:
        raise Invalid("审核结果只能是通过（release）或不通过（remove）", field="decision")
    await audit.record(
        session, who, f"comment.{decision}", "public_comment", row.id, reason=reason.strip()
    )
    await session.commit()
    return row
