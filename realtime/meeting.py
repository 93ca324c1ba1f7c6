"""The live meeting as a pure state machine: agenda and rounds, speaker queue, floor, presence.

Entry point of the machine; it and everything it imports do no I/O and read no clock.

Theory of operation
-------------------
A live meeting is a `MeetingState`, built once from a `MeetingSetup` by `initial_state`
and changed only by `evolve(state, event)`. A client or the server asks for a change
with a `Command`; `decide(state, command, actor, now)` either returns the events that
the change consists of, or raises `Refusal` and leaves the state exactly as it was.
`now` is server time in seconds, used only to stamp events (a speech's `started_at`),
so `evolve` never needs a clock and replaying the stored events from `initial_state`
rebuilds the same state, ids included (entry and speech ids come from counters in the
state). The caller stores the events with a per-meeting sequence number, applies them
with `evolve` and broadcasts them; `snapshot(state, now)` is what a (re)joining client
gets.

Every command runs the same pipeline: its data is validated against the handler's
schema (`invalid`), the actor's role is checked against the table below
(`forbidden`), the meeting's phase likewise (`conflict`), then the handler decides,
possibly refusing for reasons of the rules (`conflict`, `not_found`, `forbidden`).
The speaking rules themselves (queue order, who is next, limits, budgets) live in
`realtime.machine.rules`. Whoever holds the floor yields when the floor is granted to
someone else, and moving the agenda, starting or ending a round and closing the
meeting first end the running speech: one speaker at a time, every speech recorded.

Phases: `lobby` (no agenda item yet) --agenda.goto--> `item` (an item, between rounds)
--round.start--> `round` (a round of the item running) --round.end--> `item`;
agenda.goto from `item` or `round` ends the round and moves to the other item (the
queue is per item and is cleared); meeting.close from any open phase --> `closed`.

Legal commands (x = allowed in that phase; * = a participant only for their own speech)

    command               who may send it                lobby  item  round  closed
    --------------------  -----------------------------  -----  ----  -----  ------
    hand.raise            moderator, participant           -     x     x      -
    hand.lower            moderator, participant           -     x     x      -
    queue.add             moderator, staff                 -     x     x      -
    queue.remove          moderator                        -     x     x      -
    queue.move            moderator                        -     x     x      -
    queue.close           moderator                        -     x     x      -
    queue.open            moderator                        -     x     x      -
    floor.grant           moderator                        -     x     x      -
    floor.call            moderator                        -     x     x      -
    floor.next            moderator                        -     x     x      -
    floor.extend          moderator                        -     x     x      -
    floor.end             moderator, participant*          -     x     x      -
    agenda.goto           moderator                        x     x     x      -
    round.start           moderator                        -     x     -      -
    round.end             moderator                        -     -     x      -
    lineup.skip           moderator                        -     -     x      -
    meeting.close         moderator                        x     x     x      -
    attendance.check_in   moderator, staff, participant    x     x     x      -
    presence.update       system                           x     x     x      x
    presence.reset        system                           x     x     x      x
    participant.add       system                           x     x     x      -
    poll.open             moderator, staff                 x     x     x      -
    poll.close            moderator, staff, system         x     x     x      -
    vote.cast             moderator, staff, participant    x     x     x      -
    kiosk.unlock          moderator, staff                 x     x     x      -
    kiosk.cancel          moderator, staff                 x     x     x      -
    media.mute            moderator                        x     x     x      -
    media.unmute          moderator                        x     x     x      -
    media.open_mics       moderator                        x     x     x      -
    media.close_mics      moderator                        x     x     x      -
    media.allow_watch_audio  moderator                     x     x     x      -
    media.stop_watch_audio   moderator                     x     x     x      -
    media.record          system                           x     x     x      x

What a round's kind changes: a round with a lineup (intro and summary: the moderators;
briefing: the named presenters; statements and responses: named people or categories,
round-robin) makes `floor.next` call the lineup in order once urgent hands (points of
order, questions) are heard; speeches in intro, briefing and summary rounds are not
charged to any category's budget; a pro/contra stance is only accepted on an item that
has a vote round. Everything else is the same in every round.

Polls (表决) are opened and closed here like everything else, and `vote.cast` is decided
here too, but a vote's event (`vote.accepted`) goes to the vote tables, not to the
meeting's sequence; see `realtime.machine.polls` for why and how.

`docs/protocol.md` gives each command's data, events and refusals. A new command type
is one `Handler` (schema, roles, phases, decision) added to `HANDLERS`, plus an
`Applier` in `APPLIERS` for each new event type; a name registered twice fails at import.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from realtime.machine.affordances import NEUTRAL_EVENTS
from realtime.machine.affordances import allowed_view as _allowed_view
from realtime.machine.commands import HANDLERS
from realtime.machine.core import Applier, Context, Handler, Machine
from realtime.machine.events import APPLIERS
from realtime.machine.media import MEDIA_APPLIERS, MEDIA_HANDLERS
from realtime.machine.polls import POLL_APPLIERS, POLL_HANDLERS
from realtime.machine.setup import MeetingSetup, Settings
from realtime.machine.state import MeetingState, initial_state
from realtime.machine.types import (
    SYSTEM,
    Actor,
    Command,
    Event,
    Phase,
    Refusal,
    RefusalCode,
    Role,
)
from realtime.machine.view import public_snapshot as _public_snapshot
from realtime.machine.view import public_update as _public_update
from realtime.machine.view import snapshot as _snapshot

__all__ = [
    "MACHINE",
    "NEUTRAL_EVENTS",
    "SYSTEM",
    "Actor",
    "Applier",
    "Command",
    "Context",
    "Event",
    "Handler",
    "Machine",
    "MeetingSetup",
    "MeetingState",
    "Phase",
    "Refusal",
    "RefusalCode",
    "Role",
    "Settings",
    "actor_for",
    "allowed",
    "decide",
    "evolve",
    "initial_state",
    "public_snapshot",
    "public_update",
    "replay",
    "snapshot",
]

MACHINE = Machine.build(
    (*HANDLERS, *MEDIA_HANDLERS, *POLL_HANDLERS),
    (*APPLIERS, *MEDIA_APPLIERS, *POLL_APPLIERS),
)


def decide(state: MeetingState, command: Command, actor: Actor, now: float) -> list[Event]:
    """The events `command` from `actor` at server time `now` amounts to; never mutates.

    Raises `Refusal` (code and Chinese message) when the command is refused.
    """
    return MACHINE.decide(state, command, actor, now)


def evolve(state: MeetingState, event: Event) -> MeetingState:
    """The state after `event`; the only way a meeting's state changes."""
    return MACHINE.evolve(state, event)


def replay(setup: MeetingSetup, events: Iterable[Event]) -> MeetingState:
    """The state that the stored `events`, applied in order, make of a fresh meeting."""
    return MACHINE.replay(initial_state(setup), list(events))


def snapshot(state: MeetingState, now: float) -> dict[str, Any]:
    """Everything a client shows, JSON-ready; `now` lets it compute elapsed and over-time.

    `allowed` says which commands each role may send now (`allowed`)."""
    return {**_snapshot(state, now), "allowed": allowed(state)}


def allowed(state: MeetingState) -> dict[str, Any]:
    """Which commands each role (and each participant in a particular position) may send
    now: the machine's own answers, for enabling buttons (realtime/machine/affordances.py).

    The last state's answers are kept, so that a thousand joins between two events cost
    one computation."""
    last = _LAST_ALLOWED
    if last and last[0]() is state:
        kept: dict[str, Any] = last[1]
        return kept
    answers = _allowed_view(MACHINE, state)
    _LAST_ALLOWED[:] = [weakref.ref(state), answers]
    return answers


# [weak reference to the last state asked about, its answers]; one slot per process.
_LAST_ALLOWED: list[Any] = []


def public_snapshot(state: MeetingState, now: float) -> dict[str, Any]:
    """What a public observer is shown: no roster, no secret poll's result."""
    return _public_snapshot(state, now)


def public_update(state: MeetingState, now: float) -> dict[str, Any]:
    """The public view without what never changes in a live meeting (title, agenda items)."""
    return _public_update(state, now)


def actor_for(state: MeetingState, participant_id: str) -> Actor:
    """The actor for a roster participant: moderator if the roster says so, else participant.

    Staff and the system are the caller's to construct (`Actor(pid, "staff")`, `SYSTEM`).
    """
    person = state.participants.get(participant_id)
    if person is None:
        raise Refusal("not_found", f"参会名单中没有 {participant_id}")
    role: Role = "moderator" if person.is_moderator else "participant"
    return Actor(participant_id, role, person.category)
