"""The duty menu and training, in the browser: the county's CPPCC staff plan a member's menu
(a refused line is explained beside its input), record a training course with the member
ticked from the roster, record a report whose bad link is refused beside the link; the member
then sees their menu on the home page with the training done."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.test_outcomes_walkthrough import _sign_in
from tests.conftest import bearer
from tests.outcomes.conftest import YEAR, ok

pytestmark = pytest.mark.browser
PASSWORD = "menu-walk-2026"


async def _account(
    http: httpx.AsyncClient, admin: dict[str, str], name: str, category: str, unit_id: int
) -> dict[str, str]:
    username = f"menuwalk_{uuid.uuid4().hex[:8]}"
    person = await ok(
        await http.post(
            "/api/people",
            json={
                "username": username,
                "password": PASSWORD,
                "name": name,
                "category": category,
                "org_unit_id": unit_id,
            },
            headers=admin,
        ),
        201,
    )
    return {"username": username, "password": PASSWORD, "id": str(person["id"])}


async def test_staff_plan_a_menu_record_training_and_the_member_sees_it(
    browser: Browser, server: str, admin_token: str
) -> None:
    admin = bearer(admin_token)
    member_name = f"菜单委员{uuid.uuid4().hex[:4]}"
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        units = {
            u["name"]: u["id"]
            for u in (await ok(await http.get("/api/org-units", headers=admin)))["items"]
        }
        rooms = (await ok(await http.get("/api/rooms", headers=admin)))["items"]
        room = next(r for r in rooms if r["org_unit_id"] == units["五星街道"])
        county = await _account(http, admin, "孙办公室", "official", units["亭湖区"])
        await ok(
            await http.post(
                f"/api/people/{county['id']}/roles",
                json={"role": "cppcc_staff", "org_unit_id": units["亭湖区"]},
                headers=admin,
            )
        )
        member = await _account(http, admin, member_name, "member", units["五星街道"])

    staff_ctx = await browser.new_context(locale="zh-CN")
    staff = await staff_ctx.new_page()
    await _sign_in(staff, server, county["username"], county["password"])
    await staff.goto(f"{server}/assessment?year={YEAR}")
    menus = staff.get_by_test_id("duty-menus")
    row = menus.get_by_test_id("menu-row").filter(has_text=member_name)
    await expect(row).to_contain_text("未制定")
    await staff.get_by_role("button", name=f"编辑{member_name}的履职菜单").click()
    editor = staff.get_by_role("form", name=f"{member_name}的履职菜单")
    await editor.get_by_role("button", name="添加一项").click()
    await editor.get_by_role("button", name="添加一项").click()
    lines = editor.get_by_test_id("menu-line")
    await lines.nth(0).get_by_label("履职项目").select_option(label="出席协商活动")
    await lines.nth(0).get_by_label("计划次数").fill("3")
    await lines.nth(0).get_by_label("议事室").select_option(label=room["name"])
    await lines.nth(0).get_by_label("议题或方向").fill("老旧小区加装电梯")
    await lines.nth(1).get_by_label("履职项目").select_option(label="参加培训")
    await lines.nth(1).get_by_label("议事室").select_option(label=room["name"])
    await editor.get_by_role("button", name="保存履职菜单").click()
    # Training is not held in a room: the refusal sits beside line 2's room.
    refusal = lines.nth(1).locator(f"#menu-{member['id']}-1-room-error")
    await expect(refusal).to_contain_text("培训不在议事室举办")
    await expect(lines.nth(1).get_by_label("议事室")).to_have_attribute("aria-invalid", "true")
    await lines.nth(1).get_by_label("议事室").select_option(label="不限议事室")
    await editor.get_by_role("button", name="保存履职菜单").click()
    await expect(editor.get_by_role("status")).to_have_text("履职菜单已保存")
    await expect(row).to_contain_text("未完成")
    await expect(row.get_by_test_id("menu-row-done")).to_have_text("0")

    training = staff.get_by_role("form", name="登记培训")
    await training.get_by_label("举办单位").select_option(label="亭湖区")
    await training.get_by_label("培训名称").fill("协商议事骨干专题培训班")
    await training.get_by_label("培训日期").fill(f"{YEAR}-03-15")
    await training.get_by_label("地点").fill("区政协会议室")
    await training.get_by_label("筛选委员").fill(member_name)
    await training.get_by_label(member_name).check()
    await training.get_by_role("button", name="登记培训").click()
    await expect(training.get_by_role("status")).to_have_text("已登记培训")
    await expect(
        staff.get_by_test_id("trainings")
        .get_by_role("listitem")
        .filter(has_text="协商议事骨干专题培训班")
    ).to_contain_text("1 人出席")

    publicity = staff.get_by_role("form", name="登记报道")
    await publicity.get_by_label("议事室").select_option(label=room["name"])
    await publicity.get_by_label("报道标题").fill("议事室协商解决加装电梯难题")
    await publicity.get_by_label("链接").fill("javascript:alert(1)")
    await publicity.get_by_label("发布日期").fill(f"{YEAR}-03-20")
    await publicity.get_by_role("button", name="登记报道").click()
    await expect(publicity.locator("#publicity-url-error")).to_contain_text("https://")
    await publicity.get_by_label("链接").fill("https://mp.weixin.qq.com/s/menu-walk")
    await publicity.get_by_role("button", name="登记报道").click()
    link = staff.get_by_test_id("publicity").get_by_role("link", name="议事室协商解决加装电梯难题")
    await expect(link).to_have_attribute("href", "https://mp.weixin.qq.com/s/menu-walk")

    await staff.reload()
    await expect(
        staff.get_by_test_id("duty-menus")
        .get_by_test_id("menu-row")
        .filter(has_text=member_name)
        .get_by_test_id("menu-row-done")
    ).to_have_text("1")

    member_ctx = await browser.new_context(locale="zh-CN")
    mine = await member_ctx.new_page()
    await _sign_in(mine, server, member["username"], member["password"])
    menu = mine.get_by_test_id("my-menu")
    await expect(menu.get_by_role("heading", name="我的履职菜单")).to_be_visible()
    await expect(menu.get_by_role("listitem").filter(has_text="参加培训")).to_contain_text("1/1 次")
    attend = menu.get_by_role("progressbar", name=f"出席协商活动 · {room['name']}")
    await expect(attend).to_have_attribute("aria-valuenow", "0")
    await expect(menu.get_by_text("老旧小区加装电梯")).to_be_visible()
    for ctx in (staff_ctx, member_ctx):
        await ctx.close()
