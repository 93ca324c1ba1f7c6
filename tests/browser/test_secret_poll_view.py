"""An open secret poll in the browser: everyone sees how many have voted, nobody sees counts.

The moderator console and a member's page, through a real server and a real Chromium.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.live_views import CONSOLE, LAPTOP, PROJECTOR, new_meeting, sit_down

pytestmark = pytest.mark.browser


async def test_an_open_secret_poll_shows_only_its_turnout(
    browser: Browser, server: str, http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=2)
    m = f"/m/{meeting['id']}"
    accounts = demo["accounts"]
    moderator, first, second, screen = await asyncio.gather(
        sit_down(browser, server, accounts["moderator"], f"{m}/moderate", viewport=CONSOLE),
        sit_down(browser, server, accounts["members"][0], m, viewport=LAPTOP),
        sit_down(browser, server, accounts["members"][1], m, viewport=LAPTOP),
        sit_down(browser, server, accounts["staff"], f"{m}/screen", viewport=PROJECTOR),
    )
    try:
        console = moderator.page
        await console.get_by_label("无记名投票").check()
        await console.get_by_role("button", name="开始表决").click()
        for seat, choice in ((first, "赞成"), (second, "反对")):
            await seat.page.get_by_role("button", name=choice).click()
            await seat.page.get_by_role("button", name="确认投票").click()
            # The choice is shown on the voter's own page only, from its own memory.
            await expect(seat.page.get_by_test_id("my-vote")).to_have_text(f"您已投：{choice}")
        for page in (console, first.page, second.page):
            result = page.get_by_test_id("poll-result").first
            await expect(result).to_contain_text("已投票 2 人")
            await expect(result).not_to_contain_text(re.compile(r"\d+ 票"))
            await expect(result.locator(".bar")).to_have_count(0)
        # The projected chart has no bars to draw either: only the turnout.
        projected = screen.page.get_by_test_id("poll-result")
        await expect(projected).to_contain_text("已投票 2 人")
        await expect(projected).not_to_contain_text(re.compile(r"\d+ 票"))
        await expect(screen.page.locator(".poll-chart canvas")).to_have_count(0)
        await console.get_by_role("button", name="结束表决").click()
        final = first.page.get_by_test_id("poll-result").first
        await expect(final).to_contain_text("1 票")
        await expect(final).to_contain_text("共 2 人投票")
    finally:
        for seat in (moderator, first, second, screen):
            await seat.close()
