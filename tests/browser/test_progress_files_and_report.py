"""In the browser, on the demo data: the room's staff see the photo on the implemented item's
progress and attach a file to the progress of the item under way; the county's CPPCC staff
download their county's yearly report from 年度考核."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
from playwright.async_api import Browser, Page, expect

from server.demo_outcomes import ITEMS

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _sign_in(page: Page, server: str, account: dict[str, str]) -> None:
    await page.goto(server + "/")
    await page.get_by_label("用户名").fill(account["username"])
    await page.get_by_label("密码").fill(account["password"])
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_test_id("user-name")).to_be_visible()


async def test_progress_files_on_the_item_and_the_yearly_report(
    browser: Browser, server: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    staff_ctx = await browser.new_context(locale="zh-CN")
    staff = await staff_ctx.new_page()
    await _sign_in(staff, server, demo["accounts"]["staff"])
    meetings = await (await staff.request.get(f"{server}/api/meetings")).json()
    held = next(m for m in meetings["items"] if m["topic_title"] == "背街小巷路灯维修")
    await staff.goto(f"{server}/meetings/{held['id']}/outcome")

    done = staff.get_by_test_id("outcome-item").filter(has_text=ITEMS[0][0])
    await expect(done.get_by_role("link", name="修复后的建军巷路灯.png")).to_be_visible()

    patrol = staff.get_by_test_id("outcome-item").filter(has_text=ITEMS[1][0])
    await patrol.locator("summary").click()
    entry = patrol.get_by_test_id("item-record").filter(has_text="已完成两轮网格巡查")
    await entry.get_by_label("为此进度附上图片或文件").set_input_files(
        {"name": "巡查记录.png", "mimeType": "image/png", "buffer": PNG}
    )
    await expect(entry.get_by_role("link", name="巡查记录.png")).to_be_visible()
    # A wrong file is refused with the server's sentence, and nothing is added.
    await entry.get_by_label("为此进度附上图片或文件").set_input_files(
        {"name": "假照片.png", "mimeType": "image/png", "buffer": b"not a png"}
    )
    await expect(patrol.get_by_text("文件内容与文件名不符")).to_be_visible()
    await expect(entry.get_by_role("link")).to_have_count(1)
    await staff_ctx.close()

    county_ctx = await browser.new_context(locale="zh-CN", accept_downloads=True)
    county = await county_ctx.new_page()
    await _sign_in(county, server, demo["accounts"]["county"])
    await county.goto(f"{server}/assessment")
    await expect(county.get_by_label("县（市、区）或市")).to_contain_text("亭湖区")
    async with county.expect_download() as waiting:
        await county.get_by_role("button", name="下载年度报告").click()
    download = await waiting.value
    assert download.suggested_filename.endswith("年度协商议事室工作报告.docx")
    saved = tmp_path / "report.docx"
    await download.save_as(saved)
    document = docx.Document(io.BytesIO(saved.read_bytes()))
    assert document.paragraphs[0].text.startswith("亭湖区“有事好商量”协商议事室")
    await county_ctx.close()
