"""Attachments of topics: images and documents with a proposal (from staff, or from the resident
who holds its receipt), with a research record or with a screening hearing; checked by their
bytes and stored under the data dir as briefings are (server.domain.stored_files).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models_topics import Topic, TopicAttachment, TopicResearch
from server.domain import stored_files
from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.hearings import hearing_of
from server.domain.stored_files import Download
from server.policy import Target

PUBLIC_MAX_MB = 5  # a resident's photo or document, per file
PUBLIC_MAX_FILES = 5  # per proposal


def storage_dir(data_dir: Path) -> Path:
    return data_dir / "topics"


async def _store(
    session: AsyncSession,
    topic: Topic,
    *,
    filename: str,
    data: bytes,
    data_dir: Path,
    by: int | None,
    research_id: int | None = None,
    hearing_id: int | None = None,
) -> TopicAttachment:
    stored = await stored_files.store(storage_dir(data_dir), filename, data, "议题附件")
    row = TopicAttachment(
        topic_id=topic.id,
        research_id=research_id,
        hearing_id=hearing_id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        stored_name=stored.stored_name,
        uploaded_by=by,
        uploaded_at=datetime.now(UTC),
    )
    session.add(row)
    await session.commit()
    return row


async def editable_topic(
    session: AsyncSession, principal: Principal | None, topic_id: int
) -> Topic:
    """The topic, if the principal may attach files to it (checked before any upload)."""
    topic = await session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("议题不存在，请检查编号")
    await policy.authorize(session, principal, "topic.research", Target(room_id=topic.room_id))
    return topic


async def attach(
    session: AsyncSession,
    principal: Principal | None,
    topic_id: int,
    *,
    filename: str,
    data: bytes,
    data_dir: Path,
    research_id: int | None = None,
    hearing_id: int | None = None,
) -> TopicAttachment:
    """Staff attach a file to a topic, to one of its research records, or to a hearing that
    heard it."""
    topic = await editable_topic(session, principal, topic_id)
    if research_id is not None:
        record = await session.get(TopicResearch, research_id)
        if record is None or record.topic_id != topic.id:
            raise Invalid("这条调研记录不属于本议题", field="research_id")
    if hearing_id is not None:
        await hearing_of(session, topic.id, hearing_id)
    assert principal is not None and principal.person is not None
    return await _store(
        session,
        topic,
        filename=filename,
        data=data,
        data_dir=data_dir,
        by=principal.person.id,
        research_id=research_id,
        hearing_id=hearing_id,
    )


async def proposal_by_receipt(session: AsyncSession, topic_id: int, receipt: str) -> Topic:
    """A public proposal, for whoever holds its receipt (checked before any upload)."""
    topic = await session.get(Topic, topic_id)
    if topic is None or not receipt or not secrets.compare_digest(topic.receipt, receipt):
        raise NotFound("找不到这条议题建议，请核对回执号")
    if topic.status != "proposed":
        raise Conflict("议题建议已进入办理，不能再补充附件")
    count = await session.scalar(
        select(func.count())
        .select_from(TopicAttachment)
        .where(TopicAttachment.topic_id == topic.id)
    )
    if (count or 0) >= PUBLIC_MAX_FILES:
        raise Conflict(f"每条议题建议最多附 {PUBLIC_MAX_FILES} 个文件")
    return topic


async def attach_publicly(
    session: AsyncSession, topic: Topic, *, filename: str, data: bytes, data_dir: Path
) -> TopicAttachment:
    return await _store(session, topic, filename=filename, data=data, data_dir=data_dir, by=None)


async def attachments_of(session: AsyncSession, topic_id: int) -> list[TopicAttachment]:
    rows = await session.scalars(
        select(TopicAttachment)
        .where(TopicAttachment.topic_id == topic_id)
        .order_by(TopicAttachment.id)
    )
    return list(rows)


async def read_attachment(
    session: AsyncSession,
    principal: Principal | None,
    topic_id: int,
    attachment_id: int,
    *,
    data_dir: Path,
) -> Download:
    topic = await session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("议题不存在，请检查编号")
    await policy.authorize(session, principal, "topic.read", Target(room_id=topic.room_id))
    row = await session.get(TopicAttachment, attachment_id)
    if row is None or row.topic_id != topic.id:
        raise NotFound("找不到这个附件")
    data = await stored_files.load(storage_dir(data_dir), row.stored_name)
    return Download(row.filename, row.content_type, data)
