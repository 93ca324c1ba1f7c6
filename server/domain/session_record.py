"""The session record read back for the written record: speeches, rounds, attendance and polls.

There is one interpreter of the live events: the machine's own appliers. The stored events
(`meeting_events`) are replayed from the setup the meeting went live with (`live_meetings`)
through `realtime.meeting.replay`, exactly as a worker rebuilds a meeting, and the record is
read off the resulting `MeetingState`. Nothing here decides what an event means.
(The pure machine is the one part of the live layer the domain may import; see the
import-linter contract in pyproject.toml.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from realtime.machine.poll_types import KIND_NAMES
from realtime.machine.state import Floor
from realtime.meeting import Event, MeetingSetup, MeetingState, replay
from server.db.models import LiveMeeting, MeetingEvent


@dataclass(frozen=True)
class Speech:
    """Who had the floor, on which item and in which round, from when to when (epoch
    seconds); `ended_at` is None while it runs."""

    speech_id: str
    participant_id: int | None
    kind: str
    agenda_item_id: int | None
    started_at: float
    ended_at: float | None
    round_id: int | None = None


@dataclass(frozen=True)
class RoundRun:
    """A round as it ran: its item, its kind and title from the setup, its times."""

    item_id: int | None
    round_id: int | None
    kind: str
    title: str
    started_at: float
    ended_at: float | None


@dataclass(frozen=True)
class SessionRecord:
    """What the replayed events say. `started_at` is the time of the meeting's first event
    (transcripts count from it); `opened_at` the first move onto the agenda, `closed_at` the
    close; `attendance` maps a participant to how they checked in (`in_room`, `remote`)."""

    started_at: float | None = None
    opened_at: float | None = None
    closed_at: float | None = None
    speeches: list[Speech] = field(default_factory=list)
    rounds: list[RoundRun] = field(default_factory=list)
    attendance: dict[int, str] = field(default_factory=dict)
    polls: list[dict[str, Any]] = field(default_factory=list)
    items_run: list[int] = field(default_factory=list)

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
    live = await session.get(LiveMeeting, meeting_id)
    if live is None:
        return SessionRecord()
    rows = await session.execute(
        select(MeetingEvent.type, MeetingEvent.data, MeetingEvent.at)
        .where(MeetingEvent.meeting_id == meeting_id)
        .order_by(MeetingEvent.seq)
    )
    return read_record(live.setup, [(t, d, at) for t, d, at in rows])


def read_record(
    setup: Mapping[str, Any], events: Iterable[tuple[str, Mapping[str, Any], float]]
) -> SessionRecord:
    """Replays `(type, data, at)` events, in seq order, from `setup` and reads the record."""
    stored = list(events)
    if not stored:
        return SessionRecord()
    state = replay(MeetingSetup.from_dict(setup), [Event(t, dict(d)) for t, d, _ in stored])
    moved = [at for t, _, at in stored if t == "agenda.moved"]
    return record_of(state, started_at=stored[0][2], opened_at=moved[0] if moved else None)


def record_of(
    state: MeetingState, *, started_at: float | None, opened_at: float | None
) -> SessionRecord:
    """The written record's view of a replayed meeting."""
    floors: list[tuple[Floor, float | None]] = [(s.floor, s.ended_at) for s in state.speeches]
    if state.floor is not None:
        floors.append((state.floor, None))
    speeches = [
        Speech(
            speech_id=f.speech_id,
            participant_id=roster_id(f.participant_id),
            kind=f.kind,
            agenda_item_id=roster_id(f.item_id),
            started_at=f.started_at,
            ended_at=ended,
            round_id=roster_id(f.round_id),
        )
        for f, ended in floors
    ]
    runs: list[tuple[str, str, float, float | None]] = [
        (r.item_id, r.round_id, r.started_at, r.ended_at) for r in state.rounds_run
    ]
    if state.round is not None:
        current = state.round
        runs.append((current.item_id, current.round_id, current.started_at, None))
    rounds = []
    for item_id, round_id, started, ended in runs:
        item = state.setup.item(item_id)
        spec = item.round(round_id) if item is not None else None
        rounds.append(
            RoundRun(
                item_id=roster_id(item_id),
                round_id=roster_id(round_id),
                kind=spec.kind if spec is not None else "",
                title=spec.title if spec is not None else "",
                started_at=started,
                ended_at=ended,
            )
        )
    attendance: dict[int, str] = {
        who: str(p.mode)
        for p in state.participants.values()
        if p.mode is not None and (who := roster_id(p.participant_id)) is not None
    }
    items: list[int] = []
    for ident in [*(s.agenda_item_id for s in speeches), *(r.item_id for r in rounds)]:
        if ident is not None and ident not in items:
            items.append(ident)
    names = {pid: p.name for pid, p in state.participants.items()}
    polls = [closed_poll(p, names) for p in state.polls if p.status == "closed"]
    return SessionRecord(
        started_at=started_at,
        opened_at=opened_at if opened_at is not None else started_at,
        closed_at=state.closed_at,
        speeches=sorted(speeches, key=lambda s: s.started_at),
        rounds=sorted(rounds, key=lambda r: r.started_at),
        attendance=attendance,
        polls=polls,
        items_run=items,
    )


def roster_id(value: Any) -> int | None:
    """The live layer names roster rows, items and rounds by their database id as a string."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def closed_poll(poll: Any, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A closed poll in the snapshot shape of CONTRACT.md (`result`: counts by option id,
    votes, passed, and the close's own figures: eligible, present, needed, borda, irv…),
    with the agenda item it was opened on, its rules and its kind's Chinese name."""
    names = names or {}
    return {
        "poll_id": poll.poll_id,
        "question": poll.question,
        "kind": poll.kind,
        "kind_name": KIND_NAMES.get(poll.kind, "表决"),
        "secret": poll.secret,
        "status": poll.status,
        "options": [o.to_dict() for o in poll.options],
        "result": dict(poll.result or {}),
        "rules": poll.rules.to_dict(),
        "item_id": roster_id(poll.item_id),
        "closed_at": poll.closed_at,
        # A named yes/no vote: who voted against, by name (不同意见); never for a secret one.
        "against": [names.get(pid, pid) for pid, choice in poll.named or () if choice == "no"]
        if poll.kind == "yes_no_abstain" and not poll.secret
        else [],
    }
