"""Preparing a meeting in the browser, start to finish (issue 14), on a laptop and on a
360 px phone: staff sign in, click 新建会议, plan the typical agenda with speaking-time
budgets, pick a roster with someone of each category, attach a briefing and send the
invitations; a member opens the invitation on a phone, reads the briefing and accepts, and
staff see it; staff make the guest's invite link, its QR code decodes to that link, and a new
browser joins with it as the named guest; the moderator opens the meeting live from its page.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.live_views import LAPTOP, PHONE
from tests.browser.test_planner import decode_qr, no_sideways_scroll
from tests.roster.conftest import briefing_docx

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BRIEFING = "五星街道现有垃圾投放点 38 个，其中 11 个离居民楼不足 10 米。"


async def _browser_for(browser: Browser, viewport: dict[str, int]) -> BrowserContext:
    phone = viewport["width"] < 600
    return await browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )


async def _sign_in(page: Page, server: str, account: dict[str, str]) -> None:
    """The sign-in form on the home page, as a person uses it."""
    await page.goto(server + "/")
    await page.get_by_label("用户名").fill(account["username"])
    await page.get_by_label("密码").fill(account["password"])
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("button", name="退出登录")).to_be_visible()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["desktop", "phone"])
async def test_staff_prepare_and_announce_a_meeting_that_the_moderator_opens(
    browser: Browser,
    server: str,
    demo: dict[str, Any],
    tmp_path: Path,
    artifacts: Path,
    viewport: dict[str, int],
) -> None:
    phone = viewport is PHONE
    accounts = demo["accounts"]
    member, stakeholder, official = (accounts["members"][i] for i in (0, 3, 6))
    guest_name = f"周来宾{uuid.uuid4().hex[:4]}"
    title = f"五星街道垃圾分类投放点协商会（{'手机' if phone else '电脑'}{uuid.uuid4().hex[:4]}）"
    staff_context = await _browser_for(browser, viewport)
    contexts = [staff_context]
    try:
        # Staff sign in and click 新建会议.
        staff = await staff_context.new_page()
        await _sign_in(staff, server, accounts["staff"])
        await staff.get_by_role("link", name="新建会议").click()
        await staff.get_by_label("会议名称").fill(title)
        await staff.get_by_label("开始时间").fill("2026-12-29T09:30")
        await staff.get_by_label("地点").fill("五星街道党群服务中心三楼")
        await staff.get_by_role("radio", name="线上线下结合").check()
        await expect(staff.get_by_role("radio", name=re.compile("典型议程"))).to_be_checked()
        await staff.get_by_role("button", name="创建会议").click()
        await expect(staff).to_have_url(re.compile(r"/meetings/\d+$"))
        meeting_id = int(staff.url.rsplit("/", 1)[1])
        await expect(staff.get_by_role("heading", name=title, level=1)).to_be_visible()

        # The typical agenda, with a speaking-time budget for each category.
        editor = staff.get_by_role("region", name="议程与发言规则")
        await expect(editor.get_by_label("环节名称").first).to_have_value("介绍议题")
        for category, minutes in (
            ("委员", "15"),
            ("利益相关方代表", "10"),
            ("部门/村居负责人", "10"),
            ("其他人员", "5"),
        ):
            await editor.get_by_label(f"{category}发言时间（分钟）").fill(minutes)
        await editor.get_by_role("button", name="保存议程").click()
        await expect(editor.get_by_role("status").filter(has_text="已保存")).to_be_visible()

        # A roster with someone of each category: three found by search, one guest.
        roster = staff.get_by_role("region", name="参会名单")
        picked = {"member": member, "stakeholder": stakeholder, "official": official}
        for key, person in picked.items():
            await roster.get_by_label("搜索人员").fill(person["name"])
            await roster.get_by_role("button", name="搜索", exact=True).click()
            await roster.get_by_role("button", name=f"将{person['name']}加入名单").click()
            await expect(staff.get_by_test_id(f"roster-{key}")).to_contain_text(person["name"])
        # The guest is added with their invite link in one act; its QR code decodes to it.
        await roster.get_by_label("来宾姓名").fill(guest_name)
        await roster.get_by_label("来宾电话").fill("13800002222")
        await roster.get_by_role("button", name="生成邀请链接").click()
        link = roster.get_by_role("link", name="/join/")
        await expect(link).to_be_visible()
        url = await link.inner_text()
        await expect(roster.get_by_role("img", name=re.compile("二维码"))).to_be_visible()
        assert await decode_qr(staff, f"{guest_name}的邀请链接二维码") == url
        guests = staff.get_by_test_id("roster-guest")
        await expect(guests).to_contain_text(guest_name)
        await expect(guests).to_contain_text("已发送，未读")
        await expect(guests).to_contain_text("链接有效期至")
        for key in ("member", "stakeholder", "official", "guest"):
            await expect(staff.get_by_test_id(f"roster-{key}")).not_to_contain_text("还没有")

        # A briefing document, then the invitations.
        document = briefing_docx(BRIEFING)
        upload = tmp_path / "垃圾分类情况通报.docx"
        upload.write_bytes(document)
        await staff.get_by_label("上传情况通报").set_input_files(upload)
        await expect(
            staff.get_by_test_id("briefings").get_by_role("link", name=upload.name)
        ).to_be_visible()
        await staff.get_by_role("button", name="发送参会通知").click()
        await expect(staff.get_by_text("已向 3 人发送参会通知")).to_be_visible()
        summary = staff.get_by_test_id("attendance-summary")
        await expect(summary).to_contain_text(
            "应到 4 人，回复将现场 0 人、线上 0 人、请假 0 人、未回复 4 人"
        )

        # The member, on a phone: the invitation on the home page, the briefing, the answer.
        member_context = await _browser_for(browser, PHONE)
        contexts.append(member_context)
        mobile = await member_context.new_page()
        await _sign_in(mobile, server, member)
        mine = mobile.get_by_test_id("my-invitations")
        await mine.get_by_role("link", name=title).click()
        invitation = mobile.get_by_test_id("my-invitation")
        await expect(invitation).to_contain_text("当前回复：已读")
        async with mobile.expect_download() as waiting:
            await mobile.get_by_test_id("briefings").get_by_role("link", name=upload.name).click()
        read = tmp_path / "read.docx"
        await (await waiting.value).save_as(read)
        assert read.read_bytes() == document
        await invitation.get_by_role("button", name="将现场参会").click()
        await expect(invitation).to_contain_text("当前回复：将现场参会")
        await no_sideways_scroll(mobile)

        # Staff see the acceptance in the roster and the attendance summary.
        await staff.reload()
        await expect(summary).to_contain_text(
            "应到 4 人，回复将现场 1 人、线上 0 人、请假 0 人、未回复 3 人"
        )
        await expect(staff.get_by_test_id("roster-member")).to_contain_text("将现场参会")
        await expect(staff.get_by_label(f"{member['name']}的参会方式")).to_have_value("in_room")

        if phone:
            await no_sideways_scroll(staff)
        await staff.screenshot(
            path=str(artifacts / f"walkthrough-{'phone' if phone else 'desktop'}.png"),
            full_page=True,
        )

        # A new browser, with no account, opens the link and joins as the named guest.
        guest_context = await _browser_for(browser, PHONE)
        contexts.append(guest_context)
        guest = await guest_context.new_page()
        await guest.goto(url)
        await expect(guest.get_by_text(f"{guest_name}，欢迎参加会议。")).to_be_visible()
        await expect(guest.get_by_role("button", name="举手")).to_be_visible(timeout=15_000)
        await staff.reload()
        await expect(guests).to_contain_text("已读")
        phase = guest.locator("p.phase")  # the live header's badge
        await expect(phase).to_have_text("未开始")
        # Before the meeting opens the guest can answer their invitation here too.
        await expect(guest.get_by_test_id("my-invitation")).to_contain_text("当前回复：已读")

        # The moderator opens the meeting live from its page; everyone sees it under way.
        moderator_context = await _browser_for(browser, viewport)
        contexts.append(moderator_context)
        moderator = await moderator_context.new_page()
        await _sign_in(moderator, server, accounts["moderator"])
        await moderator.goto(f"{server}/meetings/{meeting_id}")
        await moderator.get_by_role("link", name=re.compile("主持会议")).click()
        await expect(moderator).to_have_url(f"{server}/m/{meeting_id}/moderate")
        await moderator.get_by_role("button", name="开始会议（进入第一项议程）").click()
        await expect(moderator.get_by_role("button", name="开始环节：介绍议题")).to_be_visible()
        await expect(phase).to_have_text("议程进行中", timeout=15_000)
        await expect(guest.get_by_test_id("my-invitation")).to_have_count(0)  # too late to answer
        await staff.reload()
        await expect(staff.get_by_text("进行中", exact=True)).to_be_visible()
    finally:
        for context in contexts:
            await context.close()
