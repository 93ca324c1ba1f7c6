"""Preparing the people of a meeting in the browser: staff pick a roster of each category,
attach a briefing and send invitations; a member reads it on a 360 px phone and accepts
online; the staff's summary shows it. The room's QR code leads each kind of person on.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.live_views import CONSOLE, PHONE
from tests.conftest import bearer
from tests.roster.conftest import briefing_docx, plan_meeting

pytestmark = pytest.mark.browser

PASSWORD = "roster-browser-2026"
XSS_GUEST = '<img src=x onerror="window.__pwned=1">赵来宾'


async def _signed_in(
    browser: Browser, server: str, account: dict[str, str] | None, *, phone: bool = False
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(
        viewport=PHONE if phone else CONSOLE,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )
    if account is not None:
        r = await context.request.post(
            server + "/api/auth/login",
            data={"username": account["username"], "password": account["password"]},
        )
        assert r.ok, await r.text()
    return context, await context.new_page()


async def _setting(server: str, demo: dict[str, Any], suffix: str) -> dict[str, Any]:
    """A planned meeting with a speaking-time budget for each category, and three new people
    of the township (a member with an account to sign in with)."""
    p = await plan_meeting(server, demo, f"农贸市场周边停车难协商议事会{suffix}")
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        meeting = (await http.get(f"/api/meetings/{p.meeting_id}", headers=p.staff)).json()
        units = (await http.get("/api/org-units", headers=p.admin)).json()["items"]
        township = next(u["id"] for u in units if u["name"] == "五星街道")
        people = {}
        for key, name, category in (
            ("member", f"吴晓梅{suffix}", "member"),
            ("stakeholder", f"钱代表{suffix}", "stakeholder"),
            ("official", f"冯主任{suffix}", "official"),
        ):
            username = f"rb{uuid.uuid4().hex[:10]}"
            made = await http.post(
                "/api/people",
                json={
                    "username": username,
                    "name": name,
                    "category": category,
                    "password": PASSWORD,
                    "org_unit_id": township,
                },
                headers=p.admin,
            )
            assert made.status_code == 201, made.text
            people[key] = {
                "username": username,
                "password": PASSWORD,
                "name": name,
                "id": made.json()["id"],
            }
    return {"meeting": meeting, "people": people}


@pytest.mark.slow  # two browsers, an upload and a download
async def test_staff_prepare_the_roster_and_a_member_accepts_on_a_phone(
    browser: Browser, server: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:4]
    scene = await _setting(server, demo, suffix)
    meeting, people = scene["meeting"], scene["people"]
    staff_context, staff = await _signed_in(browser, server, demo["accounts"]["staff"])
    member_context, phone = await _signed_in(browser, server, people["member"], phone=True)
    try:
        await staff.goto(f"{server}/meetings/{meeting['id']}")
        await expect(staff.get_by_role("heading", name="参会名单")).to_be_visible()
        officials = staff.get_by_test_id("roster-official")
        await expect(officials).to_contain_text("已为部门/村居负责人设定发言时间（10 分钟）")

        for key in ("member", "stakeholder", "official"):
            name = people[key]["name"]
            await staff.get_by_label("搜索人员").fill(name)
            await staff.get_by_role("button", name="搜索", exact=True).click()
            await staff.get_by_role("button", name=f"将{name}加入名单").click()
            await expect(staff.get_by_test_id(f"roster-{key}")).to_contain_text(name)
        await expect(officials).not_to_contain_text("设定发言时间（10 分钟），但名单中还没有")

        roster = staff.get_by_role("region", name="参会名单")
        await roster.get_by_label("来宾姓名").fill(XSS_GUEST)
        await roster.get_by_label("来宾电话").fill("13800001234")
        # What was typed survives a reload before it is sent.
        await staff.reload()
        await expect(roster.get_by_label("来宾姓名")).to_have_value(XSS_GUEST)
        await expect(roster.get_by_label("来宾电话")).to_have_value("13800001234")
        await roster.get_by_role("button", name="生成邀请链接").click()
        await expect(roster.get_by_test_id("guest-link")).to_contain_text("/join/")
        guests = staff.get_by_test_id("roster-guest")
        await expect(guests).to_contain_text(XSS_GUEST)  # shown as text, never as markup
        await expect(guests).to_contain_text("电话 13800001234")
        await expect(roster.get_by_label("来宾姓名")).to_have_value("")
        assert await staff.evaluate("window.__pwned") is None

        member_row = staff.get_by_test_id("roster-member")
        await staff.get_by_label(f"{people['member']['name']}的参会方式").select_option("in_room")
        await expect(
            member_row.get_by_label(f"{people['member']['name']}的参会方式")
        ).to_have_value("in_room")

        document = briefing_docx("农贸市场周边现有停车位 120 个，高峰时段缺口约 200 个。")
        path = tmp_path / "停车难情况通报.docx"
        path.write_bytes(document)
        await staff.get_by_label("上传情况通报").set_input_files(path)
        briefings = staff.get_by_test_id("briefings")
        await expect(briefings.get_by_role("link", name="停车难情况通报.docx")).to_be_visible()

        await staff.get_by_role("button", name="发送参会通知").click()
        # The guest's link was their invitation; the three others are sent one now.
        await expect(staff.get_by_text("已向 3 人发送参会通知")).to_be_visible()
        summary = staff.get_by_test_id("attendance-summary")
        await expect(summary).to_contain_text(
            "应到 4 人，回复将现场 0 人、线上 0 人、请假 0 人、未回复 4 人"
        )

        # The member, on a phone: the invitation on the home page, then the meeting's page.
        await phone.goto(server + "/")
        mine = phone.get_by_test_id("my-invitations")
        await expect(mine).to_contain_text("未读")
        await mine.get_by_role("link", name=meeting["title"]).click()
        panel = phone.get_by_test_id("my-invitation")
        await expect(panel).to_contain_text("当前回复：已读")
        link = phone.get_by_test_id("briefings").get_by_role("link", name="停车难情况通报.docx")
        async with phone.expect_download() as waiting:
            await link.click()
        download = await waiting.value
        saved = tmp_path / "read.docx"
        await download.save_as(saved)
        assert saved.read_bytes() == document
        # Declining needs a reason: refused without one, and what was typed survives a reload.
        await panel.get_by_role("button", name="不能参会").click()
        await panel.get_by_role("button", name="提交请假").click()
        await expect(panel.get_by_role("alert")).to_contain_text("请填写不能参会的原因")
        await panel.get_by_label("不能参会的原因").fill("当天可能出差")
        await phone.reload()
        # The form comes back open with the reason, without a click.
        await expect(panel.get_by_label("不能参会的原因")).to_have_value("当天可能出差")
        await panel.get_by_role("button", name="将线上参会").click()
        await expect(panel).to_contain_text("当前回复：将线上参会")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the phone page scrolls sideways ({width} px)"

        await staff.reload()
        await expect(staff.get_by_test_id("attendance-summary")).to_contain_text(
            "应到 4 人，回复将现场 0 人、线上 1 人、请假 0 人、未回复 3 人"
        )
        await expect(staff.get_by_label(f"{people['member']['name']}的参会方式")).to_have_value(
            "remote"
        )
        await expect(staff.get_by_test_id("roster-member")).to_contain_text("将线上参会")
    finally:
        await staff_context.close()
        await member_context.close()


async def test_the_room_qr_code_leads_each_person_on(
    browser: Browser, server: str, http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> None:
    scene = await _setting(server, demo, uuid.uuid4().hex[:4])
    meeting, people = scene["meeting"], scene["people"]
    added = await http.post(
        f"/api/meetings/{meeting['id']}/participants",
        json={"person_id": people["member"]["id"]},
        headers=bearer(admin_token),
    )
    assert added.status_code == 201, added.text
    join = f"{server}/m/{meeting['id']}/join"

    # The room screen's QR code and the link beneath it lead to the join page.
    screen_context, screen = await _signed_in(browser, server, demo["accounts"]["staff"])
    try:
        await screen.goto(f"{server}/m/{meeting['id']}/screen")
        await expect(screen.get_by_test_id("join-qr")).to_contain_text(
            f"/m/{meeting['id']}/join", timeout=15_000
        )
    finally:
        await screen_context.close()

    visitor_context, visitor = await _signed_in(browser, server, None, phone=True)
    outsider_context, outsider = await _signed_in(
        browser, server, demo["accounts"]["members"][8], phone=True
    )
    try:
        # Not signed in: the sign-in form, then back to the meeting as a roster member.
        await visitor.goto(join)
        await visitor.get_by_label("用户名").fill(people["member"]["username"])
        await visitor.get_by_label("密码").fill(PASSWORD)
        await visitor.get_by_role("button", name="登录").click()
        await expect(visitor).to_have_url(f"{server}/m/{meeting['id']}", timeout=15_000)
        await expect(visitor.get_by_role("button", name="举手")).to_be_visible(timeout=15_000)

        # Signed in but not on the roster: whom to ask, in plain words.
        await outsider.goto(join)
        await expect(outsider.get_by_test_id("not-on-roster")).to_contain_text(
            f"您不在「{meeting['title']}」的参会名单中"
        )
        await expect(outsider.get_by_text("请联系五星街道")).to_be_visible()
    finally:
        await visitor_context.close()
        await outsider_context.close()
