"""The session record read back for the written record: speeches, attendance and closed polls.
Reads the stored live events (`meeting_events`) by type; the live layer itself is never imported."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import MeetingEvent

# The event types the written record is made from (docs/protocol.md describes their data).
RECORD_TYPES = (
    "floor.granted",
    "floor.ended",
    "attendance.checked_in",
    "presence.changed",
    "presence.connected",
    "poll.opened",
    "poll.closed",
)


@dataclass(frozen=True)
class Speech:
    """Who had the floor, from when to when (epoch seconds); `ended_at` is None while it runs."""

    speech_id: str
    participant_id: int | None
    kind: str
    agenda_item_id: int | None
    started_at: float
    ended_at: float | None


@dataclass(frozen=True)
class SessionRecord:
    """What the stored events say; `started_at` is the time of the meeting's first event."""

    started_at: float | None = None
    speeches: list[Speech] = field(default_factory=list)
    # Participant id → how they attended: "in_room", "remote", or "online" (joined, no check-in).
    attendance: dict[int, str] = field(default_factory=dict)
    polls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def held(self) -> bool:
        """Whether the meeting ran live at all (anything is recorded)."""
        return self.started_at is not None

    def speech(self, speech_id: str | None) -> Speech | None:
        return next((s for s in self.speeches if s.speech_id == speech_id), None)

    def offset(self, moment: float | None) -> float | None:
        """Seconds from the start of the record, as transcripts count time."""
        if moment is None or self.started_at is None:
            return None
        return round(moment - self.started_at, 3)


async def load_record(session: AsyncSession, meeting_id: int) -> SessionRecord:
    """The meeting's session record as stored so far (empty when it never went live)."""
    first = await session.scalar(
        select(func.min(MeetingEvent.at)).where(MeetingEvent.meeting_id == meeting_id)
    )
    rows = await session.execute(
        select(MeetingEvent.type, MeetingEvent.data)
        .where(MeetingEvent.meeting_id == meeting_id, MeetingEvent.type.in_(RECORD_TYPES))
        .order_by(MeetingEvent.seq)
    )
    return read_record(((t, d) for t, d in rows), started_at=first)


def read_record(
    events: Iterable[tuple[str, Mapping[str, Any]]], *, started_at: float | None
) -> SessionRecord:
    """Folds events, in seq order, into speeches, attendance and closed polls."""
    speeches: dict[str, Speech] = {}
    attendance: dict[int, str] = {}
    opened: dict[str, Mapping[str, Any]] = {}
    polls: list[dict[str, Any]] = []
    for kind, data in events:
        if kind == "floor.granted":
            speech = _speech(data)
            speeches[speech.speech_id] = speech
        elif kind == "floor.ended" and str(data.get("speech_id")) in speeches:
            ended = speeches[str(data["speech_id"])]
            speeches[ended.speech_id] = Speech(
                ended.speech_id,
                ended.participant_id,
                ended.kind,
                ended.agenda_item_id,
                ended.started_at,
                _number(data.get("ended_at")),
            )
        elif kind == "attendance.checked_in":
            who = roster_id(data.get("participant_id"))
            if who is not None:
                attendance[who] = str(data.get("mode") or "in_room")
        elif kind in ("presence.changed", "presence.connected"):
            # presence.connected (one arrival an event) is how older meetings stored it.
            arrivals = data.get("connected") if kind == "presence.changed" else None
            for raw in arrivals if isinstance(arrivals, list) else [data.get("participant_id")]:
                who = roster_id(raw)
                if who is not None:
                    attendance.setdefault(who, "online")
        elif kind == "poll.opened":
            opened[str(data.get("poll_id"))] = data
        elif kind == "poll.closed":
            polls.append(closed_poll(opened.get(str(data.get("poll_id")), {}), data))
    ordered = sorted(speeches.values(), key=lambda s: s.started_at)
    return SessionRecord(started_at, ordered, attendance, polls)


def _speech(data: Mapping[str, Any]) -> Speech:
    return Speech(
        speech_id=str(data.get("speech_id")),
        participant_id=roster_id(data.get("participant_id")),
        kind=str(data.get("kind") or "speech"),
        agenda_item_id=roster_id(data.get("item_id")),
        started_at=_number(data.get("started_at")) or 0.0,
        ended_at=None,
    )


def roster_id(value: Any) -> int | None:
    """The live layer names roster rows and agenda items by their database id as a string."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def closed_poll(opened: Mapping[str, Any], closed: Mapping[str, Any]) -> dict[str, Any]:
    """A closed poll in the snapshot shape of CONTRACT.md: the question and options from its
    `poll.opened` event, the result (`counts` by option id, `votes`, `passed`) from its close."""
    result = closed.get("result")
    return {
        "poll_id": str(closed.get("poll_id") or ""),
        "question": str(opened.get("question") or "表决事项"),
        "kind": opened.get("kind"),
        "secret": bool(opened.get("secret", False)),
        "status": "closed",
        "options": list(opened.get("options") or []),
        "result": dict(result) if isinstance(result, Mapping) else {},
    }
