"""The JSON API: health, org units, rooms, people and meetings, each checked by role."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import bearer, live_client, login_token
from tests.live.conftest import new_person


async def test_healthz_reports_database_and_realtime(http: httpx.AsyncClient) -> None:
    r = await http.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "realtime": "memory"}


async def test_openapi_describes_the_api(http: httpx.AsyncClient) -> None:
    doc = (await http.get("/api/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    assert "/api/meetings/{meeting_id}" in doc["paths"]
    assert doc["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]["application/json"]
    assert "MeetingOut" in doc["components"]["schemas"]


async def test_rooms_and_meetings_are_listed_for_signed_in_people(
    http: httpx.AsyncClient, member_token: str, demo: dict[str, Any]
) -> None:
    rooms = (await http.get("/api/rooms", headers=bearer(member_token))).json()["items"]
    # The demo's five rooms (tests that ran before may have added more).
    assert len([r for r in rooms if r["name"].endswith("“有事好商量”协商议事室")]) == 5
    assert {r["level"] for r in rooms} == {"township", "village"}
    assert any(r["name"] == "五星街道“有事好商量”协商议事室" for r in rooms)
    meetings = (await http.get("/api/meetings?room_id=1", headers=bearer(member_token))).json()
    meeting = next(m for m in meetings["items"] if m["id"] == demo["meeting_id"])
    assert meeting["mode"] == "hybrid"
    assert [r["title"] for r in meeting["agenda"][0]["rounds"]][:3] == [
        "介绍议题",
        "情况通报",
        "委员发言",
    ]
    units = (await http.get("/api/org-units", headers=bearer(member_token))).json()["items"]
    assert [u["level"] for u in units].count("county") == 2


async def test_errors_are_json_never_html(http: httpx.AsyncClient, member_token: str) -> None:
    for path in ("/api/rooms/999", "/api/nowhere", "/api/meetings/abc"):
        r = await http.get(path, headers=bearer(member_token))
        assert r.status_code in (400, 404)
        assert r.headers["content-type"].startswith("application/json")
        assert set(r.json()["error"]) == {"code", "message"}
    r = await http.get("/api/rooms/999", headers=bearer(member_token))
    assert r.json()["error"]["message"] == "协商议事室不存在"


async def test_malformed_json_is_refused(http: httpx.AsyncClient, admin_token: str) -> None:
    r = await http.post(
        "/api/org-units",
        content=b'{"name": "x", ',
        headers={**bearer(admin_token), "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"] == {"code": "invalid", "message": "请求体不是有效的 JSON"}


async def test_over_long_fields_are_refused_and_change_nothing(
    http: httpx.AsyncClient, staff_token: str
) -> None:
    before = (await http.get("/api/meetings/1", headers=bearer(staff_token))).json()
    r = await http.patch("/api/meetings/1", json={"title": "长" * 201}, headers=bearer(staff_token))
    assert r.status_code == 400
    assert "title" in r.json()["error"]["message"] and "200" in r.json()["error"]["message"]
    r = await http.patch("/api/meetings/1", json={"unknown": 1}, headers=bearer(staff_token))
    assert r.status_code == 400 and "不认识的字段" in r.json()["error"]["message"]
    after = (await http.get("/api/meetings/1", headers=bearer(staff_token))).json()
    assert after == before


async def test_a_member_cannot_use_admin_endpoints(
    http: httpx.AsyncClient, member_token: str
) -> None:
    attempts = [
        ("POST", "/api/org-units", {"name": "假组织", "level": "city"}),
        ("POST", "/api/people", {"username": "intruder", "name": "冒充者", "category": "guest"}),
        ("PATCH", "/api/rooms/1", {"name": "改名"}),
        ("POST", "/api/people/3/roles", {"role": "admin"}),
        (
            "POST",
            "/api/meetings",
            {
                "room_id": 1,
                "title": "未授权的会议",
                "topic_title": "x",
                "place": "x",
                "mode": "online",
                "starts_at": "2026-12-01T09:00:00+08:00",
            },
        ),
    ]
    for method, path, body in attempts:
        r = await http.request(method, path, json=body, headers=bearer(member_token))
        assert r.status_code == 403, (path, r.text)
        error = r.json()["error"]
        assert error["code"] == "forbidden"
        assert error["message"].startswith("您没有「") and "权限" in error["message"], error
    assert (await http.get("/api/people", headers=bearer(member_token))).status_code == 403
    rooms = (await http.get("/api/rooms/1", headers=bearer(member_token))).json()
    assert rooms["name"] != "改名"


async def test_admin_builds_the_org_tree_by_its_levels(
    http: httpx.AsyncClient, admin_token: str
) -> None:
    units = (await http.get("/api/org-units", headers=bearer(admin_token))).json()["items"]
    county = next(u for u in units if u["name"] == "盐都区")
    wrong = await http.post(
        "/api/org-units",
        json={"name": "楼王村", "level": "village", "parent_id": county["id"]},
        headers=bearer(admin_token),
    )
    assert wrong.status_code == 400 and "镇（街道、园区）" in wrong.json()["error"]["message"]
    town = await http.post(
        "/api/org-units",
        json={"name": "楼王镇", "level": "township", "parent_id": county["id"]},
        headers=bearer(admin_token),
    )
    assert town.status_code == 201
    room = await http.post(
        "/api/rooms",
        json={"name": "楼王镇“有事好商量”协商议事室", "org_unit_id": town.json()["id"]},
        headers=bearer(admin_token),
    )
    assert room.status_code == 201 and room.json()["level"] == "township"
    person = await http.post(
        "/api/people",
        json={
            "username": "louwang_staff",
            "name": "蒋文",
            "category": "official",
            "password": "louwang-2026",
        },
        headers=bearer(admin_token),
    )
    assert person.status_code == 201
    dup = await http.post(
        "/api/people",
        json={"username": "louwang_staff", "name": "蒋文", "category": "official"},
        headers=bearer(admin_token),
    )
    assert dup.status_code == 409
    granted = await http.post(
        f"/api/people/{person.json()['id']}/roles",
        json={"role": "staff", "room_id": room.json()["id"]},
        headers=bearer(admin_token),
    )
    assert granted.json()["roles"] == [
        {"role": "staff", "org_unit_id": None, "room_id": room.json()["id"]}
    ]


async def test_staff_schedules_and_updates_a_meeting(
    http: httpx.AsyncClient, staff_token: str, demo: dict[str, Any]
) -> None:
    body = {
        "room_id": 1,
        "title": "五星街道农村生活污水治理协商会",
        "topic_title": "农村生活污水治理",
        "starts_at": "2026-12-10T09:00:00+08:00",
        "ends_at": "2026-12-10T11:00:00+08:00",
        "place": "五星街道党群服务中心",
        "mode": "in_room",
        "agenda": [
            {
                "title": "污水管网入户",
                "rounds": [{"kind": "briefing", "title": "情况通报", "time_limit_s": 600}],
            }
        ],
    }
    r = await http.post("/api/meetings", json=body, headers=bearer(staff_token))
    assert r.status_code == 201, r.text
    meeting = r.json()
    assert meeting["starts_at"] == "2026-12-10T01:00:00Z"
    assert meeting["agenda"][0]["rounds"][0]["kind"] == "briefing"
    bad = await http.patch(
        f"/api/meetings/{meeting['id']}",
        json={"ends_at": "2026-12-10T08:00:00+08:00"},
        headers=bearer(staff_token),
    )
    assert (
        bad.status_code == 400 and bad.json()["error"]["message"] == "会议结束时间必须晚于开始时间"
    )
    ok = await http.patch(
        f"/api/meetings/{meeting['id']}", json={"mode": "hybrid"}, headers=bearer(staff_token)
    )
    assert ok.json()["mode"] == "hybrid"
    other_room = await http.post(
        "/api/meetings", json={**body, "room_id": 3}, headers=bearer(staff_token)
    )
    assert other_room.status_code == 403


async def test_speaking_rules_are_planned_with_the_meeting_and_fixed_once_it_opens(
    server: str, http: httpx.AsyncClient, staff_token: str
) -> None:
    body = {
        "room_id": 1,
        "title": "五星街道停车难协商会",
        "topic_title": "小区停车难",
        "starts_at": "2026-12-12T09:00:00+08:00",
        "place": "五星街道党群服务中心",
        "mode": "hybrid",
        "agenda": [{"title": "停车位规划", "rounds": [{"kind": "discussion", "title": "讨论"}]}],
        "speaking_rules": {"budgets_s": {"member": 900, "stakeholder": 900}, "speech_limit_s": 120},
    }
    staff = bearer(staff_token)
    r = await http.post("/api/meetings", json=body, headers=staff)
    assert r.status_code == 201, r.text
    meeting = r.json()
    rules = meeting["speaking_rules"]
    assert rules["budgets_s"] == {"member": 900, "stakeholder": 900}
    assert rules["speech_limit_s"] == 120
    assert rules["points_of_order_first"] is True  # a rule not given keeps its default
    path = f"/api/meetings/{meeting['id']}"

    # A bad rule is refused with the machine's own sentence, and nothing changes.
    for wrong in ({"budgets_s": {"member": 10}}, {"budgets_s": {"菜农": 900}}, {"speed": 1}):
        bad = await http.patch(path, json={"speaking_rules": wrong}, headers=staff)
        assert bad.status_code == 400, bad.text
        assert bad.json()["error"]["message"].startswith("发言规则有误")
    assert (await http.get(path, headers=staff)).json()["speaking_rules"] == rules

    changed = await http.patch(
        path, json={"speaking_rules": {"budgets_s": {"official": 600}}}, headers=staff
    )
    assert changed.json()["speaking_rules"]["budgets_s"] == {"official": 600}

    # The live meeting opens on first join; its snapshot carries the planned rules, and
    # from then on neither the rules nor the agenda can change.
    client = await live_client(server, {"token": staff_token})
    try:
        ack = await client.call("join", {"meeting_id": meeting["id"]}, namespace="/live")
    finally:
        await client.disconnect()
    assert ack["snapshot"]["settings"]["budgets_s"] == {"official": 600}
    assert ack["snapshot"]["budgets"]["official"]["budget_s"] == 600
    for change in ({"speaking_rules": {"budgets_s": {"member": 600}}}, {"agenda": []}):
        late = await http.patch(path, json=change, headers=staff)
        assert late.status_code == 409
        assert late.json()["error"]["message"] == "会议已开始，不能再修改议程和发言规则"
    assert (await http.get(path, headers=staff)).json()["speaking_rules"]["budgets_s"] == {
        "official": 600
    }


async def test_each_person_learns_their_own_place_in_a_meeting(
    server: str, http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> None:
    path = f"/api/meetings/{demo['meeting_id']}/me"
    accounts = demo["accounts"]
    places = {}
    for key, account in (
        ("moderator", accounts["moderator"]),
        ("staff", accounts["staff"]),
        ("member", accounts["members"][0]),
    ):
        r = await http.get(path, headers=bearer(await login_token(server, account)))
        assert r.status_code == 200, r.text
        places[key] = r.json()
    assert [places[k]["role"] for k in ("moderator", "staff", "member")] == [
        "moderator",
        "staff",
        "participant",
    ]
    roster = await http.get(
        f"/api/meetings/{demo['meeting_id']}/participants", headers=bearer(admin_token)
    )
    ids = {p["name"]: p["id"] for p in roster.json()["items"]}
    assert places["member"]["participant_id"] == ids[accounts["members"][0]["name"]]

    # Someone signed in but on no roster and with no grant over the room is nothing here.
    _, outsider = await new_person(http, admin_token, "韩志刚", "guest")
    r = await http.get(path, headers=bearer(outsider))
    assert r.json() == {"role": None, "participant_id": None}
    anonymous = await http.get(path)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["message"] == "请先登录"
