"""Typed SQLAlchemy 2 models of everything the platform stores.

Schema changes go through Alembic migrations in `server/db/migrations/`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from server.db.models_grants import RoleGrant

# Stable constraint names so that migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The largest id (or sequence number) a row can have: ids are INTEGER columns, which
# PostgreSQL keeps in 32 bits. Anything a client sends is checked against it first.
MAX_ID = 2**31 - 1

ORG_LEVELS = ("city", "county", "township", "village")
ROOM_LEVELS = ("township", "village")
CATEGORIES = ("member", "stakeholder", "official", "guest")
CPPCC_LEVELS = ("city", "county")
ROLES = ("admin", "cppcc_staff", "party_reviewer", "moderator", "staff", "unit_officer")
MEETING_MODES = ("in_room", "online", "hybrid")
MEETING_STATUSES = ("scheduled", "live", "ended")
MEETING_ROLES = ("moderator", "staff", "participant")
ATTENDANCE_MODES = ("in_room", "remote")
ROUND_KINDS = ("intro", "briefing", "statements", "responses", "discussion", "vote", "summary")

# JSON text on SQLite, JSONB on PostgreSQL; both round-trip dicts and lists.
JsonDict = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in UTC, stored with its zone, read back aware on SQLite too.

    SQLite keeps no zone, so what comes back naive is the UTC that was written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _aware() -> UtcDateTime:
    return UtcDateTime()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class OrgUnit(Base):
    """A node of the tree city → county → township → village."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)


class Room(Base):
    """A standing 协商议事室 attached to a township-level or village-level org unit."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    # Days a topic's public notice must stand before its meeting may open (第十四条: a week).
    notice_days: Mapped[int] = mapped_column(Integer, default=7)
    # Whether every public proposal and suggestion waits for moderation, not only those with a
    # listed word.
    premoderate: Mapped[bool] = mapped_column(default=False)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")


class Person(Base):
    """Someone who signs in: a member, stakeholder, official or guest with an account."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    cppcc_level: Mapped[str | None] = mapped_column(String(16))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    active: Mapped[bool] = mapped_column(default=True)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="person", lazy="selectin", cascade="all, delete-orphan"
    )


class AuthSession(Base):
    """A login: the token and CSRF value are stored only as hashes or opaque values."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(_aware())
    expires_at: Mapped[datetime] = mapped_column(_aware())


class PasswordReset(Base):
    """A one-time link to set a new password: stored as a hash, used once, expiring."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(_aware())
    expires_at: Mapped[datetime] = mapped_column(_aware())
    used_at: Mapped[datetime | None] = mapped_column(_aware())


class LoginAttempt(Base):
    """A failed login, kept briefly to rate-limit guessing across all workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(_aware())


class Meeting(Base):
    """One consultation session (协商会议) of a room, in the room, online or hybrid."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    topic_title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(_aware())
    ends_at: Mapped[datetime | None] = mapped_column(_aware())
    place: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDict, default=dict)
    # The topic (议题) this meeting consults on; its approval, notice and research gate the
    # opening (server.domain.topics.opening_refusal).
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    # The public watch link's token (旁听链接) while the moderator has it on; None when off.
    watch_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    room: Mapped[Room] = relationship(lazy="joined")
    agenda: Mapped[list[AgendaItem]] = relationship(
        lazy="selectin", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )


class AgendaItem(Base):
    """An item of a meeting's agenda (议程), in order."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    rounds: Mapped[list[AgendaRound]] = relationship(
        lazy="selectin", order_by="AgendaRound.position", cascade="all, delete-orphan"
    )


class AgendaRound(Base):
    """A structured part (环节) of an agenda item: briefing, statements, discussion, ..."""

    __tablename__ = "agenda_rounds"
    __table_args__ = (UniqueConstraint("agenda_item_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    time_limit_s: Mapped[int | None] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(JsonDict, default=dict)


class MeetingParticipant(Base):
    """Someone taking part in one meeting: a person with an account, or an invited guest."""

    __tablename__ = "meeting_participants"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    guest_name: Mapped[str | None] = mapped_column(String(64))
    guest_phone: Mapped[str | None] = mapped_column(String(32))  # to send a guest their link
    category: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16), default="participant")
    attendance_mode: Mapped[str | None] = mapped_column(String(16))

    person: Mapped[Person | None] = relationship(lazy="joined")

    @property
    def display_name(self) -> str:
        if self.person is not None:
            return self.person.name
        return self.guest_name or ""


class Invite(Base):
    """A guest invitation to one meeting; the link carries a signed, expiring reference."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_participants.id", ondelete="CASCADE")
    )
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    expires_at: Mapped[datetime] = mapped_column(_aware())
    revoked: Mapped[bool] = mapped_column(default=False)

    participant: Mapped[MeetingParticipant] = relationship(lazy="joined")


class LiveMeeting(Base):
    """A meeting that has gone live: the setup it started from and its last event's seq.

    The row is the single order of the meeting's events: a writer locks it, reads
    `last_seq`, stores the next events and moves `last_seq` on in one transaction.
    """

    __tablename__ = "live_meetings"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    setup: Mapped[dict[str, Any]] = mapped_column(JsonDict)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class MeetingEvent(Base):
    """One stored event of a live meeting: the session record, in `seq` order."""

    __tablename__ = "meeting_events"
    __table_args__ = (UniqueConstraint("meeting_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JsonDict)
    at: Mapped[float] = mapped_column()
    actor: Mapped[str | None] = mapped_column(String(40))


class MeetingCommand(Base):
    """A command already answered, so that a retry with the same id gets the same ack."""

    __tablename__ = "meeting_commands"
    __table_args__ = (UniqueConstraint("meeting_id", "sender", "command_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(40))
    command_id: Mapped[str] = mapped_column(String(64))
    ack: Mapped[dict[str, Any]] = mapped_column(JsonDict)


# Role grants are read only by server/policy.py; the model sits apart so that an import
# contract can hold that. Imported here so that every mapper is known once models loads.
import server.db.models_grants  # noqa: E402
import server.db.models_screening  # noqa: E402
import server.db.models_topics  # noqa: E402, F401
