"""Briefing material (情况通报) of a meeting: documents attached to it (PDF, Word (.docx) and
images, checked and stored by server.domain.stored_files), and, when the meeting comes from a
topic, that topic's public notice and research records with their attachments (第十五条,
第十六条).

Readable by the meeting's roster and its organisers (policy `briefing.read`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Meeting
from server.db.models_roster import Briefing
from server.db.models_topics import Topic, TopicAttachment, TopicResearch
from server.domain.errors import NotFound
from server.domain.meetings import get_meeting
from server.domain.stored_files import Download, load, store
from server.domain.topic_files import storage_dir as topic_storage
from server.domain.topics import local_date
from server.policy import Target


def storage_dir(data_dir: Path) -> Path:
    return data_dir / "briefings"


async def editable_meeting(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> Meeting:
    """The meeting, if the principal may attach briefings to it (checked before any upload)."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "briefing.upload", Target(meeting=meeting))
    return meeting


async def attach(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    *,
    filename: str,
    data: bytes,
    data_dir: Path,
) -> Briefing:
    meeting = await editable_meeting(session, principal, meeting_id)
    stored = await store(storage_dir(data_dir), filename, data, "情况通报材料")
    assert principal is not None and principal.person is not None
    briefing = Briefing(
        meeting_id=meeting.id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        stored_name=stored.stored_name,
        uploaded_by=principal.person.id,
        uploaded_at=datetime.now(UTC),
    )
    session.add(briefing)
    await session.commit()
    return briefing


async def list_briefings(
    session: AsyncSession, principal: Principal | None, meeting_id: int
) -> list[Briefing]:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "briefing.read", Target(meeting=meeting))
    return await briefings_of(session, meeting.id)


async def briefings_of(session: AsyncSession, meeting_id: int) -> list[Briefing]:
    """A meeting's briefing documents (no permission check: the caller has made it)."""
    rows = await session.scalars(
        select(Briefing).where(Briefing.meeting_id == meeting_id).order_by(Briefing.id)
    )
    return list(rows)


async def _one(session: AsyncSession, meeting: Meeting, briefing_id: int) -> Briefing:
    briefing = await session.get(Briefing, briefing_id)
    if briefing is None or briefing.meeting_id != meeting.id:
        raise NotFound("找不到这份情况通报材料，可能已被删除")
    return briefing


async def read_briefing(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    briefing_id: int,
    *,
    data_dir: Path,
) -> Download:
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "briefing.read", Target(meeting=meeting))
    briefing = await _one(session, meeting, briefing_id)
    data = await load(
        storage_dir(data_dir),
        briefing.stored_name,
        missing="这份材料的文件已不在服务器上，请联系会议工作人员重新上传",
    )
    return Download(briefing.filename, briefing.content_type, data)


async def remove_briefing(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    briefing_id: int,
    *,
    data_dir: Path,
) -> None:
    meeting = await editable_meeting(session, principal, meeting_id)
    briefing = await _one(session, meeting, briefing_id)
    await session.delete(briefing)
    await session.commit()
    await anyio.Path(storage_dir(data_dir) / briefing.stored_name).unlink(missing_ok=True)


# -- the topic's notice and research, travelling with the meeting (第十六条) -------------------


@dataclass(frozen=True)
class ResearchMaterial:
    record: TopicResearch
    attachments: list[TopicAttachment]


@dataclass(frozen=True)
class TopicMaterial:
    """What the roster reads of the meeting's topic: its notice (when it went up, for the
    meeting of when, how many days before it, against the room's required days) and research."""

    topic: Topic
    notice_days: int
    days_noticed: int | None  # whole days from the notice to the meeting's day
    research: list[ResearchMaterial]


async def topic_material(session: AsyncSession, meeting: Meeting) -> TopicMaterial | None:
    """The notice and research of the meeting's topic, None for a meeting without one (no
    permission check: the caller has made it). Only research attachments travel: a resident's
    own files with the proposal stay with the topic's staff."""
    if meeting.topic_id is None:
        return None
    topic = await session.get(Topic, meeting.topic_id)
    if topic is None:
        return None
    await session.refresh(topic, ["research", "room"])
    rows = await session.scalars(
        select(TopicAttachment)
        .where(TopicAttachment.topic_id == topic.id, TopicAttachment.research_id.is_not(None))
        .order_by(TopicAttachment.id)
    )
    by_record: dict[int, list[TopicAttachment]] = {}
    for row in rows:
        assert row.research_id is not None
        by_record.setdefault(row.research_id, []).append(row)
    days = None
    if topic.noticed_at is not None and topic.meeting_at is not None:
        days = (local_date(topic.meeting_at) - local_date(topic.noticed_at)).days
    return TopicMaterial(
        topic=topic,
        notice_days=topic.room.notice_days,
        days_noticed=days,
        research=[ResearchMaterial(r, by_record.get(r.id, [])) for r in topic.research],
    )


async def read_topic_attachment(
    session: AsyncSession,
    principal: Principal | None,
    meeting_id: int,
    attachment_id: int,
    *,
    data_dir: Path,
) -> Download:
    """A research record's attachment of the meeting's topic, for whoever reads the briefing."""
    meeting = await get_meeting(session, meeting_id)
    await policy.authorize(session, principal, "briefing.read", Target(meeting=meeting))
    row = await session.get(TopicAttachment, attachment_id)
    if (
        row is None
        or meeting.topic_id is None
        or row.topic_id != meeting.topic_id
        or row.research_id is None
    ):
        raise NotFound("找不到这份调研材料，可能已被删除")
    data = await load(
        topic_storage(data_dir),
        row.stored_name,
        missing="这份调研材料的文件已不在服务器上，请联系会议工作人员",
    )
    return Download(row.filename, row.content_type, data)
