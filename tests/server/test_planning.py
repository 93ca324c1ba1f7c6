"""Planning a meeting through the API: the agenda refused as the live meeting would refuse it,
copied from an earlier meeting, and guest invite links that can be revoked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveRefused, bearer, live_client

BASE = {
    "room_id": 1,
    "title": "五星街道垃圾分类协商会",
    "topic_title": "垃圾分类",
    "starts_at": "2026-12-20T09:00:00+08:00",
    "place": "五星街道党群服务中心",
    "mode": "hybrid",
}


async def _new_meeting(http: httpx.AsyncClient, token: str, **extra: Any) -> dict[str, Any]:
    r = await http.post("/api/meetings", json={**BASE, **extra}, headers=bearer(token))
    assert r.status_code == 201, r.text
    meeting: dict[str, Any] = r.json()
    return meeting


async def _guest(http: httpx.AsyncClient, token: str, meeting_id: int, name: str) -> int:
    r = await http.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"guest_name": name, "guest_phone": "138 0000 1111", "category": "stakeholder"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    assert r.json()["guest_phone"] == "138 0000 1111"
    guest_id: int = r.json()["id"]
    return guest_id


def _refusal(r: httpx.Response) -> tuple[str, str]:
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    return error["field"], error["message"]


async def test_the_planner_refuses_what_the_live_meeting_would_refuse(
    http: httpx.AsyncClient, staff_token: str
) -> None:
    meeting = await _new_meeting(http, staff_token)
    path = f"/api/meetings/{meeting['id']}"
    staff = bearer(staff_token)
    guest = await _guest(http, staff_token, meeting["id"], "钱小东")

    def agenda(rounds: list[dict[str, Any]]) -> dict[str, Any]:
        return {"agenda": [{"title": "分类投放点", "rounds": rounds}]}

    statements = {"kind": "statements", "title": "群众代表发言", "time_limit_s": 180}
    off_roster = {**statements, "config": {"lineup": [{"participant_id": "999999"}]}}
    field, message = _refusal(await http.patch(path, json=agenda([off_roster]), headers=staff))
    assert field == "agenda.0.rounds.0"
    assert "环节「群众代表发言」的发言人（编号 999999）不在参会名单中" in message

    vote = {"kind": "vote", "title": "表决"}
    no_options = {**vote, "config": {"votes": [{"question": "投放点设在哪里", "kind": "single"}]}}
    field, message = _refusal(
        await http.patch(path, json=agenda([statements, no_options]), headers=staff)
    )
    assert field == "agenda.0.rounds.1"
    assert "表决「投放点设在哪里」没有选项：单选表决至少需要两个选项" in message

    votes_elsewhere = {
        **statements,
        "config": {"votes": [{"question": "同意吗", "kind": "yes_no_abstain"}]},
    }
    field, message = _refusal(await http.patch(path, json=agenda([votes_elsewhere]), headers=staff))
    assert "不是表决环节" in message

    field, message = _refusal(
        await http.patch(
            path, json={"speaking_rules": {"budgets_s": {"member": -60}}}, headers=staff
        )
    )
    assert field == "speaking_rules.budgets_s.member"
    assert message == "发言规则有误：budgets_s.member 应在 60 到 86400 之间"

    # Nothing of the refused plans was kept.
    unchanged = (await http.get(path, headers=staff)).json()
    assert unchanged["agenda"] == [] and unchanged["speaking_rules"]["budgets_s"] == {}

    # The same plan with someone on the roster and a vote with options is taken, and the
    # live meeting opens on it.
    good_lineup = {**statements, "config": {"lineup": [{"participant_id": str(guest)}]}}
    options = ["东门", "西门"]
    good_vote = {
        **vote,
        "config": {"votes": [{"question": "投放点设在哪里", "kind": "single", "options": options}]},
    }
    ok = await http.patch(
        path,
        json={**agenda([good_lineup, good_vote]), "speaking_rules": {"budgets_s": {"member": 600}}},
        headers=staff,
    )
    assert ok.status_code == 200, ok.text
    rounds = ok.json()["agenda"][0]["rounds"]
    assert rounds[0]["config"] == {"lineup": [{"participant_id": str(guest)}]}
    assert rounds[1]["config"]["votes"][0]["options"] == options

    # A planned agenda can be planned again (its items replaced in place).
    again = await http.patch(path, json=agenda([good_vote, good_lineup]), headers=staff)
    assert again.status_code == 200, again.text
    assert [r["kind"] for r in again.json()["agenda"][0]["rounds"]] == ["vote", "statements"]


async def test_a_vote_round_keeps_its_planned_votes_in_the_live_meeting(
    server: str, http: httpx.AsyncClient, staff_token: str
) -> None:
    votes = [{"question": "同意增设投放点吗", "kind": "yes_no_abstain"}]
    meeting = await _new_meeting(
        http,
        staff_token,
        agenda=[
            {
                "title": "投放点",
                "rounds": [{"kind": "vote", "title": "表决", "config": {"votes": votes}}],
            }
        ],
    )
    client = await live_client(server, {"token": staff_token})
    try:
        ack = await client.call("join", {"meeting_id": meeting["id"]}, namespace="/live")
    finally:
        await client.disconnect()
    planned = ack["snapshot"]["agenda"]["items"][0]["rounds"][0]["votes"]
    assert planned == [
        {"question": "同意增设投放点吗", "kind": "yes_no_abstain", "options": [], "secret": False}
    ]


async def test_a_meeting_copied_from_an_earlier_one_keeps_its_plan_and_roster(
    http: httpx.AsyncClient, staff_token: str
) -> None:
    earlier = await _new_meeting(http, staff_token, speaking_rules={"budgets_s": {"official": 600}})
    guest = await _guest(http, staff_token, earlier["id"], "孙晓梅")
    lineup = {"lineup": [{"participant_id": str(guest)}, {"category": "member"}]}
    rounds = [{"kind": "statements", "title": "发言", "config": lineup}]
    r = await http.patch(
        f"/api/meetings/{earlier['id']}",
        json={"agenda": [{"title": "分类投放点", "rounds": rounds}]},
        headers=bearer(staff_token),
    )
    assert r.status_code == 200, r.text
    copy = await _new_meeting(http, staff_token, title="第二次协商会", copy_from=earlier["id"])
    assert copy["speaking_rules"]["budgets_s"] == {"official": 600}
    roster = (
        await http.get(f"/api/meetings/{copy['id']}/participants", headers=bearer(staff_token))
    ).json()["items"]
    assert [p["name"] for p in roster] == ["孙晓梅"]
    copied = copy["agenda"][0]["rounds"][0]["config"]["lineup"]
    assert copied == [{"participant_id": str(roster[0]["id"])}, {"category": "member"}]


async def test_staff_see_only_the_rooms_they_may_plan_in(
    http: httpx.AsyncClient, staff_token: str, member_token: str
) -> None:
    rooms = (await http.get("/api/rooms/plannable", headers=bearer(staff_token))).json()["items"]
    assert [r["id"] for r in rooms] == [1]
    none = (await http.get("/api/rooms/plannable", headers=bearer(member_token))).json()["items"]
    assert none == []


async def test_a_revoked_invite_opens_nothing(
    server: str, http: httpx.AsyncClient, staff_token: str
) -> None:
    meeting = await _new_meeting(http, staff_token)
    guest = await _guest(http, staff_token, meeting["id"], "周建华")
    r = await http.post(
        f"/api/meetings/{meeting['id']}/invites",
        json={"participant_id": guest},
        headers=bearer(staff_token),
    )
    assert r.status_code == 201, r.text
    invite = r.json()
    assert invite["expires_at"] and invite["revoked"] is False
    assert (await http.get(f"/api/invites/{invite['invite']}")).status_code == 200
    client = await live_client(server, {"invite": invite["invite"]})
    await client.disconnect()

    # Staff see the guest's phone number; the guest's link, like any participant, does not.
    as_staff = await http.get(
        f"/api/meetings/{meeting['id']}/participants", headers=bearer(staff_token)
    )
    assert [p["guest_phone"] for p in as_staff.json()["items"]] == ["138 0000 1111"]
    as_guest = await http.get(
        f"/api/meetings/{meeting['id']}/participants", headers={"X-Invite": invite["invite"]}
    )
    assert as_guest.status_code == 200, as_guest.text
    assert [p["guest_phone"] for p in as_guest.json()["items"]] == [None]

    revoked = await http.post(
        f"/api/meetings/{meeting['id']}/invites/{invite['invite_id']}/revoke",
        headers=bearer(staff_token),
    )
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    after = await http.get(f"/api/invites/{invite['invite']}")
    assert after.status_code == 401
    assert after.json()["error"]["message"] == "邀请链接无效或已被撤销"
    with pytest.raises(LiveRefused) as refused:
        await live_client(server, {"invite": invite["invite"]})
    assert "已被撤销" in str(refused.value)

    # Another meeting's invite number is not this meeting's to revoke.
    other = await _new_meeting(http, staff_token)
    wrong = await http.post(
        f"/api/meetings/{other['id']}/invites/{invite['invite_id']}/revoke",
        headers=bearer(staff_token),
    )
    assert wrong.status_code == 404
