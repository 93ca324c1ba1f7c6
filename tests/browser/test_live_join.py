"""Getting into a live meeting and running it by keyboard: a guest by invite link, in
English or Chinese; the moderator's shortcut keys and dragging the queue; suggestions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.live_views import CONSOLE, PHONE, new_meeting, sit_down
from tests.conftest import bearer, live_client, login_token

pytestmark = pytest.mark.browser


def queue_entries(page: Page) -> Any:
    return page.get_by_test_id("queue").locator(":scope > li")


async def invite_guest(
    http: httpx.AsyncClient, admin_token: str, meeting_id: int, name: str
) -> str:
    added = await http.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"guest_name": name, "category": "stakeholder"},
        headers=bearer(admin_token),
    )
    assert added.status_code == 201, added.text
    invite = await http.post(
        f"/api/meetings/{meeting_id}/invites",
        json={"participant_id": added.json()["id"]},
        headers=bearer(admin_token),
    )
    assert invite.status_code == 201, invite.text
    url: str = invite.json()["url"]
    return url[url.index("/join/") :]


async def test_a_guest_joins_by_invite_and_the_moderator_runs_the_queue_by_keyboard(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    artifacts: Path,
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=1)
    join_path = await invite_guest(http, admin_token, meeting["id"], "李秀英")
    member = demo["accounts"]["members"][0]

    moderator = await sit_down(
        browser,
        server,
        demo["accounts"]["moderator"],
        f"/m/{meeting['id']}/moderate",
        viewport=CONSOLE,
    )
    guest = await sit_down(
        browser, server, None, f"{join_path}?lang=en", viewport=PHONE, phone=True
    )
    # A member follows along with python-socketio: another real client of the same meeting.
    member_client = await live_client(server, {"token": await login_token(server, member)})
    mod, phone = moderator.page, guest.page
    try:
        # The invite link opens the meeting without an account, in English as asked.
        await expect(phone.get_by_text("Welcome, 李秀英.")).to_be_visible()
        await phone.get_by_role("button", name="I am online").click()
        await expect(phone.get_by_test_id("check-in-status")).to_contain_text("Online")

        await mod.get_by_role("button", name="开始会议").click()
        await mod.get_by_role("button", name="开始环节：自由讨论").click()
        await expect(phone.get_by_test_id("current-round")).to_contain_text("自由讨论")

        # The member raises a hand first, the guest second.
        joined = await member_client.call(
            "join", {"meeting_id": meeting["id"]}, namespace="/live", timeout=20
        )
        assert joined["ok"], joined
        raised = await member_client.call(
            "command",
            {"id": "member-hand-1", "type": "hand.raise", "data": {"kind": "speech"}},
            namespace="/live",
            timeout=20,
        )
        assert raised["ok"], raised
        await phone.get_by_role("button", name="Raise hand").click()
        await expect(phone.get_by_text("You are number 2 in the queue")).to_be_visible()

        # The moderator drags the guest to the front; the guest sees the new place.
        entries = queue_entries(mod)
        await expect(entries).to_have_count(2)
        await entries.nth(1).drag_to(entries.nth(0))
        await expect(entries.nth(0)).to_contain_text("李秀英")
        await expect(phone.get_by_text("You are number 1 in the queue")).to_be_visible()

        # Switching the page to Chinese keeps everything in place.
        await phone.get_by_role("button", name="中文").click()
        await expect(phone.get_by_role("button", name="取消举手")).to_be_visible()
        await expect(phone.get_by_text("您在发言队列中排第 1 位")).to_be_visible()

        # Shortcut keys: N gives the floor to the next, X adds a minute, E ends the speech.
        await mod.keyboard.press("n")
        await expect(mod.get_by_test_id("floor-speaker")).to_have_text("李秀英")
        await expect(phone.get_by_text("您正在发言")).to_be_visible()
        await expect(mod.get_by_text("限时 00:10")).to_be_visible()  # the round's limit
        await mod.keyboard.press("x")
        await expect(mod.get_by_text("限时 01:10")).to_be_visible()
        await mod.keyboard.press("e")
        await expect(mod.get_by_test_id("floor-speaker")).to_have_text("")
        await expect(queue_entries(mod)).to_have_count(1)
        await expect(queue_entries(mod).first).to_contain_text(member["name"])
        await expect(phone.get_by_role("button", name="举手", exact=True)).to_be_enabled()
        await phone.screenshot(path=str(artifacts / "live-guest-phone.png"), full_page=True)
    finally:
        await member_client.disconnect()
        await moderator.close()
        await guest.close()


async def test_a_broken_invite_link_says_why_in_chinese(browser: Browser, server: str) -> None:
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")  # type: ignore[arg-type]
    page = await context.new_page()
    try:
        await page.goto(server + "/join/not-a-real-invite")
        await expect(page.get_by_role("alert")).to_contain_text("邀请链接无效")
    finally:
        await context.close()


async def test_a_suggestion_reaches_the_staff_console(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=1)
    m = f"/m/{meeting['id']}"
    member = demo["accounts"]["members"][0]
    participant = await sit_down(browser, server, member, m, viewport=PHONE, phone=True)
    staff = await sit_down(
        browser, server, demo["accounts"]["staff"], f"{m}/staff", viewport=CONSOLE
    )
    text = "建议在每个单元门口设置意见箱，方便老人反映加装电梯的困难。"
    try:
        page = participant.page
        await page.get_by_role("button", name="提交建议").click()
        await expect(page.get_by_role("alert")).to_contain_text("请先填写意见建议的内容")
        await page.get_by_label("写下您的意见建议").fill(text)
        await page.get_by_role("button", name="提交建议").click()
        await expect(page.get_by_text("已提交，感谢您的意见建议。")).to_be_visible()
        await expect(page.get_by_label("写下您的意见建议")).to_have_value("")
        listed = staff.page.get_by_test_id("suggestions")
        await expect(listed).to_contain_text(text)
        await expect(listed).to_contain_text(member["name"])

        # One written while the staff console is offline is there once it is back.
        later = "建议电梯施工期间为行动不便的老人安排临时上下楼帮扶。"
        await staff.context.set_offline(True)
        await expect(staff.page.get_by_test_id("connection")).to_be_visible()
        await page.get_by_label("写下您的意见建议").fill(later)
        await page.get_by_role("button", name="提交建议").click()
        await expect(page.get_by_label("写下您的意见建议")).to_have_value("")
        await staff.context.set_offline(False)
        await expect(staff.page.get_by_test_id("connection")).to_have_count(0)
        await expect(listed).to_contain_text(later)
        await expect(listed.locator(":scope > li")).to_have_count(2)
    finally:
        await participant.close()
        await staff.close()
