"""Before the meeting in the browser (issue 15): a resident proposes a topic at /public without
an account; staff screen it beside its hint; a party reviewer approves; the county files it;
the notice appears on /public with its countdown; staff create the meeting from the topic;
the moderator's start is refused with the article's reason, and allowed after a recorded
written reason. On a 360 px phone and on a desktop.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.live_views import LAPTOP, PHONE
from tests.browser.test_planner import no_sideways_scroll
from tests.conftest import bearer, login_token

pytestmark = pytest.mark.browser
PASSWORD = "walk-pass-2026"


async def _account(
    http: httpx.AsyncClient, admin: dict[str, str], name: str, role: str, unit: str
) -> dict[str, str]:
    units = {
        u["name"]: u["id"]
        for u in (await http.get("/api/org-units", headers=admin)).json()["items"]
    }
    username = f"w{uuid.uuid4().hex[:10]}"
    made = await http.post(
        "/api/people",
        json={"username": username, "name": name, "category": "official", "password": PASSWORD},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    granted = await http.post(
        f"/api/people/{made.json()['id']}/roles",
        json={"role": role, "org_unit_id": units[unit]},
        headers=admin,
    )
    assert granted.status_code == 200, granted.text
    return {"username": username, "password": PASSWORD}


async def _context(browser: Browser, viewport: dict[str, int], **extra: Any) -> BrowserContext:
    phone = viewport is PHONE
    return await browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=phone,
        has_touch=phone,
        **extra,
    )


async def _signed_in(
    browser: Browser, viewport: dict[str, int], server: str, account: dict[str, str]
) -> Page:
    page = await (await _context(browser, viewport)).new_page()
    await page.goto(server + "/")
    await page.get_by_label("用户名").fill(account["username"])
    await page.get_by_label("密码").fill(account["password"])
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_test_id("user-name")).to_be_visible()
    return page


async def _answer(page: Page | Locator, label_start: str) -> None:
    field = page.get_by_label(re.compile(label_start))
    question = await page.locator("label", has_text=label_start).first.inner_text()
    a, b = (int(n) for n in re.findall(r"\d+", question)[:2])
    await field.fill(str(a + b))


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "desktop"])
async def test_from_a_residents_idea_to_a_meeting_that_waits_for_its_notice(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    demo: dict[str, Any],
    admin_token: str,
    artifacts: Path,
    viewport: dict[str, int],
) -> None:
    phone = viewport is PHONE
    admin = bearer(admin_token)
    reviewer = await _account(http, admin, "审定人", "party_reviewer", "五星街道")
    county = await _account(http, admin, "区政协", "cppcc_staff", "亭湖区")
    title = f"<b>菜场</b>门口积水，有人打算起诉{uuid.uuid4().hex[:4]}"

    # A resident proposes on a phone, without an account (from an address of their own).
    resident = await (
        await _context(
            browser,
            PHONE,
            extra_http_headers={"X-Forwarded-For": f"10.66.{uuid.uuid4().int % 250}.9"},
        )
    ).new_page()
    await resident.goto(server + "/public")
    await resident.get_by_label("向哪个协商议事室提出").select_option(
        label="五星街道“有事好商量”协商议事室"
    )
    await resident.get_by_label("议题", exact=True).fill(title)
    await resident.get_by_label("具体情况").fill("下雨天积水很深，老人出行不便。")
    await resident.get_by_label("您的称呼").fill("孙大妈")
    await resident.get_by_label("手机号码（仅工作人员可见）").fill("13800004444")
    # The proposal form's own question (an open questionnaire on the page asks one too).
    await _answer(resident.get_by_role("region", name="我要提议题"), "验证问题")
    await resident.get_by_role("button", name="提交议题建议").click()
    await expect(resident.get_by_role("status")).to_contain_text("回执号")
    await no_sideways_scroll(resident)

    # Staff screen it beside its 第十一条 hint; the title is text, never markup.
    staff = await _signed_in(browser, viewport, server, demo["accounts"]["staff"])
    await staff.get_by_role("link", name="议题征集与审定").click()
    item = staff.get_by_test_id("topic-list").locator("li.item").filter(has_text=title)
    await expect(item).to_contain_text("涉法涉诉")
    await item.get_by_role("link", name=title).click()
    await expect(staff.get_by_role("heading", name=title, level=1)).to_be_visible()
    assert await staff.locator("h1 b").count() == 0
    if phone:
        await no_sideways_scroll(staff)
    await staff.get_by_role("button", name="列入拟上会议题").click()
    await expect(staff.get_by_test_id("topic-status")).to_have_text("已筛选")
    topic_url = staff.url

    # The township's party reviewer approves; the county CPPCC files it.
    review = await _signed_in(browser, viewport, server, reviewer)
    await review.goto(topic_url)
    await review.get_by_role("button", name="同意（审定）").click()
    await expect(review.get_by_test_id("topic-status")).to_have_text("已审定")
    filing = await _signed_in(browser, viewport, server, county)
    await filing.goto(topic_url)
    await filing.get_by_role("button", name="备案", exact=True).click()
    await expect(filing.get_by_test_id("topic-status")).to_have_text("已备案")

    # Staff put it under notice for a meeting nine days ahead; /public counts down.
    meeting_at = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=9)).replace(
        hour=9, minute=30
    )
    await staff.reload()
    await staff.get_by_label("会议时间").fill(meeting_at.strftime("%Y-%m-%dT%H:%M"))
    await staff.get_by_label("会议地点").fill("五星街道党群服务中心")
    await staff.get_by_label("参与方式").fill("现场旁听请提前电话报名")
    await staff.get_by_role("button", name="公示", exact=True).click()
    await expect(staff.get_by_test_id("topic-status")).to_have_text("公示中")
    await resident.reload()
    notice = resident.get_by_test_id("notices").locator("li").filter(has_text=title)
    await expect(notice.get_by_test_id("countdown")).to_have_text("距协商会议还有 9 天")
    await expect(notice).not_to_contain_text("13800004444")

    # Staff create the meeting from the topic.
    await staff.get_by_role("link", name="据此新建会议").click()
    chosen = staff.get_by_label("经审定的议题")
    await expect(chosen.locator("option:checked")).to_contain_text("菜场")
    await staff.get_by_label("开始时间").fill(meeting_at.strftime("%Y-%m-%dT%H:%M"))
    await staff.get_by_label("地点", exact=True).fill("五星街道党群服务中心")
    await staff.get_by_role("button", name="创建会议").click()
    await expect(staff).to_have_url(re.compile(r"/meetings/\d+$"))
    meeting_id = int(staff.url.rsplit("/", 1)[1])
    # The topic's notice travels into the meeting's briefing (no research recorded yet).
    briefing = staff.get_by_test_id("briefing-topic")
    await expect(briefing.get_by_test_id("briefing-notice")).to_contain_text("距会议 9 天")
    await expect(briefing.get_by_test_id("briefing-notice")).to_contain_text("至少 7 天")
    await expect(briefing).to_contain_text("本议题尚无调研记录")

    # The moderator's start is refused with 第十四条's reason.
    chair = await _signed_in(browser, viewport, server, demo["accounts"]["moderator"])
    await chair.goto(f"{server}/m/{meeting_id}/moderate")
    start = chair.get_by_role("button", name="开始会议（进入第一项议程）")
    await start.click()
    await expect(chair.get_by_text(re.compile("依据第十四条，议题公示未满七天"))).to_be_visible()

    # Staff record the written reason (notice and research); the start then goes through.
    await staff.goto(topic_url)
    await staff.get_by_label("理由或说明").fill("汛期将至，积水问题须在雨季前协商解决")
    await staff.get_by_label("尚无调研记录").check()
    await staff.get_by_role("button", name="记录提前开会的书面理由").click()
    await expect(staff.get_by_test_id("timeline")).to_contain_text("汛期将至")
    await expect(staff.get_by_test_id("opening")).to_contain_text("议题已满足开会条件")
    await start.click()
    await expect(start).to_have_count(0)
    token = await login_token(server, demo["accounts"]["staff"])
    opened = (await http.get(f"/api/meetings/{meeting_id}", headers=bearer(token))).json()
    assert opened["status"] == "live"
    await staff.screenshot(
        path=str(artifacts / f"topic-{'phone' if phone else 'desktop'}.png"), full_page=True
    )
    await resident.screenshot(path=str(artifacts / "public-phone.png"), full_page=True)
