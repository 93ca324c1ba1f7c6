"""The demo moderator signs in through the page and sees the room list in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

pytestmark = pytest.mark.browser


async def test_moderator_signs_in_and_sees_the_rooms_in_chinese(
    browser: Browser, server: str, demo: dict[str, Any], artifacts: Path
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    await page.goto(server + "/")
    account = demo["accounts"]["moderator"]
    await page.get_by_label("用户名").fill(account["username"])
    await page.get_by_label("密码").fill("wrong-password")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    await page.get_by_label("密码").fill(account["password"])
    await page.get_by_role("button", name="登录").click()
    rooms = page.get_by_role("navigation", name="协商议事室")
    await expect(rooms).to_contain_text("五星街道“有事好商量”协商议事室")
    await expect(rooms).to_contain_text("幸福村“有事好商量”协商议事室")
    await expect(page.get_by_text(account["name"])).to_be_visible()
    await expect(page.get_by_text("五星街道老旧小区加装电梯协商议事会").first).to_be_visible()
    await page.screenshot(path=str(artifacts / "home-zh-CN.png"), full_page=True)
    await context.close()
