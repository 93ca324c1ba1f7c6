"""Typed models of what follows a meeting: outcomes and their items, the records kept on each
item, and the yearly assessment's stored rules (activities required, duty points, awards),
with the training sessions and publicity items it also looks at (第二十四、二十五条), and each
member's yearly duty menu (履职菜单, 第二十三条)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.models import Base, JsonDict, Meeting, OrgUnit, UtcDateTime

DECISIONS = ("adopted", "partly_adopted", "not_adopted")
ITEM_RECORD_KINDS = (
    "decision",
    "progress",
    "feedback",
    "escalation",
    "follow_up",
    "explanation",
    "reminder",
)
FOLLOW_UP_METHODS = ("oversight", "inspection", "review")  # 民主监督、视察、民主评议
ESCALATION_LEVELS = ("county", "city")
DUTY_KINDS = ("invited", "attended", "spoke", "speech_minutes", "voted", "suggestion", "training")
# What a duty menu may plan: the duty record's kinds a member takes on by number of times.
MENU_KINDS = ("attended", "spoke", "voted", "suggestion", "training")
PUBLICITY_CHANNELS = ("portal", "wechat", "press", "app")  # 门户网站、微信公众号、报刊、履职APP


class Outcome(Base):
    """A numbered consultation outcome (协商成果) of one meeting, from its signed-off report,
    submitted to the party committee, the government and commissioning departments."""

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("room_id", "year", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    recipients: Mapped[list[str]] = mapped_column(JsonDict, default=list)
    report_version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    submitted_by_name: Mapped[str] = mapped_column(String(64))

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    items: Mapped[list[OutcomeItem]] = relationship(
        lazy="selectin",
        order_by="OutcomeItem.position",
        cascade="all, delete-orphan",
        back_populates="outcome",
    )


class OutcomeItem(Base):
    """One recommendation of an outcome: its text, the unit responsible and the due date,
    and where it stands (decision, progress, final feedback, published or not)."""

    __tablename__ = "outcome_items"
    __table_args__ = (
        UniqueConstraint("outcome_id", "position"),
        Index("ix_outcome_items_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    due_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    progress: Mapped[int] = mapped_column(Integer, default=0)
    feedback: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_to: Mapped[str | None] = mapped_column(String(8))
    published: Mapped[bool] = mapped_column(default=False)
    reminded_on: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    outcome: Mapped[Outcome] = relationship(back_populates="items", lazy="joined")


class OutcomeRecord(Base):
    """One entry of an item's history: a decision, progress, the feedback, an escalation
    (向上反映), a follow-up (民主监督、视察、民主评议), an explanation to dissenters, a reminder."""

    __tablename__ = "outcome_records"
    __table_args__ = (Index("ix_outcome_records_item_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outcome_items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JsonDict, default=dict)


class OutcomeAttachment(Base):
    """An image or document attached to a progress entry of an item (第十八条: progress with
    its attachments); the bytes sit under the data dir under a name the server chose, as a
    topic's attachments do."""

    __tablename__ = "outcome_attachments"
    __table_args__ = (Index("ix_outcome_attachments_item_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outcome_items.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("outcome_records.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    uploaded_by_name: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ActivityRequirement(Base):
    """How many consultation activities a room of a level must hold a year (第二十二条)."""

    __tablename__ = "activity_requirements"

    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    required: Mapped[int] = mapped_column(Integer)


class DutyRule(Base):
    """Points a member earns per kind of activity in the duty record, and a yearly cap
    (第二十六条); the CPPCC office edits these rows."""

    __tablename__ = "duty_rules"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    points: Mapped[float] = mapped_column(Float)
    cap: Mapped[float | None] = mapped_column(Float)


class RoomAward(Base):
    """A room marked 优秀协商议事室 for a year, with the evidence the city relied on."""

    __tablename__ = "room_awards"
    __table_args__ = (UniqueConstraint("room_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class TrainingSession(Base):
    """A training course (专题培训班) for members and room staff, held by an org unit's CPPCC."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    by_name: Mapped[str] = mapped_column(String(64))

    attendees: Mapped[list[TrainingAttendance]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )


class TrainingAttendance(Base):
    """Who attended a training session (one row per person)."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)


class PublicityItem(Base):
    """A report about a room or an outcome (a link to a portal page, a WeChat article, ...)."""

    __tablename__ = "publicity_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(16))
    published_on: Mapped[date] = mapped_column(Date)
    by_name: Mapped[str] = mapped_column(String(64))


class DutyMenu(Base):
    """A member's duty menu for a year (履职菜单, 第二十三条), planned by CPPCC staff; its lines
    say which activities the member takes on and how many times."""

    __tablename__ = "duty_menus"
    __table_args__ = (UniqueConstraint("person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    by_name: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    lines: Mapped[list[DutyMenuLine]] = relationship(
        lazy="selectin", order_by="DutyMenuLine.position", cascade="all, delete-orphan"
    )


class DutyMenuLine(Base):
    """One line of a duty menu: a kind of activity, the target number of times, and
    optionally the room it is to happen in and the topic it is about."""

    __tablename__ = "duty_menu_lines"
    __table_args__ = (UniqueConstraint("menu_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("duty_menus.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    topic: Mapped[str] = mapped_column(String(200), default="")


# The yearly count of a room's activities reads meetings by room and start (migration 0013).
Index("ix_meetings_room_id_starts_at", Meeting.room_id, Meeting.starts_at)
