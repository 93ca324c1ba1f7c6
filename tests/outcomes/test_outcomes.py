"""After the meeting (第十七条—第二十一条): the signed-off report becomes a numbered outcome,
each responsible unit answers its own items, staff publish, and /public shows what they chose."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from server.db.engine import Database
from server.domain import outcomes
from tests.conftest import bearer
from tests.outcomes.conftest import Unit, ok, signed_meeting, unit_account


def _due(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


async def _submit(
    http: httpx.AsyncClient, staff: dict[str, str], meeting_id: int, a: Unit, b: Unit
) -> dict[str, Any]:
    proposal = await ok(
        await http.get(f"/api/meetings/{meeting_id}/outcome/proposal", headers=staff)
    )
    texts = [i["text"] for i in proposal["items"]][:3]
    while len(texts) < 3:
        texts.append(f"补充建议{len(texts) + 1}：加强停车秩序管理")
    body = {
        "title": proposal["title"],
        "recipients": proposal["recipients"],
        "items": [
            {"text": texts[0], "unit_id": a.unit_id, "due_on": _due(20)},
            {"text": texts[1], "unit_id": a.unit_id, "due_on": _due(20)},
            {"text": texts[2], "unit_id": b.unit_id, "due_on": _due(30)},
        ],
    }
    return await ok(
        await http.post(f"/api/meetings/{meeting_id}/outcome", json=body, headers=staff), 201
    )


async def test_the_signed_report_is_submitted_as_a_numbered_outcome(
    http: httpx.AsyncClient, admin: dict[str, str], staff_token: str, server: str
) -> None:
    staff = bearer(staff_token)
    unsigned = await ok(
        await http.post(
            "/api/meetings",
            json={
                "room_id": 1,
                "title": "未签发的协商会",
                "topic_title": "停车",
                "starts_at": "2026-12-30T09:00:00+08:00",
                "place": "会议室",
                "mode": "online",
            },
            headers=admin,
        ),
        201,
    )
    refused = await http.get(f"/api/meetings/{unsigned['id']}/outcome/proposal", headers=staff)
    assert refused.status_code == 409 and "签发" in refused.json()["error"]["message"]

    meeting_id = await signed_meeting(http, admin)
    a = await unit_account(http, server, admin, "五星街道")
    b = await unit_account(http, server, admin, "解放社区")
    outcome = await _submit(http, staff, meeting_id, a, b)
    assert outcome["code"].startswith("协商成果〔") and outcome["code"].endswith("号")
    assert [i["unit_name"] for i in outcome["items"]] == ["五星街道", "五星街道", "解放社区"]
    assert outcome["topic_id"] is None  # until topics are merged
    again = await http.post(
        f"/api/meetings/{meeting_id}/outcome",
        json={
            "title": "再报一次",
            "recipients": ["政府"],
            "items": [{"text": "重复报送", "unit_id": a.unit_id, "due_on": _due(5)}],
        },
        headers=staff,
    )
    assert again.status_code == 409
    second = await _submit(http, staff, await signed_meeting(http, admin), a, b)
    assert second["code"] != outcome["code"]


async def test_a_unit_account_sees_and_answers_only_its_own_items(
    http: httpx.AsyncClient, admin: dict[str, str], staff_token: str, member_token: str, server: str
) -> None:
    staff = bearer(staff_token)
    meeting_id = await signed_meeting(http, admin)
    a = await unit_account(http, server, admin, "新兴镇")
    b = await unit_account(http, server, admin, "大冈镇")
    outcome = await _submit(http, staff, meeting_id, a, b)
    mine, theirs = outcome["items"][0], outcome["items"][2]

    listed_a = (await ok(await http.get("/api/outcome-items", headers=a.headers)))["items"]
    listed_b = (await ok(await http.get("/api/outcome-items", headers=b.headers)))["items"]
    assert {i["unit_id"] for i in listed_a} == {a.unit_id} and len(listed_a) >= 2
    assert {i["unit_id"] for i in listed_b} == {b.unit_id}
    assert all(i["may_answer"] for i in listed_a)
    assert (
        await http.get(f"/api/outcome-items/{theirs['id']}", headers=a.headers)
    ).status_code == 403

    stranger = await http.post(
        f"/api/outcome-items/{theirs['id']}/records",
        json={"kind": "decision", "decision": "adopted"},
        headers=a.headers,
    )
    assert stranger.status_code == 403
    member = await http.get(f"/api/meetings/{meeting_id}/outcome", headers=bearer(member_token))
    assert member.status_code == 403
    assert (await http.get("/api/outcome-items", headers=bearer(member_token))).json()[
        "items"
    ] == []

    # 部分采纳 without a reason is refused and changes nothing.
    bare = await http.post(
        f"/api/outcome-items/{mine['id']}/records",
        json={"kind": "decision", "decision": "partly_adopted"},
        headers=a.headers,
    )
    assert bare.status_code == 400 and bare.json()["error"]["field"] == "note"
    unchanged = await ok(await http.get(f"/api/outcome-items/{mine['id']}", headers=a.headers))
    assert unchanged["decision"] is None and unchanged["records"] == []

    early = await http.post(
        f"/api/outcome-items/{mine['id']}/records",
        json={"kind": "progress", "percent": 50, "note": "已开工"},
        headers=a.headers,
    )
    assert early.status_code == 409
    decided = await ok(
        await http.post(
            f"/api/outcome-items/{mine['id']}/records",
            json={"kind": "decision", "decision": "adopted", "note": "纳入年度民生实事"},
            headers=a.headers,
        ),
        201,
    )
    assert decided["decision"] == "adopted"
    half = await ok(
        await http.post(
            f"/api/outcome-items/{mine['id']}/records",
            json={"kind": "progress", "percent": 60, "note": "已完成地块平整", "on": _due(0)},
            headers=a.headers,
        ),
        201,
    )
    assert half["progress"] == 60
    too_soon = await http.post(
        f"/api/outcome-items/{mine['id']}/records",
        json={"kind": "feedback", "note": "已办结"},
        headers=a.headers,
    )
    assert too_soon.status_code == 409
    # Staff record on the unit's behalf.
    await ok(
        await http.post(
            f"/api/outcome-items/{mine['id']}/records",
            json={"kind": "progress", "percent": 100, "note": "新增停车位 80 个"},
            headers=staff,
        ),
        201,
    )
    done = await ok(
        await http.post(
            f"/api/outcome-items/{mine['id']}/records",
            json={"kind": "feedback", "note": "新增临时停车位 80 个，已投入使用"},
            headers=a.headers,
        ),
        201,
    )
    assert done["closed_at"] is not None and done["feedback"].startswith("新增")
    assert [r["kind"] for r in done["records"]] == ["decision", "progress", "progress", "feedback"]
    closed = await http.post(
        f"/api/outcome-items/{mine['id']}/records",
        json={"kind": "progress", "percent": 90, "note": "改"},
        headers=a.headers,
    )
    assert closed.status_code == 409


async def test_escalation_follow_up_and_explanation_are_the_rooms_records(
    http: httpx.AsyncClient, admin: dict[str, str], staff_token: str, server: str
) -> None:
    staff = bearer(staff_token)
    meeting_id = await signed_meeting(http, admin)
    a = await unit_account(http, server, admin, "五星街道")
    outcome = await _submit(http, staff, meeting_id, a, a)
    item = outcome["items"][1]
    path = f"/api/outcome-items/{item['id']}/records"
    unit_tries = await http.post(
        path,
        json={"kind": "escalation", "to": "city", "note": "涉及全市停车规划"},
        headers=a.headers,
    )
    assert unit_tries.status_code == 403
    up = await ok(
        await http.post(
            path,
            json={"kind": "escalation", "to": "county", "note": "涉及全区停车规划"},
            headers=staff,
        ),
        201,
    )
    assert up["escalated_to"] == "county"
    for body in (
        {"kind": "follow_up", "method": "inspection", "note": "委员视察停车位建设"},
        {"kind": "explanation", "note": "向反对占用空地的居民说明了临时性安排"},
    ):
        await ok(await http.post(path, json=body, headers=staff), 201)
    wrong = await http.post(path, json={"kind": "follow_up", "note": "缺少方式"}, headers=staff)
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "method"


async def test_only_published_items_appear_on_the_public_list(
    http: httpx.AsyncClient, admin: dict[str, str], staff_token: str, server: str
) -> None:
    staff = bearer(staff_token)
    meeting_id = await signed_meeting(http, admin)
    a = await unit_account(http, server, admin, "五星街道")
    outcome = await _submit(http, staff, meeting_id, a, a)
    shown, hidden = outcome["items"][0], outcome["items"][1]
    before = (await ok(await http.get("/api/public/outcomes")))["outcomes"]
    assert outcome["id"] not in {o["outcome_id"] for o in before}
    await ok(
        await http.put(
            f"/api/meetings/{meeting_id}/outcome/published",
            json={"items": [{"item_id": shown["id"], "published": True}]},
            headers=staff,
        )
    )
    public = (await ok(await http.get("/api/public/outcomes")))["outcomes"]
    mine = next(o for o in public if o["outcome_id"] == outcome["id"])
    assert set(mine) == {"outcome_id", "topic_id", "title", "items"}
    assert [i["text"] for i in mine["items"]] == [shown["text"]]
    assert set(mine["items"][0]) == {"text", "unit", "decision", "progress", "feedback"}
    assert mine["items"][0]["unit"] == "五星街道"
    assert hidden["text"] not in str(public)
    foreign = await http.put(
        f"/api/meetings/{meeting_id}/outcome/published",
        json={"items": [{"item_id": 999999, "published": True}]},
        headers=staff,
    )
    assert foreign.status_code == 400


async def test_the_topic_timeline_continues_submitted_adopted_implemented_fed_back(
    http: httpx.AsyncClient, admin: dict[str, str], staff_token: str, server: str, database_url: str
) -> None:
    staff = bearer(staff_token)
    meeting_id = await signed_meeting(http, admin)
    a = await unit_account(http, server, admin, "新兴镇")
    outcome = await ok(
        await http.post(
            f"/api/meetings/{meeting_id}/outcome",
            json={
                "title": "停车难协商建议",
                "recipients": ["新兴镇人民政府"],
                "items": [{"text": "增设临时停车位", "unit_id": a.unit_id, "due_on": _due(10)}],
            },
            headers=staff,
        ),
        201,
    )
    path = f"/api/outcome-items/{outcome['items'][0]['id']}/records"

    async def steps() -> list[str]:
        db = Database(database_url)
        try:
            async with db.session() as session:
                return [s["step"] for s in await outcomes.topic_timeline(session, meeting_id)]
        finally:
            await db.close()

    assert await steps() == ["submitted"]
    for body in (
        {"kind": "decision", "decision": "adopted"},
        {"kind": "progress", "percent": 100, "note": "已建成"},
        {"kind": "feedback", "note": "临时停车位已投入使用"},
    ):
        await ok(await http.post(path, json=body, headers=a.headers), 201)
    assert await steps() == ["submitted", "adopted", "implemented", "fed_back"]
