"""Role grants and account changes stay within the granter's own reach.

Two rules (server/policy.py): nobody grants a role they could not hand out over a scope they
do not cover, and nobody changes the account of someone who holds more than they do.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import bearer, login_token

PASSWORD = "grant-pass-2026"


async def _person(
    http: httpx.AsyncClient, admin: str, name: str, org_unit: int | None
) -> tuple[int, dict[str, str]]:
    account = {"username": f"g_{uuid.uuid4().hex[:10]}", "password": PASSWORD}
    r = await http.post(
        "/api/people",
        json={**account, "name": name, "category": "official", "org_unit_id": org_unit},
        headers=bearer(admin),
    )
    assert r.status_code == 201, r.text
    return r.json()["id"], account


async def _grant(http: httpx.AsyncClient, admin: str, person: int, grant: dict[str, Any]) -> None:
    r = await http.post(f"/api/people/{person}/roles", json=grant, headers=bearer(admin))
    assert r.status_code == 200, r.text


async def _units(http: httpx.AsyncClient, token: str) -> dict[str, int]:
    items = (await http.get("/api/org-units", headers=bearer(token))).json()["items"]
    return {u["name"]: u["id"] for u in items}


async def _admin_id(http: httpx.AsyncClient, admin_token: str) -> int:
    me = (await http.get("/api/me", headers=bearer(admin_token))).json()
    admin_id: int = me["id"]
    return admin_id


async def test_room_scoped_staff_cannot_grant_themselves_the_city(
    server: str, http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> None:
    """Finding 1: a CPPCC staff of one room asked for the city root with the room beside it."""
    units = await _units(http, admin_token)
    me, account = await _person(http, admin_token, "许晓燕", units["五星街道"])
    await _grant(http, admin_token, me, {"role": "cppcc_staff", "room_id": 1})
    token = bearer(await login_token(server, account))
    city = next(iter(units.values()))
    both = await http.post(
        f"/api/people/{me}/roles",
        json={"role": "cppcc_staff", "org_unit_id": city, "room_id": 1},
        headers=token,
    )
    assert both.status_code == 400, both.text
    assert "只能授予在一个组织或一个协商议事室上" in both.json()["error"]["message"]
    wider = await http.post(
        f"/api/people/{me}/roles", json={"role": "cppcc_staff", "org_unit_id": city}, headers=token
    )
    assert wider.status_code == 403, wider.text
    mine = (await http.get(f"/api/people/{me}", headers=bearer(admin_token))).json()["roles"]
    assert mine == [{"role": "cppcc_staff", "org_unit_id": None, "room_id": 1}]
    # With no more than the room, the admin's account is out of reach.
    admin_id = await _admin_id(http, admin_token)
    reset = await http.patch(
        f"/api/people/{admin_id}", json={"password": "taken-over-2026"}, headers=token
    )
    assert reset.status_code == 403, reset.text
    taken = await http.post(
        "/api/auth/login",
        json={"username": demo["accounts"]["admin"]["username"], "password": "taken-over-2026"},
    )
    assert taken.status_code == 401


async def test_unit_staff_cannot_reset_or_deactivate_the_admin_filed_under_their_unit(
    server: str, http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> None:
    """Finding 2: the demo admin is filed under 五星街道, as is this township's CPPCC staff."""
    units = await _units(http, admin_token)
    staff, account = await _person(http, admin_token, "陶文静", units["五星街道"])
    await _grant(
        http, admin_token, staff, {"role": "cppcc_staff", "org_unit_id": units["五星街道"]}
    )
    token = bearer(await login_token(server, account))
    admin_id = await _admin_id(http, admin_token)
    for change in ({"password": "taken-over-2026"}, {"active": False}, {"name": "改名"}):
        r = await http.patch(f"/api/people/{admin_id}", json=change, headers=token)
        assert r.status_code == 403, (change, r.text)
        assert "无权授予的角色" in r.json()["error"]["message"]
    assert (await http.get("/api/me", headers=bearer(admin_token))).status_code == 200
    # A county's CPPCC staff (holding more) is out of reach too; a plain member is not.
    county, _ = await _person(http, admin_token, "钟国平", units["五星街道"])
    await _grant(http, admin_token, county, {"role": "cppcc_staff", "org_unit_id": units["亭湖区"]})
    r = await http.patch(f"/api/people/{county}", json={"active": False}, headers=token)
    assert r.status_code == 403, r.text
    plain, _ = await _person(http, admin_token, "姜海燕", units["五星街道"])
    r = await http.patch(f"/api/people/{plain}", json={"phone": "13800000000"}, headers=token)
    assert r.status_code == 200 and r.json()["phone"] == "13800000000"


async def test_grants_stay_within_what_the_granter_may_hand_out(
    server: str, http: httpx.AsyncClient, admin_token: str
) -> None:
    units = await _units(http, admin_token)
    staff, account = await _person(http, admin_token, "邵明", units["五星街道"])
    await _grant(
        http, admin_token, staff, {"role": "cppcc_staff", "org_unit_id": units["五星街道"]}
    )
    token = bearer(await login_token(server, account))
    someone, _ = await _person(http, admin_token, "梁秀英", units["五星街道"])
    allowed = await http.post(
        f"/api/people/{someone}/roles", json={"role": "moderator", "room_id": 1}, headers=token
    )
    assert allowed.status_code == 200, allowed.text
    refused = [
        {"role": "admin"},  # everywhere
        {"role": "party_reviewer", "org_unit_id": units["五星街道"]},  # not a CPPCC role
        {"role": "moderator", "room_id": 2},  # another township's room
        {"role": "cppcc_staff", "org_unit_id": units["亭湖区"]},  # the county above
    ]
    for grant in refused:
        r = await http.post(f"/api/people/{someone}/roles", json=grant, headers=token)
        assert r.status_code == 403, (grant, r.text)
    roles = (await http.get(f"/api/people/{someone}", headers=bearer(admin_token))).json()
    assert roles["roles"] == [{"role": "moderator", "org_unit_id": None, "room_id": 1}]


async def test_nobody_takes_a_role_back_from_someone_who_holds_more(
    server: str, http: httpx.AsyncClient, admin_token: str
) -> None:
    """Taking a role back changes the account: the admin keeps even a room role that a
    township's CPPCC staff could hand out to anyone else."""
    units = await _units(http, admin_token)
    staff, account = await _person(http, admin_token, "谢振华", units["五星街道"])
    await _grant(
        http, admin_token, staff, {"role": "cppcc_staff", "org_unit_id": units["五星街道"]}
    )
    token = bearer(await login_token(server, account))
    admin_id = await _admin_id(http, admin_token)
    await _grant(http, admin_token, admin_id, {"role": "staff", "room_id": 1})
    refused = await http.post(
        f"/api/people/{admin_id}/roles/revoke", json={"role": "staff", "room_id": 1}, headers=token
    )
    assert refused.status_code == 403, refused.text
    plain, _ = await _person(http, admin_token, "苏晓梅", units["五星街道"])
    await _grant(http, admin_token, plain, {"role": "staff", "room_id": 1})
    taken = await http.post(
        f"/api/people/{plain}/roles/revoke", json={"role": "staff", "room_id": 1}, headers=token
    )
    assert taken.status_code == 200, taken.text
    roles = (await http.get(f"/api/people/{admin_id}", headers=bearer(admin_token))).json()
    assert {"role": "staff", "org_unit_id": None, "room_id": 1} in roles["roles"]
