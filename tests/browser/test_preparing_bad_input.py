"""Bad input while preparing a meeting, as a person meets it in the browser (issue 14): an
XLSX list with broken rows (each row's problem listed, nobody imported), a 50 MB briefing
(refused, nothing stored), an expired or revoked invite link (a plain sentence, no meeting).
A script in a meeting's title is shown as text in tests/browser/test_planner.py.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.live_views import LAPTOP, PHONE
from tests.browser.test_office_console import _county_staff, _sign_in
from tests.conftest import bearer
from tests.roster.conftest import plan_meeting
from tests.server.test_office import _xlsx

pytestmark = pytest.mark.browser


async def test_an_xlsx_with_broken_rows_lists_each_and_imports_nobody(
    browser: Browser, server: str, admin_token: str
) -> None:
    suffix = uuid.uuid4().hex[:6]
    usernames = [f"bx{i}_{suffix}" for i in range(4)]
    rows: list[list[Any]] = [
        ["周一", usernames[0], "委员", "县级", "13900000001", "五星街道"],
        [None, usernames[1], "委员", "县级", "13900000002", "五星街道"],
        ["郑三", usernames[2], "居民", None, None, "五星街道"],
        ["王四", usernames[3], "部门/村居负责人", None, "一二三", "火星街道"],
    ]
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        staff = await _county_staff(http, admin_token)
    context = await browser.new_context(viewport=LAPTOP, locale="zh-CN")  # type: ignore[arg-type]
    page = await context.new_page()
    try:
        await _sign_in(page, server, staff["username"], staff["password"])
        await page.get_by_role("link", name="打开办公台").click()
        await page.get_by_role("tab", name="导入人员").click()
        await page.get_by_label("名单文件").set_input_files(
            {
                "name": "名单.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _xlsx(rows),
            }
        )
        await page.get_by_role("button", name="检查名单").click()
        table = page.get_by_test_id("import-rows")
        await expect(page.get_by_text("共 4 行：1 行可以导入，3 行有误")).to_be_visible()
        await expect(table).to_contain_text("姓名必填")
        await expect(table).to_contain_text("类别“居民”不正确")
        await expect(table).to_contain_text("没有名为“火星街道”的组织")
        await expect(page.get_by_role("button", name="全部导入")).to_have_count(0)
    finally:
        await context.close()
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        found = await http.get(
            "/api/people", params={"q": f"_{suffix}"}, headers=bearer(admin_token)
        )
        assert found.status_code == 200, found.text
        assert [p["username"] for p in found.json()["items"]] == []  # not even the good row


async def test_a_50_mb_briefing_is_refused_in_the_page_and_nothing_is_listed(
    browser: Browser, server: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    p = await plan_meeting(server, demo, f"停车难协商会（大文件{uuid.uuid4().hex[:4]}）")
    big = tmp_path / "扫描件.pdf"
    with big.open("wb") as out:
        out.write(b"%PDF-1.4\n")
        out.truncate(50 * 1024 * 1024)
    context = await browser.new_context(viewport=LAPTOP, locale="zh-CN")  # type: ignore[arg-type]
    r = await context.request.post(
        server + "/api/auth/login",
        data={"username": demo["accounts"]["staff"]["username"], "password": "demo-staff"},
    )
    assert r.ok, await r.text()
    page = await context.new_page()
    try:
        await page.goto(f"{server}/meetings/{p.meeting_id}")
        await page.get_by_label("上传情况通报").set_input_files(big)
        panel = page.get_by_role("region", name="情况通报材料")
        await expect(panel.get_by_role("alert")).to_contain_text(
            "文件过大：每份情况通报材料不能超过 20 MB"
        )
        await expect(panel.get_by_text("暂无情况通报材料")).to_be_visible()
        await page.reload()
        await expect(panel.get_by_text("暂无情况通报材料")).to_be_visible()
    finally:
        await context.close()


async def test_an_expired_or_revoked_invite_link_says_so_and_opens_nothing(
    browser: Browser, server: str, demo: dict[str, Any]
) -> None:
    p = await plan_meeting(server, demo, f"停车难协商会（过期链接{uuid.uuid4().hex[:4]}）")
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        added = await http.post(
            f"/api/meetings/{p.meeting_id}/participants",
            json={"guest_name": "过期来宾"},
            headers=p.staff,
        )
        assert added.status_code == 201, added.text
        guest = added.json()
        short = await http.post(
            f"/api/meetings/{p.meeting_id}/invites",
            json={"participant_id": guest["id"], "ttl_s": 1},
            headers=p.staff,
        )
        assert short.status_code == 201, short.text
        revoked = guest["invite"]
        r = await http.post(
            f"/api/meetings/{p.meeting_id}/invites/{revoked['invite_id']}/revoke",
            headers=p.staff,
        )
        assert r.status_code == 200, r.text
    await asyncio.sleep(2.2)  # the short link's lifetime passes
    context = await browser.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
    )
    page = await context.new_page()
    try:
        for url, sentence in (
            (short.json()["url"], "邀请链接已过期，请向会议工作人员索取新的链接"),
            (revoked["url"], "邀请链接无效或已被撤销"),
        ):
            await page.goto(url)
            await expect(page.get_by_text(sentence)).to_be_visible()
            await expect(page.get_by_text("过期来宾")).to_have_count(0)
            await expect(page.get_by_role("button", name="举手")).to_have_count(0)
    finally:
        await context.close()
