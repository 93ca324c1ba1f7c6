"""Poll results in the browser: an open secret poll shows only how many have voted, and a
closed result is shown whole (应到/实到, why it did not pass, a ranking's winners).

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
from tests.conftest import login_token
from tests.live.conftest import connect_user

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
        # The result is shown whole on the console and the screen: who could vote, who was
        # there, and why it did not pass (one for, one against: two needed).
        for page in (console, screen.page):
            outcome = page.get_by_test_id("poll-outcome").first
            await expect(outcome).to_contain_text(re.compile(r"应到 \d+ 人，实到 \d+ 人"))
            await expect(outcome).to_contain_text("未通过的原因：需要至少 2 票支持，实得 1 票")
    finally:
        for seat in (moderator, first, second, screen):
            await seat.close()


async def test_a_closed_ranking_shows_its_borda_and_runoff_winners(
    browser: Browser, server: str, http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=2)
    m = f"/m/{meeting['id']}"
    accounts = demo["accounts"]
    moderator, screen = await asyncio.gather(
        sit_down(browser, server, accounts["moderator"], f"{m}/moderate", viewport=CONSOLE),
        sit_down(browser, server, accounts["staff"], f"{m}/screen", viewport=PROJECTOR),
    )
    # The chair and two members rank three plans from their own clients (a phone each).
    people = [accounts["moderator"], *accounts["members"][:2]]
    voters = []
    for account in people:
        user = await connect_user(server, await login_token(server, account), account["name"])
        await user.join(meeting["id"])
        voters.append(user)
    try:
        chair = voters[0]
        options = ["东侧绿化带改造临时车位", "与商场错时共享车库", "建设立体停车库"]
        opened = await chair.send(
            "poll.open", {"question": "停车改造方案排序", "kind": "ranking", "options": options}
        )
        assert opened["ok"], opened
        await chair.wait_for_seq(opened["seq"])
        data = chair.events[opened["seq"]]["data"]
        ids = [o["option_id"] for o in data["options"]]
        # First preferences 2 : 1 for the shared garage: it wins the runoff in one round.
        for user, order in zip(voters, ([1, 0, 2], [0, 1, 2], [1, 2, 0]), strict=True):
            cast = await user.send(
                "vote.cast", {"poll_id": data["poll_id"], "choice": [ids[i] for i in order]}
            )
            assert cast["ok"], cast
        assert (await chair.send("poll.close", {"poll_id": data["poll_id"]}))["ok"]
        for page in (moderator.page, screen.page):
            outcome = page.get_by_test_id("poll-outcome").first
            await expect(outcome).to_contain_text("波达计数：与商场错时共享车库 得分最高")
            await expect(outcome).to_contain_text("即时决选：与商场错时共享车库 胜出（1 轮）")
            await expect(outcome).to_contain_text(re.compile(r"应到 \d+ 人，实到 \d+ 人"))
    finally:
        for user in voters:
            await user.client.disconnect()
        for seat in (moderator, screen):
            await seat.close()
