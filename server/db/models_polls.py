"""Tables of live polls: each poll as opened, and the votes cast in it (named and secret).

Votes do not go through a meeting's event sequence; their unique keys make each count once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, JsonDict

POLL_STATUSES = ("open", "closed")


def _of_poll() -> ForeignKeyConstraint:
    """Every vote row belongs to a poll; deleting the poll (or its meeting) deletes them."""
    return ForeignKeyConstraint(
        ["meeting_id", "poll_id"], ["polls.meeting_id", "polls.poll_id"], ondelete="CASCADE"
    )


class Poll(Base):
    """A poll of a live meeting as it was opened; `status` is the guard every vote reads.

    The row is written in the same transaction as the `poll.opened` event and locked by
    the close (`FOR UPDATE`), while vote writers hold it `FOR SHARE`: no vote commits
    after the transaction that counted the final result.
    """

    __tablename__ = "polls"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    spec: Mapped[dict[str, Any]] = mapped_column(JsonDict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonDict)
    opened_at: Mapped[float] = mapped_column()
    closed_at: Mapped[float | None] = mapped_column()
    # The key a secret poll's ballots are sealed under while it is open; the key itself is
    # kept outside the database (realtime/ballot_keys.py) and destroyed after the close.
    key_id: Mapped[str | None] = mapped_column(String(36), default=None)


class PollNamedVote(Base):
    """A vote in a named (记名) poll: who chose what; one row per voter, changed in place.

    `revision` counts the changes, so a tally can tell a newer count from an older one;
    `cast_by` is the staff member who cast it at a kiosk for the voter, else null.
    """

    __tablename__ = "poll_named_votes"
    __table_args__ = (_of_poll(),)

    meeting_id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    choice: Mapped[Any] = mapped_column(JsonDict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    cast_by: Mapped[str | None] = mapped_column(String(64))


class PollVoter(Base):
    """Who took part in a secret (无记名) poll, and nothing else: no choice, no time, no order.

    A composite key and no rowid (on SQLite), so not even storage order hints at when.
    """

    __tablename__ = "poll_voters"
    __table_args__ = (_of_poll(), {"sqlite_with_rowid": False})

    meeting_id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class PollBallot(Base):
    """What was chosen in a secret poll, keyed by a random id: nothing names or orders a voter.

    While the poll is open `choice` holds the choice sealed under the poll's key (base64
    text); the close opens them all and writes them again in one transaction, sorted by
    choice under fresh ids, so that neither storage order nor the writing transaction ties
    a ballot to a row of `poll_voters`.
    """

    __tablename__ = "poll_ballots"
    __table_args__ = (
        _of_poll(),
        Index("ix_poll_ballots_poll", "meeting_id", "poll_id"),
        {"sqlite_with_rowid": False},
    )

    ballot_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meeting_id: Mapped[int] = mapped_column()
    poll_id: Mapped[str] = mapped_column(String(64))
    choice: Mapped[Any] = mapped_column(JsonDict)
