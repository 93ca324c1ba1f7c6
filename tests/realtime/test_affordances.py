"""What the consoles are told they may send is what the machine accepts.

`allowed` answers for a participant of each category and exactly for those in a particular
position; these tests hold the shortcut to the exact answer for everyone, under any
sequence of commands, and the probe tables to the registry.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime.machine.affordances import (
    NEUTRAL_EVENTS,
    PLAIN,
    TARGETED,
    UNPROBED,
    allowed_for,
    allowed_view,
)
from realtime.machine.poll_types import StoredVotes
from realtime.meeting import (
    MACHINE,
    Actor,
    Command,
    Event,
    MeetingSetup,
    MeetingState,
    Refusal,
    allowed,
    decide,
    evolve,
    initial_state,
    snapshot,
)
from tests.realtime.test_meeting_properties import draw_step, setups


def test_every_command_a_person_may_send_is_probed_or_named_as_left_out() -> None:
    sendable = {t for t, h in MACHINE.commands.items() if h.roles - {"system"}}
    probed = set(PLAIN) | set(TARGETED)
    assert not probed & set(UNPROBED)
    assert probed | set(UNPROBED) == sendable


def participant_answers(view: dict[str, Any], state: MeetingState, pid: str) -> dict[str, Any]:
    person = state.participants[pid]
    found: dict[str, Any] = view["people"].get(pid) or view["participant"][person.category]
    return found


def exact(state: MeetingState, pid: str) -> dict[str, Any]:
    person = state.participants[pid]
    role = "moderator" if person.is_moderator else "participant"
    return allowed_for(MACHINE, state, Actor(pid, role, person.category))


def check(state: MeetingState) -> None:
    view = allowed_view(MACHINE, state)
    for pid, person in state.participants.items():
        if person.is_moderator and pid not in view["people"]:
            continue  # a moderator acts from the console, with the moderator's answers
        assert participant_answers(view, state, pid) == exact(state, pid), pid


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(setup=setups(), data=st.data())
def test_each_participant_is_told_exactly_what_the_machine_would_accept(
    setup: MeetingSetup, data: st.DataObject
) -> None:
    state = initial_state(setup)
    state = apply(state, decide(state, Command("agenda.goto", {"item_id": "a"}), mod(), 1.0))
    now = 2.0
    for _ in range(data.draw(st.integers(3, 30), label="steps")):
        now += 5.0
        actor, command = draw_step(data, state, closing=False)
        if command.type == "poll.close":
            command = Command(command.type, command.data, StoredVotes((), ()))
        try:
            events = decide(state, command, actor, now)
        except Refusal:
            continue
        before = allowed_view(MACHINE, state)
        state = apply(state, [e for e in events if e.type != "vote.accepted"])
        if events and all(e.type in NEUTRAL_EVENTS for e in events):
            assert allowed_view(MACHINE, state) == before, command.type
        check(state)


def mod() -> Actor:
    return Actor("p0", "moderator")


def apply(state: MeetingState, events: list[Event]) -> MeetingState:
    for event in events:
        state = evolve(state, event)
    return state


def test_a_typical_agenda_enables_what_comes_next_and_nothing_else() -> None:
    setup = MeetingSetup.from_dict(
        {
            "meeting_id": "9",
            "title": "加装电梯协商会",
            "agenda": [
                {"item_id": "lift", "title": "老旧小区加装电梯", "template": "typical"},
                {"item_id": "next", "title": "下一步工作", "template": "typical"},
            ],
            "participants": [
                {"participant_id": "liu", "name": "刘建国", "category": "member"}
                | {"is_moderator": True},
                {"participant_id": "wang", "name": "王海燕", "category": "member"},
                {"participant_id": "zhou", "name": "周桂英", "category": "stakeholder"},
            ],
        }
    )
    state = initial_state(setup)
    lobby = allowed(state)["moderator"]
    assert lobby["agenda.goto"] == ["lift", "next"]
    assert lobby["round.start"] == [] and lobby["round.end"] is False
    assert allowed(state)["participant"]["member"]["hand.raise"] == []

    state = apply(state, decide(state, Command("agenda.goto", {"item_id": "lift"}), mod(), 1.0))
    ready = allowed(state)["moderator"]
    assert ready["round.start"] == ["next", *(r.round_id for r in setup.agenda[0].rounds)]
    assert ready["agenda.goto"] == ["next"] and ready["round.end"] is False

    state = apply(state, decide(state, Command("round.start", {}), mod(), 2.0))
    running = allowed(state)["moderator"]
    # While a round runs, no other round starts: the machine wants it ended first.
    assert running["round.start"] == [] and running["round.end"] is True
    assert running["floor.next"] is True and running["floor.end"] is False

    state = apply(state, decide(state, Command("queue.close"), mod(), 3.0))
    member = allowed(state)["participant"]["member"]
    assert member["hand.raise"] == ["point_of_order"]  # procedure is always possible

    state = apply(state, decide(state, Command("meeting.close"), mod(), 4.0))
    ended = allowed(state)
    assert not any(v for v in ended["moderator"].values())
    assert not any(v for v in ended["participant"]["member"].values())
    # Answers are kept for the last state asked about, and travel in the snapshot.
    assert allowed(state) is ended
    assert snapshot(state, 5.0)["allowed"] is ended
