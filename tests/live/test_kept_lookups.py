"""Kept look-ups of /live: a crowd of one person's connections costs one credential read and
one role decision, and what takes a credential or a role away holds at once on this worker."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import socketio

from tests.conftest import LiveRefused, bearer, live_client
from tests.live.conftest import LiveMeetingFixture, new_person


async def _crowd(server: str, token: str, n: int) -> list[socketio.AsyncClient]:
    """`n` connections with one token at once (the second and later share or reuse the
    first one's look-up)."""
    clients = await asyncio.gather(*(live_client(server, {"token": token}) for _ in range(n)))
    return list(clients)


async def test_a_logout_refuses_the_next_connection_at_once(
    server: str, http: httpx.AsyncClient, admin_token: str
) -> None:
    _, token = await new_person(http, admin_token, "钱晓燕", "member")
    crowd = await _crowd(server, token, 5)
    assert (await http.post("/api/auth/logout", headers=bearer(token))).json() == {"ok": True}
    with pytest.raises(LiveRefused) as refused:
        await live_client(server, {"token": token})
    assert refused.value.data["message"] == "登录已失效，请重新登录"
    for client in crowd:
        await client.disconnect()


async def test_a_deactivated_account_cannot_connect_nor_join_again(
    server: str, http: httpx.AsyncClient, admin_token: str, live_meeting: LiveMeetingFixture
) -> None:
    m = live_meeting
    person_id, token = await new_person(http, admin_token, "孙立新", "member")
    added = await http.post(
        f"/api/meetings/{m.meeting_id}/participants",
        json={"person_id": person_id, "role": "participant"},
        headers=bearer(admin_token),
    )
    assert added.status_code == 201, added.text
    first, second = await _crowd(server, token, 2)
    joined = await first.call("join", {"meeting_id": m.meeting_id}, namespace="/live")
    assert joined["ok"] and joined["role"] == "participant"
    off = await http.patch(
        f"/api/people/{person_id}", json={"active": False}, headers=bearer(admin_token)
    )
    assert off.status_code == 200 and off.json()["active"] is False
    with pytest.raises(LiveRefused):
        await live_client(server, {"token": token})
    # A connection made before may not join with the role it was decided to have before.
    again = await second.call("join", {"meeting_id": m.meeting_id}, namespace="/live")
    assert again["ok"] is False, again
    for client in (first, second):
        await client.disconnect()
