"""The live meeting's state (`MeetingState`) and the read-only questions asked of it.

Immutable values only; `realtime.machine.events` is the one place that builds new states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from realtime.machine.poll_types import KioskUnlock, Poll
from realtime.machine.setup import AgendaItem, MeetingSetup, RoundSpec
from realtime.machine.types import (
    AttendanceMode,
    Category,
    HandKind,
    Phase,
    RoundKind,
    SpeechKind,
    Stance,
)


@dataclass(frozen=True)
class ParticipantState:
    participant_id: str
    name: str
    category: Category
    is_moderator: bool = False
    connections: int = 0
    mode: AttendanceMode | None = None
    checked_in_at: float | None = None
    is_added: bool = False  # joined during the meeting (a guest by invite link)


@dataclass(frozen=True)
class QueueEntry:
    """A raised hand waiting in the speaker queue (发言队列)."""

    entry_id: str
    participant_id: str
    kind: HandKind
    raised_at: float
    stance: Stance | None = None
    to_participant_id: str | None = None  # a question's addressee: who spoke when it was asked
    on_behalf: bool = False  # entered by the moderator or staff (a hand seen in the room)
    added_by: str | None = None  # who entered it, when they are on the roster


@dataclass(frozen=True)
class Turn:
    """A scheduled place in the running round's lineup (a presenter, a round-robin turn)."""

    participant_id: str
    limit_s: int | None


@dataclass(frozen=True)
class RoundState:
    item_id: str
    round_id: str
    kind: RoundKind
    title: str
    started_at: float
    lineup: tuple[Turn, ...]  # turns not yet heard, in order


@dataclass(frozen=True)
class RoundRecord:
    item_id: str
    round_id: str
    started_at: float
    ended_at: float
    unheard: tuple[str, ...]  # lineup turns still waiting when the round ended


@dataclass(frozen=True)
class Floor:
    """Who holds the floor (发言权), since when (server time) and for how long."""

    speech_id: str
    participant_id: str
    kind: SpeechKind
    item_id: str
    round_id: str | None
    started_at: float
    limit_s: int | None
    entry_id: str | None = None
    to_participant_id: str | None = None
    stance: Stance | None = None


@dataclass(frozen=True)
class Speech:
    """One finished speech, for the session record."""

    floor: Floor
    ended_at: float
    duration_s: float
    over_s: float  # time beyond the limit, 0 when within it or unlimited


@dataclass(frozen=True)
class MeetingState:
    setup: MeetingSetup
    participants: Mapping[str, ParticipantState]
    item_id: str | None = None
    round: RoundState | None = None
    rounds_run: tuple[RoundRecord, ...] = ()
    queue: tuple[QueueEntry, ...] = ()
    queue_open: bool = True
    floor: Floor | None = None
    speeches: tuple[Speech, ...] = ()
    entries_issued: int = 0
    speeches_issued: int = 0
    closed_at: float | None = None
    # Polls (realtime/machine/polls.py) in the order they were opened, and the one vote
    # the staff unlocked on the room screen, if any.
    polls: tuple[Poll, ...] = ()
    polls_issued: int = 0
    kiosk: KioskUnlock | None = None
    # Media rules (realtime/machine/media.py): whom the moderator muted ("room" for the
    # room's microphone) and whether every microphone is open for free discussion.
    muted: frozenset[str] = frozenset()
    open_mics: bool = False
    # Whether public observers (旁听) may hear the meeting's audio: the moderator's consent.
    watch_audio: bool = False

    @property
    def phase(self) -> Phase:
        if self.closed_at is not None:
            return "closed"
        if self.item_id is None:
            return "lobby"
        return "item" if self.round is None else "round"

    @property
    def item(self) -> AgendaItem | None:
        return None if self.item_id is None else self.setup.item(self.item_id)

    @property
    def round_spec(self) -> RoundSpec | None:
        item = self.item
        if item is None or self.round is None:
            return None
        return item.round(self.round.round_id)

    def poll(self, poll_id: str) -> Poll | None:
        return next((p for p in self.polls if p.poll_id == poll_id), None)

    def find_entry(self, entry_id: str) -> tuple[int, QueueEntry] | None:
        return next(((i, e) for i, e in enumerate(self.queue) if e.entry_id == entry_id), None)

    def entry_of(self, participant_id: str) -> QueueEntry | None:
        return next((e for e in self.queue if e.participant_id == participant_id), None)

    def item_floors(self, item_id: str | None = None) -> list[Floor]:
        """Every speech on the item (the current one by default), the running one included."""
        target = self.item_id if item_id is None else item_id
        floors = [s.floor for s in self.speeches if s.floor.item_id == target]
        if self.floor is not None and self.floor.item_id == target:
            floors.append(self.floor)
        return floors


def initial_state(setup: MeetingSetup) -> MeetingState:
    participants = {
        p.participant_id: ParticipantState(p.participant_id, p.name, p.category, p.is_moderator)
        for p in setup.participants
    }
    return MeetingState(setup=setup, participants=participants)
