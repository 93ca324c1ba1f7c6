"""Typed models of written suggestions (意见建议), their themes (主题) and the words we teach Jieba.

Staff edits are data here: a suggestion `pinned` to its theme, and a theme's staff-given `name`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, JsonDict, UtcDateTime

MAX_SUGGESTION_CHARS = 500
MAX_THEME_NAME_CHARS = 60


# Moderation states of a suggestion that put it on the meeting's board.
ON_BOARD = ("clear", "released")


class SuggestionBoard(Base):
    """One row per meeting that has suggestions: the order of writers and what has changed.

    A writer locks the row (`FOR UPDATE` on PostgreSQL) so that one meeting's suggestions are
    placed one at a time across workers. `revision` moves on with every change;
    `layout_revision` only when themes change other than by an arrival (an edit, a
    re-clustering), which tells a worker its in-memory themes must be rebuilt.
    """

    __tablename__ = "suggestion_boards"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)
    layout_revision: Mapped[int] = mapped_column(Integer, default=0)


class SuggestionTheme(Base):
    """A theme of one meeting's suggestions. `key` is the clustering's name for it (stable
    across re-clustering when staff have pinned it); `label` and `keywords` are as last
    computed; `name` is what staff called it, when they did."""

    __tablename__ = "suggestion_themes"
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[Any]] = mapped_column(JsonDict, default=list)
    name: Mapped[str | None] = mapped_column(String(MAX_THEME_NAME_CHARS))
    position: Mapped[int] = mapped_column(Integer)


class Suggestion(Base):
    """A written suggestion to a meeting, by a participant or by a resident (no participant).

    `author_key` names the writer (`participant:<id>` or `person:<id>`); with `client_id` it
    makes a retried submission count once. `pinned` means staff put it in its theme.
    """

    __tablename__ = "suggestions"
    __table_args__ = (UniqueConstraint("meeting_id", "author_key", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_participants.id", ondelete="SET NULL")
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    author_key: Mapped[str] = mapped_column(String(40))
    author_name: Mapped[str] = mapped_column(String(64), default="")
    client_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    normalized_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion_themes.id", ondelete="SET NULL"), index=True
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    # "clear" or "released" are on the board; "held" (a listed word) waits for the room's
    # staff; "removed" is kept for the record and shown to nobody but its author.
    moderation: Mapped[str] = mapped_column(String(16), default="clear")


class VocabularyWord(Base):
    """A word staff taught the segmenter (a local place, estate or programme name)."""

    __tablename__ = "vocabulary_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(32), unique=True)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
