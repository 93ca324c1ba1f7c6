"""After the meeting, in the browser: the county's CPPCC staff submit an outcome from signed
minutes and report, a responsible unit's account adopts two of three recommendations with
reasons and reports progress, /public shows the implemented one, and the county dashboard
counts the meeting for its room."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import bearer
from tests.outcomes.conftest import ok, signed_meeting, unit_account

pytestmark = pytest.mark.browser
PASSWORD = "outcome-walk-2026"


async def _sign_in(page: Page, server: str, username: str, password: str) -> None:
    await page.goto(server + "/")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_test_id("user-name")).to_be_visible()


async def _setup(http: httpx.AsyncClient, admin: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    units = {
        u["name"]: u["id"]
        for u in (await ok(await http.get("/api/org-units", headers=admin)))["items"]
    }
    township = await ok(
        await http.post(
            "/api/org-units",
            json={
                "name": f"步行镇{uuid.uuid4().hex[:4]}",
                "level": "township",
                "parent_id": units["亭湖区"],
            },
            headers=admin,
        ),
        201,
    )
    room = await ok(
        await http.post(
            "/api/rooms",
            json={"name": f"{township['name']}协商议事室", "org_unit_id": township["id"]},
            headers=admin,
        ),
        201,
    )
    username = f"walk_{uuid.uuid4().hex[:8]}"
    person = await ok(
        await http.post(
            "/api/people",
            json={
                "username": username,
                "password": PASSWORD,
                "name": "钱文华",
                "category": "official",
                "org_unit_id": units["亭湖区"],
            },
            headers=admin,
        ),
        201,
    )
    await ok(
        await http.post(
            f"/api/people/{person['id']}/roles",
            json={"role": "cppcc_staff", "org_unit_id": units["亭湖区"]},
            headers=admin,
        )
    )
    return room["id"], room["name"], {"username": username, "password": PASSWORD}


async def test_an_outcome_from_signed_minutes_to_public_and_the_dashboard(
    browser: Browser, server: str, admin_token: str
) -> None:
    admin = bearer(admin_token)
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        room_id, room_name, county = await _setup(http, admin)
        meeting_id = await signed_meeting(http, admin, room_id=room_id)
        unit = await unit_account(http, server, admin, "新兴镇")
        unit_login = (await ok(await http.get("/api/me", headers=unit.headers)))["username"]

    staff_ctx = await browser.new_context(locale="zh-CN")
    staff = await staff_ctx.new_page()
    await _sign_in(staff, server, county["username"], county["password"])
    await staff.goto(f"{server}/meetings/{meeting_id}/outcome")
    await expect(staff.get_by_role("heading", name="报送协商成果")).to_be_visible()
    drafted = staff.locator("fieldset")
    while await drafted.count() < 3:
        await staff.get_by_role("button", name="添加一条建议").click()
    for n in range(await drafted.count()):
        field = drafted.nth(n)
        if not (await field.get_by_label("建议内容").input_value()).strip():
            await field.get_by_label("建议内容").fill(f"补充建议{n + 1}：规范停车秩序")
        await field.get_by_label("责任单位").select_option(label="新兴镇")
    while await drafted.count() > 3:
        await drafted.nth(3).get_by_role("button", name="删除此条").click()
    await staff.get_by_role("button", name="报送", exact=True).click()
    cards = staff.get_by_test_id("outcome-item")
    await expect(cards).to_have_count(3)
    texts = [(await cards.nth(n).locator(".text").inner_text()).split(". ", 1)[1] for n in range(3)]

    dept_ctx = await browser.new_context(locale="zh-CN")
    dept = await dept_ctx.new_page()
    await _sign_in(dept, server, unit_login, "unit-pass-2026")
    await dept.goto(f"{server}/outcomes")
    mine = dept.get_by_test_id("outcome-item").filter(has_text=texts[0])
    for text, decision, reason in (
        (texts[0], "采纳", "纳入今年民生实事项目"),
        (texts[1], "部分采纳", "先在东侧地块试点"),
        (texts[2], "暂不采纳", "涉及交警执法权限，已转交县公安局"),
    ):
        card = dept.get_by_test_id("outcome-item").filter(has_text=text)
        await card.get_by_label("采纳情况").select_option(label=decision)
        await card.get_by_label("理由").fill(reason)
        await card.get_by_role("button", name="记录").click()
        await expect(card.get_by_test_id("item-decision")).to_have_text(decision)
    await mine.locator("select").first.select_option(label="落实进度")
    await mine.get_by_label("进度（%）").fill("100")
    await mine.get_by_label("说明").fill("新增临时停车位 80 个")
    await mine.get_by_role("button", name="记录").click()
    await expect(mine.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    await mine.locator("select").first.select_option(label="办理结果")
    await mine.get_by_label("说明").fill("临时停车位已投入使用，早高峰占道停车明显减少")
    await mine.get_by_role("button", name="记录").click()
    await expect(mine.get_by_text("已办结")).to_be_visible()

    await staff.reload()
    first = staff.get_by_test_id("outcome-item").filter(has_text=texts[0])
    await expect(first.get_by_test_id("item-decision")).to_have_text("采纳")
    await (
        staff.locator(".with-publish")
        .filter(has_text=texts[0])
        .get_by_label("在公开页面展示")
        .check()
    )
    await expect(
        staff.locator(".with-publish").filter(has_text=texts[0]).get_by_label("在公开页面展示")
    ).to_be_checked()

    public_ctx = await browser.new_context(locale="zh-CN")
    public = await public_ctx.new_page()
    await public.goto(f"{server}/public")
    published = public.get_by_test_id("published-outcomes")
    await expect(published.get_by_text(texts[0])).to_be_visible()
    await expect(published.get_by_text(texts[1])).to_have_count(0)

    await staff.goto(f"{server}/assessment")
    row = staff.get_by_test_id("assessment-rooms").get_by_role("row").filter(has_text=room_name)
    await expect(row.get_by_test_id("room-activities")).to_contain_text("1")
    await expect(row.get_by_test_id("room-activities")).to_contain_text("未达标")
    for ctx in (staff_ctx, dept_ctx, public_ctx):
        await ctx.close()
