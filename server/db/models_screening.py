"""Typed models of screening by questionnaire and by hearing (问卷调查, 听证会/座谈会, 第十三条),
and of the public's comments on a topic under notice (第十四条).

A questionnaire is a `TopicCall` of kind "questionnaire" (models_topics.py); its answers are here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, JsonDict, UtcDateTime


class QuestionnaireAnswer(Base):
    """One respondent's answers to a questionnaire: one per respondent and questionnaire,
    whatever device or retry it comes from (the same voter key as a screening vote)."""

    __tablename__ = "questionnaire_answers"
    __table_args__ = (UniqueConstraint("call_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("topic_calls.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(80))  # "person:N" or "phone:<digest>"
    answers: Mapped[list[Any]] = mapped_column(JsonDict, default=list)  # one per question
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class TopicHearing(Base):
    """A screening hearing or forum (听证会、座谈会) on some proposals of a room: when, where,
    who took part, what was said, and its conclusion on each proposal."""

    __tablename__ = "topic_hearings"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "hearing" or "forum"
    held_on: Mapped[datetime] = mapped_column(UtcDateTime())
    place: Mapped[str] = mapped_column(String(200))
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JsonDict, default=list)
    record: Mapped[str] = mapped_column(Text)
    # [{"topic_id", "conclusion": "support"|"oppose"|"undecided", "note"}]
    conclusions: Mapped[list[dict[str, Any]]] = mapped_column(JsonDict, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PublicComment(Base):
    """A comment from the public on a topic under notice; `moderation` as a public proposal's
    (clear, held, released, removed), shown on /public only when clear or released."""

    __tablename__ = "public_comments"
    # A retried send (same client key) is the same comment.
    __table_args__ = (UniqueConstraint("topic_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    moderation: Mapped[str] = mapped_column(String(16), default="clear", index=True)
    held_reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The sender's own key for this comment (a UUID the page makes once and reuses on retry).
    client_id: Mapped[str | None] = mapped_column(String(36), default=None)
