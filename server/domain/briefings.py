"""Briefing material (情况通报) of a meeting: documents attached to it (PDF, Word (.docx) and
images, checked by their bytes as well as their names, stored under the data dir under a name we
choose), and, when the meeting comes from a topic, that topic's public notice and research
records with their attachments (第十五条, 第十六条).

Readable by the meeting's roster and its organisers (policy `briefing.read`).
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio
import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import policy
from server.auth import Principal
from server.db.models import Meeting
from server.db.models_roster import Briefing
from server.db.models_topics import Topic, TopicAttachment, TopicResearch
from server.domain.errors import Invalid, NotFound
from server.domain.meetings import get_meeting
from server.domain.topics import local_date
from server.policy import Target

# What each accepted kind is called, the names it may carry and its media type.
KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "pdf": ("PDF", (".pdf",), "application/pdf"),
    "docx": (
        "Word（.docx）",
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "png": ("PNG 图片", (".png",), "image/png"),
    "jpeg": ("JPEG 图片", (".jpg", ".jpeg"), "image/jpeg"),
}
ACCEPTED = "PDF、Word（.docx）、PNG 或 JPG 图片"


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are, whatever its name says; None if none we accept."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "docx"
    return None


def clean_filename(raw: str) -> str:
    """The last part of a name a user gave, without control characters, at most 120 chars."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return name[-120:] or "情况通报"


def check_file(filename: str, data: bytes, what: str = "情况通报材料") -> tuple[str, str]:
    """The cleaned name and media type of an upload, or a refusal saying what is wrong;
    `what` names the kind of material in the refusal."""
    name = clean_filename(filename)
    if not data:
        raise Invalid("文件是空的，请重新选择文件")
    suffix = Path(name).suffix.lower()
    named = next((kind for kind, (_, suffixes, _) in KINDS.items() if suffix in suffixes), None)
    if named is None:
        raise Invalid(f"不支持「{name}」这种文件，{what}请上传 {ACCEPTED}")
    actual = sniff(data)
    if actual != named:
        raise Invalid(
            f"文件内容与文件名不符：「{name}」不是真正的 {KINDS[named][0]} 文件，"
            f"请上传 {ACCEPTED} 原文件"
        )
    return name, KINDS[named][2]


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
    name, content_type = check_file(filename, data)
    stored = f"{secrets.token_hex(16)}.bin"
    folder = storage_dir(data_dir)
    await anyio.to_thread.run_sync(lambda: folder.mkdir(parents=True, exist_ok=True))
    await anyio.Path(folder / stored).write_bytes(data)
    assert principal is not None and principal.person is not None
    briefing = Briefing(
        meeting_id=meeting.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        stored_name=stored,
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


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    data: bytes


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
    path = storage_dir(data_dir) / briefing.stored_name
    try:
        data = await anyio.Path(path).read_bytes()
    except FileNotFoundError:
        raise NotFound("这份材料的文件已不在服务器上，请联系会议工作人员重新上传") from None
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
    # topic_files checks its uploads with this module's check_file, hence the late import
    from server.domain.topic_files import storage_dir as topic_storage

    try:
        data = await anyio.Path(topic_storage(data_dir) / row.stored_name).read_bytes()
    except FileNotFoundError:
        raise NotFound("这份调研材料的文件已不在服务器上，请联系会议工作人员") from None
    return Download(row.filename, row.content_type, data)
