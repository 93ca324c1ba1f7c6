"""A moderator runs a whole item of the typical template with members, residents and officials."""

from __future__ import annotations

import httpx

from tests.conftest import bearer
from tests.live.conftest import LiveUser, connect_user, new_person


async def test_the_typical_agenda_runs_from_start_to_close(
    server: str, http: httpx.AsyncClient, admin_token: str
) -> None:
    meeting = (
        await http.post(
            "/api/meetings",
            json={
                "room_id": 2,
                "title": "新兴镇农村生活污水治理协商议事会",
                "topic_title": "农村生活污水治理",
                "starts_at": "2026-12-18T14:00:00+08:00",
                "place": "新兴镇便民服务中心三楼",
                "mode": "hybrid",
                "agenda": [{"title": "农村生活污水治理", "template": "typical"}],
            },
            headers=bearer(admin_token),
        )
    ).json()
    rounds = meeting["agenda"][0]["rounds"]
    assert [r["title"] for r in rounds] == [
        "介绍议题",
        "情况通报",
        "委员发言",
        "群众代表发言",
        "部门回应",
        "自由讨论",
        "表决",
        "总结",
    ]
    people = [
        ("严正", "member", "moderator"),
        ("秦芳", "member", "participant"),
        ("丁伟", "stakeholder", "participant"),
        ("贾红梅", "official", "participant"),
    ]
    users: list[LiveUser] = []
    for name, category, role in people:
        person_id, token = await new_person(http, admin_token, name, category)
        added = await http.post(
            f"/api/meetings/{meeting['id']}/participants",
            json={"person_id": person_id, "role": role},
            headers=bearer(admin_token),
        )
        user = await connect_user(server, token, name)
        user.participant_id = str(added.json()["id"])
        await user.join(meeting["id"])
        users.append(user)
    chair, member, resident, official = users
    for user in users:
        assert (await user.send("attendance.check_in", {"mode": "remote"}))["ok"]
    assert (await chair.send("agenda.goto", {"item_id": str(meeting["agenda"][0]["id"])}))["ok"]
    speakers_by_round: dict[str, list[str]] = {}
    for rnd in rounds:
        started = await chair.send("round.start", {"round_id": str(rnd["id"])})
        assert started["ok"], (rnd, started)
        if rnd["kind"] == "discussion":
            await resident.send("hand.raise", {"kind": "speech"})
            await member.send("hand.raise", {"kind": "point_of_order"})
        speakers = []
        for _ in range(6):
            granted = await chair.send("floor.next")
            if not granted["ok"]:
                assert granted["error"]["code"] == "conflict"
                break
            await chair.wait_for_seq(granted["seq"])
            speakers.append(chair.events[granted["seq"]]["data"]["participant_id"])
            assert (await chair.send("floor.end"))["ok"]
        speakers_by_round[rnd["title"]] = speakers
        ended = await chair.send("round.end")
        assert ended["ok"], (rnd["title"], ended, speakers)
    assert speakers_by_round["介绍议题"] == [chair.participant_id]
    assert speakers_by_round["委员发言"] == [
        chair.participant_id,
        member.participant_id,
    ] or speakers_by_round["委员发言"] == [member.participant_id, chair.participant_id]
    assert speakers_by_round["群众代表发言"] == [resident.participant_id]
    assert speakers_by_round["部门回应"] == [official.participant_id]
    assert speakers_by_round["自由讨论"] == [member.participant_id, resident.participant_id]
    assert (await chair.send("meeting.close"))["ok"]
    final = (await official.join(meeting["id"]))["snapshot"]
    assert final["phase"] == "closed"
    spoken = [s["participant_id"] for s in final["speeches"]]
    assert spoken.count(member.participant_id) == 2
    assert {p["participant_id"]: p["mode"] for p in final["participants"]}[
        resident.participant_id
    ] == "remote"
    for user in users:
        await user.client.disconnect()
