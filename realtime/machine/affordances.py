"""Which commands each role may send now: the machine asked in advance, for the consoles' buttons.

Pure: every answer is `Machine.decide` run on the state and thrown away, so a button is
enabled exactly when the machine would accept its command; no rule is written twice.

Theory of operation
-------------------
A console button sends one command with one piece of data. `PLAIN` and `TARGETED` say,
per command type, which buttons there can be in a state: one for a plain command
(`round.end`), one per target otherwise (a round of the current item for `round.start`,
an entry of the queue for `floor.grant`, a kind of hand for `hand.raise`), each with the
data the button sends.
`allowed_for(state, actor)` decides every probe and keeps the ones accepted:
`{type: true | false}` for plain commands and `{type: [key, ...]}` for targeted ones.

`allowed_view(state)` is what clients get, in the snapshot and on the last event of each
batch: the answers for a moderator, for staff, for a participant of each category who
has no hand raised and has not spoken on the item, and exactly for every participant who
is in the queue, holds the floor or has spoken on the item (`people`). A participant's
answer is `people[their id]` if present, else their category's.

Left out on purpose: commands about one person among many (`floor.call`, `queue.add`,
`media.mute`, `kiosk.unlock`, `attendance.check_in`), whose answers would be a list the
size of the roster on every event; the server checks them when they are sent. The clock
is not consulted (`now` is the state's last known time), so a poll whose closing time has
passed stays votable here until its timer's close arrives, a second later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from realtime.machine.core import Machine
from realtime.machine.poll_types import StoredVotes
from realtime.machine.state import MeetingState, ParticipantState
from realtime.machine.types import CATEGORIES, HAND_KINDS, Actor, Category, Command, Refusal, Role

# One button: the key a client looks it up by ("" for a plain command), its data, the
# facts the server would read for it.
Probe = tuple[str, dict[str, Any], object]
Probes = Callable[[MeetingState], Iterable[Probe]]

# A participant who is nobody in particular: no hand raised, not speaking, not spoken yet.
PROBE_ID = "anyone"

NO_VOTES = StoredVotes(choices=(), voters=())


def _items(state: MeetingState) -> Iterable[Probe]:
    return [(i.item_id, {"item_id": i.item_id}, None) for i in state.setup.agenda]


def _rounds(state: MeetingState) -> Iterable[Probe]:
    """Each round of the current item, and "next": the first one not run yet (下一环节)."""
    item = state.item
    rounds = () if item is None else item.rounds
    return [("next", {}, None), *((r.round_id, {"round_id": r.round_id}, None) for r in rounds)]


def _entries(state: MeetingState) -> Iterable[Probe]:
    return [(e.entry_id, {"entry_id": e.entry_id}, None) for e in state.queue]


def _moves(state: MeetingState) -> Iterable[Probe]:
    """The arrow buttons: one place up and one place down."""
    out: list[Probe] = []
    for index, entry in enumerate(state.queue):
        for position in (index - 1, index + 1):
            if 0 <= position < len(state.queue):
                data = {"entry_id": entry.entry_id, "position": position}
                out.append((f"{entry.entry_id}:{position}", data, None))
    return out


def _lineup(state: MeetingState) -> Iterable[Probe]:
    lineup = () if state.round is None else state.round.lineup
    return [(t.participant_id, {"participant_id": t.participant_id}, None) for t in lineup]


def _hands(state: MeetingState) -> Iterable[Probe]:
    del state
    return [(kind, {"kind": kind}, None) for kind in HAND_KINDS]


def _open_polls(state: MeetingState) -> Iterable[Probe]:
    return [(p.poll_id, {"poll_id": p.poll_id}, NO_VOTES) for p in state.polls if p.is_open]


def _ballots(state: MeetingState) -> Iterable[Probe]:
    """A valid ballot of each open poll: whether this person may vote in it at all."""
    out: list[Probe] = []
    for poll in state.polls:
        if not poll.is_open:
            continue
        first = poll.options[0].option_id if poll.options else ""
        choice: Any
        if poll.kind in ("multiple", "ranking"):
            choice = [o.option_id for o in poll.options] if poll.kind == "ranking" else [first]
        elif poll.kind == "rating":
            choice = int(first)
        elif poll.kind == "text":
            choice = "意见"
        else:
            choice = first
        out.append((poll.poll_id, {"poll_id": poll.poll_id, "choice": choice}, None))
    return out


# The consoles' buttons. A plain command has one button, with this data; a targeted one has
# a button per target. A test holds these tables to the registry: every command a person
# may send is in one of them or in `UNPROBED`.
PLAIN: Mapping[str, dict[str, Any]] = {
    "hand.lower": {},
    "queue.close": {},
    "queue.open": {},
    "floor.next": {},
    "floor.extend": {"seconds": 60},
    "floor.end": {},
    "round.end": {},
    "meeting.close": {},
    "poll.open": {"question": "表决", "kind": "yes_no_abstain"},
    "kiosk.cancel": {},
    "media.open_mics": {},
    "media.close_mics": {},
    "media.allow_watch_audio": {},
    "media.stop_watch_audio": {},
}
TARGETED: Mapping[str, Probes] = {
    "hand.raise": _hands,
    "queue.remove": _entries,
    "queue.move": _moves,
    "floor.grant": _entries,
    "agenda.goto": _items,
    "round.start": _rounds,
    "lineup.skip": _lineup,
    "poll.close": _open_polls,
    "vote.cast": _ballots,
}
# Commands about one person among many (see the module's docstring).
UNPROBED = frozenset(
    {"floor.call", "queue.add", "media.mute", "media.unmute", "kiosk.unlock", "attendance.check_in"}
)
# Events that never change what anyone may send: a batch of only these carries no answers.
NEUTRAL_EVENTS = frozenset(
    {"presence.connected", "presence.disconnected", "presence.reset", "media.recorded"}
)


def _accepts(machine: Machine, state: MeetingState, command: Command, actor: Actor) -> bool:
    try:
        machine.decide(state, command, actor, _now(state))
    except Refusal:
        return False
    return True


def _now(state: MeetingState) -> float:
    """The latest time the state knows of: enough for every rule but a poll's closing time."""
    times = [0.0]
    if state.floor is not None:
        times.append(state.floor.started_at)
    if state.round is not None:
        times.append(state.round.started_at)
    times.extend(p.opened_at for p in state.polls)
    return max(times)


def allowed_for(machine: Machine, state: MeetingState, actor: Actor) -> dict[str, Any]:
    """For each probed command `actor`'s role may send: true/false, or the accepted keys."""

    def may(type_: str) -> bool:
        handler = machine.commands.get(type_)
        return handler is not None and actor.role in handler.roles

    out: dict[str, Any] = {}
    for type_, data in PLAIN.items():
        if may(type_):
            out[type_] = _accepts(machine, state, Command(type_, dict(data)), actor)
    for type_, probes in TARGETED.items():
        if may(type_):
            out[type_] = [
                key
                for key, data, facts in probes(state)
                if _accepts(machine, state, Command(type_, data, facts), actor)
            ]
    return out


def _special(state: MeetingState) -> list[str]:
    """Participants whose answers may differ from their category's: in the queue, on the
    floor, or already heard on this item."""
    ids = {e.participant_id for e in state.queue}
    ids.update(f.participant_id for f in state.item_floors())
    return sorted(pid for pid in ids if pid in state.participants)


def _with_probe(state: MeetingState, category: Category) -> MeetingState:
    probe = ParticipantState(PROBE_ID, "", category)
    return replace(state, participants={**state.participants, PROBE_ID: probe})


def allowed_view(machine: Machine, state: MeetingState) -> dict[str, Any]:
    """Everything a client needs to enable its buttons (see the module's docstring)."""
    roles: dict[str, Any] = {}
    staff: Role = "staff"
    roles["moderator"] = allowed_for(machine, state, Actor(None, "moderator"))
    roles["staff"] = allowed_for(machine, state, Actor(None, staff))
    roles["participant"] = {
        category: allowed_for(
            machine, _with_probe(state, category), Actor(PROBE_ID, "participant", category)
        )
        for category in CATEGORIES
        if PROBE_ID not in state.participants
    }
    people = {}
    for pid in _special(state):
        person = state.participants[pid]
        role: Role = "moderator" if person.is_moderator else "participant"
        people[pid] = allowed_for(machine, state, Actor(pid, role, person.category))
    roles["people"] = people
    return roles
