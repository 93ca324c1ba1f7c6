"""Preparing a meeting in the browser (issue 14): staff sign in, click 新建会议, create the
meeting, plan the typical agenda with speaking-time budgets, and make a guest invite link
whose QR code decodes to the link; a guest opens it on a phone and joins by name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import zxingcpp
from playwright.async_api import Browser, Page, expect

from tests.browser.live_views import LAPTOP, PHONE
from tests.browser.test_live_accessibility import axe_violations
from tests.conftest import bearer, login_token

pytestmark = pytest.mark.browser

TITLE = "<script>window.__pwned = 1</script>五星街道垃圾分类协商会"


async def decode_qr(page: Page, alt: str) -> str:
    """The text of the QR code shown as the image named `alt`, read from its pixels."""
    pixels = await page.get_by_role("img", name=alt).evaluate(
        """(img) => {
            const canvas = document.createElement("canvas");
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            const ctx = canvas.getContext("2d");
            ctx.drawImage(img, 0, 0);
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            const grey = [];
            for (let i = 0; i < data.length; i += 4) grey.push(data[i]);
            return { width: canvas.width, height: canvas.height, grey };
        }"""
    )
    image = np.array(pixels["grey"], dtype=np.uint8).reshape(pixels["height"], pixels["width"])
    # The reader may find one symbol twice (at two scales); what counts is one distinct text.
    texts = {code.text for code in zxingcpp.read_barcodes(image)}
    assert len(texts) == 1, f"expected one QR code in the image, found {texts or 'none'}"
    text: str = texts.pop()
    return text


async def no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    # The innermost elements that stick out, to say what to fix.
    wide = await page.evaluate(
        """() => {
            const edge = document.documentElement.clientWidth + 1;
            const out = (e) => e.getBoundingClientRect().right > edge;
            return [...document.querySelectorAll("body *")]
                .filter((e) => out(e) && ![...e.children].some(out))
                .slice(0, 8)
                .map((e) => `${e.tagName}.${e.className}#${e.id}`);
        }"""
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px: {wide}"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["desktop", "phone"])
async def test_staff_prepare_a_meeting_and_a_guest_joins_by_its_qr_code(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    demo: dict[str, Any],
    artifacts: Path,
    viewport: dict[str, int],
) -> None:
    phone = viewport is PHONE
    staff_account = demo["accounts"]["staff"]
    context = await browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=phone,
        has_touch=phone,
    )
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    try:
        # Staff sign in and find 新建会议 on the home page.
        await page.goto(server + "/")
        await page.get_by_label("用户名").fill(staff_account["username"])
        await page.get_by_label("密码").fill(staff_account["password"])
        await page.get_by_role("button", name="登录").click()
        await page.get_by_role("link", name="新建会议").click()

        # The server's refusal shows beside the field (its own reason, not the whole sentence),
        # and what was typed survives a reload.
        await expect(page.get_by_label("会议名称")).to_be_visible()
        if phone:
            await no_sideways_scroll(page)
        else:
            assert await axe_violations(page) == []
        await page.get_by_label("会议名称").fill(TITLE)
        await page.get_by_label("地点").fill("五星街道党群服务中心")
        await page.get_by_role("button", name="创建会议").click()
        starts = page.get_by_label("开始时间")
        await expect(page.locator(".plan-error")).to_have_text("应为 ISO 8601 时间")
        await page.reload()
        await expect(page.get_by_label("会议名称")).to_have_value(TITLE)
        await expect(page.get_by_label("地点")).to_have_value("五星街道党群服务中心")
        await starts.fill("2026-12-28T09:30")
        await page.get_by_role("button", name="创建会议").click()
        await expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
        meeting_id = int(page.url.rsplit("/", 1)[1])

        # A script in the title is shown as text, never run.
        await expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        assert await page.evaluate("window.__pwned") is None and not dialogs
        await expect(page.get_by_text("未开始")).to_be_visible()
        for door in ("参加会议", "主持会议", "会场大屏", "工作人员", "表决器", "会议纪要"):
            await expect(page.get_by_role("link", name=re.compile(door)).first).to_be_visible()

        # The typical agenda is there; a budget below zero is refused beside its field.
        editor = page.get_by_role("region", name="议程与发言规则")
        await expect(editor.get_by_label("环节名称").first).to_have_value("介绍议题")
        member_budget = editor.get_by_label("委员发言时间（分钟）")
        await member_budget.fill("-1")
        await editor.get_by_role("button", name="保存议程").click()
        refusal = "发言规则有误：budgets_s.member 应在 60 到 86400 之间"
        await expect(editor.get_by_text(refusal)).to_be_visible()
        await page.reload()
        await expect(editor.get_by_text("已恢复尚未保存的修改")).to_be_visible()
        await expect(member_budget).to_have_value("-1")

        # A vote round's vote without options is refused with the server's sentence.
        vote_round = editor.locator("li.round").filter(has=page.get_by_label("表决内容")).first
        if not await vote_round.count():
            await editor.get_by_role("button", name="添加表决事项").first.click()
            vote_round = editor.locator("li.round").filter(has=page.get_by_label("表决内容"))
        await vote_round.get_by_label("表决内容").fill("垃圾分类投放点设在哪里")
        await vote_round.get_by_label("表决方式").select_option(label="单选")
        await member_budget.fill("15")
        await editor.get_by_label("利益相关方代表发言时间（分钟）").fill("10")
        await editor.get_by_role("button", name="保存议程").click()
        await expect(vote_round.get_by_role("alert")).to_contain_text(
            "表决「垃圾分类投放点设在哪里」没有选项：单选表决至少需要两个选项"
        )
        await vote_round.get_by_label("选项（每行一个）").fill("东门\n西门")
        await editor.get_by_role("button", name="保存议程").click()
        await expect(editor.get_by_role("status").filter(has_text="已保存")).to_be_visible()
        token = await login_token(server, staff_account)
        saved = (await http.get(f"/api/meetings/{meeting_id}", headers=bearer(token))).json()
        assert saved["speaking_rules"]["budgets_s"] == {"member": 900, "stakeholder": 600}
        votes = [
            r["config"].get("votes") for r in saved["agenda"][0]["rounds"] if r["kind"] == "vote"
        ]
        assert votes == [
            [
                {
                    "question": "垃圾分类投放点设在哪里",
                    "kind": "single",
                    "options": ["东门", "西门"],
                    "secret": False,
                }
            ]
        ]

        # A guest added to the roster gets their invite link in the same act, with its QR
        # code decoding to exactly the link shown.
        invites = page.get_by_role("region", name="参会名单")
        await invites.get_by_label("来宾姓名").fill("周来宾")
        await invites.get_by_label("来宾电话").fill("13800001111")
        await invites.get_by_role("button", name="生成邀请链接").click()
        link = invites.get_by_role("link", name="/join/")
        await expect(link).to_be_visible()
        url = await link.inner_text()
        assert "/join/" in url
        await expect(invites.get_by_role("img", name=re.compile("二维码"))).to_be_visible()
        assert await decode_qr(page, "周来宾的邀请链接二维码") == url
        await expect(invites.get_by_text("有效期至").first).to_be_visible()
        await expect(page.get_by_test_id("roster-guest")).to_contain_text("已发送，未读")
        await invites.get_by_role("button", name="复制链接").click()
        await expect(invites.get_by_text("已复制")).to_be_visible()
        assert await page.evaluate("navigator.clipboard.readText()") == url
        if phone:
            await no_sideways_scroll(page)
        else:
            assert await axe_violations(page) == []
        await page.screenshot(
            path=str(artifacts / f"planner-{'phone' if phone else 'desktop'}.png"), full_page=True
        )

        # A new browser (the guest's phone) opens the link and joins as the named guest.
        guest = await browser.new_context(
            viewport=PHONE,  # type: ignore[arg-type]
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            is_mobile=True,
            has_touch=True,
        )
        try:
            guest_page = await guest.new_page()
            await guest_page.goto(url)
            await expect(guest_page.get_by_text("周来宾，欢迎参加会议。")).to_be_visible()
            await expect(guest_page.get_by_test_id("floor-speaker")).to_be_attached(timeout=15_000)
        finally:
            await guest.close()

        # The guest's arrival opened the live meeting: its plan is fixed now, and the editor
        # says so when asked to save.
        await editor.get_by_role("button", name="保存议程").click()
        await expect(editor.get_by_text("会议已开始，不能再修改议程和发言规则")).to_be_visible()

        # Opened, the invitation reads 已读; revoked, the link opens nothing any more.
        await page.reload()
        guests = page.get_by_test_id("roster-guest")
        await expect(guests).to_contain_text("已读")
        await guests.get_by_role("button", name="撤销链接：周来宾").click()
        await expect(guests).to_contain_text("链接已撤销")
        # Sent again, after the live meeting opened too: a new link, shown with its QR code.
        await guests.get_by_role("button", name="重新发送给周来宾").click()
        await expect(invites.get_by_text("已重新发送给周来宾")).to_be_visible()
        fresh = await invites.get_by_role("link", name="/join/").inner_text()
        assert fresh != url and "/join/" in fresh
        assert await decode_qr(page, "周来宾的邀请链接二维码") == fresh
        await expect(guests).to_contain_text("链接有效期至")
        late = await browser.new_context(locale="zh-CN")
        try:
            late_page = await late.new_page()
            await late_page.goto(url)
            await expect(late_page.get_by_text("邀请链接无效或已被撤销")).to_be_visible()
        finally:
            await late.close()
    finally:
        await context.close()


async def test_a_lineup_naming_someone_taken_off_the_roster_is_refused_beside_its_round(
    browser: Browser, server: str, http: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    staff_account = demo["accounts"]["staff"]
    staff = bearer(await login_token(server, staff_account))
    created = await http.post(
        "/api/meetings",
        json={
            "room_id": 1,
            "title": "五星街道停车位分配协商会",
            "topic_title": "停车位分配",
            "starts_at": "2026-12-27T09:00:00+08:00",
            "place": "五星街道党群服务中心",
            "mode": "in_room",
            "agenda": [
                {
                    "title": "停车位分配",
                    "rounds": [{"kind": "statements", "title": "群众代表发言"}],
                }
            ],
        },
        headers=staff,
    )
    assert created.status_code == 201, created.text
    meeting_id = created.json()["id"]
    guest = await http.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"guest_name": "钱小东", "category": "stakeholder"},
        headers=staff,
    )
    assert guest.status_code == 201, guest.text
    guest_id = guest.json()["id"]

    context = await browser.new_context(viewport=LAPTOP, locale="zh-CN")  # type: ignore[arg-type]
    page = await context.new_page()
    try:
        await page.goto(server + "/")
        await page.get_by_label("用户名").fill(staff_account["username"])
        await page.get_by_label("密码").fill(staff_account["password"])
        await page.get_by_role("button", name="登录").click()
        await expect(page.get_by_role("link", name="新建会议")).to_be_visible()
        await page.goto(f"{server}/meetings/{meeting_id}")
        editor = page.get_by_role("region", name="议程与发言规则")
        round_ = editor.locator("li.round").filter(has=page.get_by_text("发言顺序"))
        await round_.get_by_role("button", name="添加发言位").click()
        await round_.locator("select").last.select_option(f"participant:{guest_id}")

        # Meanwhile someone takes the guest off the roster; saving is refused as the server
        # refuses it, beside the round, and the lineup stays as typed.
        removed = await http.delete(
            f"/api/meetings/{meeting_id}/participants/{guest_id}", headers=staff
        )
        assert removed.status_code == 200, removed.text
        await editor.get_by_role("button", name="保存议程").click()
        await expect(round_.get_by_role("alert")).to_contain_text(
            f"环节「群众代表发言」的发言人（编号 {guest_id}）不在参会名单中"
        )
        await expect(round_.locator("select").last).to_have_value(f"participant:{guest_id}")
        saved = (await http.get(f"/api/meetings/{meeting_id}", headers=staff)).json()
        assert saved["agenda"][0]["rounds"][0]["config"] == {}
    finally:
        await context.close()
