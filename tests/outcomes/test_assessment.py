"""The yearly assessment (第二十二—二十六条): rooms behind their required activities, the
contract's shape, the city's excellent rooms, member duty records scored by the stored rules."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
import openpyxl

from tests.conftest import bearer, login_token
from tests.outcomes.conftest import YEAR, check_in_twice, ok, signed_meeting

ROW_KEYS = {
    "room_id",
    "name",
    "level",
    "activities",
    "required",
    "behind",
    "outcomes",
    "adopted",
    "implemented",
}


async def _rows(http: httpx.AsyncClient, headers: dict[str, str]) -> dict[int, dict[str, Any]]:
    found = await ok(await http.get(f"/api/assessment?year={YEAR}", headers=headers))
    assert set(found) == {"rooms"}
    for row in found["rooms"]:
        assert set(row) == ROW_KEYS
    return {r["room_id"]: r for r in found["rooms"]}


async def _new_room(http: httpx.AsyncClient, admin: dict[str, str]) -> int:
    units = (await ok(await http.get("/api/org-units", headers=admin)))["items"]
    county = next(u["id"] for u in units if u["name"] == "盐都区")
    unit = await ok(
        await http.post(
            "/api/org-units",
            json={
                "name": f"考核镇{uuid.uuid4().hex[:4]}",
                "level": "township",
                "parent_id": county,
            },
            headers=admin,
        ),
        201,
    )
    room = await ok(
        await http.post(
            "/api/rooms",
            json={"name": f"{unit['name']}协商议事室", "org_unit_id": unit["id"]},
            headers=admin,
        ),
        201,
    )
    return int(room["id"])


async def _office(
    http: httpx.AsyncClient, server: str, admin: dict[str, str], unit: str
) -> dict[str, str]:
    units = (await ok(await http.get("/api/org-units", headers=admin)))["items"]
    unit_id = next(u["id"] for u in units if u["name"] == unit)
    username = f"office{uuid.uuid4().hex[:8]}"
    person = await ok(
        await http.post(
            "/api/people",
            json={
                "username": username,
                "name": "政协办公室",
                "category": "official",
                "password": "office-pass-2026",
                "org_unit_id": unit_id,
            },
            headers=admin,
        ),
        201,
    )
    await ok(
        await http.post(
            f"/api/people/{person['id']}/roles",
            json={"role": "cppcc_staff", "org_unit_id": unit_id},
            headers=admin,
        )
    )
    return bearer(await login_token(server, {"username": username, "password": "office-pass-2026"}))


async def test_a_township_room_with_one_activity_this_year_is_behind(
    http: httpx.AsyncClient, admin: dict[str, str], server: str, member_token: str
) -> None:
    room_id = await _new_room(http, admin)
    county = await _office(http, server, admin, "盐都区")
    before = (await _rows(http, county))[room_id]
    assert before["activities"] == 0 and before["required"] == 2 and before["behind"]

    await signed_meeting(http, admin, room_id=room_id)
    await signed_meeting(http, admin, room_id=room_id, held=False)  # planned, not held
    one = (await _rows(http, county))[room_id]
    assert one["activities"] == 1 and one["behind"]

    await signed_meeting(http, admin, room_id=room_id)
    two = (await _rows(http, county))[room_id]
    assert two["activities"] == 2 and not two["behind"]

    # The county sees its own rooms only; a member is refused.
    tinghu = await _office(http, server, admin, "亭湖区")
    assert room_id not in await _rows(http, tinghu)
    member = await http.get(f"/api/assessment?year={YEAR}", headers=bearer(member_token))
    assert member.status_code == 403 and member.json()["error"]["code"] == "forbidden"
    assert (await http.get("/api/assessment?year=20x6", headers=county)).status_code == 400

    # Required activities are per level and stored: the office may raise them.
    rules = await ok(await http.get("/api/assessment/rules", headers=admin))
    try:
        await ok(
            await http.put(
                "/api/assessment/rules", json={"required": {"township": 3}}, headers=admin
            )
        )
        assert (await _rows(http, county))[room_id]["behind"]
    finally:
        await ok(
            await http.put(
                "/api/assessment/rules",
                json={"required": {"township": rules["required"]["township"]}},
                headers=admin,
            )
        )
    assert (await http.put("/api/assessment/rules", json={}, headers=county)).status_code == 403

    dash = await ok(await http.get(f"/api/assessment/dashboard?year={YEAR}", headers=county))
    assert sum(dash["activities_by_month"]) >= 2 and 0 <= dash["months_left"] <= 12

    exported = await http.get(
        f"/api/assessment/export?year={YEAR}&table=rooms&format=xlsx", headers=county
    )
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(str(n).startswith("考核镇") for n in names)
    csv = await http.get(
        f"/api/assessment/export?year={YEAR}&table=rooms&format=csv", headers=county
    )
    assert csv.text.lstrip("\ufeff").startswith("编号,协商议事室")


async def test_only_the_city_marks_an_excellent_room_with_evidence(
    http: httpx.AsyncClient, admin: dict[str, str], server: str
) -> None:
    room_id = await _new_room(http, admin)
    county = await _office(http, server, admin, "盐都区")
    city = await _office(http, server, admin, "盐城市")
    body = {"year": YEAR, "evidence": "全年举办协商活动 6 次，成果全部采纳落实"}
    assert (
        await http.post(f"/api/rooms/{room_id}/awards", json=body, headers=county)
    ).status_code == 403
    await ok(await http.post(f"/api/rooms/{room_id}/awards", json=body, headers=city))
    dash = await ok(await http.get(f"/api/assessment/dashboard?year={YEAR}", headers=county))
    assert [a["evidence"] for a in dash["awards"] if a["room_id"] == room_id] == [body["evidence"]]


async def test_duty_scores_follow_the_rule_table_and_count_each_activity_once(
    http: httpx.AsyncClient, admin: dict[str, str], server: str
) -> None:
    username = f"duty{uuid.uuid4().hex[:8]}"
    person = await ok(
        await http.post(
            "/api/people",
            json={
                "username": username,
                "name": "钱委员",
                "category": "member",
                "cppcc_level": "county",
                "password": "duty-pass-2026",
            },
            headers=admin,
        ),
        201,
    )
    token = await login_token(server, {"username": username, "password": "duty-pass-2026"})
    meeting_id = await signed_meeting(http, admin, held=False)
    entry = await ok(
        await http.post(
            f"/api/meetings/{meeting_id}/participants",
            json={"person_id": person["id"]},
            headers=admin,
        ),
        201,
    )
    await check_in_twice(server, admin, token, meeting_id)
    assert entry["id"]

    mine = await ok(await http.get(f"/api/me/duty?year={YEAR}", headers=bearer(token)))
    assert mine["counts"]["invited"] == 1 and mine["counts"]["attended"] == 1
    rules = await ok(await http.get("/api/assessment/rules", headers=admin))
    attended = rules["duty"]["attended"]
    assert mine["points"]["attended"] == attended["points"]
    try:
        await ok(
            await http.put(
                "/api/assessment/rules",
                json={"duty": {"attended": {"points": 5, "cap": None}}},
                headers=admin,
            )
        )
        changed = await ok(await http.get(f"/api/me/duty?year={YEAR}", headers=bearer(token)))
        assert changed["points"]["attended"] == 5
        assert changed["score"] == mine["score"] - attended["points"] + 5
    finally:
        await ok(
            await http.put(
                "/api/assessment/rules", json={"duty": {"attended": attended}}, headers=admin
            )
        )
    office = await ok(await http.get(f"/api/assessment/duty?year={YEAR}", headers=admin))
    assert [r["counts"]["attended"] for r in office["items"] if r["person_id"] == person["id"]] == [
        1
    ]


async def test_training_counts_in_the_duty_record_and_reports_attach_to_a_room(
    http: httpx.AsyncClient, admin: dict[str, str], server: str, staff_token: str
) -> None:
    username = f"train{uuid.uuid4().hex[:8]}"
    person = await ok(
        await http.post(
            "/api/people",
            json={
                "username": username,
                "name": "孙委员",
                "category": "member",
                "password": "train-pass-2026",
            },
            headers=admin,
        ),
        201,
    )
    token = bearer(await login_token(server, {"username": username, "password": "train-pass-2026"}))
    county = await _office(http, server, admin, "亭湖区")
    units = {
        u["name"]: u["id"]
        for u in (await ok(await http.get("/api/org-units", headers=admin)))["items"]
    }
    body = {
        "org_unit_id": units["亭湖区"],
        "title": "协商议事骨干专题培训班",
        "held_on": f"{YEAR}-06-01",
        "place": "区政协会议室",
        "attendee_ids": [person["id"], person["id"]],
    }
    made = await ok(await http.post("/api/trainings", json=body, headers=county), 201)
    assert made["attendee_ids"] == [person["id"]]  # listed twice, attended once
    elsewhere = await http.post(
        "/api/trainings", json={**body, "org_unit_id": units["盐都区"]}, headers=county
    )
    assert elsewhere.status_code == 403
    mine = await ok(await http.get(f"/api/me/duty?year={YEAR}", headers=token))
    assert mine["counts"]["training"] == 1
    listed = await ok(await http.get(f"/api/trainings?year={YEAR}", headers=county))
    assert made["id"] in [t["id"] for t in listed["items"]]

    report = {
        "title": "五星街道议事室协商解决停车难",
        "url": "https://mp.weixin.qq.com/s/example",
        "channel": "wechat",
        "published_on": f"{YEAR}-06-02",
    }
    added = await ok(
        await http.post("/api/rooms/1/publicity", json=report, headers=bearer(staff_token)), 201
    )
    bad = await http.post(
        "/api/rooms/1/publicity",
        json={**report, "url": "javascript:alert(1)"},
        headers=bearer(staff_token),
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "url"
    found = await ok(await http.get("/api/rooms/1/publicity", headers=token))
    assert added["id"] in [p["id"] for p in found["items"]]
