"""The yearly duty menu (履职菜单, 第二十三条): the county's CPPCC staff plan a member's
activities, the member sees their own plan beside their record, staff of another county are
refused, and what was done comes from the product's records, each activity counted once."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from server.db.models_outcomes import MENU_KINDS
from server.domain.duty_menu import Line, allocate
from tests.conftest import bearer, login_token
from tests.outcomes.conftest import YEAR, check_in_twice, ok, signed_meeting
from tests.outcomes.test_assessment import _office

PASSWORD = "menu-pass-2026"


async def _units(http: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, int]:
    found = await ok(await http.get("/api/org-units", headers=admin))
    return {u["name"]: u["id"] for u in found["items"]}


async def _member(http: httpx.AsyncClient, admin: dict[str, str], unit: str) -> tuple[int, str]:
    units = await _units(http, admin)
    username = f"menu{uuid.uuid4().hex[:8]}"
    person = await ok(
        await http.post(
            "/api/people",
            json={
                "username": username,
                "name": "周委员",
                "category": "member",
                "cppcc_level": "county",
                "password": PASSWORD,
                "org_unit_id": units[unit],
            },
            headers=admin,
        ),
        201,
    )
    return int(person["id"]), username


MENU = {
    "year": YEAR,
    "lines": [
        {"kind": "attended", "target": 2, "room_id": 1, "topic": "老旧小区加装电梯"},
        {"kind": "attended", "target": 1},
        {"kind": "training", "target": 1},
    ],
}


async def test_a_member_sees_their_own_menu_and_each_activity_counts_once(
    http: httpx.AsyncClient, admin: dict[str, str], server: str
) -> None:
    person_id, username = await _member(http, admin, "五星街道")
    other_id, _ = await _member(http, admin, "五星街道")
    token = await login_token(server, {"username": username, "password": PASSWORD})
    county = await _office(http, server, admin, "亭湖区")
    far = await _office(http, server, admin, "盐都区")

    path = f"/api/people/{person_id}/duty-menu"
    refused = await http.put(path, json=MENU, headers=far)
    assert refused.status_code == 403 and "制定委员履职菜单" in refused.json()["error"]["message"]
    assert (await http.get(f"{path}?year={YEAR}", headers=far)).status_code == 403
    planned = await ok(await http.put(path, json=MENU, headers=county))
    assert [ln["done"] for ln in planned["lines"]] == [0, 0, 0]
    assert planned["planned"] == 4 and planned["behind"] and planned["planned_by"] == "政协办公室"

    meeting_id = await signed_meeting(http, admin, held=False)
    await ok(
        await http.post(
            f"/api/meetings/{meeting_id}/participants", json={"person_id": person_id}, headers=admin
        ),
        201,
    )
    await check_in_twice(server, admin, token, meeting_id)

    mine = await ok(await http.get(f"/api/me/duty-menu?year={YEAR}", headers=bearer(token)))
    assert mine["person_id"] == person_id
    assert mine["record"]["attended"] == 1  # two check-ins, one meeting
    # The one meeting counts for the room's line, not for the general line as well.
    assert [ln["done"] for ln in mine["lines"]] == [1, 0, 0]
    assert mine["lines"][0]["room_name"] and mine["lines"][0]["percent"] == 50
    assert mine["done"] == 1 and mine["behind"]
    duty = await ok(await http.get(f"/api/me/duty?year={YEAR}", headers=bearer(token)))
    assert duty["counts"]["attended"] == mine["record"]["attended"]
    # Their own menu by id too, never someone else's.
    assert (await ok(await http.get(f"{path}?year={YEAR}", headers=bearer(token))))["done"] == 1
    other = await http.get(f"/api/people/{other_id}/duty-menu?year={YEAR}", headers=bearer(token))
    assert other.status_code == 403
    assert (
        await http.put(path, json=MENU, headers=bearer(token))
    ).status_code == 403  # a member does not plan their own menu

    units = await _units(http, admin)
    await ok(
        await http.post(
            "/api/trainings",
            json={
                "org_unit_id": units["亭湖区"],
                "title": "履职能力专题培训班",
                "held_on": f"{YEAR}-03-01",
                "place": "区政协会议室",
                "attendee_ids": [person_id],
            },
            headers=county,
        ),
        201,
    )
    after = await ok(await http.get(f"{path}?year={YEAR}", headers=county))
    assert [ln["done"] for ln in after["lines"]] == [1, 0, 1]

    listed = await ok(await http.get(f"/api/assessment/duty-menus?year={YEAR}", headers=county))
    row = next(r for r in listed["items"] if r["person_id"] == person_id)
    assert row["behind"] and row["planned"] == 4 and row["done"] == 2
    unplanned = next(r for r in listed["items"] if r["person_id"] == other_id)
    assert unplanned["lines"] == [] and not unplanned["behind"]
    elsewhere = await ok(await http.get(f"/api/assessment/duty-menus?year={YEAR}", headers=far))
    assert person_id not in [r["person_id"] for r in elsewhere["items"]]

    exported = await http.get(
        f"/api/assessment/export?year={YEAR}&table=menu&format=csv", headers=county
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "委员", "计划次数", "已完成"]
    mine_row = next(r for r in rows[1:] if r[0] == str(person_id))
    assert mine_row[2:4] == ["4", "2"] and "出席协商活动" in mine_row[5]

    entries = (await ok(await http.get("/api/audit", headers=admin)))["items"]
    assert any(e["action"] == "duty_menu.edit" and e["target_id"] == person_id for e in entries)


async def test_a_menu_staff_could_not_mean_is_refused_and_changes_nothing(
    http: httpx.AsyncClient, admin: dict[str, str], server: str, staff_token: str
) -> None:
    person_id, _ = await _member(http, admin, "新兴镇")
    county = await _office(http, server, admin, "亭湖区")
    path = f"/api/people/{person_id}/duty-menu"
    await ok(await http.put(path, json=MENU, headers=county))
    cases: list[tuple[list[dict[str, Any]], str]] = [
        ([{"kind": "spoke", "target": 1}, {"kind": "spoke", "target": 2}], "lines.1.kind"),
        ([{"kind": "training", "target": 1, "room_id": 1}], "lines.0.room_id"),
        ([{"kind": "attended", "target": 1, "room_id": 999999}], "lines.0.room_id"),
    ]
    for lines, field in cases:
        r = await http.put(path, json={"year": YEAR, "lines": lines}, headers=county)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["field"] == field
    bad_kind = await http.put(
        path, json={"year": YEAR, "lines": [{"kind": "research", "target": 1}]}, headers=county
    )
    assert bad_kind.status_code == 400
    kept = await ok(await http.get(f"{path}?year={YEAR}", headers=county))
    assert [ln["kind"] for ln in kept["lines"]] == ["attended", "attended", "training"]
    staff_member = (await ok(await http.get("/api/me", headers=bearer(staff_token))))["id"]
    not_member = await http.put(f"/api/people/{staff_member}/duty-menu", json=MENU, headers=admin)
    assert not_member.status_code == 400 and "委员" in not_member.json()["error"]["message"]
    # Replacing the menu keeps one version of it.
    again = await ok(
        await http.put(
            path, json={"year": YEAR, "lines": [{"kind": "spoke", "target": 3}]}, headers=county
        )
    )
    assert [(ln["kind"], ln["target"]) for ln in again["lines"]] == [("spoke", 3)]


rooms = st.one_of(st.none(), st.integers(1, 3))


@given(
    lines=st.lists(
        st.tuples(st.sampled_from(MENU_KINDS), st.integers(1, 5), rooms),
        max_size=8,
        unique_by=lambda t: (t[0], t[2]),
    ),
    done=st.dictionaries(
        st.tuples(st.sampled_from(MENU_KINDS), rooms), st.integers(0, 6), max_size=10
    ),
)
def test_no_activity_counts_towards_two_lines(
    lines: list[tuple[str, int, int | None]], done: dict[tuple[str, int | None], int]
) -> None:
    planned = [Line(kind, target, room) for kind, target, room in lines]
    by_kind: dict[str, dict[int | None, int]] = {}
    for (kind, room), count in done.items():
        by_kind.setdefault(kind, {})[room] = count
    got = allocate(planned, by_kind)
    for kind in MENU_KINDS:
        mine = [n for n, ln in enumerate(planned) if ln.kind == kind]
        total = sum(by_kind.get(kind, {}).values())
        assert sum(got[n] for n in mine) <= total
        general = any(planned[n].room_id is None for n in mine)
        if general:  # a general line takes every activity of its kind somewhere
            assert sum(got[n] for n in mine) == total
        for n in mine:  # a room's line counts only that room's activities
            room = planned[n].room_id
            if room is not None and not general:
                assert got[n] == by_kind.get(kind, {}).get(room, 0)
