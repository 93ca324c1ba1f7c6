"""A resident watches a meeting on a phone through its watch link, with no account.

The meeting is run by real Socket.IO clients; the watcher's page is a real Chromium.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.live_views import PHONE, new_meeting
from tests.conftest import bearer, live_client, login_token

pytestmark = pytest.mark.browser


async def _send(client: Any, type_: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"id": uuid.uuid4().hex, "type": type_, "data": data or {}}
    ack: dict[str, Any] = await client.call("command", body, namespace="/live", timeout=20)
    assert ack["ok"], (type_, ack)
    return ack


async def test_a_watcher_on_a_phone_sees_the_speaker_the_queue_and_a_named_result(
    browser: Browser, server: str, http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=2)
    link = await http.put(
        f"/api/meetings/{meeting['id']}/watch", json={"enabled": True}, headers=bearer(admin_token)
    )
    assert link.status_code == 200, link.text
    accounts = demo["accounts"]
    moderator = await live_client(
        server, {"token": await login_token(server, accounts["moderator"])}
    )
    members = [
        await live_client(server, {"token": await login_token(server, account)})
        for account in accounts["members"][:2]
    ]
    seen: list[dict[str, Any]] = []
    moderator.on("event", seen.append, namespace="/live")
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await context.new_page()
    try:
        for client in (moderator, *members):
            assert (await client.call("join", {"meeting_id": meeting["id"]}, namespace="/live"))[
                "ok"
            ]
        await page.goto(f"{server}/watch/{link.json()['token']}")
        await expect(page.get_by_role("heading", level=1)).to_have_text(meeting["title"])
        await expect(page.get_by_text("暂无人发言")).to_be_visible()

        item = str(meeting["agenda"][0]["id"])
        await _send(moderator, "agenda.goto", {"item_id": item})
        await _send(moderator, "round.start")
        for client in members:
            await _send(client, "hand.raise", {"kind": "speech"})
        first, second = (m["name"] for m in accounts["members"][:2])
        await expect(page.get_by_test_id("queue")).to_contain_text(first)
        await expect(page.get_by_test_id("queue")).to_contain_text(second)
        await _send(moderator, "floor.next")
        await expect(page.get_by_test_id("floor-speaker")).to_have_text(first)
        await expect(page.get_by_test_id("floor-timer")).to_be_visible()

        opened = await _send(
            moderator,
            "poll.open",
            {"question": "是否同意加装电梯？", "kind": "yes_no_abstain", "secret": False},
        )
        await expect(page.get_by_text("是否同意加装电梯？")).to_be_visible()
        poll_id = next(e["data"]["poll_id"] for e in seen if e["seq"] == opened["seq"])
        for client in members:
            await _send(client, "vote.cast", {"poll_id": poll_id, "choice": "yes"})
        await _send(moderator, "poll.close", {"poll_id": poll_id})
        result = page.get_by_test_id("poll-result")
        await expect(result).to_contain_text("2 票")
        # Read-only: there is no button to raise a hand or vote.
        await expect(page.get_by_role("button", name="举手")).to_have_count(0)
        await expect(page.get_by_role("button", name="赞成")).to_have_count(0)
    finally:
        await context.close()
        for client in (moderator, *members):
            await client.disconnect()
