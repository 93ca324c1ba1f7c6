"""The audit log: privileged decisions are written down, admins read them, nobody edits them.

Grants, password resets and deactivations go through the real API, as an admin does them.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import bearer, login_token

SECRET = "新密码-不应出现在日志里-2026"


async def _new_person(http: httpx.AsyncClient, admin_token: str, name: str) -> dict[str, Any]:
    username = f"audit_{uuid.uuid4().hex[:8]}"
    r = await http.post(
        "/api/people",
        json={"username": username, "name": name, "category": "member", "password": "初始密码2026"},
        headers=bearer(admin_token),
    )
    assert r.status_code == 201, r.text
    person: dict[str, Any] = r.json()
    person["password"] = "初始密码2026"
    return person


async def _audit(
    http: httpx.AsyncClient, token: str, **query: Any
) -> tuple[int, list[dict[str, Any]]]:
    r = await http.get("/api/audit", params=query, headers=bearer(token))
    items: list[dict[str, Any]] = r.json().get("items", []) if r.status_code == 200 else []
    return r.status_code, items


async def test_grants_resets_and_deactivations_are_logged_for_admins(
    http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> None:
    person = await _new_person(http, admin_token, "审计测试甲")
    other = await _new_person(http, admin_token, "审计测试乙")
    granted = await http.post(
        f"/api/people/{person['id']}/roles",
        json={"role": "staff", "room_id": 1},
        headers=bearer(admin_token),
    )
    assert granted.status_code == 200, granted.text
    reset = await http.patch(
        f"/api/people/{person['id']}", json={"password": SECRET}, headers=bearer(admin_token)
    )
    assert reset.status_code == 200, reset.text
    off = await http.patch(
        f"/api/people/{other['id']}", json={"active": False}, headers=bearer(admin_token)
    )
    assert off.status_code == 200, off.text

    status, about_person = await _audit(http, admin_token, person_id=person["id"])
    assert status == 200
    actions = [(e["action"], e["target_type"], e["target_id"]) for e in about_person]
    assert ("role.grant", "person", person["id"]) in actions
    assert ("password.reset", "person", person["id"]) in actions
    assert all(e["target_id"] == person["id"] for e in about_person)
    grant = next(e for e in about_person if e["action"] == "role.grant")
    assert grant["details"] == {"role": "staff", "org_unit_id": None, "room_id": 1}
    admin_name = demo["accounts"]["admin"]["name"]
    assert grant["actor_name"] == admin_name
    assert grant["at"]

    _, about_other = await _audit(http, admin_token, person_id=other["id"])
    assert [e["action"] for e in about_other] == ["person.deactivate"]

    everything = await http.get("/api/audit", headers=bearer(admin_token))
    assert SECRET not in everything.text
    assert "argon2" not in everything.text

    newest = about_person[0]["at"]
    _, later = await _audit(http, admin_token, person_id=person["id"], since="2999-01-01T00:00:00Z")
    assert later == []
    _, earlier = await _audit(
        http, admin_token, person_id=person["id"], until="2000-01-01T00:00:00Z"
    )
    assert earlier == []
    _, window = await _audit(http, admin_token, person_id=person["id"], until=newest)
    assert len(window) == len(about_person)

    bad = await http.get("/api/audit", params={"since": "昨天"}, headers=bearer(admin_token))
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"


async def test_only_admins_read_the_log_and_nobody_changes_it(
    server: str, http: httpx.AsyncClient, admin_token: str, member_token: str
) -> None:
    officer = await _new_person(http, admin_token, "审计测试丙")
    made = await http.post(
        f"/api/people/{officer['id']}/roles",
        json={"role": "cppcc_staff", "org_unit_id": 1},
        headers=bearer(admin_token),
    )
    assert made.status_code == 200, made.text
    officer_token = await login_token(server, officer)
    for token in (officer_token, member_token):
        status, _ = await _audit(http, token)
        assert status == 403
    assert (await http.get("/api/audit")).status_code == 401

    _, before = await _audit(http, admin_token)
    assert before
    entry = before[0]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path in ("/api/audit", f"/api/audit/{entry['id']}"):
            r = await http.request(method, path, json={}, headers=bearer(admin_token))
            assert r.status_code in (404, 405), (method, path, r.status_code)
    _, after = await _audit(http, admin_token)
    assert after[: len(before)] == before


async def test_the_database_itself_refuses_to_change_an_entry(
    http: httpx.AsyncClient, admin_token: str, database_url: str
) -> None:
    person = await _new_person(http, admin_token, "审计测试丁")
    reset = await http.patch(
        f"/api/people/{person['id']}", json={"password": SECRET}, headers=bearer(admin_token)
    )
    assert reset.status_code == 200
    _, entries = await _audit(http, admin_token)
    assert entries
    engine = create_async_engine(database_url)
    try:
        for statement in (
            "UPDATE audit_log SET actor_name = '别人'",
            "DELETE FROM audit_log",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement))
    finally:
        await engine.dispose()
    _, after = await _audit(http, admin_token)
    assert after == entries
