"""Staff and the moderator work the theme board in the browser while members write.

Members write suggestions (on the participant page and over HTTP); the staff console groups
them live, and staff rename, merge, move (by dragging and from the keyboard) and split
themes, then re-cluster, with a second console following along. A refused edit says why in
Chinese and changes nothing; the moderator turns the themes into a poll that a member votes
on. A screenshot of the board goes to test-artifacts/ for the user guide.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.live_views import CONSOLE, PHONE, Seat, new_meeting, sit_down
from tests.browser.test_live_accessibility import axe_violations
from tests.conftest import bearer, login_token
from tests.suggestions.texts import LIFT, PARKING, SEWAGE, WASTE, interleaved

pytestmark = pytest.mark.browser


@dataclass
class Consultation:
    """A meeting taking suggestions, and the member tokens that write them over HTTP."""

    http: httpx.AsyncClient
    meeting_id: int
    members: list[str]
    staff: str

    @property
    def path(self) -> str:
        return f"/m/{self.meeting_id}"

    async def write(self, texts: list[str], prefix: str) -> None:
        """Each text written by the members in turn, over HTTP."""
        for n, text in enumerate(texts):
            r = await self.http.post(
                f"/api/meetings/{self.meeting_id}/suggestions",
                json={"text": text, "client_id": f"{prefix}-{n}"},
                headers=bearer(self.members[n % len(self.members)]),
            )
            assert r.status_code == 201, r.text

    async def board(self) -> dict[str, Any]:
        r = await self.http.get(
            f"/api/meetings/{self.meeting_id}/themes", headers=bearer(self.staff)
        )
        assert r.status_code == 200, r.text
        board: dict[str, Any] = r.json()
        return board


@pytest.fixture
async def consultation(
    server: str, http: httpx.AsyncClient, admin_token: str, staff_token: str, demo: dict[str, Any]
) -> AsyncIterator[Consultation]:
    meeting = await new_meeting(http, admin_token, demo)
    members = [await login_token(server, m) for m in demo["accounts"]["members"][:2]]
    yield Consultation(http, meeting["id"], members, staff_token)


def holding(board: dict[str, Any], text: str) -> dict[str, Any]:
    """The theme of the board (as the server sent it) that holds this suggestion."""
    return next(t for t in board["themes"] if text in {m["text"] for m in t["members"]})


def themes_on(page: Page) -> Locator:
    return page.get_by_test_id("theme-board").get_by_test_id("theme")


async def show_all(page: Page) -> None:
    """Unfold every theme's members (a theme shows its first few until asked)."""
    more = page.get_by_test_id("theme-board").get_by_role("button", name="显示全部")
    for _ in range(await more.count()):
        await more.first.click()


def texts(where: Locator | Page, text: str) -> Locator:
    """The suggestion's own text (not a select option naming a theme after it)."""
    return where.get_by_test_id("member-text").filter(has_text=text)


async def member(page: Page, text: str) -> Locator:
    await show_all(page)
    return page.get_by_test_id("theme-member").filter(has=texts(page, text))


async def theme_of(page: Page, text: str) -> Locator:
    return themes_on(page).filter(has=await member(page, text))


async def expect_server_order(page: Page, c: Consultation) -> None:
    """The page lists the server's themes, in the server's order, with their labels."""
    labels = [t["label"] for t in (await c.board())["themes"]]
    await expect(page.get_by_test_id("theme-label")).to_have_text(labels)


@asynccontextmanager
async def consoles(
    browser: Browser, server: str, demo: dict[str, Any], c: Consultation
) -> AsyncIterator[tuple[Seat, Seat]]:
    """The staff and the moderator console, each showing the board as it is now."""
    accounts = demo["accounts"]
    staff, moderator = await asyncio.gather(
        sit_down(browser, server, accounts["staff"], f"{c.path}/staff", viewport=CONSOLE),
        sit_down(browser, server, accounts["moderator"], f"{c.path}/moderate", viewport=CONSOLE),
    )
    try:
        # On the moderator console the board is folded so that the console stays usable.
        await moderator.page.get_by_role("heading", name="意见建议主题").click()
        total = (await c.board())["total"]
        for seat in (staff, moderator):
            summary = seat.page.get_by_test_id("theme-summary")
            await expect(summary).to_contain_text(f"{total} 条意见建议")
        yield staff, moderator
    finally:
        await staff.close()
        await moderator.close()


@asynccontextmanager
async def on_phone(
    browser: Browser, server: str, account: dict[str, str], c: Consultation
) -> AsyncIterator[Seat]:
    """A member with the participant page open on a phone."""
    seat = await sit_down(browser, server, account, c.path, viewport=PHONE, phone=True)
    try:
        yield seat
    finally:
        await seat.close()


@pytest.fixture
async def written(consultation: Consultation) -> Consultation:
    """The consultation with the thirty suggestions of tests/suggestions/texts.py in."""
    await consultation.write(interleaved(), "written")
    return consultation


async def test_the_board_groups_suggestions_live_as_members_write(
    browser: Browser, server: str, demo: dict[str, Any], consultation: Consultation, artifacts: Path
) -> None:
    c = consultation
    writer_account = demo["accounts"]["members"][0]
    async with (
        on_phone(browser, server, writer_account, c) as writer,
        consoles(browser, server, demo, c) as (staff, moderator),
    ):
        board = staff.page.get_by_test_id("theme-board")
        await expect(board).to_contain_text("还没有意见建议")
        await expect(staff.page.get_by_role("button", name="重新归类")).to_be_disabled()

        await c.write(interleaved(), "first")
        for seat in (staff, moderator):
            summary = seat.page.get_by_test_id("theme-summary")
            await expect(summary).to_contain_text("30 条意见建议")
            await expect_server_order(seat.page, c)
        assert await themes_on(staff.page).count() >= 3

        # Written on the phone, nearly as LIFT[0] was: it joins a theme on both consoles
        # without a reload.
        text = "建议老旧小区加装电梯，六楼的老人上下楼实在太困难了"
        await writer.page.get_by_label("写下您的意见建议").fill(text)
        await writer.page.get_by_role("button", name="提交建议").click()
        await expect(writer.page.get_by_text("已提交，感谢您的意见建议。")).to_be_visible()
        served = holding(await c.board(), text)
        for seat in (staff, moderator):
            await expect(seat.page.get_by_test_id("theme-summary")).to_contain_text("31 条")
            await expect(
                (await theme_of(seat.page, text)).get_by_test_id("theme-label")
            ).to_have_text(served["label"])
            written = await member(seat.page, text)
            await expect(written).to_contain_text(writer_account["name"])
        # The suggestion list of the staff console still lists it too.
        await expect(staff.page.get_by_test_id("suggestions")).to_contain_text(text)

        # Each theme shows its keywords and size; its members come as the server ranks them.
        first = (await c.board())["themes"][0]
        card = themes_on(staff.page).first
        await expect(card.get_by_test_id("theme-size")).to_have_text(f"{first['size']} 条")
        await expect(card.get_by_test_id("theme-keyword")).to_have_text(first["keywords"])
        await show_all(staff.page)
        await expect(card.get_by_test_id("member-text")).to_have_text(
            [m["text"] for m in first["members"]]
        )
        # The near-duplicates, with their similarity in percent.
        served_board = await c.board()
        ids = {m["text"]: m["suggestion_id"] for t in served_board["themes"] for m in t["members"]}
        pair = next(
            g["members"]
            for g in served_board["duplicates"]
            if {ids[text], ids[LIFT[0]]} <= {m["suggestion_id"] for m in g["members"]}
        )
        await staff.page.get_by_text("相近的意见建议").click()
        group = staff.page.get_by_test_id("duplicate-group").filter(has_text=text)
        await expect(group.get_by_test_id("duplicate-member")).to_have_count(len(pair))
        await expect(group.get_by_test_id("duplicate-member").first).to_contain_text("基准")
        for n, m in enumerate(pair[1:], start=1):
            percent = f"相似度 {round(m['similarity'] * 100)}%"
            await expect(group.get_by_test_id("duplicate-member").nth(n)).to_contain_text(percent)

        # For the guide: the board as staff first see it, each theme showing its first few.
        fewer = board.get_by_role("button", name="收起")
        for _ in range(await fewer.count()):
            await fewer.first.click()
        await expect(board.get_by_role("button", name="显示全部").first).to_be_visible()
        await board.screenshot(path=str(artifacts / "live-theme-board.png"))
        # A full board, on both consoles, passes the same WCAG checks as the other views.
        await staff.page.get_by_role("button", name="重命名主题").first.click()
        await themes_on(staff.page).first.get_by_role("checkbox", name="选中主题").check()
        for seat in (staff, moderator):
            assert await axe_violations(seat.page) == [], seat.name

        # Offline, the staff console misses the notices; back online it fetches the board.
        await staff.context.set_offline(True)
        await expect(staff.page.get_by_test_id("connection")).to_be_visible()
        late = ["垃圾分类的宣传海报要贴到每个楼道", "小区停车难的问题希望尽快解决"]
        await c.write(late, "late")
        await staff.context.set_offline(False)
        await expect(staff.page.get_by_test_id("connection")).to_have_count(0)
        await expect(staff.page.get_by_test_id("theme-summary")).to_contain_text("33 条")
        for text in late:
            await expect(await member(staff.page, text)).to_have_count(1)
        await expect_server_order(staff.page, c)


async def test_staff_edits_survive_reclustering_and_reach_the_moderator(
    browser: Browser, server: str, demo: dict[str, Any], written: Consultation
) -> None:
    c = written
    async with consoles(browser, server, demo, c) as (staff, moderator):
        page, mod = staff.page, moderator.page
        served = await c.board()
        by_keys, dragged = PARKING[0], PARKING[3]
        apart = {holding(served, text)["id"] for text in (LIFT[0], SEWAGE[0], WASTE[0], by_keys)}
        assert len(apart) == 4, "the four subjects should start in four themes"
        merged_size = holding(served, SEWAGE[0])["size"] + holding(served, WASTE[0])["size"]

        # Rename inline: the theme of the lifts becomes 加装电梯, on both consoles.
        lift = await theme_of(page, LIFT[0])
        await lift.get_by_role("button", name="重命名主题").click()
        await expect(lift.get_by_label("主题名称")).to_be_focused()
        await lift.get_by_label("主题名称").fill("加装电梯")
        await lift.get_by_label("主题名称").press("Enter")
        for p in (page, mod):
            await expect((await theme_of(p, LIFT[0])).get_by_test_id("theme-label")).to_have_text(
                "加装电梯"
            )

        # Merge the sewage and the waste themes under a name of staff's own.
        await (await theme_of(page, SEWAGE[0])).get_by_role("checkbox", name="选中主题").check()
        await (await theme_of(page, WASTE[0])).get_by_role("checkbox", name="选中主题").check()
        await expect(page.get_by_text("已选 2 个主题")).to_be_visible()
        await page.get_by_label("合并后的名称（可不填）").fill("环境卫生")
        await page.get_by_role("button", name="合并所选主题").click()
        for p in (page, mod):
            merged = await theme_of(p, SEWAGE[0])
            await expect(merged.get_by_test_id("theme-label")).to_have_text("环境卫生")
            await expect(texts(merged, WASTE[0])).to_have_count(1)
            await expect(merged.get_by_test_id("theme-size")).to_have_text(f"{merged_size} 条")
        assert holding(await c.board(), dragged)["label"] != "环境卫生"

        # From the keyboard: a parking suggestion goes to 加装电梯 with its "移动到…" select.
        chooser = (await member(page, by_keys)).get_by_label("把这条意见建议移动到")
        await chooser.select_option(label="加装电梯")
        await chooser.press("Tab")
        await page.keyboard.press("Enter")
        for p in (page, mod):
            await expect((await theme_of(p, by_keys)).get_by_test_id("theme-label")).to_have_text(
                "加装电梯"
            )
        # The keyboard stays in the theme the suggestion left.
        left = holding(served, by_keys)["id"]
        await expect(page.locator(":focus")).to_have_attribute("id", f"theme-{left}-label")

        # By dragging (taken by its text, dropped on the heading): another one onto 环境卫生.
        # A tall window keeps both ends on screen: an HTML drag does not survive a scroll.
        await page.set_viewport_size({"width": CONSOLE["width"], "height": 4000})
        # The cards stay where they were while staff work, though the server's order changes.
        shown = await page.get_by_test_id("theme-label").all_text_contents()
        heading = page.get_by_test_id("theme-label").filter(has_text="环境卫生")
        await (await member(page, dragged)).drag_to(heading, source_position={"x": 60, "y": 12})
        await page.set_viewport_size(CONSOLE)
        for p in (page, mod):
            await expect((await theme_of(p, dragged)).get_by_test_id("theme-label")).to_have_text(
                "环境卫生"
            )
        await expect(page.get_by_test_id("theme-label")).to_have_text(shown)
        server_order = [t["label"] for t in (await c.board())["themes"]]
        if server_order != shown:
            # 按大小重新排序 takes the server's order (largest first) when staff want it.
            await page.get_by_role("button", name="按大小重新排序").click()
            await expect_server_order(page, c)

        # Split two lift suggestions (the theme's last two) off into a theme of their own.
        lift_texts = [m["text"] for m in holding(await c.board(), LIFT[0])["members"]]
        part = [text for text in lift_texts if text in LIFT[1:]][-2:]
        assert len(part) == 2, lift_texts
        for text in part:
            pick = (await member(page, text)).get_by_role("checkbox", name="选中这条意见建议")
            await pick.check()
        lift = await theme_of(page, LIFT[0])
        await lift.get_by_role("button", name="拆分为新主题（2 条）").click()
        for p in (page, mod):
            alone = await theme_of(p, part[0])
            await expect(alone.get_by_test_id("theme-member")).to_have_count(2)
            await expect(texts(alone, part[1])).to_have_count(1)
            await expect(alone.get_by_test_id("theme-label")).not_to_have_text("加装电梯")
            await expect(texts(await theme_of(p, LIFT[0]), part[0])).to_have_count(0)

        # Re-clustering says that staff edits are kept, and keeps them.
        await page.get_by_role("button", name="重新归类", exact=True).click()
        await expect(
            page.get_by_text("工作人员所做的合并、拆分、移动和命名都会保留")
        ).to_be_visible()
        before = (await c.board())["revision"]
        await page.get_by_role("button", name="确认重新归类").click()
        await expect(page.get_by_role("button", name="重新归类", exact=True)).to_be_enabled()
        after = await c.board()
        assert after["revision"] > before
        assert holding(after, by_keys)["label"] == "加装电梯"
        assert holding(after, dragged)["label"] == "环境卫生"
        assert holding(after, part[0])["id"] == holding(after, part[1])["id"]
        assert holding(after, part[0])["label"] != "加装电梯"
        for p in (page, mod):
            await expect_server_order(p, c)
            for text, label in ((by_keys, "加装电梯"), (dragged, "环境卫生")):
                shown = (await theme_of(p, text)).get_by_test_id("theme-label")
                await expect(shown).to_have_text(label)
            await expect(texts(await theme_of(p, part[0]), part[1])).to_have_count(1)


async def test_a_refused_rename_says_why_in_chinese_and_changes_nothing(
    browser: Browser, server: str, demo: dict[str, Any], written: Consultation
) -> None:
    c = written
    async with consoles(browser, server, demo, c) as (staff, moderator):
        page = staff.page
        before = await c.board()
        label = holding(before, PARKING[0])["label"]
        parking = await theme_of(page, PARKING[0])
        too_long = "小区停车位不足与外来车辆占用车位问题" * 4  # 72 characters
        await parking.get_by_role("button", name="重命名主题").click()
        await parking.get_by_label("主题名称").fill(too_long)
        await parking.get_by_role("button", name="保存").click()
        await expect(parking.get_by_role("alert")).to_contain_text("主题名称最多 60 字")
        # What staff typed is still there to shorten; nothing changed on either console.
        await expect(parking.get_by_label("主题名称")).to_have_value(too_long)
        await expect(parking.get_by_test_id("theme-label")).to_have_text(label)
        await expect_server_order(moderator.page, c)
        after = await c.board()
        assert after["revision"] == before["revision"]
        assert [(t["id"], t["name"], t["size"]) for t in after["themes"]] == [
            (t["id"], t["name"], t["size"]) for t in before["themes"]
        ]

        # Escape leaves the name as it was, and the keyboard where it started.
        await parking.get_by_label("主题名称").press("Escape")
        await expect(parking.get_by_label("主题名称")).to_have_count(0)
        await expect(parking.get_by_role("button", name="重命名主题")).to_be_focused()
        await expect(parking.get_by_test_id("theme-label")).to_have_text(label)

        # Shortened, it is taken.
        await page.keyboard.press("Enter")
        await parking.get_by_label("主题名称").fill("停车难")
        await parking.get_by_role("button", name="保存").click()
        await expect((await theme_of(page, PARKING[0])).get_by_test_id("theme-label")).to_have_text(
            "停车难"
        )
        await expect(page.get_by_test_id("theme-board").get_by_role("alert")).to_have_count(0)


async def test_the_moderator_turns_the_themes_into_a_poll(
    browser: Browser, server: str, demo: dict[str, Any], written: Consultation
) -> None:
    c = written
    voter_account = demo["accounts"]["members"][1]
    async with (
        on_phone(browser, server, voter_account, c) as voter,
        consoles(browser, server, demo, c) as (staff, moderator),
    ):
        mod = moderator.page
        # Staff who are not the moderator are told why the action is not theirs.
        await expect(
            staff.page.get_by_text("只有本次会议的主持人可以把主题交付表决")
        ).to_be_visible()
        offer = staff.page.get_by_role("button", name="把这些主题交付表决")
        await expect(offer).to_have_count(0)

        lift = await theme_of(mod, LIFT[0])
        await lift.get_by_role("button", name="重命名主题").click()
        await lift.get_by_label("主题名称").fill("加装电梯")
        await lift.get_by_role("button", name="保存").click()
        await expect((await theme_of(mod, LIFT[0])).get_by_test_id("theme-label")).to_have_text(
            "加装电梯"
        )
        # Option names are the labels, cut at 60 characters (docs/nlp-themes.md).
        labels = [t["label"][:60] for t in (await c.board())["themes"]]
        assert "加装电梯" in labels

        await mod.get_by_label("表决事项（可不填）").fill("本次会议先协商哪些主题？")
        await mod.get_by_role("button", name="把这些主题交付表决").click()
        await expect(mod.get_by_text("表决已开始：本次会议先协商哪些主题？")).to_be_visible()

        # The member sees the poll with one option button per theme, named by its label.
        await expect(voter.page.get_by_text("本次会议先协商哪些主题？")).to_be_visible()
        options = voter.page.get_by_role("group", name="可多选").get_by_role("button")
        await expect(options).to_have_text(labels)
        await options.get_by_text("加装电梯", exact=True).click()
        await voter.page.get_by_role("button", name="提交", exact=True).click()
        await expect(voter.page.get_by_test_id("my-vote")).to_have_text("您已投：加装电梯")
        await expect(mod.get_by_test_id("poll-result").first).to_contain_text("共 1 人投票")


async def test_screening_hints_show_beside_the_suggestions_they_concern(
    browser: Browser, server: str, demo: dict[str, Any], consultation: Consultation
) -> None:
    c = consultation
    dispute = "我家和邻居的宅基地纠纷已经起诉到法院，请协商议事室评评理"
    public = "加强对信访工作的监督，及时回应群众诉求"
    await c.write([*interleaved()[:6], dispute, public], "hints")
    staff = await sit_down(
        browser, server, demo["accounts"]["staff"], f"{c.path}/staff", viewport=CONSOLE
    )
    try:
        page = staff.page
        await expect(page.get_by_test_id("theme-summary")).to_contain_text("8 条意见建议")
        hints = (await member(page, dispute)).get_by_test_id("member-hint")
        await expect(hints).to_have_count(2)
        await expect(hints.first).to_contain_text("个体纠纷？")
        await expect(hints.first).to_contain_text("宅基地纠纷")
        await expect(hints.nth(1)).to_contain_text("涉法涉诉？")
        await expect(hints.nth(1)).to_contain_text("第十一条")
        await expect((await member(page, public)).get_by_test_id("member-hint")).to_have_count(0)
        await expect(page.get_by_test_id("member-hint")).to_have_count(2)
        assert await axe_violations(page) == []
    finally:
        await staff.close()
