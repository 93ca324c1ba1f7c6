"""Typed models of everything before a meeting: topics (议题) and their timeline, public calls
for topics, research records, public submissions counted for the rate limit, the office's
sensitive words and the screening votes (第十一条 to 第十六条).

`meetings.topic_id` (models.py) ties a meeting to the topic it consults on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.models import Base, JsonDict, Room, UtcDateTime

TOPIC_SOURCES = ("public", "resident", "member", "leader")
TOPIC_STATUSES = (
    "proposed",
    "screened",
    "approved",
    "filed",
    "noticed",
    "researched",
    "held",
    "submitted",
    "closed",
    "rejected",
)
MODERATION_STATES = ("clear", "held", "released", "removed")


class TopicCall(Base):
    """What a room asks the public, open until its deadline: topics (面向社会征题, `kind`
    "proposals"), a vote on its shortlist (网络投票, `kind` "vote", over `topic_ids`) or a
    questionnaire on it (问卷调查, `kind` "questionnaire", its `questions` over `topic_ids`)."""

    __tablename__ = "topic_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="proposals")
    topic_ids: Mapped[list[int]] = mapped_column(JsonDict, default=list)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A questionnaire's questions (server.domain.questionnaires), and when its result went
    # onto the timelines of the topics it asked about.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JsonDict, default=list)
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    room: Mapped[Room] = relationship(lazy="joined")


class Topic(Base):
    """A matter proposed for consultation, from proposal to outcome; `status` is the furthest
    step reached, the timeline (`TopicStep`) says who did what and when."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("topic_calls.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    # Who proposed it: an account (staff entering it, a member), or a resident's own name.
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    proposer_name: Mapped[str] = mapped_column(String(64), default="")
    # Never shown publicly; only the room's staff and the CPPCC office above it see it.
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    receipt: Mapped[str] = mapped_column(String(32), unique=True)
    moderation: Mapped[str] = mapped_column(String(16), default="clear")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The 第十一条 decision when excluded: which exclusion, in the step's note the reason.
    exclusion: Mapped[str | None] = mapped_column(String(32))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The public notice (公示): when it went up and what it announces.
    noticed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    meeting_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    meeting_place: Mapped[str] = mapped_column(String(200), default="")
    meeting_form: Mapped[str] = mapped_column(String(16), default="")
    how_to_join: Mapped[str] = mapped_column(String(500), default="")

    room: Mapped[Room] = relationship(lazy="joined")
    steps: Mapped[list[TopicStep]] = relationship(
        lazy="selectin", order_by="TopicStep.id", cascade="all, delete-orphan"
    )
    research: Mapped[list[TopicResearch]] = relationship(
        lazy="selectin", order_by="TopicResearch.id", cascade="all, delete-orphan"
    )


class TopicStep(Base):
    """One entry of a topic's timeline: the step, when, by whom, and why."""

    __tablename__ = "topic_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JsonDict, default=dict)


class TopicResearch(Base):
    """A research record (调研, 第十五条): who went where, when, and what they found."""

    __tablename__ = "topic_research"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    who: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200))
    done_on: Mapped[datetime] = mapped_column(UtcDateTime())
    findings: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TopicAttachment(Base):
    """An image or document attached to a proposal, a research record or a screening hearing;
    the bytes sit under the data dir under a name the server chose."""

    __tablename__ = "topic_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    research_id: Mapped[int | None] = mapped_column(
        ForeignKey("topic_research.id", ondelete="CASCADE")
    )
    hearing_id: Mapped[int | None] = mapped_column(
        ForeignKey("topic_hearings.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PublicSubmission(Base):
    """Something sent through a public form, kept briefly to rate-limit per address."""

    __tablename__ = "public_submissions"
    __table_args__ = (Index("ix_public_submissions_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class SensitiveWord(Base):
    """A word the office listed: public input containing it waits for moderation."""

    __tablename__ = "sensitive_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(40), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ScreeningVote(Base):
    """One voter's choice in a room's screening vote (网络投票, 第十三条): one per voter and
    call, whatever device or retry it comes from."""

    __tablename__ = "screening_votes"
    __table_args__ = (UniqueConstraint("call_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("topic_calls.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    voter: Mapped[str] = mapped_column(String(80))  # "person:N" or "phone:<digest>"
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AbuseReport(Base):
    """Someone who could see a topic or a suggestion reports it as abusive, with a reason; the
    room's staff uphold (the item is taken down) or dismiss it, and the decision is logged."""

    __tablename__ = "abuse_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))  # "topic" or "suggestion"
    target_id: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    reason: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    reporter_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")
