"""Fixtures for topics: the people of the consultation's rules, with their grants.

Everyone is made through the office's own API by the demo admin: a party reviewer of 五星街道,
the county CPPCC staff of 亭湖区, the township's CPPCC staff, a village reviewer of 解放社区.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import bearer, login_token

PASSWORD = "topics-pass-2026"
_n = itertools.count(1)


@dataclass
class Cast:
    """Tokens (as headers) of each person, and the ids of the places they act in."""

    admin: dict[str, str]
    staff: dict[str, str]  # the demo staff of the 五星街道 room
    moderator: dict[str, str]
    reviewer: dict[str, str]  # party_reviewer of 五星街道
    county: dict[str, str]  # cppcc_staff of 亭湖区
    township_cppcc: dict[str, str]  # cppcc_staff of 五星街道 only
    village_reviewer: dict[str, str]  # party_reviewer of 解放社区
    village_staff: dict[str, str]  # staff of the 解放社区 room
    township_room: int
    village_room: int
    reviewer_id: int


async def _person(
    http: httpx.AsyncClient, server: str, admin: dict[str, str], role: str, **where: int
) -> tuple[dict[str, str], int]:
    username = f"t{next(_n)}{uuid.uuid4().hex[:6]}"
    created = await http.post(
        "/api/people",
        json={
            "username": username,
            "name": f"议题{role}",
            "category": "official",
            "password": PASSWORD,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    granted = await http.post(
        f"/api/people/{pid}/roles", json={"role": role, **where}, headers=admin
    )
    assert granted.status_code == 200, granted.text
    token = await login_token(server, {"username": username, "password": PASSWORD})
    return bearer(token), pid


@pytest.fixture(scope="module")
async def cast(server: str, admin_token: str, staff_token: str, moderator_token: str) -> Cast:
    admin = bearer(admin_token)
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        units = {
            u["name"]: u["id"]
            for u in (await http.get("/api/org-units", headers=admin)).json()["items"]
        }
        rooms = (await http.get("/api/rooms", headers=admin)).json()["items"]
        township_room = next(r["id"] for r in rooms if r["org_unit_id"] == units["五星街道"])
        village_room = next(r["id"] for r in rooms if r["org_unit_id"] == units["解放社区"])
        reviewer, reviewer_id = await _person(
            http, server, admin, "party_reviewer", org_unit_id=units["五星街道"]
        )
        county, _ = await _person(http, server, admin, "cppcc_staff", org_unit_id=units["亭湖区"])
        township_cppcc, _ = await _person(
            http, server, admin, "cppcc_staff", org_unit_id=units["五星街道"]
        )
        village_reviewer, _ = await _person(
            http, server, admin, "party_reviewer", org_unit_id=units["解放社区"]
        )
        village_staff, _ = await _person(http, server, admin, "staff", room_id=village_room)
    return Cast(
        admin=admin,
        staff=bearer(staff_token),
        moderator=bearer(moderator_token),
        reviewer=reviewer,
        county=county,
        township_cppcc=township_cppcc,
        village_reviewer=village_reviewer,
        village_staff=village_staff,
        township_room=township_room,
        village_room=village_room,
        reviewer_id=reviewer_id,
    )


async def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def proposed(
    http: httpx.AsyncClient, headers: dict[str, str], room_id: int, title: str, **extra: Any
) -> dict[str, Any]:
    body = {"room_id": room_id, "title": title, "description": f"{title}，居民反映强烈。", **extra}
    return await ok(await http.post("/api/topics", json=body, headers=headers), 201)


async def approved(http: httpx.AsyncClient, cast: Cast, topic_id: int) -> dict[str, Any]:
    await ok(
        await http.post(
            f"/api/topics/{topic_id}/screen", json={"decision": "shortlist"}, headers=cast.staff
        )
    )
    return await ok(
        await http.post(
            f"/api/topics/{topic_id}/review", json={"decision": "approve"}, headers=cast.reviewer
        )
    )


async def village_approved(http: httpx.AsyncClient, cast: Cast, topic_id: int) -> None:
    """A village topic shortlisted by its room's staff and approved by its party reviewer."""
    await ok(
        await http.post(
            f"/api/topics/{topic_id}/screen",
            json={"decision": "shortlist"},
            headers=cast.village_staff,
        )
    )
    await ok(
        await http.post(
            f"/api/topics/{topic_id}/review",
            json={"decision": "approve"},
            headers=cast.village_reviewer,
        )
    )
