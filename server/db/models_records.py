"""Typed models of a meeting's written record: transcript segments, minutes and report versions.

The transcript is what staff keep and correct; every draft of the minutes (会议纪要) and the
recommendation report (协商建议) is kept as a numbered version, and signed off by the moderator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, JsonDict, UtcDateTime

SEGMENT_SOURCES = ("live", "import", "asr")
RECORD_KINDS = ("minutes", "recommendations")
VERSION_STATUSES = ("draft", "signed")


class TranscriptSegment(Base):
    """One turn of the transcript (发言记录): who spoke, when, and what they said.

    `participant_id` is set when the speaker is on the meeting's roster; a name that matched
    nobody is kept in `speaker_name` with `unmatched` set, for staff to check. Times are
    seconds from the start of the session record (or of the imported file's recording).
    """

    __tablename__ = "transcript_segments"
    __table_args__ = (Index("ix_transcript_segments_meeting_position", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_participants.id", ondelete="SET NULL")
    )
    speaker_name: Mapped[str] = mapped_column(String(64))
    unmatched: Mapped[bool] = mapped_column(default=False)
    start_s: Mapped[float | None] = mapped_column()
    end_s: Mapped[float | None] = mapped_column()
    text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(8))
    speech_id: Mapped[str | None] = mapped_column(String(16))
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class RecordVersion(Base):
    """One version of a meeting's minutes or recommendation report: the draft as JSON.

    Versions are numbered from 1 per meeting and kind and never change once written, except
    for the moderator's sign-off; an edit is saved as the next version. A report version
    names the minutes version it was drafted from in `based_on`.
    """

    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer)
    draft: Mapped[dict[str, Any]] = mapped_column(JsonDict)
    note: Mapped[str] = mapped_column(String(500), default="")
    based_on: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(8), default="draft")
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    signed_by_name: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
