"""Signing in and out, tokens, cookies with CSRF, rate limiting and guest invites."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import bearer


async def test_moderator_signs_in_and_the_token_works(
    http: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    account = demo["accounts"]["moderator"]
    r = await http.post(
        "/api/auth/login", json={"username": account["username"], "password": account["password"]}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["name"] == account["name"] == "刘建国"
    assert "hsl_session" in r.cookies and "hsl_csrf" in r.cookies
    me = await http.get("/api/me", headers=bearer(body["token"]))
    assert me.json()["username"] == account["username"]
    assert {"role": "moderator", "org_unit_id": None, "room_id": 1} in me.json()["roles"]


async def test_wrong_password_is_refused_in_chinese(
    http: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    r = await http.post(
        "/api/auth/login", json={"username": "wuzhiqiang", "password": "not-the-password"}
    )
    assert r.status_code == 401
    assert r.json() == {"error": {"code": "unauthorized", "message": "用户名或密码错误"}}
    assert "hsl_session" not in r.cookies


async def test_guessing_is_rate_limited_even_with_the_right_password(
    http: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    account = demo["accounts"]["members"][8]
    codes = []
    for _ in range(5):
        r = await http.post(
            "/api/auth/login", json={"username": account["username"], "password": "guess"}
        )
        codes.append(r.status_code)
    assert codes == [401] * 5
    r = await http.post(
        "/api/auth/login", json={"username": account["username"], "password": account["password"]}
    )
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"


async def test_cookie_writes_need_the_csrf_value(server: str, demo: dict[str, Any]) -> None:
    account = demo["accounts"]["staff"]
    async with httpx.AsyncClient(base_url=server) as browser:
        r = await browser.post(
            "/api/auth/login",
            json={"username": account["username"], "password": account["password"]},
        )
        csrf = r.cookies["hsl_csrf"]
        assert (await browser.get("/api/me")).status_code == 200
        refused = await browser.patch("/api/meetings/1", json={"place": "线上"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
        before = (await browser.get("/api/meetings/1")).json()
        assert before["place"] != "线上"
        wrong = await browser.patch(
            "/api/meetings/1", json={"place": "线上"}, headers={"X-CSRF-Token": "x"}
        )
        assert wrong.status_code == 403
        ok = await browser.patch(
            "/api/meetings/1", json={"place": before["place"]}, headers={"X-CSRF-Token": csrf}
        )
        assert ok.status_code == 200


async def test_logout_ends_the_session(server: str, demo: dict[str, Any]) -> None:
    account = demo["accounts"]["members"][1]
    async with httpx.AsyncClient(base_url=server) as client:
        token = (
            await client.post(
                "/api/auth/login",
                json={"username": account["username"], "password": account["password"]},
            )
        ).json()["token"]
        assert (await client.post("/api/auth/logout", headers=bearer(token))).json() == {"ok": True}
        r = await client.get("/api/me", headers=bearer(token))
        assert r.status_code == 401
        assert r.json()["error"]["message"] == "登录已失效，请重新登录"


async def _guest_invite(http: httpx.AsyncClient, staff_token: str, name: str, ttl_s: int) -> str:
    guest = await http.post(
        "/api/meetings/1/participants",
        json={"guest_name": name, "category": "guest"},
        headers=bearer(staff_token),
    )
    assert guest.status_code == 201, guest.text
    invite = await http.post(
        "/api/meetings/1/invites",
        json={"participant_id": guest.json()["id"], "ttl_s": ttl_s},
        headers=bearer(staff_token),
    )
    assert invite.status_code == 201, invite.text
    assert invite.json()["url"].endswith("/join/" + invite.json()["invite"])
    token: str = invite.json()["invite"]
    return token


async def test_guest_invite_opens_one_meeting(http: httpx.AsyncClient, staff_token: str) -> None:
    token = await _guest_invite(http, staff_token, "钱晓东", 3600)
    info = await http.get(f"/api/invites/{token}")
    assert info.status_code == 200
    assert info.json()["participant"]["name"] == "钱晓东"
    assert info.json()["meeting"]["topic_title"] == "老旧小区加装电梯"
    as_guest = await http.get("/api/meetings/1", headers={"X-Invite": token})
    assert as_guest.status_code == 200
    rooms = await http.get("/api/rooms", headers={"X-Invite": token})
    assert (
        rooms.status_code == 403 and "邀请链接只能用于参加会议" in rooms.json()["error"]["message"]
    )


async def test_forged_and_expired_invites_are_refused(
    http: httpx.AsyncClient, staff_token: str
) -> None:
    token = await _guest_invite(http, staff_token, "孙浩", 1)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    r = await http.get(f"/api/invites/{forged}")
    assert r.status_code == 401 and r.json()["error"]["message"] == "邀请链接无效"
    await asyncio.sleep(2.2)
    r = await http.get(f"/api/invites/{token}")
    assert r.status_code == 401
    assert "已过期" in r.json()["error"]["message"]
