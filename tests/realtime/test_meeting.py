"""Stories of a live consultation run through the pure meeting machine (realtime.meeting).

Each test plays commands as the moderator and participants would, and reads the result.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from realtime import meeting
from realtime.machine.commands import HANDLERS
from realtime.machine.events import APPLIERS
from realtime.meeting import (
    SYSTEM,
    Actor,
    Command,
    Event,
    Machine,
    MeetingSetup,
    MeetingState,
    Refusal,
    actor_for,
    decide,
    evolve,
    initial_state,
    replay,
    snapshot,
)

ROSTER: list[dict[str, Any]] = [
    {"participant_id": "liu", "name": "刘建国", "category": "member", "is_moderator": True},
    {"participant_id": "wang", "name": "王海燕", "category": "member"},
    {"participant_id": "zhao", "name": "赵明德", "category": "member"},
    {"participant_id": "sun", "name": "孙丽华", "category": "member"},
    {"participant_id": "zhou", "name": "周桂英", "category": "stakeholder"},
    {"participant_id": "wu", "name": "吴志强", "category": "stakeholder"},
    {"participant_id": "huang", "name": "黄伟", "category": "official"},
    {"participant_id": "xu", "name": "徐丽萍", "category": "official"},
    {"participant_id": "ma", "name": "马强", "category": "guest"},
]


def setup_dict(**settings: Any) -> dict[str, Any]:
    return {
        "meeting_id": "42",
        "title": "五星街道老旧小区加装电梯协商会",
        "agenda": [
            {
                "item_id": "lift",
                "title": "老旧小区加装电梯",
                "template": "typical",
                "presenters": ["huang"],
            },
            {
                "item_id": "next",
                "title": "下一步工作安排",
                "rounds": [
                    {
                        "round_id": "voices",
                        "kind": "statements",
                        "title": "各方发言",
                        "time_limit_s": 120,
                        "lineup": [
                            {"category": "member"},
                            {"category": "stakeholder", "limit_s": 90},
                        ],
                    },
                    {"round_id": "talk", "kind": "discussion", "title": "自由讨论"},
                ],
            },
        ],
        "participants": copy.deepcopy(ROSTER),
        "settings": settings,
    }


class Room:
    """A meeting under test: sends commands as someone, keeps the state and the events."""

    def __init__(self, **settings: Any) -> None:
        self.setup = MeetingSetup.from_dict(setup_dict(**settings))
        self.state = initial_state(self.setup)
        self.events: list[Event] = []
        self.now = 1_000.0

    def actor(self, who: str | Actor) -> Actor:
        if isinstance(who, Actor):
            return who
        if who == "staff":
            return Actor(None, "staff")
        return actor_for(self.state, who)

    def send(self, who: str | Actor, type_: str, **data: Any) -> list[Event]:
        events = decide(self.state, Command(type_, data), self.actor(who), self.now)
        for event in events:
            self.state = evolve(self.state, event)
        self.events.extend(events)
        return events

    def refused(self, who: str | Actor, type_: str, **data: Any) -> Refusal:
        before = self.state
        kept = copy.deepcopy(before)
        with pytest.raises(Refusal) as caught:
            decide(self.state, Command(type_, data), self.actor(who), self.now)
        assert self.state is before and self.state == kept
        return caught.value

    def wait(self, seconds: float) -> None:
        self.now += seconds

    def queue(self) -> list[str]:
        return [e.participant_id for e in self.state.queue]

    def phase(self) -> str:
        return self.state.phase

    def speaker(self) -> str | None:
        return None if self.state.floor is None else self.state.floor.participant_id

    def start_item(self, item_id: str = "lift") -> None:
        self.send("liu", "agenda.goto", item_id=item_id)


def types(events: list[Event]) -> list[str]:
    return [e.type for e in events]


# -- set-up -------------------------------------------------------------------------------


def test_the_typical_template_runs_the_usual_eight_rounds_in_order() -> None:
    setup = MeetingSetup.from_dict(setup_dict())
    lift = setup.agenda[0]
    assert [r.title for r in lift.rounds] == [
        "介绍议题",
        "情况通报",
        "委员发言",
        "群众代表发言",
        "部门回应",
        "自由讨论",
        "表决",
        "总结",
    ]
    assert [s.participant_id for s in lift.rounds[1].lineup] == ["huang"]
    assert lift.is_vote_item and not setup.agenda[1].is_vote_item


@pytest.mark.parametrize(
    ("change", "fault"),
    [
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["participants"].append(dict(ROSTER[1])), "参会人标识重复"),
        (lambda d: d["agenda"][0].update(presenters=["nobody"]), "nobody"),
        (lambda d: d["agenda"][1]["rounds"][0]["lineup"][0].update(role="moderator"), "之一"),
        (lambda d: d["agenda"][1]["rounds"][0].update(time_limit_s=True), "整数"),
        (lambda d: d["agenda"][1]["rounds"][0].update(kind="debate"), "kind"),
        (lambda d: d["settings"].update(budgets_s={"residents": 600}), "budgets_s"),
        (lambda d: d["agenda"][1].update(template="typical"), "template"),
    ],
)
def test_a_faulty_setup_is_refused_naming_the_fault(change: Any, fault: str) -> None:
    raw = setup_dict()
    change(raw)
    with pytest.raises(Refusal) as caught:
        MeetingSetup.from_dict(raw)
    assert caught.value.code == "invalid"
    assert fault in caught.value.message


# -- agenda and rounds --------------------------------------------------------------------


def test_the_moderator_walks_the_agenda_and_its_rounds() -> None:
    room = Room()
    assert room.phase() == "lobby"
    room.refused("liu", "round.start")
    room.start_item()
    assert room.phase() == "item"
    room.send("liu", "round.start")
    assert room.phase() == "round" and room.state.round is not None
    assert room.state.round.title == "介绍议题"
    assert [t.participant_id for t in room.state.round.lineup] == ["liu"]
    refusal = room.refused("liu", "round.start")
    assert refusal.code == "conflict"
    room.send("liu", "round.end")
    room.send("liu", "round.start")
    assert room.state.round is not None and room.state.round.title == "情况通报"
    room.send("liu", "agenda.goto", item_id="next")
    assert room.phase() == "item" and room.state.item_id == "next"
    assert [r.round_id for r in room.state.rounds_run] == ["intro", "briefing"]
    assert room.refused("liu", "agenda.goto", item_id="next").code == "conflict"
    assert room.refused("liu", "agenda.goto", item_id="nowhere").code == "not_found"


def test_statements_go_round_robin_over_categories_each_with_its_limit() -> None:
    room = Room()
    room.start_item("next")
    room.send("liu", "round.start", round_id="voices")
    assert room.state.round is not None
    order = [(t.participant_id, t.limit_s) for t in room.state.round.lineup]
    assert order == [
        ("liu", None),
        ("zhou", 90),
        ("wang", None),
        ("wu", 90),
        ("zhao", None),
        ("sun", None),
    ]
    room.send("liu", "floor.next")
    assert room.state.floor is not None and room.state.floor.limit_s == 120
    room.send("liu", "lineup.skip", participant_id="zhou")
    room.send("liu", "floor.next")
    assert room.speaker() == "wang"
    room.send("liu", "floor.call", participant_id="wu")
    assert room.state.floor is not None
    assert (room.state.floor.kind, room.state.floor.limit_s) == ("turn", 90)
    ended = room.send("liu", "round.end")
    assert types(ended) == ["floor.ended", "round.ended"]
    assert room.state.rounds_run[-1].unheard == ("zhao", "sun")


def test_the_typical_rounds_call_moderator_presenter_members_and_officials() -> None:
    room = Room()
    room.start_item()
    heard: dict[str, list[str]] = {}
    for _ in range(5):
        room.send("liu", "round.start")
        assert room.state.round is not None
        title = room.state.round.title
        heard[title] = []
        while room.state.round.lineup:
            room.send("liu", "floor.next")
            heard[title].append(room.state.participants[room.speaker() or ""].name)
        room.send("liu", "round.end")
    assert heard == {
        "介绍议题": ["刘建国"],
        "情况通报": ["黄伟"],
        "委员发言": ["刘建国", "王海燕", "赵明德", "孙丽华"],
        "群众代表发言": ["周桂英", "吴志强"],
        "部门回应": ["黄伟", "徐丽萍"],
    }


# -- speaker queue ------------------------------------------------------------------------


def test_a_point_of_order_jumps_the_queue_and_gets_its_own_short_limit() -> None:
    room = Room()
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    room.send("zhou", "hand.raise", kind="speech")
    room.send("zhao", "hand.raise", kind="point_of_order")
    room.send("wu", "hand.raise", kind="point_of_order")
    assert room.queue() == ["zhao", "wu", "wang", "zhou"]
    room.send("liu", "floor.next")
    assert room.state.floor is not None
    assert (room.speaker(), room.state.floor.kind, room.state.floor.limit_s) == (
        "zhao",
        "point_of_order",
        60,
    )


def test_with_points_of_order_first_off_they_wait_their_turn() -> None:
    room = Room(points_of_order_first=False)
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    room.send("zhao", "hand.raise", kind="point_of_order")
    assert room.queue() == ["wang", "zhao"]


def test_those_who_have_not_spoken_on_the_item_come_first() -> None:
    room = Room()
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    room.send("liu", "floor.next")
    room.send("liu", "floor.end")
    room.send("wang", "hand.raise", kind="speech")
    room.send("sun", "hand.raise", kind="speech")
    room.send("zhou", "hand.raise", kind="speech")
    assert room.queue() == ["sun", "zhou", "wang"]


def test_without_first_contribution_it_is_first_come() -> None:
    room = Room(first_contribution=False)
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    room.send("liu", "floor.next")
    room.send("liu", "floor.end")
    room.send("wang", "hand.raise", kind="speech")
    room.send("sun", "hand.raise", kind="speech")
    assert room.queue() == ["wang", "sun"]


def test_alternation_interleaves_members_stakeholders_and_officials() -> None:
    room = Room(alternate_categories=True)
    room.start_item()
    for pid in ("wang", "zhao", "sun", "zhou", "huang", "wu"):
        room.send(pid, "hand.raise", kind="speech")
    assert room.queue() == ["wang", "zhou", "huang", "zhao", "wu", "sun"]


def test_a_question_goes_to_the_current_speaker_right_after_the_speech() -> None:
    room = Room()
    room.start_item()
    assert "无人发言" in room.refused("zhou", "hand.raise", kind="question").message
    room.send("sun", "hand.raise", kind="speech")
    room.send("liu", "floor.call", participant_id="wang")
    room.refused("wang", "hand.raise", kind="question")
    room.send("zhou", "hand.raise", kind="question")
    assert room.queue() == ["zhou", "sun"]
    room.wait(50)
    events = room.send("liu", "floor.next")
    assert types(events) == ["floor.ended", "floor.granted"]
    assert events[1].data["to_participant_id"] == "wang"
    assert events[1].data["limit_s"] == 60


def test_one_hand_per_person_and_lowering_it() -> None:
    room = Room()
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    assert room.refused("wang", "hand.raise", kind="point_of_order").code == "conflict"
    room.send("wang", "hand.lower")
    assert room.queue() == []
    assert room.refused("wang", "hand.lower").code == "not_found"


def test_a_limit_per_item_binds_hands_but_not_the_moderator() -> None:
    room = Room(max_speeches_per_item=1)
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    room.send("liu", "floor.next")
    room.send("liu", "floor.end")
    refusal = room.refused("wang", "hand.raise", kind="speech")
    assert "最多发言 1 次" in refusal.message
    room.send("wang", "hand.raise", kind="point_of_order")
    room.send("wang", "hand.lower")
    room.send("liu", "queue.add", participant_id="wang", kind="speech")
    assert room.state.queue[0].on_behalf and room.state.queue[0].added_by == "liu"


def test_a_closed_queue_takes_only_points_of_order_and_the_next_item_reopens_it() -> None:
    room = Room()
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    room.send("liu", "queue.close")
    assert room.refused("zhao", "hand.raise", kind="speech").code == "conflict"
    room.send("zhao", "hand.raise", kind="point_of_order")
    room.send("staff", "queue.add", participant_id="wu", kind="speech")
    assert room.queue() == ["zhao", "wang", "wu"]
    moved = room.send("liu", "agenda.goto", item_id="next")
    assert types(moved) == ["queue.cleared", "queue.opened", "agenda.moved"]
    assert room.queue() == [] and room.state.queue_open


def test_the_moderator_moves_and_removes_entries_but_not_across_points_of_order() -> None:
    room = Room()
    room.start_item()
    for pid in ("wang", "zhao", "sun"):
        room.send(pid, "hand.raise", kind="speech")
    room.send("zhou", "hand.raise", kind="point_of_order")
    sun = room.state.queue[-1].entry_id
    room.send("liu", "queue.move", entry_id=sun, position=0)
    assert room.queue() == ["zhou", "sun", "wang", "zhao"]
    assert room.refused("liu", "queue.move", entry_id=sun, position=0).code == "conflict"
    room.send("liu", "queue.move", entry_id=sun, position=99)
    assert room.queue() == ["zhou", "wang", "zhao", "sun"]
    room.send("liu", "queue.remove", entry_id=sun)
    assert room.queue() == ["zhou", "wang", "zhao"]
    assert room.refused("liu", "queue.remove", entry_id=sun).code == "not_found"
    assert room.refused("wang", "queue.remove", entry_id="e1").code == "forbidden"


def test_pro_and_contra_only_on_an_item_that_is_voted_on() -> None:
    room = Room()
    room.start_item()
    room.send("wang", "hand.raise", kind="speech", stance="pro")
    room.send("zhou", "hand.raise", kind="speech", stance="contra")
    assert [e.stance for e in room.state.queue] == ["pro", "contra"]
    assert room.refused("sun", "hand.raise", kind="point_of_order", stance="pro").code == "invalid"
    room.send("liu", "agenda.goto", item_id="next")
    assert room.refused("wang", "hand.raise", kind="speech", stance="pro").code == "conflict"


# -- floor --------------------------------------------------------------------------------


def test_a_speech_that_runs_over_is_recorded_as_over_and_can_be_extended() -> None:
    room = Room()
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    room.send("liu", "floor.next")
    assert room.state.floor is not None and room.state.floor.limit_s == 180
    room.wait(200)
    live = snapshot(room.state, room.now)["floor"]
    assert live["over"] and live["elapsed_s"] == 200
    room.send("liu", "floor.extend", seconds=60)
    assert snapshot(room.state, room.now)["floor"]["over"] is False
    room.wait(70)
    room.send("liu", "floor.end")
    speech = snapshot(room.state, room.now)["speeches"][0]
    assert (speech["name"], speech["duration_s"], speech["over_s"], speech["over"]) == (
        "王海燕",
        270.0,
        30.0,
        True,
    )
    assert (speech["item_id"], speech["round_id"], speech["started_at"]) == ("lift", None, 1000.0)


def test_one_speaker_at_a_time_granting_ends_the_running_speech() -> None:
    room = Room()
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    room.send("zhou", "hand.raise", kind="speech")
    room.send("liu", "floor.grant", entry_id=room.state.queue[1].entry_id, limit_s=120)
    assert room.speaker() == "zhou" and room.queue() == ["wang"]
    room.wait(30)
    events = room.send("liu", "floor.grant", entry_id=room.state.queue[0].entry_id)
    assert types(events) == ["floor.ended", "floor.granted"]
    assert room.speaker() == "wang" and len(room.state.speeches) == 1


def test_a_speaker_may_end_their_own_speech_but_not_anothers() -> None:
    room = Room()
    room.start_item()
    room.send("liu", "floor.call", participant_id="zhou")
    assert room.refused("wang", "floor.end").code == "forbidden"
    room.send("zhou", "floor.end")
    assert room.speaker() is None
    assert room.refused("liu", "floor.end").code == "conflict"
    assert room.refused("liu", "floor.next").code == "conflict"


def test_an_unlimited_speech_cannot_be_extended() -> None:
    room = Room(speech_limit_s=None)
    room.start_item()
    room.send("liu", "floor.call", participant_id="wang")
    assert room.refused("liu", "floor.extend", seconds=60).code == "conflict"


def test_budgets_show_each_sides_time_on_the_item_but_not_the_chairs_introduction() -> None:
    room = Room(budgets_s={"member": 600, "official": 300})
    room.start_item()
    room.send("liu", "round.start")
    room.send("liu", "floor.next")
    room.wait(100)
    room.send("liu", "round.end")
    room.send("liu", "floor.call", participant_id="wang")
    room.wait(250)
    room.send("liu", "floor.call", participant_id="huang")
    room.wait(320)
    budgets = snapshot(room.state, room.now)["budgets"]
    assert budgets["member"] == {
        "budget_s": 600,
        "used_s": 250.0,
        "left_s": 350.0,
        "exhausted": False,
    }
    assert budgets["official"]["left_s"] == -20.0 and budgets["official"]["exhausted"]
    assert budgets["stakeholder"]["budget_s"] is None


# -- people -------------------------------------------------------------------------------


def test_presence_changes_arrive_together_and_only_what_changes_is_told() -> None:
    room = Room()
    both = room.send(SYSTEM, "presence.update", connected=["wang", "zhou", "wang"])
    assert [(e.type, e.data) for e in both] == [
        ("presence.changed", {"connected": ["wang", "zhou"], "disconnected": []})
    ]
    people = {p["participant_id"]: p for p in snapshot(room.state, room.now)["participants"]}
    assert people["wang"]["connected"] and people["wang"]["connections"] == 1
    # Someone already shown online is not announced again; nothing new is refused.
    again = room.send(SYSTEM, "presence.update", connected=["wang"], disconnected=["zhou"])
    assert [e.data for e in again] == [{"connected": [], "disconnected": ["zhou"]}]
    refusal = room.refused(SYSTEM, "presence.update", connected=["wang"], disconnected=["zhou"])
    assert refusal.code == "conflict"
    assert room.refused("liu", "presence.update", connected=["zhou"]).code == "forbidden"
    assert room.refused(SYSTEM, "presence.update", connected=["nobody"]).code == "not_found"
    both_ways = room.refused(SYSTEM, "presence.update", connected=["zhou"], disconnected=["zhou"])
    assert both_ways.code == "invalid"
    room.send(SYSTEM, "presence.update", connected=["zhou"])
    room.send(SYSTEM, "presence.reset")
    assert all(p.connections == 0 for p in room.state.participants.values())


def test_check_in_for_oneself_or_by_staff_and_the_first_time_is_kept() -> None:
    room = Room()
    room.send("wang", "attendance.check_in", mode="remote")
    assert room.refused("wang", "attendance.check_in", mode="remote").code == "conflict"
    refusal = room.refused("wang", "attendance.check_in", mode="in_room", participant_id="zhou")
    assert refusal.code == "forbidden"
    room.wait(600)
    room.send("wang", "attendance.check_in", mode="in_room")
    room.send("staff", "attendance.check_in", mode="in_room", participant_id="zhou")
    assert room.refused("staff", "attendance.check_in", mode="in_room").code == "invalid"
    wang = room.state.participants["wang"]
    assert (wang.mode, wang.checked_in_at) == ("in_room", 1000.0)


def test_a_guest_by_invite_link_joins_the_roster_and_can_raise_a_hand() -> None:
    room = Room()
    room.start_item()
    room.send(SYSTEM, "participant.add", participant_id="g1", name="李秀英", category="guest")
    assert (
        room.refused(
            SYSTEM, "participant.add", participant_id="g1", name="李秀英", category="guest"
        ).code
        == "conflict"
    )
    room.send("g1", "hand.raise", kind="speech")
    assert snapshot(room.state, room.now)["queue"][0]["name"] == "李秀英"
    assert actor_for(room.state, "g1").role == "participant"


def test_someone_off_the_roster_cannot_raise_a_hand() -> None:
    room = Room()
    room.start_item()
    stranger = Actor("nobody", "participant")
    assert room.refused(stranger, "hand.raise", kind="speech").code == "forbidden"
    assert room.refused(SYSTEM, "hand.raise", kind="speech").code == "forbidden"


def test_closing_the_meeting_ends_everything_and_then_only_presence_moves() -> None:
    room = Room()
    room.start_item()
    room.send("liu", "round.start")
    room.send("liu", "floor.next")
    room.send("wang", "hand.raise", kind="speech")
    closed = room.send("liu", "meeting.close")
    assert types(closed) == ["floor.ended", "round.ended", "queue.cleared", "meeting.closed"]
    assert room.phase() == "closed"
    assert room.refused("wang", "hand.raise", kind="speech").code == "conflict"
    room.send(SYSTEM, "presence.update", connected=["wang"])


# -- strictness and messages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("hand.raise", {}),
        ("hand.raise", {"kind": "speech", "mood": "happy"}),
        ("hand.raise", {"kind": "shout"}),
        ("floor.extend", {"seconds": True}),
        ("floor.extend", {"seconds": "60"}),
        ("floor.extend", {"seconds": 99999}),
        ("floor.grant", {"entry_id": "x" * 65}),
        ("floor.grant", {"entry_id": 7}),
        ("agenda.goto", {"item_id": "a b"}),
        ("queue.move", {"entry_id": "e1", "position": -1}),
        ("meeting.dance", {}),
    ],
)
def test_malformed_commands_are_invalid(type_: str, data: Mapping[str, Any]) -> None:
    room = Room()
    room.start_item()
    assert room.refused("liu", type_, **data).code == "invalid"


def test_non_mapping_data_is_invalid() -> None:
    room = Room()
    with pytest.raises(Refusal) as caught:
        bad = Command("hand.lower", ["x"])  # type: ignore[arg-type]
        decide(room.state, bad, actor_for(room.state, "wang"), 1.0)
    assert caught.value.code == "invalid"


def test_a_refusal_is_plain_chinese_with_the_command_role_and_phase_in_its_details() -> None:
    room = Room()
    room.start_item()
    room.send("liu", "round.start", round_id="members")
    refused = room.refused("wang", "floor.next")
    assert refused.message == "现在不能请下一位发言：无权执行此命令，只有主持人可以。"
    assert refused.details is not None
    for part in ("floor.next", "参会人", "老旧小区加装电梯", "委员发言"):
        assert part in refused.details
    # Out of phase: the people's words for the phase, not the machine's.
    again = room.refused("liu", "round.start")
    assert again.message == "现在不能开始环节：环节「委员发言」正在进行，请先结束本环节。"
    assert again.details == (
        "round.start；角色：主持人；阶段：议程「老旧小区加装电梯」的环节「委员发言」进行中"
    )
    room.send("liu", "queue.close")
    assert room.refused("wang", "hand.raise", kind="speech").message == (
        "现在不能举手：发言队列已关闭。"
    )
    assert (
        room.refused("wang", "hand.raise", kind="speech")
        .to_dict()["details"]
        .startswith("hand.raise；")
    )


# -- the interface ------------------------------------------------------------------------


def test_the_table_at_the_top_of_the_module_is_the_registry() -> None:
    doc = meeting.__doc__ or ""
    rows = re.findall(
        r"^ {4}([a-z_]+\.[a-z_]+) {2,}(.+?) {2,}([x-]) +([x-]) +([x-]) +([x-])$", doc, re.M
    )
    table = {
        command: (frozenset(r.strip().rstrip("*") for r in roles.split(",")), marks)
        for command, roles, *marks in rows
    }
    phases = ("lobby", "item", "round", "closed")
    registry = {
        h.type: (h.roles, [("x" if p in h.phases else "-") for p in phases])
        for h in meeting.MACHINE.commands.values()
    }
    assert table == registry


def test_a_command_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"hand\.raise"):
        Machine.build([*HANDLERS, HANDLERS[0]], APPLIERS)
    with pytest.raises(ValueError, match=r"floor\.ended"):
        Machine.build(HANDLERS, [*APPLIERS, APPLIERS[-2]])


def test_snapshot_has_the_contract_keys_and_everything_round_trips_json() -> None:
    room = Room()
    room.send(SYSTEM, "presence.update", connected=["wang"])
    room.send("wang", "attendance.check_in", mode="remote")
    room.start_item()
    room.send("liu", "round.start")
    room.send("wang", "hand.raise", kind="speech", stance="pro")
    room.send("liu", "floor.next")
    room.send("zhou", "hand.raise", kind="question")
    view = snapshot(room.state, room.now + 5)
    assert json.loads(json.dumps(view)) == view
    assert {"agenda", "queue", "floor", "polls", "participants", "budgets", "speeches"} <= set(view)
    assert view["polls"] == []
    assert view["agenda"]["current_item_id"] == "lift"
    assert view["agenda"]["current_round_id"] == "intro"
    assert set(view["queue"][0]) >= {"entry_id", "participant_id", "name", "kind"}
    assert set(view["floor"]) >= {"participant_id", "name", "started_at", "limit_s"}
    wang = next(p for p in view["participants"] if p["participant_id"] == "wang")
    assert (wang["mode"], wang["connected"]) == ("remote", True)
    wire = [json.loads(json.dumps(e.to_dict())) for e in room.events]
    rebuilt = replay(room.setup, [Event(w["type"], w["data"]) for w in wire])
    assert rebuilt == room.state


def test_decide_leaves_the_state_it_was_given_alone() -> None:
    room = Room()
    room.start_item()
    room.send("wang", "hand.raise", kind="speech")
    before: MeetingState = room.state
    kept = copy.deepcopy(before)
    decide(before, Command("floor.next"), actor_for(before, "liu"), room.now)
    assert before == kept
