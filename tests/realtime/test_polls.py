"""The poll rules of the meeting machine and the counting, as pure functions (no server)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime.machine import tally
from realtime.machine.poll_types import Poll, PollOption, PollRules, StoredVotes
from realtime.meeting import (
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
    snapshot,
)

NOW = 1_790_000_000.0
MODERATOR = Actor("liu", "moderator")
STAFF = Actor(None, "staff")


def _setup() -> MeetingSetup:
    people = [
        ("liu", "刘建国", "member", True),
        ("wang", "王海燕", "member", False),
        ("zhou", "周桂英", "stakeholder", False),
        ("huang", "黄伟", "official", False),
        ("ma", "马强", "guest", False),
    ]
    return MeetingSetup.from_dict(
        {
            "meeting_id": "9",
            "title": "槐树社区垃圾分类协商会",
            "agenda": [{"item_id": "sort", "title": "垃圾分类投放点", "template": "typical"}],
            "participants": [
                {"participant_id": p, "name": n, "category": c, "is_moderator": m}
                for p, n, c, m in people
            ],
        }
    )


def play(
    state: MeetingState, actor: Actor, type_: str, facts: object = None, **data: Any
) -> MeetingState:
    for event in decide(state, Command(type_, data, facts), actor, NOW):
        state = evolve(state, Event(event.type, json.loads(json.dumps(event.data))))
    return state


def refused(state: MeetingState, actor: Actor, type_: str, **data: Any) -> Refusal:
    with pytest.raises(Refusal) as caught:
        decide(state, Command(type_, data), actor, NOW)
    return caught.value


def opened(**data: Any) -> tuple[MeetingState, Poll]:
    state = play(initial_state(_setup()), MODERATOR, "poll.open", **data)
    return state, state.polls[-1]


def poll_of(kind: str, options: tuple[str, ...] = (), **rules: Any) -> Poll:
    made = {
        "yes_no_abstain": (("yes", "赞成"), ("no", "反对"), ("abstain", "弃权")),
        "rating": tuple((str(i), str(i)) for i in range(1, 6)),
    }.get(kind, tuple((f"o{i}", label) for i, label in enumerate(options, 1)))
    return Poll(
        poll_id="p1",
        question="测试",
        kind=kind,  # type: ignore[arg-type]
        secret=False,
        options=tuple(PollOption(i, label) for i, label in made),
        rules=PollRules(eligible=("member", "stakeholder", "official", "guest"), **rules),
        opened_at=NOW,
    )


# -- opening ----------------------------------------------------------------------------------


def test_opening_a_poll_gives_it_the_next_id_and_the_fixed_options_of_its_kind() -> None:
    state, poll = opened(question="是否同意设置四分类投放点？", kind="yes_no_abstain")
    assert poll.poll_id == "p1" and poll.is_open and not poll.secret
    assert [(o.option_id, o.label) for o in poll.options] == [
        ("yes", "赞成"),
        ("no", "反对"),
        ("abstain", "弃权"),
    ]
    assert poll.rules.live_results is True and poll.rules.base == "cast"
    state = play(state, MODERATOR, "poll.open", question="满意度", kind="rating", secret=True)
    rating = state.polls[-1]
    assert rating.poll_id == "p2" and rating.rules.live_results is False
    view = snapshot(state, NOW)["polls"]
    assert [
        set(p) >= {"poll_id", "question", "kind", "secret", "status", "options", "result"}
        for p in view
    ] == [True, True]
    assert view[0]["status"] == "open" and view[0]["result"] is None


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (
            {"question": "选哪里？", "kind": "single", "options": ["东门"]},
            "invalid",
            "至少需要两个选项",
        ),
        (
            {"question": "选哪里？", "kind": "single", "options": ["东门", "东门"]},
            "invalid",
            "不能重复",
        ),
        (
            {"question": "同意吗？", "kind": "yes_no_abstain", "options": ["是"]},
            "invalid",
            "由系统给出",
        ),
        (
            {
                "question": "同意吗？",
                "kind": "yes_no_abstain",
                "secret": True,
                "allow_change": True,
            },
            "invalid",
            "不能改票",
        ),
        (
            # Counts seen vote by vote against who has voted would name each choice.
            {
                "question": "同意吗？",
                "kind": "yes_no_abstain",
                "secret": True,
                "live_results": True,
            },
            "invalid",
            "无记名表决不能显示实时结果",
        ),
        (
            {"question": "选哪里？", "kind": "single", "options": ["东", "西"], "max_choices": 1},
            "invalid",
            "多选",
        ),
        ({"question": "同意吗？", "kind": "vote"}, "invalid", "kind"),
        ({"question": "同意吗？", "kind": "yes_no_abstain", "eligible": []}, "invalid", "eligible"),
        ({"question": "同意吗？", "kind": "yes_no_abstain", "quorum": 0}, "invalid", "quorum"),
        (
            {"question": "同意吗？", "kind": "yes_no_abstain", "item_id": "nope"},
            "not_found",
            "nope",
        ),
    ],
)
def test_a_malformed_poll_is_refused(data: dict[str, Any], code: str, words: str) -> None:
    refusal = refused(initial_state(_setup()), MODERATOR, "poll.open", **data)
    assert refusal.code == code and words in refusal.message


def test_only_the_moderator_and_staff_open_and_close_polls() -> None:
    state = initial_state(_setup())
    assert (
        refused(
            state, Actor("wang", "participant"), "poll.open", question="同意吗？", kind="text"
        ).code
        == "forbidden"
    )
    state = play(state, STAFF, "poll.open", question="同意吗？", kind="yes_no_abstain")
    assert (
        refused(state, Actor("wang", "participant"), "poll.close", poll_id="p1").code == "forbidden"
    )


# -- voting -----------------------------------------------------------------------------------


def test_a_vote_is_decided_but_not_sequenced() -> None:
    state, _poll = opened(question="同意吗？", kind="yes_no_abstain", secret=True)
    events = decide(
        state,
        Command("vote.cast", {"poll_id": "p1", "choice": "no"}),
        Actor("wang", "participant"),
        NOW,
    )
    assert [e.type for e in events] == ["vote.accepted"]
    assert events[0].data == {
        "poll_id": "p1",
        "participant_id": "wang",
        "choice": "no",
        "secret": True,
        "allow_change": False,
        "by": None,
    }
    assert evolve(state, events[0]) is state


@pytest.mark.parametrize(
    ("kind", "options", "choice", "code"),
    [
        ("yes_no_abstain", [], "maybe", "not_found"),
        ("yes_no_abstain", [], ["yes"], "invalid"),
        ("single", ["东", "西"], "o3", "not_found"),
        ("multiple", ["东", "西", "南"], [], "invalid"),
        ("multiple", ["东", "西", "南"], ["o1", "o1"], "invalid"),
        ("multiple", ["东", "西", "南"], ["o1", "o2", "o3"], "invalid"),  # max 2
        ("ranking", ["东", "西"], ["o1", "o9"], "not_found"),
        ("rating", [], 0, "invalid"),
        ("rating", [], "5", "invalid"),
        ("text", [], "   ", "invalid"),
        ("text", [], "很" * 201, "invalid"),
        ("single", ["东", "西"], True, "invalid"),
    ],
)
def test_a_choice_that_does_not_fit_the_poll_is_refused(
    kind: str, options: list[str], choice: Any, code: str
) -> None:
    extra = {"max_choices": 2} if kind == "multiple" else {}
    state, _ = opened(question="请投票", kind=kind, options=options, **extra)
    assert (
        refused(state, Actor("wang", "participant"), "vote.cast", poll_id="p1", choice=choice).code
        == code
    )


def test_choices_are_stored_in_a_form_that_says_nothing_of_how_they_were_made() -> None:
    state, _ = opened(question="请选择", kind="multiple", options=["东", "西", "南"])
    (event,) = decide(
        state,
        Command("vote.cast", {"poll_id": "p1", "choice": ["o3", "o1"]}),
        Actor("wang", "participant"),
        NOW,
    )
    assert event.data["choice"] == ["o1", "o3"]  # the options' order, not the order of ticking
    state, _ = opened(question="意见", kind="text")
    (event,) = decide(
        state,
        Command("vote.cast", {"poll_id": "p1", "choice": "  增加投放点  "}),
        Actor("wang", "participant"),
        NOW,
    )
    assert event.data["choice"] == "增加投放点"


def test_who_may_vote_is_checked_against_the_roster() -> None:
    state, _ = opened(question="委员表决", kind="yes_no_abstain", eligible="members")
    refusal = refused(state, Actor("zhou", "participant"), "vote.cast", poll_id="p1", choice="yes")
    assert refusal.code == "forbidden" and "周桂英不在本次表决的投票范围内" in refusal.message
    assert refused(state, STAFF, "vote.cast", poll_id="p1", choice="yes").code == "forbidden"
    assert (
        refused(state, Actor("ghost", "participant"), "vote.cast", poll_id="p1", choice="yes").code
        == "forbidden"
    )
    state, _ = opened(question="两类表决", kind="yes_no_abstain", eligible=["stakeholder", "guest"])
    assert state.polls[0].rules.eligible == ("stakeholder", "guest")


def test_no_vote_after_the_close_or_the_closing_time() -> None:
    state, _ = opened(question="同意吗？", kind="yes_no_abstain", closes_in_s=60)
    with pytest.raises(Refusal) as late:
        decide(
            state,
            Command("vote.cast", {"poll_id": "p1", "choice": "yes"}),
            Actor("wang", "participant"),
            NOW + 60,
        )
    assert late.value.code == "conflict" and "时间已到" in late.value.message
    state = play(state, SYSTEM, "poll.close", StoredVotes((), ()), poll_id="p1")
    refusal = refused(state, Actor("wang", "participant"), "vote.cast", poll_id="p1", choice="yes")
    assert refusal.code == "conflict" and "已结束" in refusal.message


# -- closing ----------------------------------------------------------------------------------


def test_the_close_counts_the_stored_votes_and_records_who_took_part() -> None:
    state, _ = opened(
        question="同意吗？", kind="yes_no_abstain", base="present", threshold="two_thirds"
    )
    state = play(state, Actor("wang", "participant"), "attendance.check_in", mode="in_room")
    votes = StoredVotes(
        ("yes", "yes", "no"), ("liu", "ma", "wang"), (("liu", "yes"), ("ma", "yes"), ("wang", "no"))
    )
    state = play(state, MODERATOR, "poll.close", votes, poll_id="p1")
    poll = state.polls[0]
    assert poll.status == "closed" and poll.result is not None
    result = dict(poll.result)
    assert result["counts"] == {"yes": 2, "no": 1, "abstain": 0} and result["votes"] == 3
    assert (
        result["eligible"] == 5 and result["present"] == 3
    )  # the voters, all checked in or voting
    assert result["needed"] == 2 and result["passed"] is True
    view = snapshot(state, NOW)["polls"][0]
    assert view["status"] == "closed" and view["result"]["passed"] is True


def test_the_meeting_cannot_close_while_a_poll_is_open() -> None:
    state, _ = opened(question="同意吗？", kind="yes_no_abstain")
    refusal = refused(state, MODERATOR, "meeting.close")
    assert refusal.code == "conflict" and "请先结束表决" in refusal.message
    state = play(state, MODERATOR, "poll.close", StoredVotes((), ()), poll_id="p1")
    assert refused(state, MODERATOR, "poll.close", poll_id="p1").code == "conflict"
    assert play(state, MODERATOR, "meeting.close").phase == "closed"


# -- kiosk ------------------------------------------------------------------------------------


def test_a_kiosk_vote_needs_an_unlock_and_uses_it_up() -> None:
    state, _ = opened(question="同意吗？", kind="yes_no_abstain", secret=True)
    unlock = {"poll_id": "p1", "participant_id": "ma"}
    assert "尚未签到" in refused(state, STAFF, "kiosk.unlock", **unlock).message
    state = play(state, STAFF, "attendance.check_in", mode="in_room", participant_id="ma")
    with pytest.raises(Refusal, match="已经投过票"):
        decide(state, Command("kiosk.unlock", unlock, {"voted": True}), STAFF, NOW)
    state = play(state, STAFF, "kiosk.unlock", {"voted": False}, **unlock)
    assert snapshot(state, NOW)["kiosk"] == {
        "poll_id": "p1",
        "participant_id": "ma",
        "name": "马强",
        "by": None,
    }
    cast = {"poll_id": "p1", "choice": "yes", "on_behalf_of": "ma"}
    assert refused(state, Actor("wang", "participant"), "vote.cast", **cast).code == "forbidden"
    assert refused(state, STAFF, "vote.cast", **{**cast, "on_behalf_of": "wang"}).code == "conflict"
    events = decide(state, Command("vote.cast", cast), STAFF, NOW)
    assert [e.type for e in events] == ["vote.accepted", "kiosk.reset"]
    assert events[0].data["participant_id"] == "ma" and events[1].data["reason"] == "voted"
    state = play(state, STAFF, "vote.cast", **cast)
    assert state.kiosk is None
    assert refused(state, STAFF, "vote.cast", **cast).code == "conflict"
    assert refused(state, STAFF, "kiosk.cancel").code == "conflict"


# -- counting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "choices", "passed", "needed"),
    [
        ({}, ["yes", "yes", "no"], True, 2),
        ({}, ["yes", "no"], False, 2),  # a tie is not a majority
        ({}, ["yes", "yes", "abstain", "abstain"], False, 3),  # abstentions count as cast
        ({"base": "valid"}, ["yes", "yes", "abstain", "abstain"], True, 2),
        ({"threshold": "two_thirds"}, ["yes", "yes", "no"], True, 2),
        ({"threshold": "two_thirds"}, ["yes", "no"], False, 2),
        ({"base": "eligible"}, ["yes", "yes"], False, 6),  # 10 eligible
        ({"base": "present"}, ["yes", "yes"], True, 2),  # 3 present
        ({"quorum": 3}, ["yes", "yes"], False, 2),
        ({"quorum": "half"}, ["yes"] * 6, True, 4),
        ({"quorum": "two_thirds"}, ["yes"] * 6, False, 4),  # 7 of 10 needed
        ({"base": "valid"}, ["abstain"], False, 1),  # nothing valid: nothing passes
    ],
)
def test_pass_thresholds_bases_and_quorums(
    rules: dict[str, Any], choices: list[str], passed: bool, needed: int
) -> None:
    result = tally.final_result(poll_of("yes_no_abstain", **rules), choices, eligible=10, present=3)
    assert (result["passed"], result["needed"]) == (passed, needed)


def test_a_single_choice_passes_when_its_leader_has_the_majority() -> None:
    poll = poll_of("single", ("东门", "西门", "南门"))
    won = tally.final_result(poll, ["o2", "o2", "o1"], eligible=5, present=5)
    assert won["passed"] is True and won["winner"] == "o2"
    split = tally.final_result(poll, ["o2", "o1", "o3"], eligible=5, present=5)
    assert split["passed"] is False and split["winner"] is None  # three-way tie
    plurality = tally.final_result(poll, ["o2", "o2", "o1", "o3"], eligible=5, present=5)
    assert plurality["passed"] is False and plurality["winner"] == "o2"


def test_borda_and_instant_runoff_on_a_classic_example() -> None:
    # 42 % A>B>C, 26 % B>C>A, 15 % C>B>A, 17 % C>A>B: plurality A, IRV and Borda pick others.
    ballots = (
        [["A", "B", "C"]] * 42
        + [["B", "C", "A"]] * 26
        + [["C", "B", "A"]] * 15
        + [["C", "A", "B"]] * 17
    )
    assert tally.borda(["A", "B", "C"], ballots) == {"A": 101, "B": 109, "C": 90}
    irv = tally.instant_runoff(["A", "B", "C"], ballots)
    assert [r["eliminated"] for r in irv["rounds"]] == ["B", None]
    assert irv["rounds"][1]["counts"] == {"A": 42, "C": 58}
    assert irv["winner"] == "C"


def test_instant_runoff_ties_and_exhausted_ballots() -> None:
    tie = tally.instant_runoff(["A", "B"], [["A"], ["B"]])
    assert tie["winner"] is None and tie["tied"] == ["A", "B"]
    # Tied on first preferences; C has the fewest Borda points, so C goes, and one of its
    # ballots names nobody else: it runs out.
    irv = tally.instant_runoff(
        ["A", "B", "C"], [["A", "B"], ["B"], ["C", "A"], ["A"], ["B", "A"], ["C"]]
    )
    assert irv["rounds"][0]["counts"] == {"A": 2, "B": 2, "C": 2}
    assert irv["rounds"][0]["eliminated"] == "C"
    assert irv["rounds"][1] == {"counts": {"A": 3, "B": 2}, "exhausted": 1, "eliminated": None}
    assert irv["winner"] == "A"
    assert tally.instant_runoff(["A", "B"], [])["winner"] is None


def test_rating_and_text_results() -> None:
    rating = tally.final_result(poll_of("rating"), [5, 4, 4, 1], eligible=4, present=4)
    assert rating["counts"] == {"1": 1, "2": 0, "3": 0, "4": 2, "5": 1}
    assert rating["mean"] == 3.5 and rating["satisfaction"] == 0.75 and rating["passed"] is None
    text = tally.final_result(poll_of("text"), ["增加清运", "安装监控"], eligible=4, present=4)
    assert text["answers"] == sorted(["增加清运", "安装监控"])
    assert text["counts"] == {}


def test_a_hidden_tally_shows_only_how_many_voted() -> None:
    hidden = tally.live_tally(poll_of("yes_no_abstain", live_results=False), ["yes", "no"], 2)
    assert hidden == {"poll_id": "p1", "votes": 2, "version": 2, "counts": None}
    shown = tally.live_tally(poll_of("ranking", ("甲", "乙")), [["o2", "o1"]], 1)
    assert shown["counts"] == {"o1": 0, "o2": 1} and shown["borda"] == {"o1": 0, "o2": 1}
    # A secret poll shows only its turnout, even one stored with live results on (before
    # the machine refused that).
    secret = replace(poll_of("single", ("东", "西"), live_results=True), secret=True)
    assert tally.live_tally(secret, ["o1", "o2", "o1"], 3)["counts"] is None
    assert tally.turnout(secret, 3) == {"poll_id": "p1", "votes": 3, "version": 3, "counts": None}


rankings = st.lists(
    st.permutations(["A", "B", "C", "D"]).flatmap(lambda p: st.integers(1, 4).map(lambda n: p[:n])),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(ballots=rankings)
def test_instant_runoff_always_ends_with_a_majority_winner_or_a_full_tie(
    ballots: list[list[str]],
) -> None:
    options = ["A", "B", "C", "D"]
    irv = tally.instant_runoff(options, ballots)
    points = tally.borda(options, ballots)
    assert sum(points.values()) == sum(sum(3 - i for i in range(len(b))) for b in ballots)
    last = irv["rounds"][-1]
    active = sum(last["counts"].values())
    for step in irv["rounds"]:
        assert sum(step["counts"].values()) + step["exhausted"] == len(ballots)
    if irv["winner"] is not None:
        assert last["counts"][irv["winner"]] * 2 > active
    elif ballots:
        assert len(set(last["counts"].values())) == 1 and irv["tied"]
    assert len(irv["rounds"]) <= len(options)
