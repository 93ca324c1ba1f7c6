"""The /live namespace lets in tokens, session cookies and invites, and refuses the rest."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import LiveRefused, bearer, live_client


async def test_connection_without_credentials_is_refused(server: str) -> None:
    with pytest.raises(LiveRefused) as refused:
        await live_client(server, None)
    assert refused.value.data == {
        "message": "请先登录或使用邀请链接",
        "data": {"code": "unauthorized"},
    }


async def test_a_bad_token_is_refused(server: str) -> None:
    with pytest.raises(LiveRefused) as refused:
        await live_client(server, {"token": "not-a-real-token"})
    assert "登录已失效" in str(refused.value)


async def test_a_signed_in_member_connects(server: str, member_token: str) -> None:
    client = await live_client(server, {"token": member_token})
    assert client.connected and "/live" in client.namespaces
    await client.disconnect()


async def test_a_guest_connects_with_an_invite_and_a_forged_one_is_refused(
    server: str, http: httpx.AsyncClient, staff_token: str
) -> None:
    guest = await http.post(
        "/api/meetings/1/participants", json={"guest_name": "李秀英"}, headers=bearer(staff_token)
    )
    invite = (
        await http.post(
            "/api/meetings/1/invites",
            json={"participant_id": guest.json()["id"]},
            headers=bearer(staff_token),
        )
    ).json()["invite"]
    client = await live_client(server, {"invite": invite})
    assert client.connected
    await client.disconnect()
    with pytest.raises(LiveRefused) as refused:
        await live_client(server, {"invite": invite + "x"})
    assert "邀请链接无效" in str(refused.value)
