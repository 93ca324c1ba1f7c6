"""Live polls over real Socket.IO clients: every kind, the settings, tallies, and the close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.live.polls_support import (
    Person,
    PollMeeting,
    close_poll,
    disconnect_all,
    make_people,
    open_poll,
    poll_meeting,
)


@pytest.fixture(scope="module")
async def poll_people(server: str, admin_token: str) -> list[Person]:
    return await make_people(server, admin_token)


@pytest.fixture
async def room(
    server: str, admin_token: str, poll_people: list[Person]
) -> AsyncIterator[PollMeeting]:
    meeting = await poll_meeting(server, admin_token, poll_people)
    yield meeting
    await disconnect_all(meeting)


async def test_a_named_yes_no_vote_is_tallied_live_and_closed_with_who_chose_what(
    room: PollMeeting,
) -> None:
    gao, lin, he, wu, zheng = room.voters
    poll = await open_poll(
        gao.user, question="是否同意在3号楼加装电梯？", kind="yes_no_abstain", secret=False
    )
    assert [o["label"] for o in poll["options"]] == ["赞成", "反对", "弃权"]
    pid = poll["poll_id"]
    choices = {gao: "yes", lin: "yes", he: "no", wu: "abstain"}
    for voter, choice in choices.items():
        ack = await voter.vote(pid, choice)
        assert ack["ok"], ack
    tally = await zheng.wait_tally(pid, lambda t: t["votes"] == 4)
    assert tally["counts"] == {"yes": 2, "no": 1, "abstain": 1}
    closed = await close_poll(gao.user, pid)
    result = closed["result"]
    assert result["counts"] == {"yes": 2, "no": 1, "abstain": 1}
    assert result["votes"] == 4
    # Default base: votes cast (4), simple majority needs 3 赞成; 2 is not enough.
    assert result["passed"] is False and result["needed"] == 3
    named = {n["participant_id"]: n["choice"] for n in closed["named"]}
    assert named == {v.participant_id: c for v, c in choices.items()}
    assert sorted(closed["voters"]) == sorted(v.participant_id for v in choices)
    snap = (await zheng.user.join(room.meeting_id))["snapshot"]
    shown = next(p for p in snap["polls"] if p["poll_id"] == pid)
    assert shown["status"] == "closed"
    assert {k: shown["result"][k] for k in ("counts", "votes", "passed")} == {
        "counts": {"yes": 2, "no": 1, "abstain": 1},
        "votes": 4,
        "passed": False,
    }


async def test_single_multiple_rating_ranking_and_text_polls_count_their_own_way(
    room: PollMeeting,
) -> None:
    gao, lin, he, wu, zheng = room.voters
    single = await open_poll(
        gao.user, question="电梯井道建在哪一侧？", kind="single", options=["东侧", "西侧", "北侧"]
    )
    for voter, choice in ((gao, "o1"), (lin, "o1"), (he, "o2"), (wu, "o1")):
        assert (await voter.vote(single["poll_id"], choice))["ok"]
    result = (await close_poll(gao.user, single["poll_id"]))["result"]
    assert result["counts"] == {"o1": 3, "o2": 1, "o3": 0}
    assert result["winner"] == "o1" and result["passed"] is True

    multiple = await open_poll(
        gao.user,
        question="希望优先解决哪些问题？（最多两项）",
        kind="multiple",
        options=["噪音", "采光", "费用分摊", "施工安全"],
        max_choices=2,
    )
    for voter, choice in ((lin, ["o3", "o1"]), (he, ["o3"]), (wu, ["o4", "o3"])):
        assert (await voter.vote(multiple["poll_id"], choice))["ok"]
    too_many = await zheng.vote(multiple["poll_id"], ["o1", "o2", "o3"])
    assert (
        too_many["error"]["code"] == "invalid" and "最多选择 2 项" in too_many["error"]["message"]
    )
    result = (await close_poll(gao.user, multiple["poll_id"]))["result"]
    assert result["counts"] == {"o1": 1, "o2": 0, "o3": 3, "o4": 1}
    assert result["votes"] == 3 and result["passed"] is None

    rating = await open_poll(gao.user, question="对本次协商安排的满意度", kind="rating")
    assert [o["option_id"] for o in rating["options"]] == ["1", "2", "3", "4", "5"]
    for voter, score in ((gao, 5), (lin, 4), (he, 2), (wu, 4)):
        assert (await voter.vote(rating["poll_id"], score))["ok"]
    assert (await zheng.vote(rating["poll_id"], 6))["error"]["code"] == "invalid"
    result = (await close_poll(gao.user, rating["poll_id"]))["result"]
    assert result["counts"] == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 1}
    assert result["mean"] == 3.75 and result["satisfaction"] == 0.75

    ranking = await open_poll(
        gao.user,
        question="请对三个施工方案排序",
        kind="ranking",
        options=["方案甲", "方案乙", "方案丙"],
    )
    ballots = {
        gao: ["o1", "o2", "o3"],
        lin: ["o1", "o3", "o2"],
        he: ["o2", "o3", "o1"],
        wu: ["o3", "o2", "o1"],
        zheng: ["o2", "o1"],
    }
    for voter, order in ballots.items():
        assert (await voter.vote(ranking["poll_id"], order))["ok"]
    result = (await close_poll(gao.user, ranking["poll_id"]))["result"]
    assert result["counts"] == {"o1": 2, "o2": 2, "o3": 1}  # first preferences
    assert result["borda"] == {"o1": 5, "o2": 6, "o3": 4}
    irv = result["irv"]
    assert irv["rounds"][0]["eliminated"] == "o3"  # fewest first preferences
    assert irv["rounds"][1]["counts"] == {"o1": 2, "o2": 3}  # 吴秀兰's ballot moves to 乙
    assert irv["winner"] == result["winner"] == "o2"

    text = await open_poll(gao.user, question="对电梯运维费用有什么建议？", kind="text")
    for voter, answer in ((lin, "按楼层分摊运维费用"), (he, "低层住户少出一些")):
        assert (await voter.vote(text["poll_id"], answer))["ok"]
    tally = await gao.wait_tally(text["poll_id"], lambda t: t["votes"] == 2)
    assert tally["counts"] is None  # answers wait for the close
    result = (await close_poll(gao.user, text["poll_id"]))["result"]
    assert result["answers"] == sorted(["按楼层分摊运维费用", "低层住户少出一些"])


async def test_thresholds_bases_and_quorum_decide_passed(room: PollMeeting) -> None:
    gao, lin, he, wu, _ = room.voters
    # Members only (高志远, 林美玲, 吴秀兰), two thirds of all eligible, quorum: more than half.
    poll = await open_poll(
        gao.user,
        question="是否同意提交加装电梯协商建议？",
        kind="yes_no_abstain",
        eligible="members",
        base="eligible",
        threshold="two_thirds",
        quorum="half",
    )
    pid = poll["poll_id"]
    refused = await he.vote(pid, "yes")
    assert refused["error"]["code"] == "forbidden"
    assert "不在本次表决的投票范围内" in refused["error"]["message"]
    assert (await gao.vote(pid, "yes"))["ok"]
    assert (await lin.vote(pid, "yes"))["ok"]
    result = (await close_poll(gao.user, pid))["result"]
    assert result["eligible"] == 3 and result["base_votes"] == 3 and result["needed"] == 2
    assert result["quorum"] == {"required": 2, "met": True}
    assert result["passed"] is True

    # Valid votes only: abstentions do not count, so 1 赞成 to 0 反对 passes ...
    poll = await open_poll(
        gao.user, question="是否同意公示方案？", kind="yes_no_abstain", base="valid"
    )
    for voter, choice in ((gao, "yes"), (lin, "abstain"), (wu, "abstain")):
        assert (await voter.vote(poll["poll_id"], choice))["ok"]
    result = (await close_poll(gao.user, poll["poll_id"]))["result"]
    assert result["base_votes"] == 1 and result["passed"] is True
    # ... unless too few took part.
    poll = await open_poll(
        gao.user, question="是否同意再次公示？", kind="yes_no_abstain", base="valid", quorum=4
    )
    for voter in (gao, lin, wu):
        assert (await voter.vote(poll["poll_id"], "yes"))["ok"]
    result = (await close_poll(gao.user, poll["poll_id"]))["result"]
    assert result["quorum"] == {"required": 4, "met": False} and result["passed"] is False

    # Eligible and present: only those checked in (or who voted) make up the base.
    for voter in (lin, he):
        assert (await voter.user.send("attendance.check_in", {"mode": "in_room"}))["ok"]
    poll = await open_poll(
        gao.user, question="是否同意施工时间安排？", kind="yes_no_abstain", base="present"
    )
    assert (await gao.vote(poll["poll_id"], "yes"))["ok"]
    assert (await lin.vote(poll["poll_id"], "yes"))["ok"]
    result = (await close_poll(gao.user, poll["poll_id"]))["result"]
    assert result["present"] == 3 and result["eligible"] == 5  # 何建军 is present, did not vote
    assert result["passed"] is True


async def test_hidden_results_show_only_how_many_voted_until_the_close(room: PollMeeting) -> None:
    gao, lin, he, _, zheng = room.voters
    poll = await open_poll(
        gao.user, question="是否同意增设电动车充电桩？", kind="yes_no_abstain", secret=True
    )
    assert poll["rules"]["live_results"] is False  # secret polls hide results by default
    for voter, choice in ((lin, "yes"), (he, "no")):
        assert (await voter.vote(poll["poll_id"], choice))["ok"]
    for watcher in (gao, zheng):  # the moderator too
        tally = await watcher.wait_tally(poll["poll_id"], lambda t: t["votes"] == 2)
        assert tally["counts"] is None
    assert all(t["counts"] is None for t in gao.tallies + zheng.tallies)
    result = (await close_poll(gao.user, poll["poll_id"]))["result"]
    assert result["counts"] == {"yes": 1, "no": 1, "abstain": 0}


async def test_refusals_are_clear_and_count_nowhere(room: PollMeeting) -> None:
    gao, lin, he, *_ = room.voters
    forbidden = await lin.user.send(
        "poll.open", {"question": "能否由我发起表决？", "kind": "yes_no_abstain"}
    )
    assert forbidden["error"]["code"] == "forbidden"
    bad = await gao.user.send(
        "poll.open",
        {
            "question": "无记名能否改票？",
            "kind": "yes_no_abstain",
            "secret": True,
            "allow_change": True,
        },
    )
    assert bad["error"]["code"] == "invalid" and "无记名表决不能改票" in bad["error"]["message"]
    one_option = await gao.user.send(
        "poll.open", {"question": "只有一个选项？", "kind": "single", "options": ["唯一"]}
    )
    assert one_option["error"]["code"] == "invalid"

    poll = await open_poll(
        gao.user, question="选择议事日期", kind="single", options=["周六", "周日"]
    )
    pid = poll["poll_id"]
    unknown = await lin.vote(pid, "o7")
    assert unknown["error"]["code"] == "not_found" and "没有选项 o7" in unknown["error"]["message"]
    wrong_shape = await lin.vote(pid, ["o1"])
    assert wrong_shape["error"]["code"] == "invalid"
    no_poll = await lin.vote("p404", "o1")
    assert no_poll["error"]["code"] == "not_found"
    assert (await lin.vote(pid, "o1"))["ok"]
    again = await lin.vote(pid, "o2")  # a named vote that may not be changed
    assert again["error"]["code"] == "conflict" and "已经投过票" in again["error"]["message"]
    closing_meeting = await gao.user.send("meeting.close")
    assert closing_meeting["error"]["code"] == "conflict"
    assert "尚未结束" in closing_meeting["error"]["message"]
    closed = await close_poll(gao.user, pid)
    late = await he.vote(pid, "o2")
    assert late["error"]["code"] == "conflict" and "已结束" in late["error"]["message"]
    twice = await gao.user.send("poll.close", {"poll_id": pid})
    assert twice["error"]["code"] == "conflict"
    assert closed["result"]["counts"] == {"o1": 1, "o2": 0}
    assert closed["result"]["votes"] == 1


async def test_a_named_vote_may_be_changed_when_the_poll_allows_it(room: PollMeeting) -> None:
    gao, lin, *_ = room.voters
    poll = await open_poll(
        gao.user, question="是否同意电梯费用方案？", kind="yes_no_abstain", allow_change=True
    )
    pid = poll["poll_id"]
    assert (await lin.vote(pid, "no"))["ok"]
    first = await gao.wait_tally(pid, lambda t: t["counts"]["no"] == 1)
    assert (await lin.vote(pid, "yes"))["ok"]
    changed = await gao.wait_tally(pid, lambda t: t["counts"]["yes"] == 1)
    assert changed["votes"] == 1 and changed["version"] > first["version"]
    closed = await close_poll(gao.user, pid)
    assert closed["result"]["counts"] == {"yes": 1, "no": 0, "abstain": 0}
    assert closed["named"] == [{"participant_id": lin.participant_id, "choice": "yes"}]


async def test_a_retry_or_double_tap_counts_once(room: PollMeeting) -> None:
    gao, lin, he, *_ = room.voters
    poll = await open_poll(
        gao.user, question="是否同意试点方案？", kind="yes_no_abstain", secret=True
    )
    pid = poll["poll_id"]
    first = await lin.vote(pid, "yes", id_="tap-1")
    retry = await lin.vote(pid, "yes", id_="tap-1")
    assert first["ok"] and retry == first
    double = await lin.vote(pid, "no", id_="tap-2")
    assert double["error"]["code"] == "conflict"
    assert await lin.vote(pid, "no", id_="tap-2") == double  # a refusal is kept too
    assert (await he.vote(pid, "no"))["ok"]
    closed = await close_poll(gao.user, pid)
    assert closed["result"]["counts"] == {"yes": 1, "no": 1, "abstain": 0}
    assert closed["named"] is None
    # The acked retry still gets its ack after the close, and still counts once.
    assert await lin.vote(pid, "yes", id_="tap-1") == first


async def test_polls_close_on_time(room: PollMeeting) -> None:
    gao, lin, he, *_ = room.voters
    poll = await open_poll(
        gao.user, question="是否同意延长公示期？", kind="yes_no_abstain", closes_in_s=1
    )
    assert poll["closes_at"] == pytest.approx(poll["opened_at"] + 1, abs=0.01)
    assert (await lin.vote(poll["poll_id"], "yes"))["ok"]

    async def closed_event() -> dict[str, object]:
        while True:
            found = [e for e in he.user.events.values() if e["type"] == "poll.closed"]
            if found:
                return found[-1]["data"]
            he.user.arrived.clear()
            await he.user.arrived.wait()

    data = await asyncio.wait_for(closed_event(), 10)
    assert data["reason"] == "timer" and data["by"] is None
    assert data["result"]["votes"] == 1
    late = await he.vote(poll["poll_id"], "no")
    assert late["error"]["code"] == "conflict"
