"""The recorder types the transcript in the staff console while the meeting runs, and it stays.

The moderator and the members act through python-socketio clients; the staff member works in
a real Chromium. What was typed survives a reload and a lost connection, an imported file's
unknown speaker is corrected from the roster, and a file that cannot be read changes nothing.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.live_views import CONSOLE, new_meeting, sit_down
from tests.conftest import bearer, login_token
from tests.live.conftest import LiveUser, connect_user

pytestmark = pytest.mark.browser

FIRST_WORDS = "建议先征集全体住户意见，再确定加装电梯的费用分摊方案。"
MORE_WORDS = "低层住户的顾虑也要充分听取，可以请设计单位现场答疑。"
CHAIR_WORDS = "感谢两位的发言，下面请街道城管科回应。"


async def everyone_live(
    server: str, meeting: dict[str, Any], demo: dict[str, Any]
) -> tuple[LiveUser, list[LiveUser]]:
    accounts = demo["accounts"]
    people = [accounts["moderator"], *accounts["members"][:2]]
    users = []
    for account in people:
        user = await connect_user(server, await login_token(server, account), account["name"])
        assert (await user.join(meeting["id"]))["ok"]
        users.append(user)
    return users[0], users[1:]


async def give_floor(chair: LiveUser, speaker: LiveUser) -> None:
    assert (await speaker.send("hand.raise", {"kind": "speech"}))["ok"]
    ack = await chair.send("floor.next")
    assert ack["ok"], ack


def segments(page: Page) -> Any:
    return page.get_by_test_id("transcript").locator(":scope > li")


async def test_the_transcript_typed_live_is_saved_and_survives_a_reload_and_going_offline(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
) -> None:
    meeting = await new_meeting(http, admin_token, demo)
    members = demo["accounts"]["members"]
    chair, (first, second) = await everyone_live(server, meeting, demo)
    staff = await sit_down(
        browser, server, demo["accounts"]["staff"], f"/m/{meeting['id']}/staff", viewport=CONSOLE
    )
    page = staff.page
    try:
        item_id = str(meeting["agenda"][0]["id"])
        round_id = str(meeting["agenda"][0]["rounds"][0]["id"])
        assert (await chair.send("agenda.goto", {"item_id": item_id}))["ok"]
        assert (await chair.send("round.start", {"round_id": round_id}))["ok"]

        # The first speech appears by itself, with its speaker, while it runs.
        await give_floor(chair, first)
        await expect(segments(page)).to_have_count(1)
        await expect(segments(page).first).to_contain_text(members[0]["name"])
        await expect(segments(page).first).to_contain_text("发言中")
        box = page.get_by_label(f"{members[0]['name']}的发言内容")
        await box.fill(FIRST_WORDS)
        await expect(segments(page).first).to_contain_text("已保存")
        await expect(page.get_by_test_id("transcript-saved")).to_have_text("全部已保存")

        # The next speech ends the first: its end time comes in, the typed text stays.
        await give_floor(chair, second)
        await expect(segments(page)).to_have_count(2)
        await expect(segments(page).first).not_to_contain_text("发言中")
        await expect(box).to_have_value(FIRST_WORDS)

        # Another staff console, or this one reloaded, reads what was saved.
        await page.reload()
        await expect(page.get_by_label(f"{members[0]['name']}的发言内容")).to_have_value(
            FIRST_WORDS
        )
        saved = await http.get(
            f"/api/meetings/{meeting['id']}/transcript",
            headers=bearer(await login_token(server, demo["accounts"]["staff"])),
        )
        assert [s["text"] for s in saved.json()["segments"]] == [FIRST_WORDS, ""]

        # Offline, what is typed waits on the page, marked unsaved, and goes once back online.
        await staff.context.set_offline(True)
        second_box = page.get_by_label(f"{members[1]['name']}的发言内容")
        await second_box.fill(MORE_WORDS)
        await expect(page.get_by_test_id("transcript-saved")).to_have_text(
            "1 段尚未保存，请勿关闭页面"
        )
        await expect(segments(page).nth(1)).to_contain_text("未保存（将自动重试）")
        await staff.context.set_offline(False)
        await expect(page.get_by_test_id("transcript-saved")).to_have_text(
            "全部已保存", timeout=20_000
        )
        await page.reload()
        await expect(page.get_by_label(f"{members[1]['name']}的发言内容")).to_have_value(MORE_WORDS)

        # The chair's remarks, which no speech covers, go in as a segment of their own.
        await page.get_by_role("button", name="添加一段", exact=True).click()
        await page.get_by_label("发言人", exact=True).select_option(
            label=demo["accounts"]["moderator"]["name"]
        )
        await page.get_by_role("button", name="添加", exact=True).click()
        await expect(segments(page)).to_have_count(3)
        chair_box = page.get_by_label(f"{demo['accounts']['moderator']['name']}的发言内容")
        await chair_box.fill(CHAIR_WORDS)
        await chair_box.blur()
        await expect(segments(page).nth(2)).to_contain_text("已保存")
    finally:
        await staff.close()
        for user in (chair, first, second):
            await user.client.disconnect()


async def test_an_imported_file_is_matched_and_its_unknown_speaker_corrected(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    tmp_path: Any,
) -> None:
    meeting = await new_meeting(http, admin_token, demo)
    moderator, member = demo["accounts"]["moderator"]["name"], demo["accounts"]["members"][0]
    staff = await sit_down(
        browser, server, demo["accounts"]["staff"], f"/m/{meeting['id']}/staff", viewport=CONSOLE
    )
    page = staff.page
    good = tmp_path / "会议记录.txt"
    good.write_text(
        f"主持人：今天协商老旧小区加装电梯的费用分摊问题。\n"
        f"{member['name']}：{FIRST_WORDS}\n"
        f"老赵：我是三楼住户，{MORE_WORDS}\n",
        encoding="utf-8",
    )
    broken = tmp_path / "录音.txt"
    broken.write_bytes(bytes(range(256)) * 8)
    try:
        await page.get_by_text("导入发言记录文件").click()
        await page.get_by_label("发言记录文件").set_input_files(str(good))
        await page.get_by_role("button", name="导入", exact=True).click()
        result = page.get_by_test_id("transcript-import-result")
        await expect(result).to_contain_text("已导入 3 段")
        await expect(result).to_contain_text("老赵")
        await expect(segments(page)).to_have_count(3)
        await expect(segments(page).nth(0)).to_contain_text(moderator)
        await expect(segments(page).nth(2)).to_contain_text("待核对发言人")

        # 老赵 is 赵明德 of the roster: staff choose him.
        await (
            segments(page)
            .nth(2)
            .get_by_label("这一段的发言人")
            .select_option(label=demo["accounts"]["members"][1]["name"])
        )
        await expect(segments(page).nth(2)).not_to_contain_text("待核对发言人")
        await expect(segments(page).nth(2)).to_contain_text(demo["accounts"]["members"][1]["name"])

        # A file of binary bytes is refused in Chinese, and the transcript stays as it was.
        await page.get_by_label("发言记录文件").set_input_files(str(broken))
        page.once("dialog", lambda dialog: dialog.accept())
        await page.get_by_role("button", name="导入", exact=True).click()
        await expect(page.locator("details.import [role=alert]")).to_contain_text("二进制文件")
        await expect(segments(page)).to_have_count(3)
        await expect(page.get_by_label(f"{member['name']}的发言内容")).to_have_value(FIRST_WORDS)
    finally:
        await staff.close()
