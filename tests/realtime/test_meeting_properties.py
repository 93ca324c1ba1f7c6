"""Properties of the live meeting machine under any sequence of commands (Hypothesis).

The queue never holds a person twice, points of order stay ahead, one speaker at a time,
a refused command changes nothing, and replaying the stored events rebuilds the state.
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime.machine.poll_types import POLL_KINDS, StoredVotes
from realtime.machine.rules import ORDINARY_BAND, band
from realtime.machine.types import REFUSAL_CODES
from realtime.meeting import (
    MACHINE,
    SYSTEM,
    Actor,
    Command,
    Event,
    MeetingSetup,
    MeetingState,
    Refusal,
    decide,
    evolve,
    initial_state,
    replay,
    snapshot,
)

NAMES = ["刘建国", "王海燕", "赵明德", "周桂英", "黄伟", "马强", "孙丽华"]
CATEGORIES = ["member", "stakeholder", "official", "guest"]
KINDS = ["intro", "briefing", "statements", "responses", "discussion", "vote", "summary"]
# Every command type at least once, the everyday ones more often, and now and then one
# nobody knows. Hypothesis favours the first entries of a list, so the busiest come first.
# Closing the meeting is left to one drawn step (nothing but presence happens after it).
COMMAND_TYPES = [
    *["hand.raise"] * 8,
    *["floor.next", "floor.grant", "hand.lower", "round.start", "round.end"] * 2,
    *["queue.move", "queue.add", "floor.end", "floor.call", "agenda.goto"],
    *["presence.update"] * 2,
    *["poll.open", "vote.cast", "vote.cast", "poll.close", "kiosk.unlock"],
    *sorted(set(MACHINE.commands) - {"meeting.close"}),
    "bogus",
]


@st.composite
def setups(draw: st.DrawFn) -> MeetingSetup:
    size = draw(st.integers(3, len(NAMES)))
    participants = [
        {
            "participant_id": f"p{i}",
            "name": NAMES[i],
            "category": draw(st.sampled_from(CATEGORIES)),
            "is_moderator": i == 0,
        }
        for i in range(size)
    ]
    slot = st.one_of(
        st.builds(lambda c: {"category": c}, st.sampled_from(CATEGORIES)),
        st.builds(lambda i: {"participant_id": f"p{i}"}, st.integers(0, size - 1)),
        st.just({"role": "moderator", "limit_s": 30}),
    )
    rounds = [
        {
            "round_id": f"r{n}",
            "kind": draw(st.sampled_from(KINDS)),
            "title": f"第{n + 1}环节",
            "time_limit_s": draw(st.sampled_from([None, 10, 120])),
            "lineup": draw(st.lists(slot, max_size=3)),
        }
        for n in range(draw(st.integers(0, 3)))
    ]
    rules = {
        # Drawn negated so that the simplest example has the usual rules switched on.
        "points_of_order_first": not draw(st.booleans()),
        "first_contribution": not draw(st.booleans()),
        "alternate_categories": draw(st.booleans()),
        "max_speeches_per_item": draw(st.sampled_from([None, 1, 2])),
        "speech_limit_s": draw(st.sampled_from([None, 60, 180])),
        "budgets_s": draw(
            st.dictionaries(st.sampled_from(CATEGORIES), st.sampled_from([60, 300]), max_size=2)
        ),
    }
    return MeetingSetup.from_dict(
        {
            "meeting_id": "7",
            "title": "社区停车难协商会",
            "agenda": [
                {"item_id": "a", "title": "停车位划线", "rounds": rounds},
                {"item_id": "b", "title": "充电桩建设", "template": "typical"},
            ],
            "participants": participants,
            "settings": rules,
        }
    )


def draw_actor(data: st.DataObject, state: MeetingState, type_: str) -> Actor:
    """Usually someone allowed to send `type_`, sometimes anyone at all."""
    people = list(state.participants)
    roles = MACHINE.commands[type_].roles if type_ in MACHINE.commands else {"participant"}
    usual = next(r for r in ("participant", "moderator", "system") if r in roles)
    role = data.draw(st.sampled_from([usual] * 6 + ["moderator", "participant", "staff", "system"]))
    if role == "system":
        return SYSTEM
    if role == "staff":
        return Actor(data.draw(st.sampled_from([None, "p1"])), "staff")
    if role == "moderator":
        return Actor("p0", "moderator")
    stranger = data.draw(st.integers(0, 15)) == 15
    return Actor("ghost" if stranger else data.draw(st.sampled_from(people)), "participant")


def draw_data(data: st.DataObject, state: MeetingState, type_: str) -> dict[str, Any]:
    people = [*state.participants, "ghost"]
    entries = [e.entry_id for e in state.queue] * 3 + ["e999"]
    lineup = [] if state.round is None else [t.participant_id for t in state.round.lineup]
    choices: dict[str, st.SearchStrategy[Any]] = {
        "kind": st.sampled_from(["speech", "point_of_order", "speech", "question"]),
        "stance": st.sampled_from(["pro", "contra"]),
        "participant_id": st.sampled_from(people + lineup),
        "entry_id": st.sampled_from(entries),
        "position": st.integers(0, 6),
        "seconds": st.sampled_from([10, 60, 5000]),
        "limit_s": st.sampled_from([30, 600]),
        "item_id": st.sampled_from([i.item_id for i in state.setup.agenda] + ["z"]),
        "round_id": st.sampled_from(["r0", "r1", "intro", "vote", "nope"]),
        "mode": st.sampled_from(["in_room", "remote"]),
        "name": st.just("李秀英"),
        "category": st.sampled_from(CATEGORIES),
        "recording_id": st.sampled_from(["r1", "r2"]),
        "file": st.just("42/20261125T090000Z.ogg"),
        "started_at": st.sampled_from([1_700_000_000.0, 1_700_000_100.5]),
        "ended_at": st.sampled_from([1_700_000_050.0, 1_700_000_200.0]),
        "duration_s": st.sampled_from([0.0, 99.5]),
        "connected": st.lists(st.sampled_from(people), max_size=3),
        "disconnected": st.lists(st.sampled_from(people), max_size=3),
    }
    choices.update(poll_fields(state, type_))
    schema = MACHINE.commands[type_].schema
    out = {k: data.draw(choices[k]) for k in schema.required}
    for key in schema.optional:
        if data.draw(st.booleans()):
            out[key] = data.draw(choices[key])
    if data.draw(st.integers(0, 30)) == 30:
        out["extra"] = 1  # now and then, a key no schema knows
    return out


def poll_fields(state: MeetingState, type_: str) -> dict[str, st.SearchStrategy[Any]]:
    """Data for the poll commands: mostly sensible, now and then not."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        "poll_id": st.sampled_from([p.poll_id for p in state.polls] * 3 + ["p99"]),
        "choice": st.sampled_from(
            ["yes", "no", "abstain", "o1", "o2", "o9", ["o1"], ["o2", "o1"], 4, 9, "车位太少"]
        ),
        "on_behalf_of": st.sampled_from([*state.participants, "ghost"]),
        "question": st.just("是否同意在小区东侧划设临时停车位？"),
        "options": st.sampled_from([[], ["东侧", "西侧"], ["东侧", "西侧", "北侧"], ["同", "同"]]),
        "secret": st.booleans(),
        "eligible": st.sampled_from(["all", "members", ["stakeholder", "guest"]]),
        "base": st.sampled_from(["valid", "cast", "eligible", "present"]),
        "threshold": st.sampled_from(["simple", "two_thirds"]),
        "quorum": st.sampled_from([None, 2, "half", "two_thirds"]),
        "live_results": st.booleans(),
        "allow_change": st.booleans(),
        "max_choices": st.sampled_from([1, 2]),
        "closes_in_s": st.sampled_from([None, 60]),
    }
    if type_ == "poll.open":
        fields["kind"] = st.sampled_from(POLL_KINDS)
    return fields


class BallotBox:
    """What the vote tables would hold: the accepted votes, kept apart from the sequence."""

    def __init__(self) -> None:
        self.votes: dict[str, dict[str, Any]] = {}

    def take(self, events: list[Event]) -> list[Event]:
        for event in events:
            if event.type == "vote.accepted":
                box = self.votes.setdefault(event.data["poll_id"], {})
                pid = event.data["participant_id"]
                if pid not in box or event.data["allow_change"]:
                    box[pid] = event.data["choice"]
        return [e for e in events if e.type != "vote.accepted"]

    def facts(self, poll_id: str) -> StoredVotes:
        box = self.votes.get(poll_id, {})
        return StoredVotes(tuple(box.values()), tuple(sorted(box)), tuple(sorted(box.items())))


def check_polls(state: MeetingState, box: BallotBox) -> None:
    ids = [p.poll_id for p in state.polls]
    assert len(ids) == len(set(ids)) == state.polls_issued
    for poll in state.polls:
        assert (poll.result is None) == poll.is_open
        if poll.result is not None:
            votes = box.votes.get(poll.poll_id, {})
            assert poll.result["votes"] == len(votes), "a stored vote went uncounted"
            if poll.kind in ("single", "yes_no_abstain", "rating"):
                assert sum(poll.result["counts"].values()) == len(votes)
    if state.kiosk is not None:
        poll = state.poll(state.kiosk.poll_id)
        assert poll is not None and poll.is_open, "the room screen waits on a closed poll"
    if state.phase == "closed":
        assert all(not p.is_open for p in state.polls)


def check_invariants(state: MeetingState) -> None:
    people = [e.participant_id for e in state.queue]
    assert len(people) == len(set(people)), "a person waits twice"
    assert set(people) <= set(state.participants)
    ids = [e.entry_id for e in state.queue]
    assert len(ids) == len(set(ids))
    rules = state.setup.settings
    bands = [band(e.kind, rules) for e in state.queue]
    assert bands == sorted(bands), "an urgent hand fell behind an ordinary one"
    if rules.points_of_order_first:
        kinds = [e.kind for e in state.queue]
        assert kinds == sorted(kinds, key=lambda k: k != "point_of_order")
    assert all(b <= ORDINARY_BAND for b in bands)
    # One speaker at a time: speeches follow one another without overlapping.
    spans = [(s.floor.started_at, s.ended_at) for s in state.speeches]
    if state.floor is not None:
        spans.append((state.floor.started_at, float("inf")))
        assert state.phase in ("item", "round")
        assert state.floor.participant_id in state.participants
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    speech_ids = [s.floor.speech_id for s in state.speeches]
    if state.floor is not None:
        speech_ids.append(state.floor.speech_id)
    assert len(speech_ids) == len(set(speech_ids)) == state.speeches_issued
    if state.round is not None:
        turns = [t.participant_id for t in state.round.lineup]
        assert len(turns) == len(set(turns))
        assert state.round.item_id == state.item_id
    if state.phase == "closed":
        assert state.floor is None and state.round is None and not state.queue
    assert all(p.connections >= 0 for p in state.participants.values())


def draw_step(data: st.DataObject, state: MeetingState, closing: bool) -> tuple[Actor, Command]:
    type_ = "meeting.close" if closing else data.draw(st.sampled_from(COMMAND_TYPES))
    actor = draw_actor(data, state, type_)
    payload = draw_data(data, state, type_) if type_ in MACHINE.commands else {}
    return actor, Command(type_, payload)


def store(state: MeetingState, stored: list[Event], events: list[Event]) -> MeetingState:
    """Keep the events as the transport would (JSON) and apply what was kept."""
    for event in events:
        wire = json.loads(json.dumps(event.to_dict()))
        stored.append(Event(wire["type"], wire["data"]))
        state = evolve(state, stored[-1])
    check_invariants(state)
    return state


def play(
    state: MeetingState, stored: list[Event], actor: Actor, command: Command, now: float
) -> MeetingState:
    return store(state, stored, decide(state, command, actor, now))


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(setup=setups(), data=st.data())
def test_any_command_sequence_keeps_the_invariants_and_replays(
    setup: MeetingSetup, data: st.DataObject
) -> None:
    state = initial_state(setup)
    stored: list[Event] = []
    box = BallotBox()
    now = 1_700_000_000.0
    steps = data.draw(st.integers(5, 60), label="steps")
    # About one run in four closes the meeting somewhere; counted back from far beyond the
    # end so that the simplest draw (0) never closes it.
    closing = 4 * steps - data.draw(st.integers(0, 4 * steps), label="closing")
    for step in range(steps):
        if step == 0 and data.draw(st.integers(0, 4)) < 4:
            # Most meetings get going at once; the rest try everything in the lobby.
            item = data.draw(st.sampled_from(["a", "b"]))
            moderator = Actor("p0", "moderator")
            state = play(state, stored, moderator, Command("agenda.goto", {"item_id": item}), now)
            continue
        now += data.draw(st.sampled_from([0.0, 0.5, 7.0, 65.0, 400.0]))
        actor, command = draw_step(data, state, step == closing)
        if command.type == "poll.close":
            command = Command(
                command.type, command.data, box.facts(str(command.data.get("poll_id")))
            )
        before = state
        kept = copy.deepcopy(state)
        try:
            events = decide(state, command, actor, now)
        except Refusal as refusal:
            assert refusal.code in REFUSAL_CODES
            assert refusal.message
            assert state is before and state == kept, "a refused command changed the state"
            continue
        assert events, "an accepted command decided nothing"
        assert before == kept, "decide mutated the state it was given"
        state = store(state, stored, box.take(events))
        check_polls(state, box)
    view = snapshot(state, now)
    assert json.loads(json.dumps(view)) == view
    assert replay(setup, stored) == state
