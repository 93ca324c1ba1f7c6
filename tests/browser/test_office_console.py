"""A county CPPCC staff member runs the office from the browser: creates a person, grants
them `staff` over a room, imports a list (fixing the row the server refused), and hands out
a password reset link that the person uses in their own browser; on a desktop and a phone.
The forms keep what was typed across a refusal and a reload.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.live_views import LAPTOP, PHONE
from tests.conftest import bearer

pytestmark = pytest.mark.browser

PASSWORD = "county-office-2026"
ROOM = "五星街道“有事好商量”协商议事室"


async def _county_staff(http: httpx.AsyncClient, admin_token: str) -> dict[str, str]:
    admin = bearer(admin_token)
    units = {
        u["name"]: u["id"]
        for u in (await http.get("/api/org-units", headers=admin)).json()["items"]
    }
    username = f"county_{uuid.uuid4().hex[:8]}"
    r = await http.post(
        "/api/people",
        json={
            "username": username,
            "password": PASSWORD,
            "name": "钱文华",
            "category": "official",
            "org_unit_id": units["亭湖区"],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    grant = {"role": "cppcc_staff", "org_unit_id": units["亭湖区"]}
    r = await http.post(f"/api/people/{r.json()['id']}/roles", json=grant, headers=admin)
    assert r.status_code == 200, r.text
    return {"username": username, "password": PASSWORD}


async def _sign_in(page: Page, server: str, username: str, password: str) -> None:
    await page.goto(server + "/")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


async def _fits(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def _csv(rows: list[str]) -> dict[str, Any]:
    text = "姓名,用户名,类别,委员级别,手机,所属组织\n" + "\n".join(rows) + "\n"
    return {"name": "名单.csv", "mimeType": "text/csv", "buffer": text.encode()}


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["desktop", "phone"])
async def test_county_staff_prepare_people_grants_imports_and_a_reset_link(
    browser: Browser,
    server: str,
    admin_token: str,
    artifacts: Path,
    viewport: dict[str, int],
) -> None:
    tag = "phone" if viewport is PHONE else "desktop"
    suffix = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        staff = await _county_staff(http, admin_token)
    context = await browser.new_context(viewport=viewport, locale="zh-CN")
    page = await context.new_page()
    await _sign_in(page, server, staff["username"], staff["password"])
    await expect(page.get_by_text("钱文华")).to_be_visible()
    await page.get_by_role("link", name="打开办公台").click()
    await expect(page.get_by_role("heading", name="办公台", level=1)).to_be_visible()

    # A new person: the server refuses a bad phone number beside the field, and keeps the rest.
    await page.get_by_role("button", name="新建人员").click()
    form = page.get_by_role("form", name="新建人员")
    name = "林<b>小雨</b>"
    username = f"linxy_{suffix}"
    await form.get_by_label("姓名").fill(name)
    await form.get_by_label("用户名").fill(username)
    await form.get_by_label("类别").select_option(label="委员")
    await form.get_by_label("委员级别").select_option(label="县级")
    await form.get_by_label("手机").fill("一三八")
    await form.get_by_label("所属组织").select_option(label="五星街道")
    await form.get_by_role("button", name="新建").click()
    await expect(form.get_by_text("格式不正确")).to_be_visible()
    await expect(form.get_by_label("手机")).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("姓名")).to_have_value(name)
    # A reload (or a dropped connection) loses nothing: the form is open with what was typed.
    await page.reload()
    await expect(form.get_by_label("姓名")).to_have_value(name)
    await expect(form.get_by_label("用户名")).to_have_value(username)
    await expect(form.get_by_label("手机")).to_have_value("一三八")
    await expect(form.get_by_label("委员级别")).to_have_value("county")
    await form.get_by_label("手机").fill("13800138000")
    await form.get_by_role("button", name="新建").click()
    await expect(page.get_by_text(f"已新建人员：{name}")).to_be_visible()
    # What was typed is shown as text, never as markup.
    assert await page.locator("[data-testid=people] b").count() == 0

    # Grant them `staff` over the 五星街道 room: the form offers only what the county may grant.
    grant = page.get_by_role("form", name="授予角色")
    await expect(grant.get_by_label("角色")).to_be_visible()
    roles = await grant.get_by_label("角色").locator("option").all_inner_texts()
    assert roles == ["政协工作人员", "主持人", "工作人员", "承办单位联络员"]
    scopes = await grant.get_by_label("范围").locator("option").all_inner_texts()
    assert "组织：大冈镇" not in scopes and "组织：亭湖区" in scopes
    await grant.get_by_label("角色").select_option(label="工作人员")
    await grant.get_by_label("范围").select_option(label=f"议事室：{ROOM}")
    await grant.get_by_role("button", name="授予").click()
    revoke = page.get_by_role("button", name=f"收回 工作人员（议事室：{ROOM}）")
    await expect(revoke).to_be_visible()
    # Taken back, and granted again.
    await revoke.click()
    await expect(revoke).to_have_count(0)
    await expect(page.get_by_text("暂无角色")).to_be_visible()
    await grant.get_by_role("button", name="授予").click()
    await expect(revoke).to_be_visible()

    # A reset link for them, with a copy button.
    await page.get_by_role("button", name="生成密码重置链接").click()
    link_box = page.get_by_test_id("reset-link")
    await expect(link_box).to_have_value(re.compile(re.escape(server) + "/reset/.+"))
    link = await link_box.input_value()
    await expect(page.get_by_role("button", name="复制链接")).to_be_visible()
    await _fits(page)
    await page.screenshot(path=str(artifacts / f"office-person-{tag}.png"), full_page=True)

    # The org-unit tree: a village below 新兴镇 (an empty name is refused beside the field),
    # and a room on it.
    await page.get_by_role("tab", name="组织").click()
    await page.get_by_role("button", name="添加下级 新兴镇").click()
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_text("至少 1 个字符")).to_be_visible()
    village = f"新丰村{suffix}"
    await page.get_by_label("下级组织名称（村（社区））").fill(village)
    await page.get_by_role("button", name="保存").click()
    await expect(page.get_by_text(f"已新建组织：{village}")).to_be_visible()
    await page.get_by_role("tab", name="协商议事室").click()
    new_room = page.get_by_role("form", name="新建协商议事室")
    await new_room.get_by_label("议事室名称").fill(f"{village}议事室")
    await new_room.get_by_label("所在组织").select_option(label=village)
    await new_room.get_by_role("button", name="新建协商议事室").click()
    await expect(page.get_by_text(f"已新建协商议事室：{village}议事室")).to_be_visible()
    await _fits(page)

    # Import a list: one row is refused with its reason, nothing is imported until it is fixed.
    await page.get_by_role("tab", name="导入人员").click()
    rows = [
        f"周建华,zjh_{suffix},委员,市级,13900000001,五星街道",
        f"吴桂芳,wgf_{suffix},居民,,,新兴镇",
        f"郑海,zh_{suffix},部门负责人,,0515-88886666,解放社区",
    ]
    await page.get_by_label("名单文件").set_input_files(_csv(rows))
    await page.get_by_role("button", name="检查名单").click()
    table = page.get_by_test_id("import-rows")
    await expect(table).to_contain_text("类别“居民”不正确")
    await expect(page.get_by_text("共 3 行：2 行可以导入，1 行有误")).to_be_visible()
    await expect(page.get_by_role("button", name="全部导入")).to_have_count(0)
    await _fits(page)
    await page.screenshot(path=str(artifacts / f"office-import-errors-{tag}.png"), full_page=True)
    rows[1] = f"吴桂芳,wgf_{suffix},利益相关方代表,,,新兴镇"
    await page.get_by_label("名单文件").set_input_files(_csv(rows))
    await page.get_by_role("button", name="检查名单").click()
    await expect(page.get_by_text("全部无误，可以导入")).to_be_visible()
    await page.get_by_role("button", name="全部导入").click()
    await expect(page.get_by_text("已导入 3 人")).to_be_visible()
    await page.get_by_role("tab", name="人员", exact=True).click()
    await page.get_by_label("按姓名或用户名查找").fill("吴桂芳")
    await page.get_by_role("button", name="查找").click()
    await expect(page.get_by_test_id("people")).to_contain_text("利益相关方代表")
    await page.screenshot(path=str(artifacts / f"office-import-{tag}.png"), full_page=True)
    await context.close()

    # The person opens the link in their own browser, sets a password and signs in.
    own = await browser.new_context(viewport=viewport, locale="zh-CN")
    mine = await own.new_page()
    await mine.goto(link)
    await expect(mine.get_by_text(f"（用户名 {username}）")).to_be_visible()
    await mine.get_by_label("新密码", exact=True).fill("short")
    await mine.get_by_label("再输入一次新密码").fill("short")
    await mine.get_by_role("button", name="设置密码").click()
    await expect(mine.get_by_text("至少 8 个字符").last).to_be_visible()
    await mine.get_by_label("新密码", exact=True).fill("xiaoyu-2026")
    await mine.get_by_label("再输入一次新密码").fill("xiaoyu-2026")
    await mine.get_by_role("button", name="设置密码").click()
    await expect(mine.get_by_text("密码已设置")).to_be_visible()
    await _fits(mine)
    await _sign_in(mine, server, username, "xiaoyu-2026")
    await expect(mine.get_by_test_id("user-name")).to_have_text(name)
    # A member sees no office.
    await expect(mine.get_by_role("link", name="打开办公台")).to_have_count(0)
    await mine.goto(link)
    await expect(mine.get_by_role("alert")).to_contain_text("已经使用过")
    await own.close()


async def test_office_forms_keep_what_was_typed_across_a_refusal_and_a_reload(
    browser: Browser, server: str, admin_token: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        staff = await _county_staff(http, admin_token)
    context = await browser.new_context(viewport=LAPTOP, locale="zh-CN")  # type: ignore[arg-type]
    page = await context.new_page()
    try:
        await _sign_in(page, server, staff["username"], staff["password"])
        await page.get_by_role("link", name="打开办公台").click()

        # A new room: typed, reloaded, still there (on the same tab); refused without its
        # unit, the sentence beside that field and the text kept.
        await page.get_by_role("tab", name="协商议事室").click()
        form = page.get_by_role("form", name="新建协商议事室")
        room = f"盐东镇议事室{suffix}"
        await form.get_by_label("议事室名称").fill(room)
        await form.get_by_label("地址").fill("盐东镇人民路 8 号")
        await page.reload()
        await expect(page.get_by_role("tab", name="协商议事室")).to_have_attribute(
            "aria-selected", "true"
        )
        await expect(form.get_by_label("议事室名称")).to_have_value(room)
        await expect(form.get_by_label("地址")).to_have_value("盐东镇人民路 8 号")
        await form.get_by_role("button", name="新建协商议事室").click()
        unit = form.get_by_label("所在组织")
        await expect(unit).to_have_attribute("aria-invalid", "true")
        described = await unit.get_attribute("aria-describedby")
        assert described, "the refusal is tied to the field"
        refusal = await page.locator(f"[id='{described.split()[-1]}']").inner_text()
        assert re.search(r"[\u4e00-\u9fff]", refusal), f"not said in Chinese: {refusal!r}"
        await expect(form.get_by_label("议事室名称")).to_have_value(room)
        await expect(form.get_by_label("地址")).to_have_value("盐东镇人民路 8 号")
        await unit.select_option(index=1)
        await form.get_by_role("button", name="新建协商议事室").click()
        await expect(page.get_by_text(f"已新建协商议事室：{room}")).to_be_visible()

        # The room's notice days and pre-moderation (第十四条): an impossible number is refused
        # beside the field; what was typed survives a reload; saved, the room shows both.
        await page.get_by_role("button", name=f"修改 {room}").click()
        days = page.get_by_label("公示天数", exact=False)
        await expect(days).to_have_value("7")
        await days.fill("90")
        await page.get_by_role("button", name="保存").click()
        await expect(days).to_have_attribute("aria-invalid", "true")
        await days.fill("10")
        premoderate = "公众提交的议题建议和会上的意见建议一律先审核再展示"
        await page.get_by_label(premoderate).check()
        await page.reload()
        await expect(page.get_by_label("公示天数", exact=False)).to_have_value("10")
        await expect(page.get_by_label(premoderate)).to_be_checked()
        await page.get_by_role("button", name="保存").click()
        await expect(page.get_by_text("公示 10 天")).to_be_visible()
        await expect(page.get_by_text("先审后发")).to_be_visible()

        # Renaming an org unit: an empty name is refused beside the field; the rename typed
        # before the reload comes back with its form open.
        await page.get_by_role("tab", name="组织").click()
        await page.get_by_role("button", name="改名 五星街道").click()
        rename = page.get_by_label("五星街道 的新名称")
        await rename.fill("")
        await page.get_by_role("button", name="保存").click()
        await expect(rename).to_have_attribute("aria-invalid", "true")
        await rename.fill(f"五星街道（试）{suffix}")
        await page.reload()
        await expect(page.get_by_label("五星街道 的新名称")).to_have_value(
            f"五星街道（试）{suffix}"
        )
        await page.get_by_role("button", name="取消").click()
        await expect(page.get_by_label("五星街道 的新名称")).to_have_count(0)
        await page.reload()
        await expect(page.get_by_label("五星街道 的新名称")).to_have_count(0)
    finally:
        await context.close()
