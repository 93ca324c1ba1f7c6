"""Moderation of public input worked entirely in the browser (issue 15).

The office lists a sensitive word; a member's suggestion containing it waits (its writer sees
待审核, the other member nothing) until the staff release it from the queue. A member
reports another's suggestion with a reason (once: a second report is refused politely); the
staff uphold it and it leaves the members' pages and the staff console; the audit log has
both decisions. With the room's pre-moderation on, every suggestion waits for the queue.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.live_views import CONSOLE, LAPTOP, PHONE, Seat, new_meeting, sit_down
from tests.conftest import bearer

pytestmark = pytest.mark.browser


@asynccontextmanager
async def seated(
    browser: Browser, server: str, account: dict[str, str], path: str, *, phone: bool = False
) -> AsyncIterator[Seat]:
    """Someone signed in with `path` open: the participant page on a phone, else the topics
    page (where the moderation queue and the word list are) on a laptop."""
    ready = "suggestion-board" if phone else "moderation-queue"
    seat = await sit_down(
        browser,
        server,
        account,
        path,
        viewport=PHONE if phone else LAPTOP,
        phone=phone,
        ready=ready,
    )
    try:
        yield seat
    finally:
        await seat.close()


async def write(page: Page, text: str) -> None:
    await page.get_by_label("写下您的意见建议").fill(text)
    await page.get_by_role("button", name="提交建议").click()
    await expect(page.get_by_text("已提交，感谢您的意见建议。")).to_be_visible()


def on_board(page: Page, text: str) -> Locator:
    """The suggestion as the participant page's 大家的意见建议 lists it."""
    return page.get_by_test_id("board-suggestion").filter(has_text=text)


async def refreshed(page: Page) -> None:
    board = page.get_by_test_id("suggestion-board")
    await board.get_by_role("button", name="刷新").click()
    await expect(board.get_by_role("button", name="刷新")).to_be_enabled()


async def queue_reloaded(page: Page) -> Locator:
    await page.reload()
    queue = page.get_by_test_id("moderation-queue")
    await expect(queue.get_by_role("heading", name="审核队列")).to_be_visible()
    return queue


async def audit(http: httpx.AsyncClient, admin_token: str) -> list[dict[str, Any]]:
    r = await http.get("/api/audit", headers=bearer(admin_token))
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def suggestion_id(http: httpx.AsyncClient, staff_token: str, meeting: int, text: str) -> int:
    """The id of a suggestion on the board, as the staff read it."""
    r = await http.get(f"/api/meetings/{meeting}/suggestions", headers=bearer(staff_token))
    assert r.status_code == 200, r.text
    return int(next(s["id"] for s in r.json()["items"] if s["text"] == text))


async def test_a_listed_word_holds_a_suggestion_until_the_staff_release_it(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    staff_token: str,
    demo: dict[str, Any],
) -> None:
    accounts = demo["accounts"]
    meeting = await new_meeting(http, admin_token, demo)
    path = f"/m/{meeting['id']}"
    word = f"保护费{uuid.uuid4().hex[:4]}"
    text = f"巷口有人收{word}，希望整治"
    async with (
        seated(browser, server, accounts["admin"], "/topics") as office,
        seated(browser, server, accounts["members"][0], path, phone=True) as writer,
        seated(browser, server, accounts["members"][1], path, phone=True) as reader,
        seated(browser, server, accounts["staff"], "/topics") as staff,
    ):
        # The office adds the word to its list.
        words = office.page.get_by_role("textbox", name="敏感词表（每行一个）")
        got = await http.get("/api/moderation/words", headers=bearer(admin_token))
        listed = "\n".join(got.json()["words"])
        await expect(words).to_have_value(listed)
        await words.fill(f"{listed}\n{word}".strip())
        await office.page.get_by_role("button", name="保存敏感词").click()
        await expect(office.page.get_by_text("敏感词表已保存")).to_be_visible()
        try:
            await write(writer.page, text)
            mine = on_board(writer.page, text)
            await expect(mine.get_by_test_id("suggestion-held")).to_have_text("待审核")
            await expect(mine).to_contain_text("工作人员审核通过后，其他参会人才能看到")
            await refreshed(reader.page)
            await expect(on_board(reader.page, text)).to_have_count(0)

            # The staff see it in the queue with the word that held it, and release it.
            queue = await queue_reloaded(staff.page)
            held = queue.get_by_test_id("held-suggestion").filter(has_text=text)
            await expect(held.get_by_test_id("held-why")).to_have_text(f"含敏感词：{word}")
            await expect(held).to_contain_text(accounts["members"][0]["name"])
            await held.get_by_role("button", name="审核通过").click()
            await expect(queue.get_by_role("status")).to_have_text("已审核通过，内容已展示")
            await expect(held).to_have_count(0)

            # Now everyone sees it; the other member without its writer's name.
            await refreshed(reader.page)
            shown = on_board(reader.page, text)
            await expect(shown).to_be_visible()
            await expect(shown).not_to_contain_text(accounts["members"][0]["name"])
            await refreshed(writer.page)
            await expect(
                on_board(writer.page, text).get_by_test_id("suggestion-held")
            ).to_have_count(0)
        finally:
            await words.fill(listed)
            await office.page.get_by_role("button", name="保存敏感词").click()
            await expect(office.page.get_by_text("敏感词表已保存")).to_be_visible()
    released = await suggestion_id(http, staff_token, meeting["id"], text)
    log = await audit(http, admin_token)
    assert any(e["action"] == "suggestion.release" and e["target_id"] == released for e in log)
    assert any(e["action"] == "moderation.words" and word in e["details"]["added"] for e in log)


async def test_a_member_reports_a_suggestion_and_the_staff_take_it_down(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    staff_token: str,
    demo: dict[str, Any],
) -> None:
    accounts = demo["accounts"]
    meeting = await new_meeting(http, admin_token, demo)
    path = f"/m/{meeting['id']}"
    # Markup in a suggestion is shown as the text it is, never run.
    text = f'加微信买特价保健品<img src=x onerror="window.__pwned=1">，回复{uuid.uuid4().hex[:4]}'
    kept = "楼道里的声控灯坏了好几个月，希望尽快修好"
    async with (
        seated(browser, server, accounts["members"][0], path, phone=True) as writer,
        seated(browser, server, accounts["members"][1], path, phone=True) as reader,
        seated(browser, server, accounts["staff"], "/topics") as staff,
    ):
        await write(writer.page, kept)
        await write(writer.page, text)
        await refreshed(reader.page)
        item = on_board(reader.page, text)
        await expect(item).to_contain_text("其他参会人")
        # Nobody reports their own suggestion.
        await expect(on_board(writer.page, text).get_by_role("button", name="举报")).to_have_count(
            0
        )

        await item.get_by_role("button", name="举报").click()
        await item.get_by_role("button", name="确认举报").click()
        await expect(item.get_by_role("alert")).to_have_text("请选择举报理由")
        await item.get_by_label("其他", exact=True).check()
        await item.get_by_role("button", name="确认举报").click()
        await expect(item.get_by_role("alert")).to_have_text("选择“其他”时，请写明举报理由")
        await item.get_by_label("广告、推销").check()
        await item.get_by_label("补充说明").fill("<b>推销保健品</b>")
        await item.get_by_role("button", name="确认举报").click()
        await expect(reader.page.get_by_text("已提交举报，工作人员会尽快处理")).to_be_visible()
        await expect(item).to_contain_text("已举报")

        # Reported again after a reload: refused, politely.
        await reader.page.reload()
        item = on_board(reader.page, text)
        await item.get_by_role("button", name="举报").click()
        await item.get_by_label("辱骂、人身攻击").check()
        await item.get_by_role("button", name="确认举报").click()
        await expect(reader.page.get_by_role("alert")).to_contain_text(
            "您已经举报过这条内容，工作人员会尽快处理"
        )
        await expect(item).to_contain_text("已举报")

        # The staff see the report with its reason (as text), and uphold it with theirs.
        queue = await queue_reloaded(staff.page)
        report = queue.get_by_test_id("abuse-report").filter(has_text=text)
        await expect(report).to_have_count(1)
        for page in (reader.page, staff.page):
            assert await page.evaluate("window.__pwned") is None
        await expect(report).to_contain_text("意见建议")
        await expect(report).to_contain_text("广告、推销：<b>推销保健品</b>")
        await expect(report).to_contain_text(accounts["members"][1]["name"])
        await report.get_by_role("button", name="属实，撤下").click()
        await expect(queue.get_by_role("alert")).to_contain_text("请写明处理举报的理由")
        await report.get_by_role("textbox").fill("与议题无关的广告")
        await report.get_by_role("button", name="属实，撤下").click()
        await expect(queue.get_by_role("status")).to_have_text("已确认举报属实，内容已撤下")
        await expect(report).to_have_count(0)

        # Gone from the other member's page; its writer sees it was not shown.
        await refreshed(reader.page)
        await expect(on_board(reader.page, text)).to_have_count(0)
        await refreshed(writer.page)
        await expect(on_board(writer.page, text)).to_contain_text("未予展示")

    # And gone from the staff console.
    console = await sit_down(
        browser, server, accounts["staff"], f"{path}/staff", viewport=CONSOLE, ready="suggestions"
    )
    try:
        await expect(console.page.get_by_test_id("suggestions")).to_contain_text(kept)
        await expect(console.page.get_by_text(text)).to_have_count(0)
    finally:
        await console.close()

    log = await audit(http, admin_token)
    upheld = next(
        e for e in log if e["action"] == "report.uphold" and "广告" in e["details"]["reason"]
    )
    r = await http.get(f"/api/meetings/{meeting['id']}/suggestions", headers=bearer(staff_token))
    assert upheld["target_type"] == "suggestion"
    assert upheld["target_id"] not in [s["id"] for s in r.json()["items"]]


async def test_with_pre_moderation_on_every_suggestion_waits_for_the_queue(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
) -> None:
    accounts = demo["accounts"]
    meeting = await new_meeting(http, admin_token, demo)
    path = f"/m/{meeting['id']}"
    room = (await http.get("/api/rooms/1", headers=bearer(admin_token))).json()["name"]
    text = f"建议周末开放党群服务中心的阅览室（{uuid.uuid4().hex[:4]}）"
    context = await browser.new_context(viewport=LAPTOP, locale="zh-CN")  # type: ignore[arg-type]
    signed_in = await context.request.post(
        server + "/api/auth/login",
        data={"username": accounts["admin"]["username"], "password": accounts["admin"]["password"]},
    )
    assert signed_in.ok
    office = await context.new_page()
    try:
        # The office turns the room's pre-moderation on, in the office console.
        await office.goto(server + "/office")
        await office.get_by_role("tab", name="协商议事室").click()
        await office.get_by_role("button", name=f"修改 {room}").click()
        await office.get_by_label("公众提交的议题建议和会上的意见建议一律先审核再展示").check()
        await office.get_by_role("button", name="保存").click()
        edit = office.get_by_role("button", name=f"修改 {room}")
        await expect(office.locator("li").filter(has=edit)).to_contain_text("先审后发")

        async with (
            seated(browser, server, accounts["members"][0], path, phone=True) as writer,
            seated(browser, server, accounts["members"][1], path, phone=True) as reader,
            seated(browser, server, accounts["staff"], "/topics") as staff,
        ):
            await write(writer.page, text)
            await expect(
                on_board(writer.page, text).get_by_test_id("suggestion-held")
            ).to_be_visible()
            await refreshed(reader.page)
            await expect(on_board(reader.page, text)).to_have_count(0)

            queue = await queue_reloaded(staff.page)
            held = queue.get_by_test_id("held-suggestion").filter(has_text=text)
            await expect(held.get_by_test_id("held-why")).to_have_text("本议事室先审后发")
            await held.get_by_role("button", name="不予展示").click()
            await expect(queue.get_by_role("alert")).to_contain_text("请写明不予展示的理由")
            await held.get_by_role("textbox").fill("与本次议题无关")
            await held.get_by_role("button", name="不予展示").click()
            await expect(queue.get_by_role("status")).to_have_text("已不予展示")

            await refreshed(writer.page)
            await expect(on_board(writer.page, text)).to_contain_text("未予展示")
            await refreshed(reader.page)
            await expect(on_board(reader.page, text)).to_have_count(0)
    finally:
        r = await http.patch(
            "/api/rooms/1", json={"premoderate": False}, headers=bearer(admin_token)
        )
        assert r.status_code == 200, r.text
        await context.close()
