"""Public observers (旁听): a watch link the moderator turns on, read-only, never announced."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import LiveRefused, bearer, live_client
from tests.live.conftest import LiveMeetingFixture, LiveUser


async def _watch_link(http: httpx.AsyncClient, token: str, meeting_id: int, on: bool) -> Any:
    r = await http.put(
        f"/api/meetings/{meeting_id}/watch", json={"enabled": on}, headers=bearer(token)
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _watcher(server: str, token: str) -> LiveUser:
    client = await live_client(server, {"watch": token})
    user = LiveUser(name="旁听", client=client)
    client.on("event", user.record, namespace="/live")
    return user


async def _watching(
    server: str, http: httpx.AsyncClient, admin_token: str, m: LiveMeetingFixture
) -> tuple[str, LiveUser]:
    """The link turned on, the discussion running, and a watcher connected (not joined)."""
    link = await _watch_link(http, admin_token, m.meeting_id, True)
    await _open_discussion(m)
    return link["token"], await _watcher(server, link["token"])


async def _open_discussion(m: LiveMeetingFixture) -> None:
    for user in [m.moderator, *m.members]:
        await user.join(m.meeting_id)
    assert (await m.moderator.send("agenda.goto", {"item_id": m.item_id}))["ok"]
    assert (await m.moderator.send("round.start", {"round_id": m.round_ids[1]}))["ok"]


async def test_a_watcher_sees_the_public_view_and_nobody_is_told(
    server: str, http: httpx.AsyncClient, admin_token: str, live_meeting: LiveMeetingFixture
) -> None:
    m = live_meeting
    link = await _watch_link(http, admin_token, m.meeting_id, True)
    assert link["enabled"] and link["url"].endswith(f"/watch/{link['token']}")
    shown = (await http.get(f"/api/watch/{link['token']}")).json()
    assert shown["meeting_id"] == m.meeting_id and shown["title"] == "解放社区停车难协商会"
    await _open_discussion(m)
    lin, he = m.members
    raised = await he.send("hand.raise", {"kind": "speech"})
    await lin.wait_for_seq(raised["seq"])
    await asyncio.sleep(1.5)  # any presence update of the joins above has gone out
    before = lin.last_seq

    watcher = await _watcher(server, link["token"])
    ack = await watcher.join(m.meeting_id)
    assert ack["role"] == "watcher" and ack["participant_id"] is None
    view = ack["snapshot"]
    assert "participants" not in view and "speeches" not in view
    assert [e["name"] for e in view["queue"]] == ["何建军"]
    assert "participant_id" not in view["queue"][0]
    assert view["agenda"]["current_item_id"] == m.item_id
    counted = await http.get(f"/api/meetings/{m.meeting_id}/watch", headers=bearer(admin_token))
    assert counted.json()["watchers"] == 1

    await asyncio.sleep(1.5)  # a presence update, if the join had caused one, is out by now
    granted = await m.moderator.send("floor.next")
    assert granted["ok"]
    await lin.wait_for_seq(granted["seq"])
    # Between the watcher's join and the moderator's command the participants got nothing.
    assert [s for s in lin.events if s > before] == list(range(before + 1, granted["seq"] + 1))
    assert all(lin.events[s]["type"] != "presence.changed" for s in lin.events if s > before)
    # The watcher gets the same seqs, without their data, and the public view after them.
    await watcher.wait_for_seq(granted["seq"])
    public = watcher.events[granted["seq"]]
    assert public["data"] == {}
    assert public["view"]["floor"]["name"] == "何建军"
    assert "participant_id" not in public["view"]["floor"]
    assert public["view"]["queue"] == []
    assert "items" not in public["view"]["agenda"]  # fixed: the watcher has them already
    await watcher.client.disconnect()


async def test_a_watcher_may_not_act_nor_watch_another_meeting(
    server: str, http: httpx.AsyncClient, admin_token: str, live_meeting: LiveMeetingFixture
) -> None:
    m = live_meeting
    token, watcher = await _watching(server, http, admin_token, m)
    before_join = await watcher.send("hand.raise", {"kind": "speech"})
    assert before_join["error"]["code"] == "forbidden"
    await watcher.join(m.meeting_id)
    for type_, data in [
        ("hand.raise", {"kind": "speech"}),
        ("floor.next", {}),
        ("vote.cast", {"poll_id": "p1", "choice": "yes"}),
        ("suggestion.submit", {"text": "建议在东侧划车位"}),
        ("attendance.check_in", {"mode": "remote"}),
    ]:
        ack = await watcher.send(type_, data)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (type_, ack)
    other = await watcher.client.call(
        "join", {"meeting_id": m.meeting_id + 1000}, namespace="/live", timeout=20
    )
    assert other["ok"] is False and other["error"]["code"] in ("forbidden", "not_found")
    # Off: the watchers are told, their view stops, and the link lets nobody in again.
    closed: list[Any] = []
    watcher.client.on("watch.closed", closed.append, namespace="/live")
    off = await _watch_link(http, admin_token, m.meeting_id, False)
    assert off == {"enabled": False, "token": None, "url": None, "watchers": 1}
    assert (await http.get(f"/api/watch/{token}")).status_code == 404
    with pytest.raises(LiveRefused):
        await live_client(server, {"watch": token})
    again = await watcher.client.call("join", {"meeting_id": m.meeting_id}, namespace="/live")
    assert again["ok"] is False and again["error"]["code"] == "forbidden"
    for _ in range(100):
        if closed:
            break
        await asyncio.sleep(0.05)
    assert closed == [{}]
    await watcher.client.disconnect()


async def test_a_secret_polls_result_is_never_shown_to_watchers(
    server: str, http: httpx.AsyncClient, admin_token: str, live_meeting: LiveMeetingFixture
) -> None:
    m = live_meeting
    _, watcher = await _watching(server, http, admin_token, m)
    await watcher.join(m.meeting_id)
    results = {}
    for secret in (True, False):
        opened = await m.moderator.send(
            "poll.open",
            {
                "question": f"是否同意划设车位（{secret}）？",
                "kind": "yes_no_abstain",
                "secret": secret,
            },
        )
        assert opened["ok"], opened
        await m.moderator.wait_for_seq(opened["seq"])
        poll_id = m.moderator.events[opened["seq"]]["data"]["poll_id"]
        for member in m.members:
            assert (await member.send("vote.cast", {"poll_id": poll_id, "choice": "yes"}))["ok"]
        closed = await m.moderator.send("poll.close", {"poll_id": poll_id})
        assert closed["ok"], closed
        await watcher.wait_for_seq(closed["seq"])
        shown = watcher.events[closed["seq"]]["view"]["polls"]
        results[secret] = next(p for p in shown if p["poll_id"] == poll_id)["result"]
        rejoined = (await watcher.join(m.meeting_id))["snapshot"]["polls"]
        assert next(p for p in rejoined if p["poll_id"] == poll_id)["result"] == results[secret]
    assert results[True] is None
    assert results[False] is not None and results[False]["counts"]["yes"] == 2
    await watcher.client.disconnect()
