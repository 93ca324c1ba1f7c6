"""A guest invited by link answers their invitation on a 360 px phone, as a member does from
theirs (issue 14): they open the link, read the briefing, a refused or unsent reason stays
beside its field across a dropped connection and a reload, they answer 将线上参会, and the
staff's roster and attendance summary show it.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.live_views import PHONE
from tests.browser.test_planner import no_sideways_scroll
from tests.roster.conftest import briefing_docx, plan_meeting

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BRIEFING = "农贸市场东侧拟划定临时停车位 60 个，早晚高峰限时停放 30 分钟。"


async def test_a_guest_reads_the_briefing_and_answers_online_from_their_link_on_a_phone(
    browser: Browser, server: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    guest_name = f"罗来宾{uuid.uuid4().hex[:4]}"
    p = await plan_meeting(server, demo, f"停车难协商会（来宾回复{uuid.uuid4().hex[:4]}）")
    document = briefing_docx(BRIEFING)
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/briefings?filename=停车情况通报.docx",
            content=document,
            headers=p.staff,
        )
        assert r.status_code == 201, r.text
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/participants",
            json={"guest_name": guest_name, "category": "stakeholder"},
            headers=p.staff,
        )
        assert r.status_code == 201, r.text
        link = r.json()["invite"]["url"]

    guest_context = await browser.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    staff_context = await browser.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=True,
        has_touch=True,
    )
    try:
        # The guest opens the link: their invitation, read from now on, and the briefing.
        guest = await guest_context.new_page()
        await guest.goto(link)
        await expect(guest.get_by_text(f"{guest_name}，欢迎参加会议。")).to_be_visible()
        invitation = guest.get_by_test_id("my-invitation")
        await expect(invitation).to_contain_text("当前回复：已读")
        async with guest.expect_download() as waiting:
            await (
                guest.get_by_test_id("briefings")
                .get_by_role("link", name="停车情况通报.docx")
                .click()
            )
        download = await waiting.value
        assert download.suggested_filename == "停车情况通报.docx"
        read = tmp_path / "read.docx"
        await download.save_as(read)
        assert read.read_bytes() == document

        # 不能参会 without a reason: refused, in Chinese, beside the field; nothing recorded.
        await invitation.get_by_role("button", name="不能参会").click()
        reason = invitation.get_by_label("不能参会的原因")
        await invitation.get_by_role("button", name="提交请假").click()
        refusal = invitation.locator("#decline-reason-error")
        await expect(refusal).to_have_text("请填写不能参会的原因，便于会议工作人员安排")
        await expect(reason).to_have_attribute("aria-invalid", "true")
        await expect(invitation).to_contain_text("当前回复：已读")

        # A reason typed, then the connection drops as it is sent: nothing typed is lost,
        # not even across a reload.
        await reason.fill("那天上午要去医院复查")
        await guest_context.set_offline(True)
        await invitation.get_by_role("button", name="提交请假").click()
        await expect(invitation.get_by_text("网络连接失败，请稍后重试")).to_be_visible()
        await expect(reason).to_have_value("那天上午要去医院复查")
        await guest_context.set_offline(False)
        await guest.reload()
        await expect(invitation).to_contain_text("当前回复：已读")
        await expect(reason).to_have_value("那天上午要去医院复查")

        # The guest decides to follow online instead.
        await invitation.get_by_role("button", name="将线上参会").click()
        await expect(invitation).to_contain_text("当前回复：将线上参会")
        await no_sideways_scroll(guest)

        # Staff see the answer in the roster and in the attendance summary.
        staff = await staff_context.new_page()
        await staff.goto(server + "/")
        account = demo["accounts"]["staff"]
        await staff.get_by_label("用户名").fill(account["username"])
        await staff.get_by_label("密码").fill(account["password"])
        await staff.get_by_role("button", name="登录").click()
        await expect(staff.get_by_role("button", name="退出登录")).to_be_visible()
        await staff.goto(f"{server}/meetings/{p.meeting_id}")
        guests = staff.get_by_test_id("roster-stakeholder")
        await expect(guests).to_contain_text(guest_name)
        await expect(guests).to_contain_text("将线上参会")
        await expect(staff.get_by_label(f"{guest_name}的参会方式")).to_have_value("remote")
        await expect(staff.get_by_test_id("attendance-summary")).to_contain_text(
            "应到 1 人，回复将现场 0 人、线上 1 人、请假 0 人、未回复 0 人"
        )
    finally:
        await guest_context.close()
        await staff_context.close()
