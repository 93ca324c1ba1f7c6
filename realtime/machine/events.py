"""How each event type changes a `MeetingState`: the only code that builds new states.

Appliers trust the event (the machine decided it) and read everything from it, never
from a clock, so replaying stored events from the initial state rebuilds the same state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from realtime.machine.core import Applier
from realtime.machine.state import (
    Floor,
    MeetingState,
    ParticipantState,
    QueueEntry,
    RoundRecord,
    RoundState,
    Speech,
    Turn,
)
from realtime.machine.types import (
    AttendanceMode,
    Category,
    HandKind,
    RoundKind,
    SpeechKind,
    Stance,
)

Data = Mapping[str, Any]


def _str(data: Data, key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"event field {key} should be a string: {value!r}")
    return value


def _opt_str(data: Data, key: str) -> str | None:
    return None if data.get(key) is None else _str(data, key)


def _num(data: Data, key: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"event field {key} should be a number: {value!r}")
    return float(value)


def _opt_int(data: Data, key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"event field {key} should be an integer: {value!r}")
    return value


def _person(state: MeetingState, data: Data, **changes: Any) -> MeetingState:
    pid = _str(data, "participant_id")
    person = replace(state.participants[pid], **changes)
    return replace(state, participants={**state.participants, pid: person})


def participant_added(state: MeetingState, data: Data) -> MeetingState:
    pid = _str(data, "participant_id")
    person = ParticipantState(
        pid, _str(data, "name"), cast(Category, _str(data, "category")), is_added=True
    )
    return replace(state, participants={**state.participants, pid: person})


def presence_changed(state: MeetingState, data: Data) -> MeetingState:
    return _person(state, data, connections=_opt_int(data, "connections") or 0)


def presence_changed_many(state: MeetingState, data: Data) -> MeetingState:
    # Presence is shown as online or not: one connection stands for all of a person's.
    people = dict(state.participants)
    for pid, count in [(p, 1) for p in data["connected"]] + [(p, 0) for p in data["disconnected"]]:
        people[pid] = replace(people[pid], connections=count)
    return replace(state, participants=people)


def presence_reset(state: MeetingState, data: Data) -> MeetingState:
    del data
    people = {pid: replace(p, connections=0) for pid, p in state.participants.items()}
    return replace(state, participants=people)


def checked_in(state: MeetingState, data: Data) -> MeetingState:
    person = state.participants[_str(data, "participant_id")]
    first = person.checked_in_at if person.checked_in_at is not None else _num(data, "at")
    mode = cast(AttendanceMode, _str(data, "mode"))
    return _person(state, data, mode=mode, checked_in_at=first)


def agenda_moved(state: MeetingState, data: Data) -> MeetingState:
    return replace(state, item_id=_str(data, "item_id"))


def round_started(state: MeetingState, data: Data) -> MeetingState:
    lineup = tuple(Turn(_str(t, "participant_id"), _opt_int(t, "limit_s")) for t in data["lineup"])
    current = RoundState(
        item_id=_str(data, "item_id"),
        round_id=_str(data, "round_id"),
        kind=cast(RoundKind, _str(data, "kind")),
        title=_str(data, "title"),
        started_at=_num(data, "at"),
        lineup=lineup,
    )
    return replace(state, round=current)


def round_ended(state: MeetingState, data: Data) -> MeetingState:
    current = state.round
    if current is None:
        raise ValueError("round.ended without a running round")
    record = RoundRecord(
        item_id=current.item_id,
        round_id=current.round_id,
        started_at=current.started_at,
        ended_at=_num(data, "at"),
        unheard=tuple(t.participant_id for t in current.lineup),
    )
    return replace(state, round=None, rounds_run=(*state.rounds_run, record))


def lineup_skipped(state: MeetingState, data: Data) -> MeetingState:
    return _drop_turn(state, _str(data, "participant_id"))


def _drop_turn(state: MeetingState, participant_id: str) -> MeetingState:
    current = state.round
    if current is None:
        return state
    lineup = list(current.lineup)
    for i, turn in enumerate(lineup):
        if turn.participant_id == participant_id:
            del lineup[i]
            break
    return replace(state, round=replace(current, lineup=tuple(lineup)))


def hand_raised(state: MeetingState, data: Data) -> MeetingState:
    entry = QueueEntry(
        entry_id=_str(data, "entry_id"),
        participant_id=_str(data, "participant_id"),
        kind=cast(HandKind, _str(data, "kind")),
        raised_at=_num(data, "at"),
        stance=cast(Stance | None, _opt_str(data, "stance")),
        to_participant_id=_opt_str(data, "to_participant_id"),
        on_behalf=bool(data.get("on_behalf", False)),
        added_by=_opt_str(data, "added_by"),
    )
    position = _opt_int(data, "position") or 0
    queue = (*state.queue[:position], entry, *state.queue[position:])
    return replace(state, queue=queue, entries_issued=state.entries_issued + 1)


def left_queue(state: MeetingState, data: Data) -> MeetingState:
    entry_id = _str(data, "entry_id")
    return replace(state, queue=tuple(e for e in state.queue if e.entry_id != entry_id))


def queue_moved(state: MeetingState, data: Data) -> MeetingState:
    found = state.find_entry(_str(data, "entry_id"))
    if found is None:
        raise ValueError("queue.moved for an entry not in the queue")
    rest = [e for e in state.queue if e is not found[1]]
    rest.insert(_opt_int(data, "position") or 0, found[1])
    return replace(state, queue=tuple(rest))


def queue_closed(state: MeetingState, data: Data) -> MeetingState:
    del data
    return replace(state, queue_open=False)


def queue_opened(state: MeetingState, data: Data) -> MeetingState:
    del data
    return replace(state, queue_open=True)


def queue_cleared(state: MeetingState, data: Data) -> MeetingState:
    gone = set(data["entry_ids"])
    return replace(state, queue=tuple(e for e in state.queue if e.entry_id not in gone))


def floor_granted(state: MeetingState, data: Data) -> MeetingState:
    """The granted hand leaves the queue; a lineup turn leaves the lineup."""
    floor = Floor(
        speech_id=_str(data, "speech_id"),
        participant_id=_str(data, "participant_id"),
        kind=cast(SpeechKind, _str(data, "kind")),
        item_id=_str(data, "item_id"),
        round_id=_opt_str(data, "round_id"),
        started_at=_num(data, "started_at"),
        limit_s=_opt_int(data, "limit_s"),
        entry_id=_opt_str(data, "entry_id"),
        to_participant_id=_opt_str(data, "to_participant_id"),
        stance=cast(Stance | None, _opt_str(data, "stance")),
    )
    state = replace(
        state,
        floor=floor,
        queue=tuple(e for e in state.queue if e.entry_id != floor.entry_id),
        speeches_issued=state.speeches_issued + 1,
    )
    return _drop_turn(state, floor.participant_id) if floor.kind == "turn" else state


def floor_extended(state: MeetingState, data: Data) -> MeetingState:
    if state.floor is None:
        raise ValueError("floor.extended without a speaker")
    return replace(state, floor=replace(state.floor, limit_s=_opt_int(data, "limit_s")))


def floor_ended(state: MeetingState, data: Data) -> MeetingState:
    if state.floor is None:
        raise ValueError("floor.ended without a speaker")
    speech = Speech(
        floor=state.floor,
        ended_at=_num(data, "ended_at"),
        duration_s=_num(data, "duration_s"),
        over_s=_num(data, "over_s"),
    )
    return replace(state, floor=None, speeches=(*state.speeches, speech))


def meeting_closed(state: MeetingState, data: Data) -> MeetingState:
    return replace(state, closed_at=_num(data, "at"))


APPLIERS: tuple[Applier, ...] = (
    Applier("participant.added", participant_added),
    # One event per arrival or departure, as stored before presence.changed gathered them.
    Applier("presence.connected", presence_changed),
    Applier("presence.disconnected", presence_changed),
    Applier("presence.changed", presence_changed_many),
    Applier("presence.reset", presence_reset),
    Applier("attendance.checked_in", checked_in),
    Applier("agenda.moved", agenda_moved),
    Applier("round.started", round_started),
    Applier("round.ended", round_ended),
    Applier("lineup.skipped", lineup_skipped),
    Applier("hand.raised", hand_raised),
    Applier("hand.lowered", left_queue),
    Applier("queue.removed", left_queue),
    Applier("queue.moved", queue_moved),
    Applier("queue.closed", queue_closed),
    Applier("queue.opened", queue_opened),
    Applier("queue.cleared", queue_cleared),
    Applier("floor.granted", floor_granted),
    Applier("floor.extended", floor_extended),
    Applier("floor.ended", floor_ended),
    Applier("meeting.closed", meeting_closed),
)
