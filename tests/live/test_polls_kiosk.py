"""The voting tablet (表决器), and voters whose connection drops in the middle of a vote."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.conftest import live_client
from tests.live.conftest import LiveUser, connect_user
from tests.live.polls_support import (
    Person,
    PollMeeting,
    Voter,
    close_poll,
    disconnect_all,
    events_of,
    make_people,
    open_poll,
    poll_meeting,
    wait_event,
)


@pytest.fixture(scope="module")
async def poll_people(server: str, admin_token: str) -> list[Person]:
    return await make_people(server, admin_token)


@pytest.fixture
async def room(
    server: str, admin_token: str, staff_token: str, poll_people: list[Person]
) -> AsyncIterator[PollMeeting]:
    meeting = await poll_meeting(server, admin_token, poll_people, title="西城街道议事厅表决")
    # The voting tablet signs in as staff (陈晓燕, staff of the room, not on the roster).
    meeting.staff = await connect_user(server, staff_token, "表决器")
    await meeting.staff.join(meeting.meeting_id)
    yield meeting
    await disconnect_all(meeting)


async def test_staff_unlock_one_kiosk_vote_at_a_time_and_the_tablet_resets(
    room: PollMeeting,
) -> None:
    gao, lin, he, wu, zheng = room.voters
    tablet = room.staff
    assert tablet is not None
    poll = await open_poll(
        gao.user, question="是否同意设立楼道议事角？", kind="yes_no_abstain", secret=True
    )
    pid = poll["poll_id"]
    unlock = {"poll_id": pid, "participant_id": wu.participant_id}
    not_here = await tablet.send("kiosk.unlock", unlock)
    assert not_here["error"]["code"] == "conflict" and "尚未签到" in not_here["error"]["message"]
    for voter in (wu, zheng):
        checked = await tablet.send(
            "attendance.check_in", {"mode": "in_room", "participant_id": voter.participant_id}
        )
        assert checked["ok"], checked
    assert (await tablet.send("kiosk.unlock", unlock))["ok"]
    shown = await wait_event(gao.user, "kiosk.unlocked")
    assert shown["data"]["name"] == "吴秀兰" and shown["data"]["poll_id"] == pid
    busy = await tablet.send(
        "kiosk.unlock", {"poll_id": pid, "participant_id": zheng.participant_id}
    )
    assert busy["error"]["code"] == "conflict" and "吴秀兰" in busy["error"]["message"]

    on_behalf = {"poll_id": pid, "choice": "yes", "on_behalf_of": wu.participant_id}
    not_staff = await lin.user.send("vote.cast", on_behalf)
    assert not_staff["error"]["code"] == "forbidden"
    locked = await tablet.send("vote.cast", on_behalf | {"on_behalf_of": zheng.participant_id})
    assert locked["error"]["code"] == "conflict" and "解锁" in locked["error"]["message"]
    cast = await tablet.send("vote.cast", on_behalf)
    assert cast["ok"], cast
    reset = await wait_event(gao.user, "kiosk.reset")
    assert reset["data"] == {
        "poll_id": pid,
        "participant_id": wu.participant_id,
        "reason": "voted",
        "by": None,
    }
    assert (await gao.user.join(room.meeting_id))["snapshot"]["kiosk"] is None
    # The unlock was used up: the same kiosk vote again, or her own phone, is refused.
    assert (await tablet.send("vote.cast", on_behalf))["error"]["code"] == "conflict"
    own = await wu.vote(pid, "no")
    assert own["error"]["code"] == "conflict" and "已经投过票" in own["error"]["message"]
    again = await tablet.send("kiosk.unlock", unlock)
    assert again["error"]["code"] == "conflict" and "已经投过票" in again["error"]["message"]

    assert (
        await tablet.send("kiosk.unlock", {"poll_id": pid, "participant_id": zheng.participant_id})
    )["ok"]
    assert (await tablet.send("kiosk.cancel"))["ok"]
    cancelled = await wait_event(gao.user, "kiosk.reset", count=2)
    assert cancelled["data"]["reason"] == "cancelled"
    assert (await tablet.send("kiosk.cancel"))["error"]["code"] == "conflict"

    assert (await he.vote(pid, "no"))["ok"]
    closed = await close_poll(gao.user, pid)
    assert closed["result"]["counts"] == {"yes": 1, "no": 1, "abstain": 0}
    # Nothing in the meeting's sequence carries a secret choice.
    for event in gao.user.events.values():
        assert event["type"] != "vote.accepted"
        assert "choice" not in event["data"], event


async def test_closing_the_poll_resets_a_waiting_kiosk(room: PollMeeting) -> None:
    gao, *_, zheng = room.voters
    tablet = room.staff
    assert tablet is not None
    poll = await open_poll(gao.user, question="是否同意议事角开放时间？", kind="yes_no_abstain")
    await tablet.send(
        "attendance.check_in", {"mode": "in_room", "participant_id": zheng.participant_id}
    )
    unlock = {"poll_id": poll["poll_id"], "participant_id": zheng.participant_id}
    assert (await tablet.send("kiosk.unlock", unlock))["ok"]
    await close_poll(gao.user, poll["poll_id"])
    resets = await events_of(gao.user, "kiosk.reset")
    assert resets[-1]["data"]["reason"] == "closed"


async def test_a_voter_who_drops_mid_vote_rejoins_and_is_counted_once(
    server: str, room: PollMeeting, poll_people: list[Person]
) -> None:
    gao, lin, he, wu, zheng = room.voters
    poll = await open_poll(
        gao.user, question="是否同意在小区增设快递柜？", kind="yes_no_abstain", secret=False
    )
    pid = poll["poll_id"]
    seen = lin.user.last_seq
    # 林美玲 taps 赞成 and her phone drops before the ack can arrive.
    command = {"id": "lin-vote-1", "type": "vote.cast", "data": {"poll_id": pid, "choice": "yes"}}
    await lin.user.client.emit("command", command, namespace="/live")
    await lin.user.client.disconnect()
    for voter, choice in ((he, "no"), (wu, "yes")):
        assert (await voter.vote(pid, choice))["ok"]
    await gao.wait_tally(pid, lambda t: t["votes"] >= 2)

    token = next(p.token for p in poll_people if p.name == "林美玲")
    back = Voter(LiveUser("林美玲", await live_client(server, {"token": token})))
    back.user.participant_id = lin.participant_id
    back.user.client.on("event", back.user.record, namespace="/live")
    ack = await back.user.join(room.meeting_id, since_seq=seen)
    assert "events" in ack
    (tally,) = [t for t in ack["tallies"] if t["poll_id"] == pid]
    assert tally["votes"] in (2, 3) and tally["counts"]["no"] == 1
    # The app sends the unanswered command again, with the same id: counted once.
    retried = await back.user.client.call("command", command, namespace="/live", timeout=20)
    assert retried["ok"], retried
    assert await back.vote(pid, "yes", id_="lin-vote-1") == retried
    assert (await zheng.vote(pid, "abstain"))["ok"]
    closed = await close_poll(gao.user, pid)
    assert closed["result"]["counts"] == {"yes": 2, "no": 1, "abstain": 1}
    assert closed["result"]["votes"] == 4
    await back.user.client.disconnect()
    await asyncio.sleep(0)
