"""A live meeting over real Socket.IO clients: commands in, events out, in one order."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from tests.conftest import live_client
from tests.live.conftest import LiveMeetingFixture, LiveUser


async def _everyone_joins(m: LiveMeetingFixture) -> None:
    for user in [m.moderator, *m.members]:
        ack = await user.join(m.meeting_id)
        assert "snapshot" in ack


async def _open_discussion(m: LiveMeetingFixture) -> None:
    assert (await m.moderator.send("agenda.goto", {"item_id": m.item_id}))["ok"]
    ack = await m.moderator.send("round.start", {"round_id": m.round_ids[1]})
    assert ack["ok"], ack


async def test_moderator_runs_the_queue_and_everyone_sees_the_same(
    live_meeting: LiveMeetingFixture,
) -> None:
    m = live_meeting
    await _everyone_joins(m)
    snap = m.members[0].join_ack["snapshot"]
    names = {p["name"] for p in snap["participants"]}
    assert {"高志远", "林美玲", "何建军"} <= names
    await _open_discussion(m)
    lin, he = m.members
    assert (await he.send("hand.raise", {"kind": "speech"}))["ok"]
    ack = await lin.send("hand.raise", {"kind": "point_of_order"})
    assert ack["ok"]
    for user in [m.moderator, lin, he]:
        await user.wait_for_seq(ack["seq"])
    view = await m.moderator.client.call("join", {"meeting_id": m.meeting_id}, namespace="/live")
    queue = view["snapshot"]["queue"]
    assert [e["name"] for e in queue] == ["林美玲", "何建军"]  # a point of order goes first
    assert queue[0]["kind"] == "point_of_order"
    granted = await m.moderator.send("floor.next")
    assert granted["ok"]
    await he.wait_for_seq(granted["seq"])
    floor_events = [e for e in he.events.values() if e["type"] == "floor.granted"]
    assert floor_events[-1]["data"]["participant_id"] == lin.participant_id
    # Every client saw the same events, with no gap in seq.
    last = granted["seq"]
    for user in [m.moderator, lin, he]:
        await user.wait_for_seq(last)
        seqs = sorted(s for s in user.events if s <= last)
        assert seqs == list(range(seqs[0], last + 1))
    assert json.dumps(lin.events[last], sort_keys=True) == json.dumps(
        he.events[last], sort_keys=True
    )


async def test_a_retried_command_id_is_applied_once(live_meeting: LiveMeetingFixture) -> None:
    m = live_meeting
    await _everyone_joins(m)
    await _open_discussion(m)
    lin = m.members[0]
    first = await lin.send("hand.raise", {"kind": "speech"}, id_="retry-1")
    again = await lin.send("hand.raise", {"kind": "speech"}, id_="retry-1")
    assert first["ok"] and again == first
    snap = (await lin.join(m.meeting_id))["snapshot"]
    assert [e["participant_id"] for e in snap["queue"]].count(lin.participant_id) == 1
    # Nothing but presence (the joins, told a moment later) came after the first raise.
    later = (await lin.join(m.meeting_id, since_seq=first["seq"]))["events"]
    assert all(e["type"] == "presence.changed" for e in later), later


async def test_a_participant_cannot_grant_the_floor(live_meeting: LiveMeetingFixture) -> None:
    m = live_meeting
    await _everyone_joins(m)
    await _open_discussion(m)
    lin, he = m.members
    raised = await he.send("hand.raise", {"kind": "speech"})
    await he.wait_for_seq(raised["seq"])
    entry_id = he.events[raised["seq"]]["data"]["entry_id"]
    refused = await lin.send("floor.grant", {"entry_id": entry_id})
    assert refused["ok"] is False
    assert refused["error"]["code"] == "forbidden"
    # Plain words for the person; the command and their role in the details line.
    assert "只有主持人" in refused["error"]["message"]
    assert "floor.grant" in refused["error"]["details"]
    assert "参会人" in refused["error"]["details"]
    assert (await lin.join(m.meeting_id))["seq"] == raised["seq"]  # nothing was stored


async def test_malformed_and_oversized_commands_are_invalid_and_change_nothing(
    live_meeting: LiveMeetingFixture,
) -> None:
    m = live_meeting
    await _everyone_joins(m)
    await _open_discussion(m)
    lin = m.members[0]
    before = await lin.join(m.meeting_id)
    bad = [
        "not a dict",
        {"id": "x1", "type": "hand.raise"} | {"extra": 1},
        {"id": "", "type": "hand.raise", "data": {}},
        {"id": "x2", "type": "hand.raise", "data": {"kind": "shout"}},
        {"id": "x3", "type": "hand.raise", "data": {"kind": "speech", "note": "多余"}},
        {"id": "x4", "type": "no.such.command", "data": {}},
        {"id": "x5", "type": "hand.raise", "data": {"kind": "speech", "pad": "很长" * 50_000}},
    ]
    for command in bad:
        ack = await lin.client.call("command", command, namespace="/live", timeout=10)
        assert ack["ok"] is False, command
        assert ack["error"]["code"] == "invalid", (command, ack)
    after = await lin.join(m.meeting_id)
    assert after["seq"] == before["seq"]
    assert after["snapshot"]["queue"] == before["snapshot"]["queue"] == []


async def test_a_client_that_drops_and_rejoins_catches_up(
    server: str, live_meeting: LiveMeetingFixture
) -> None:
    m = live_meeting
    await _everyone_joins(m)
    await _open_discussion(m)
    lin, he = m.members
    first = await he.send("hand.raise", {"kind": "speech"})
    await lin.wait_for_seq(first["seq"])
    seen_before_drop = lin.last_seq
    token = lin.client.connection_auth["token"]
    await lin.client.disconnect()
    for kind in ("speech", "question"):
        await m.moderator.send("hand.raise", {"kind": kind})
    last = (await m.moderator.send("floor.next"))["seq"]
    await he.wait_for_seq(last)
    # Back online with a new connection: ask for what was missed.
    fresh = await live_client(server, {"token": token})
    back = LiveUser(name=lin.name, client=fresh, events=dict(lin.events))
    fresh.on("event", back.record, namespace="/live")
    ack = await back.join(m.meeting_id, since_seq=seen_before_drop)
    assert "events" in ack and ack["events"][0]["seq"] == seen_before_drop + 1
    await asyncio.sleep(0.2)
    upto = min(back.last_seq, he.last_seq)
    assert upto >= last
    # The events themselves are the same; `allowed` is said about the state after a batch,
    # so a replay carries it on its last event only.
    assert [stored(back.events[s]) for s in range(1, upto + 1) if s in he.events] == [
        stored(he.events[s]) for s in range(1, upto + 1) if s in he.events
    ]
    assert set(range(min(he.events), upto + 1)) <= set(back.events)
    latest = [e["allowed"] for _, e in sorted(he.events.items()) if "allowed" in e][-1]
    assert ack["events"][-1]["allowed"] == latest
    await fresh.disconnect()


async def test_joining_a_meeting_one_is_not_in_is_refused(
    server: str, live_meeting: LiveMeetingFixture, member_token: str
) -> None:
    outsider = await live_client(server, {"token": member_token})
    ack = await outsider.call("join", {"meeting_id": live_meeting.meeting_id}, namespace="/live")
    assert ack == {
        "ok": False,
        "error": {
            "code": "forbidden",
            "message": "您不在本次会议的参会名单中；如需参加，请联系会议工作人员",
        },
    }
    command = {"id": "c1", "type": "hand.raise", "data": {"kind": "speech"}}
    ack = await outsider.call("command", command, namespace="/live")
    assert ack["ok"] is False and ack["error"]["code"] == "conflict"
    await outsider.disconnect()


async def test_a_flood_of_commands_is_rate_limited(live_meeting: LiveMeetingFixture) -> None:
    m = live_meeting
    await _everyone_joins(m)
    await _open_discussion(m)
    lin = m.members[0]
    acks = []
    for i in range(150):
        raise_ = i % 2 == 0
        acks.append(
            await lin.send(*(("hand.raise", {"kind": "speech"}) if raise_ else ("hand.lower",)))
        )
    limited = [a for a in acks if not a["ok"] and a["error"]["code"] == "rate_limited"]
    assert limited, "150 commands at once must hit the limit of a burst of 100"
    assert all(a["ok"] for a in acks[:100]), "the first 100 fit in the burst"
    assert limited[0]["error"]["message"] == "操作过于频繁，请稍后再试"
    # The bucket refills while the flood goes on, so a command after a limited one may run
    # against a queue the limited one never changed (a raise with the hand already up is a
    # conflict, a lower with no hand up is not found): that refusal is the machine's, and it
    # may only ever follow a limited command.
    for before, ack in itertools.pairwise(acks):
        if not ack["ok"] and ack["error"]["code"] != "rate_limited":
            assert ack["error"]["code"] in ("conflict", "not_found"), ack
            assert not before["ok"] and before["error"]["code"] == "rate_limited"


def stored(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the log holds it, without the answers about the state after it."""
    return {k: v for k, v in event.items() if k != "allowed"}
