"""Typed models of what goes out before a meeting: briefing documents (情况通报) and the
invitation each participant receives, with their answer (第十六条 提前通报).

A guest's phone on the roster lives on `meeting_participants.guest_phone` (models.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, UtcDateTime

INVITATION_STATUSES = ("unread", "read", "in_room", "remote", "declined")


class Briefing(Base):
    """A briefing document attached to a meeting; the bytes sit under the data dir under a
    name the server chose (`stored_name`), never one a user typed."""

    __tablename__ = "briefings"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Invitation(Base):
    """One participant's invitation to one meeting and their answer."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_participants.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="unread")
    reason: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered: Mapped[str] = mapped_column(String(40), default="")  # e.g. "site,email"
