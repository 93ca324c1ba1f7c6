"""Refusals read as plain Chinese, and actions taken offline are counted until sent.

A member on a phone loses the connection and raises a hand anyway: the offline banner says
one action waits to be sent. Meanwhile the moderator closes the queue, so when the phone is
back the hand is refused in the people's words, without the command's name; the
moderator, refused in turn, also sees the details line (command, role, phase).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.live_views import CONSOLE, PHONE, new_meeting, sit_down
from tests.conftest import login_token
from tests.live.conftest import connect_user

pytestmark = pytest.mark.browser


async def test_a_hand_raised_offline_waits_then_is_refused_in_plain_words(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
) -> None:
    meeting = await new_meeting(http, admin_token, demo)
    m = f"/m/{meeting['id']}"
    accounts = demo["accounts"]
    speaker_account = accounts["members"][1]
    speaker = await connect_user(
        server, await login_token(server, speaker_account), speaker_account["name"]
    )
    await speaker.join(meeting["id"])
    console, member = await asyncio.gather(
        sit_down(browser, server, accounts["moderator"], f"{m}/moderate", viewport=CONSOLE),
        sit_down(browser, server, accounts["members"][0], m, viewport=PHONE, phone=True),
    )
    mod, phone = console.page, member.page
    try:
        await mod.get_by_role("button", name="开始会议（进入第一项议程）").click()
        await mod.get_by_role("button", name="开始环节：自由讨论").click()
        await expect(mod.get_by_test_id("current-round-status")).to_have_text("自由讨论")
        assert (await speaker.send("hand.raise", {"kind": "speech"}))["ok"]
        await mod.get_by_role("button", name="下一位").click()
        await expect(mod.get_by_test_id("floor-speaker")).to_have_text(speaker.name)

        # Offline, the member raises a hand: it waits, and the banner counts it.
        await member.context.set_offline(True)
        await expect(phone.get_by_test_id("connection")).to_be_visible()
        await phone.get_by_role("button", name="举手", exact=True).click()
        await expect(phone.get_by_test_id("unsent")).to_have_text("1 项待发送")

        # Meanwhile the queue closes; back online, the hand is sent and refused.
        await mod.get_by_role("button", name="关闭队列").click()
        await expect(mod.get_by_role("button", name="重新开放队列")).to_be_visible()
        await member.context.set_offline(False)
        await expect(phone.get_by_test_id("connection")).to_have_count(0)
        notice = phone.get_by_test_id("refusal")
        await expect(notice).to_contain_text("现在不能举手：发言队列已关闭。")
        await expect(notice).not_to_contain_text("hand.raise")
        await expect(phone.get_by_test_id("refusal-details")).to_have_count(0)
        await expect(phone.get_by_role("button", name="举手", exact=True)).to_be_disabled()

        # The moderator calls someone who already speaks: plain words, and the details.
        await mod.get_by_label("参会人").select_option(label=speaker.name)
        await mod.get_by_role("button", name="直接请其发言").click()
        refused = mod.get_by_test_id("refusal")
        await expect(refused).to_contain_text(f"现在不能点名发言：{speaker.name}正在发言。")
        await expect(mod.get_by_test_id("refusal-details")).to_contain_text(
            "详情：floor.call；角色：主持人；阶段：议程"
        )
    finally:
        await console.close()
        await member.close()
        await speaker.client.disconnect()
