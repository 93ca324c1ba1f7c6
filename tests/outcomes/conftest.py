"""A consultation of the demo's 五星街道 room with its recommendation report signed off, and
accounts of the units responsible for its recommendations (`unit_officer` grants)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.conftest import bearer, live_client, login_token

TRANSCRIPT = """\
刘建国：今天围绕农贸市场周边停车难进行协商。
王海燕：建议利用市场东侧闲置地块增设临时停车位，缓解早高峰停车压力。
黄伟：建议推动周边单位夜间和周末共享车位，由街道牵头协调。
赵明德：建议规范早市时段临时停车管理，城管和交警联合执法。
刘建国：经过协商，会议议定：一是增设临时停车位；二是推动错时共享停车；三是规范早市临时停车管理。
"""
_names = itertools.count(1)
# When the tests' meetings were held: an hour ago, so the year is the current one in Beijing.
HELD_AT = datetime.now(UTC) - timedelta(hours=1)
YEAR = HELD_AT.astimezone(timezone(timedelta(hours=8))).year


@dataclass
class Unit:
    """A responsible org unit and the token of its account."""

    unit_id: int
    name: str
    token: str
    person_id: int

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def signed_meeting(
    http: httpx.AsyncClient, admin: dict[str, str], *, room_id: int = 1, held: bool = True
) -> int:
    """A meeting of the room, held, whose minutes and report the moderator signed off."""
    body = {
        "room_id": room_id,
        "title": f"农贸市场周边停车难协商议事会{next(_names)}",
        "topic_title": "农贸市场周边停车难",
        "starts_at": HELD_AT.isoformat(),
        "place": "五星街道党群服务中心",
        "mode": "hybrid",
        "agenda": [{"title": "停车难", "rounds": [{"kind": "discussion", "title": "讨论"}]}],
    }
    meeting = await ok(await http.post("/api/meetings", json=body, headers=admin), 201)
    base = f"/api/meetings/{meeting['id']}"
    if held:
        await hold(str(http.base_url), admin["Authorization"][7:], meeting["id"])
    await ok(
        await http.post(
            f"{base}/transcript/import?filename=a.txt", content=TRANSCRIPT.encode(), headers=admin
        )
    )
    minutes = await ok(await http.post(f"{base}/minutes", json={}, headers=admin), 201)
    await ok(await http.post(f"{base}/minutes/{minutes['number']}/sign", headers=admin))
    report = await ok(await http.post(f"{base}/recommendations", json={}, headers=admin), 201)
    await ok(await http.post(f"{base}/recommendations/{report['number']}/sign", headers=admin))
    return int(meeting["id"])


async def hold(server: str, token: str, meeting_id: int) -> None:
    """The meeting is held: its moderator opens it live and closes it (status `ended`)."""
    client = await live_client(server, {"token": token})
    try:
        ack = await client.call("join", {"meeting_id": meeting_id}, namespace="/live", timeout=30)
        assert ack["ok"], ack
        reply = await client.call(
            "command",
            {"id": uuid.uuid4().hex, "type": "meeting.close", "data": {}},
            namespace="/live",
            timeout=30,
        )
        assert reply["ok"], reply
    finally:
        await client.disconnect()


async def check_in_twice(server: str, admin: dict[str, str], token: str, meeting_id: int) -> None:
    """The member joins from two devices and checks in twice (in the room, then remotely);
    the moderator closes the meeting."""
    clients = [await live_client(server, {"token": token}) for _ in range(2)]
    try:
        for client, mode in zip(clients, ("in_room", "remote"), strict=True):
            joined = await client.call(
                "join", {"meeting_id": meeting_id}, namespace="/live", timeout=30
            )
            assert joined["ok"], joined
            reply = await client.call(
                "command",
                {"id": uuid.uuid4().hex, "type": "attendance.check_in", "data": {"mode": mode}},
                namespace="/live",
                timeout=30,
            )
            assert reply["ok"], reply
        await hold(server, admin["Authorization"][7:], meeting_id)
    finally:
        for client in clients:
            await client.disconnect()


async def unit_account(
    http: httpx.AsyncClient, server: str, admin: dict[str, str], unit_name: str
) -> Unit:
    units = (await ok(await http.get("/api/org-units", headers=admin)))["items"]
    unit_id = next(u["id"] for u in units if u["name"] == unit_name)
    username = f"unit{next(_names)}_{uuid.uuid4().hex[:6]}"
    person = await ok(
        await http.post(
            "/api/people",
            json={
                "username": username,
                "name": f"{unit_name[:3]}联络员",
                "category": "official",
                "password": "unit-pass-2026",
                "phone": "13800000000",
                "org_unit_id": unit_id,
            },
            headers=admin,
        ),
        201,
    )
    await ok(
        await http.post(
            f"/api/people/{person['id']}/roles",
            json={"role": "unit_officer", "org_unit_id": unit_id},
            headers=admin,
        )
    )
    token = await login_token(server, {"username": username, "password": "unit-pass-2026"})
    return Unit(unit_id, unit_name, token, person["id"])


@pytest.fixture
async def admin(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)
