"""A moderator runs an agenda item in the browser while two members take part.

One member is in the room on a phone, the other online; the room screen and the staff
console follow along. Everything goes through a real server and a real Chromium, with
all five browser contexts open at once. Screenshots of the four views go to test-artifacts/.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.live_views import (
    CONSOLE,
    ITEM_TITLE,
    LAPTOP,
    PHONE,
    PROJECTOR,
    Seat,
    new_meeting,
    sit_down,
)

pytestmark = pytest.mark.browser


def queue_names(page: Page) -> Any:
    return page.get_by_test_id("queue").locator(":scope > li")


async def raise_hand(page: Page, kind: str = "发言", *, double_click: bool = False) -> None:
    await page.get_by_role("radio", name=kind, exact=True).check()
    button = page.get_by_role("button", name="举手", exact=True)
    if double_click:
        await button.dblclick()
    else:
        await button.click()


@pytest.mark.slow  # about 25 s: a speech has to run past its 10-second limit
async def test_a_moderator_runs_an_item_with_a_member_in_the_room_and_one_online(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    artifacts: Path,
) -> None:
    meeting = await new_meeting(http, admin_token, demo)
    m = f"/m/{meeting['id']}"
    accounts = demo["accounts"]
    first, second = accounts["members"][0], accounts["members"][1]
    moderator, in_room, online, screen, staff = await asyncio.gather(
        sit_down(browser, server, accounts["moderator"], f"{m}/moderate", viewport=CONSOLE),
        sit_down(browser, server, first, m, viewport=PHONE, phone=True),
        sit_down(browser, server, second, m, viewport=LAPTOP),
        sit_down(browser, server, accounts["staff"], f"{m}/screen", viewport=PROJECTOR),
        sit_down(browser, server, accounts["staff"], f"{m}/staff", viewport=CONSOLE),
    )
    seats: list[Seat] = [moderator, in_room, online, screen, staff]
    mod, phone, laptop, room = moderator.page, in_room.page, online.page, screen.page
    try:
        # Checking in: one in the room, one online; the moderator sees both at a glance.
        await phone.get_by_role("button", name="我在会场").click()
        await laptop.get_by_role("button", name="我在线上").click()
        await expect(phone.get_by_test_id("check-in-status")).to_contain_text("现场参会")
        await expect(mod.get_by_test_id("attendance-in-room")).to_have_text("1")
        await expect(mod.get_by_test_id("attendance-remote")).to_have_text("1")

        # The moderator opens the first item and its discussion round.
        await mod.get_by_role("button", name="开始会议").click()
        await expect(room.get_by_test_id("current-item")).to_have_text(ITEM_TITLE)
        await mod.get_by_role("button", name="开始环节：自由讨论").click()
        await expect(room.get_by_test_id("current-round")).to_have_text("自由讨论")
        await expect(phone.get_by_test_id("current-round")).to_contain_text("自由讨论")

        # A question needs someone speaking: with nobody on the floor it cannot be chosen
        # (the server's own answer, not the page's).
        await expect(phone.get_by_role("radio", name="插话提问", exact=True)).to_be_disabled()

        # The online member asks to speak first; the one in the room raises a point of
        # order, which the server puts ahead. A double click is still one hand.
        await raise_hand(laptop)
        await expect(laptop.get_by_text("您在发言队列中排第 1 位")).to_be_visible()
        await raise_hand(phone, "程序性发言", double_click=True)
        await expect(phone.get_by_text("您在发言队列中排第 1 位")).to_be_visible()
        await expect(phone.get_by_role("button", name="取消举手")).to_be_visible()
        await expect(laptop.get_by_text("您在发言队列中排第 2 位")).to_be_visible()
        await expect(queue_names(mod)).to_have_count(2)
        await expect(queue_names(mod).nth(0)).to_contain_text(first["name"])
        await expect(queue_names(mod).nth(1)).to_contain_text(second["name"])
        await expect(queue_names(room).nth(0)).to_contain_text(first["name"])

        # 下一位, double-clicked, gives the floor once: the online member keeps their place.
        await mod.get_by_role("button", name="下一位").dblclick()
        await expect(room.get_by_test_id("floor-speaker")).to_have_text(first["name"])
        await expect(phone.get_by_text("您正在发言")).to_be_visible()
        await expect(queue_names(mod)).to_have_count(1)
        await expect(laptop.get_by_text("您在发言队列中排第 1 位")).to_be_visible()
        await expect(room.get_by_test_id("floor-timer")).not_to_be_empty()
        transcript = staff.page.get_by_test_id("transcript").locator(":scope > li")
        await expect(transcript).to_have_count(1)
        await expect(transcript.first).to_contain_text(first["name"])
        await expect(transcript.first).to_contain_text("发言中")

        # Next: the online member speaks, with the round's 10-second limit.
        await mod.get_by_role("button", name="下一位").click()
        await expect(room.get_by_test_id("floor-speaker")).to_have_text(second["name"])
        await expect(laptop.get_by_text("您正在发言")).to_be_visible()
        await expect(transcript).to_have_count(2)
        await staff.page.get_by_label(f"{first['name']}的发言内容").fill(
            "建议先征集全体住户意见，再确定费用分摊方案。"
        )

        # A poll from the default template (赞成/反对/弃权); both vote for it. A tap only
        # chooses: the phone asks before the vote is cast, and shows the choice after.
        await mod.get_by_role("button", name="开始表决").click()
        await phone.get_by_role("button", name="反对").click()
        await expect(phone.get_by_text("您选择了：反对，确认投票？")).to_be_visible()
        await phone.get_by_role("button", name="重新选择").click()
        await phone.get_by_role("button", name="赞成").click()
        await expect(phone.get_by_text("您选择了：赞成，确认投票？")).to_be_visible()
        await phone.get_by_role("button", name="确认投票").click()
        await laptop.get_by_role("button", name="赞成").click()
        await laptop.get_by_role("button", name="确认投票").click()
        await expect(phone.get_by_test_id("my-vote")).to_have_text("您已投：赞成")
        await expect(laptop.get_by_test_id("my-vote")).to_have_text("您已投：赞成")
        # A vote that cannot be changed is not offered again.
        await expect(phone.get_by_role("button", name="反对")).to_be_disabled()
        await expect(mod.get_by_test_id("poll-result").first).to_contain_text("共 2 人投票")
        await mod.get_by_role("button", name="结束表决").click()
        result = room.get_by_test_id("poll-result")
        await expect(result).to_contain_text("赞成 2 票")
        await expect(result).to_contain_text("通过")
        await expect(phone.get_by_test_id("poll-result")).to_contain_text("通过")

        # The member in the room asks to speak again; the screen shows who is next, and
        # the speech running past its limit in red.
        await raise_hand(phone)
        await expect(queue_names(room).nth(0)).to_contain_text(first["name"])
        await expect(room.get_by_test_id("floor-timer")).to_have_attribute(
            "data-over", "true", timeout=20_000
        )
        await expect(room.get_by_test_id("floor-timer")).to_have_text(re.compile(r"^\+\d\d:\d\d$"))
        await expect(room.get_by_test_id("floor-timer")).not_to_have_text("+00:00")

        await save_screenshots(artifacts, mod, phone, room, staff.page)

        # The online member loses the connection; the meeting goes on without them.
        await online.context.set_offline(True)
        await expect(laptop.get_by_test_id("connection")).to_be_visible()
        await mod.get_by_role("button", name="下一位").click()
        await expect(room.get_by_test_id("floor-speaker")).to_have_text(first["name"])
        await mod.get_by_role("button", name="关闭队列").click()
        await expect(phone.get_by_text("队列已关闭", exact=True)).to_be_visible()

        # Back online, they rejoin and see what everyone else sees.
        await online.context.set_offline(False)
        await expect(laptop.get_by_test_id("connection")).to_have_count(0)
        await expect(laptop.get_by_test_id("floor-speaker")).to_have_text(first["name"])
        await expect(laptop.get_by_text("队列已关闭", exact=True)).to_be_visible()
        # The missed events told it too what may be sent now: no hands while it is closed.
        await expect(laptop.get_by_role("button", name="举手", exact=True)).to_be_disabled()
        await expect(queue_names(laptop)).to_have_count(0)
        await expect(laptop.get_by_test_id("poll-result")).to_contain_text("通过")

        # What events built on each page is what a fresh snapshot shows.
        fresh = await online.context.new_page()
        await fresh.goto(server + m)
        for page, hooks in (
            (laptop, ("floor-speaker", "current-item", "current-round", "queue", "poll-result")),
            (phone, ("floor-speaker", "current-item", "current-round", "queue", "poll-result")),
            (mod, ("floor-speaker", "current-item", "current-round")),
        ):
            for hook in hooks:
                shown = await fresh.get_by_test_id(hook).text_content() or ""
                await expect(page.get_by_test_id(hook)).to_have_text(shown)
        await expect(fresh.get_by_test_id("check-in-status")).to_contain_text("线上参会")
    finally:
        for seat in seats:
            await seat.close()


async def save_screenshots(
    artifacts: Path, moderator: Page, participant: Page, screen: Page, staff: Page
) -> None:
    """The four views at their target sizes, for the user guide (docs/user-guide.zh-CN.md)."""
    await participant.screenshot(path=str(artifacts / "live-participant-phone.png"), full_page=True)
    await moderator.screenshot(path=str(artifacts / "live-moderator.png"), full_page=True)
    await screen.screenshot(path=str(artifacts / "live-screen.png"))
    await staff.screenshot(path=str(artifacts / "live-staff.png"), full_page=True)
