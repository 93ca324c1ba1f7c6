"""The minutes page in the browser: staff draft the minutes from an imported transcript, edit
them beside the transcript and save versions; the moderator signs off; the report is drafted
from the signed minutes; a participant reads only what was signed. Real server, real Chromium.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Dialog, Page, expect

from tests.browser.live_views import CONSOLE, PHONE, new_meeting
from tests.browser.test_live_accessibility import axe_violations
from tests.conftest import bearer, login_token

pytestmark = pytest.mark.browser

# A consultation on lifts in old housing estates, as the recorder typed it up afterwards.
TRANSCRIPT = """\
主持人（刘建国）：各位委员、各位居民代表，大家上午好。今天我们在五星街道党群服务中心召开协商议事会，议题是老旧小区加装电梯。先请王海燕委员介绍前期调研情况。
王海燕委员：好的。我们调研组用了三周时间走访了五星街道十六个老旧小区，涉及六层以下住宅楼八十四栋，发放问卷六百份，收回五百四十二份。问卷显示，六成以上的高层住户希望加装电梯，其中七十岁以上的老人占四分之一。资金是最大的难题，每部电梯造价在五十万元左右，扣除政府补贴后每户还要承担两到五万元。我建议按楼层系数分摊费用，楼层越高分摊越多。
周桂英：我是幸福小区三号楼的一楼住户。我不同意一楼住户也要分摊费用，加装电梯以后一楼的采光和通风都会受影响，噪音也会变大。希望对低层住户给予适当补偿，而不是让我们出钱。
赵明德委员：低层住户的顾虑是合理的。我建议设立低层住户补偿机制，由高层住户按比例出资，补偿标准由全体业主协商确定。另外施工期间要做好安全防护，施工单位要错开居民上下班高峰，不能影响居民正常出行。
孙丽华委员：我补充一点，加装电梯以后的维护保养费用也要提前约定。建议由物业公司统一维保，费用按户分摊，并纳入小区公共维修资金管理，避免电梯建好了没人管。
主持人：下面对按楼层系数分摊加装电梯费用的方案进行举手表决。表决结果：赞成5票，反对1票，弃权0票，方案通过。
刘建国：经过充分协商，会议议定如下：一是由五星街道办事处牵头，制定老旧小区加装电梯费用分摊指导意见，下月底前完成。二是由区住建局负责落实每部电梯二十万元的补贴，并简化审批手续。三是建立低层住户补偿机制，补偿标准由业主协商确定。四是由物业公司负责电梯建成后的日常维保。
刘建国：对于周桂英代表提出的低层住户补偿意见，会后由街道做好沟通解释工作。今天的协商会就到这里，谢谢大家。
"""
SPEAKERS = {"刘建国", "王海燕", "周桂英", "赵明德", "孙丽华"}
DECISIONS = ["费用分摊指导意见", "二十万元的补贴", "低层住户补偿机制", "日常维保"]
# 周桂英's dissent is filed under 不同意见 (once); her key point keeps her request.
KEPT = "希望对低层住户给予适当补偿"
EDITED = "希望对低层住户给予适当补偿，补偿标准由全体业主协商确定。"
REPORT_ITEM = "由五星街道办事处牵头，会同区住建局制定加装电梯费用分摊指导意见，下月底前印发。"

# Drafting runs Jieba over the whole transcript: a second or two, longer on a busy machine.
DRAFTING_MS = 30_000

Opener = Callable[[dict[str, str], int], Awaitable[Page]]


@pytest.fixture
async def open_minutes(browser: Browser, server: str) -> AsyncIterator[Opener]:
    """Signs a person in, in a browser of their own, and opens a meeting's minutes page."""
    contexts: list[BrowserContext] = []

    async def opener(account: dict[str, str], meeting_id: int) -> Page:
        context = await browser.new_context(
            viewport=CONSOLE,  # type: ignore[arg-type]
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
        )
        contexts.append(context)
        signed_in = await context.request.post(
            server + "/api/auth/login",
            data={"username": account["username"], "password": account["password"]},
        )
        assert signed_in.ok, await signed_in.text()
        page = await context.new_page()
        await page.goto(f"{server}/meetings/{meeting_id}/minutes")
        await expect(page.get_by_role("heading", name="会议纪要版本")).to_be_visible()
        return page

    yield opener
    for context in contexts:
        await context.close()


async def import_transcript(http: httpx.AsyncClient, token: str, meeting_id: int) -> None:
    r = await http.post(
        f"/api/meetings/{meeting_id}/transcript/import",
        params={"filename": "加装电梯协商会记录.txt"},
        content=TRANSCRIPT.encode(),
        headers={**bearer(token), "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 200, r.text


def version_rows(page: Page, kind: str) -> Any:
    return page.get_by_test_id(f"{kind}-versions").locator("tbody tr")


async def values(locator: Any) -> list[str]:
    found: list[str] = await locator.evaluate_all("(fields) => fields.map((f) => f.value)")
    return found


async def open_version(page: Page, kind: str, number: int) -> None:
    """Opens a version from the list, unless it is the one open already (the newest is)."""
    row = version_rows(page, kind).filter(has_text=f"第 {number} 版")
    await expect(row).to_be_visible()
    if await row.get_by_text("正在查看").count() == 0:
        await row.get_by_role("link").click()
    bar = page.get_by_test_id("version-bar")
    document = "会议纪要" if kind == "minutes" else "协商建议"
    await expect(bar.get_by_role("heading")).to_have_text(f"{document} 第 {number} 版")


@pytest.mark.slow  # four people's browsers, two drafts, downloads
async def test_staff_draft_edit_and_save_the_moderator_signs_a_participant_reads(
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    open_minutes: Opener,
    artifacts: Path,
) -> None:
    accounts = demo["accounts"]
    meeting = await new_meeting(http, admin_token, demo, members=4)
    meeting_id = meeting["id"]
    staff_token = await login_token(server, accounts["staff"])
    await import_transcript(http, staff_token, meeting_id)

    # Staff draft the first version from the transcript.
    staff = await open_minutes(accounts["staff"], meeting_id)
    minutes_list = staff.get_by_test_id("minutes-versions")
    await expect(minutes_list).to_contain_text("还没有会议纪要")
    await staff.get_by_role("button", name="起草新版本").click()
    await expect(version_rows(staff, "minutes")).to_have_count(1, timeout=DRAFTING_MS)
    await expect(version_rows(staff, "minutes").first).to_contain_text("草稿")
    await expect(version_rows(staff, "minutes").first).to_contain_text("陈晓燕")
    draft = staff.get_by_test_id("minutes-draft")
    await expect(draft).to_be_visible()
    speakers = set(await draft.get_by_test_id("key-point").locator("h4").all_inner_texts())
    assert speakers >= SPEAKERS, speakers
    decisions = " ".join(await values(draft.locator("#part-decisions + ol textarea")))
    for phrase in DECISIONS:
        assert phrase in decisions, phrase
    assert (
        await staff.get_by_label("会议名称").input_value()
        == "五星街道老旧小区加装电梯协商议事会纪要"
    )

    # Focusing one of 周桂英's points highlights, and brings into view, the turn it came from.
    point = staff.get_by_role("textbox", name="周桂英的发言要点第 2 句", exact=True)
    original = await point.input_value()
    assert KEPT in original
    highlighted = staff.locator("[data-testid=transcript-segment][aria-current=true]")
    await expect(highlighted).to_have_count(0)
    await point.focus()
    await expect(highlighted).to_have_count(1)
    await expect(highlighted.locator(".speaker")).to_have_text("周桂英")
    await expect(highlighted).to_contain_text(KEPT)
    await expect(highlighted).to_be_in_viewport()
    await expect(highlighted.get_by_role("button", name="周桂英的发言要点第 2 句")).to_be_visible()
    await staff.screenshot(path=str(artifacts / "minutes-editor.png"))

    # An edited sentence keeps its link; saving it with a note makes version 2.
    await point.fill(EDITED)
    await expect(staff.get_by_test_id("unsaved")).to_have_text("有未保存的修改")
    await staff.get_by_label("修改说明").fill("核对周桂英的发言要点")
    await staff.get_by_role("button", name="保存为新版本").click()
    await expect(version_rows(staff, "minutes")).to_have_count(2)
    second = version_rows(staff, "minutes").nth(1)
    await expect(second).to_contain_text("核对周桂英的发言要点")
    await expect(second).to_contain_text("正在查看")
    await expect(staff.get_by_test_id("unsaved")).to_have_count(0)
    saved_point = staff.get_by_role("textbox", name="周桂英的发言要点第 2 句", exact=True)
    await expect(saved_point).to_have_value(EDITED)
    await expect(
        saved_point.locator("xpath=..").get_by_role(
            "button", name="出自第 3 段（周桂英），在发言记录中查看"
        )
    ).to_be_visible()

    # Version 1 is as it was drafted.
    await open_version(staff, "minutes", 1)
    await expect(
        staff.get_by_role("textbox", name="周桂英的发言要点第 2 句", exact=True)
    ).to_have_value(original)
    await open_version(staff, "minutes", 2)

    # Staff are told that only the moderator signs; the moderator signs version 2.
    bar = staff.get_by_test_id("version-bar")
    await expect(bar).to_contain_text("只有本次会议的主持人可以签发。")
    await expect(bar.get_by_role("button", name="签发", exact=True)).to_have_count(0)
    moderator = await open_minutes(accounts["moderator"], meeting_id)
    await open_version(moderator, "minutes", 2)
    await moderator.get_by_role("button", name="签发", exact=True).click()
    await expect(moderator.get_by_role("button", name="确认签发")).to_be_focused()
    await moderator.get_by_role("button", name="确认签发").click()
    await expect(moderator.get_by_test_id("open-status")).to_have_text("已签发")
    await expect(moderator.get_by_test_id("signed-by")).to_contain_text("已签发：刘建国")
    await expect(version_rows(moderator, "minutes").nth(1)).to_contain_text("已签发")
    await expect(version_rows(moderator, "minutes").first).to_contain_text("草稿")

    # The Word file is a real DOCX with the edited sentence in it.
    async with moderator.expect_download() as downloaded:
        await moderator.get_by_role("link", name="下载 Word（DOCX）").click()
    word = await (await downloaded.value).path()
    paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
    text = "\n".join(paragraphs)
    assert "五星街道老旧小区加装电梯协商议事会纪要" in text
    # 周桂英's points as one paragraph naming her, the edited sentence in place of the drafted.
    assert f"周桂英提出，是幸福小区三号楼的一楼住户。{EDITED}" in text

    # The PDF is made on the server by LibreOffice and saved under the server's name.
    async with moderator.expect_download(timeout=180_000) as downloaded:
        await moderator.get_by_role("button", name="下载 PDF").click()
    pdf = await downloaded.value
    assert pdf.suggested_filename.endswith("第2版.pdf")
    with open(await pdf.path(), "rb") as saved:  # noqa: ASYNC230 (a small local file)
        assert saved.read(4) == b"%PDF"
    await expect(moderator.get_by_role("button", name="下载 PDF")).to_be_enabled()

    # The report is drafted from the signed minutes; an item edited, moved and saved.
    await staff.reload()
    await open_version(staff, "minutes", 2)
    await staff.get_by_role("button", name="据纪要第 2 版起草协商建议").click()
    await expect(version_rows(staff, "recommendations")).to_have_count(1, timeout=DRAFTING_MS)
    await expect(version_rows(staff, "recommendations").first).to_contain_text("纪要第 2 版")
    report = staff.get_by_test_id("report-draft")
    items = report.get_by_test_id("report-item")
    first_text = await staff.get_by_label("建议 1 的内容", exact=True).input_value()
    second_text = await staff.get_by_label("建议 2 的内容", exact=True).input_value()
    assert "五星街道办事处" in first_text and "住建局" in second_text
    await staff.get_by_label("建议 1 的内容", exact=True).fill(REPORT_ITEM)
    await staff.get_by_role("button", name="把建议 2 上移").click()
    await expect(staff.get_by_label("建议 1 的内容", exact=True)).to_have_value(second_text)
    await expect(staff.get_by_label("建议 2 的内容", exact=True)).to_have_value(REPORT_ITEM)
    await expect(staff.get_by_role("button", name="把建议 1 上移")).to_be_disabled()
    await expect(items.nth(1).get_by_label("责任单位")).to_have_value("五星街道办事处")
    await staff.get_by_label("修改说明").fill("调整建议顺序")
    await staff.get_by_role("button", name="保存为新版本").click()
    await expect(version_rows(staff, "recommendations")).to_have_count(2)
    await expect(version_rows(staff, "recommendations").nth(1)).to_contain_text("调整建议顺序")
    await expect(staff.get_by_label("建议 2 的内容", exact=True)).to_have_value(REPORT_ITEM)
    violations = await axe_violations(staff)
    assert violations == [], violations

    # A participant sees only the signed minutes, as text, and may download them.
    member = await open_minutes(accounts["members"][0], meeting_id)
    await expect(version_rows(member, "minutes")).to_have_count(1)
    await expect(version_rows(member, "minutes").first).to_contain_text("第 2 版")
    await expect(member.get_by_test_id("recommendations-versions")).to_contain_text(
        "还没有经主持人签发的版本"
    )
    await expect(member.get_by_test_id("open-status")).to_have_text("已签发")
    member_draft = member.get_by_test_id("minutes-draft")
    await expect(member_draft).to_contain_text(EDITED)
    await expect(member_draft).to_contain_text("费用分摊指导意见")
    await expect(member_draft.get_by_role("textbox")).to_have_count(0)
    for control in ("起草新版本", "保存为新版本", "签发", "删除", "取消关联"):
        await expect(member.get_by_role("button", name=re.compile(f"^{control}"))).to_have_count(0)
    await expect(member.get_by_test_id("minutes-transcript")).to_have_count(0)
    await expect(member.get_by_role("link", name="下载 Word（DOCX）")).to_be_visible()

    # On a phone the transcript goes below the draft.
    await staff.set_viewport_size(PHONE)
    await open_version(staff, "minutes", 2)
    draft_box = await staff.get_by_test_id("minutes-draft").bounding_box()
    transcript_box = await staff.get_by_test_id("minutes-transcript").bounding_box()
    assert draft_box and transcript_box
    assert transcript_box["y"] >= draft_box["y"] + draft_box["height"]
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert await staff.evaluate(overflow) <= 0


async def test_drafting_from_an_empty_transcript_says_what_to_do(
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    open_minutes: Opener,
) -> None:
    meeting = await new_meeting(http, admin_token, demo)
    staff = await open_minutes(demo["accounts"]["staff"], meeting["id"])
    await staff.get_by_role("button", name="起草新版本").click()
    await expect(staff.get_by_role("alert")).to_contain_text(
        "发言记录还是空的：请先录入或导入发言记录，再起草会议纪要。"
    )
    await expect(staff.get_by_role("link", name="前往工作人员控制台").last).to_be_visible()
    await expect(staff.get_by_test_id("minutes-versions")).to_contain_text("还没有会议纪要")
    listed = await http.get(
        f"/api/meetings/{meeting['id']}/minutes",
        headers=bearer(await login_token(server, demo["accounts"]["staff"])),
    )
    assert listed.json()["items"] == []


async def test_a_refused_save_keeps_the_edits_on_the_page(
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    open_minutes: Opener,
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=4)
    token = await login_token(server, demo["accounts"]["staff"])
    await import_transcript(http, token, meeting["id"])
    drafted = await http.post(
        f"/api/meetings/{meeting['id']}/minutes", json={}, headers=bearer(token)
    )
    assert drafted.status_code == 201, drafted.text

    staff = await open_minutes(demo["accounts"]["staff"], meeting["id"])
    await open_version(staff, "minutes", 1)
    decision = staff.get_by_role("textbox", name="会议议定事项第 2 项", exact=True)
    await decision.fill("由区住建局负责落实补贴，并在十个工作日内完成审批。")
    place = staff.get_by_label("会议地点")
    too_long = "五星街道党群服务中心" * 201
    await place.fill(too_long)
    await staff.get_by_role("button", name="保存为新版本").click()
    refusal = staff.get_by_test_id("version-bar").get_by_role("alert")
    await expect(refusal).to_contain_text("最多 2000 个字符")
    await expect(place).to_have_value(too_long)
    await expect(decision).to_have_value("由区住建局负责落实补贴，并在十个工作日内完成审批。")
    await expect(staff.get_by_test_id("unsaved")).to_be_visible()
    await expect(version_rows(staff, "minutes")).to_have_count(1)

    # Leaving asks first; staying keeps everything.
    asked: list[str] = []

    async def stay(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    staff.once("dialog", stay)
    await staff.get_by_role("link", name="返回会议").click()
    await expect(staff.get_by_role("heading", name="会议纪要版本")).to_be_visible()
    assert asked and "未保存的修改" in asked[0]
    await expect(decision).to_have_value("由区住建局负责落实补贴，并在十个工作日内完成审批。")
    # Closing the tab asks the browser's own question, and staying keeps the edits too.
    closing = asyncio.Event()

    async def stay_open(dialog: Dialog) -> None:
        asked.append(dialog.type)
        await dialog.dismiss()
        closing.set()

    staff.once("dialog", stay_open)
    await staff.close(run_before_unload=True)
    await asyncio.wait_for(closing.wait(), 10)
    assert asked[-1] == "beforeunload"
    await expect(decision).to_have_value("由区住建局负责落实补贴，并在十个工作日内完成审批。")

    # A misread dissent goes, a decision nobody drafted comes, and a sentence is unlinked.
    dissent = staff.get_by_role("textbox", name=re.compile("^不同意见第 \\d 项$"))
    drafted_dissent = await values(dissent)
    misread = next(n for n, text in enumerate(drafted_dissent, start=1) if "顾虑是合理的" in text)
    await staff.get_by_role("button", name=f"删除：不同意见第 {misread} 项").click()
    await expect(dissent).to_have_count(len(drafted_dissent) - 1)
    await staff.get_by_role("button", name="添加会议议定事项").click()
    added = staff.get_by_role("textbox", name="会议议定事项第 5 项", exact=True)
    await expect(added).to_be_focused()
    await added.fill("五是由社区居委会组织施工期间的安全巡查。")
    await expect(staff.get_by_role("button", name="删除：会议议定事项第 5 项")).to_be_visible()
    await staff.get_by_role("button", name="关联到所选的句子：第 4 段（赵明德）").click()
    await expect(
        added.locator("xpath=..").get_by_role("button", name=re.compile("^出自第 4 段（赵明德）"))
    ).to_be_visible()
    await staff.get_by_role("button", name="取消关联：会议议定事项第 2 项").click()

    # With the place fixed, the same edits save as version 2.
    await place.fill("五星街道党群服务中心二楼")
    await staff.get_by_role("button", name="保存为新版本").click()
    await expect(version_rows(staff, "minutes")).to_have_count(2)
    saved = await http.get(f"/api/meetings/{meeting['id']}/minutes/2", headers=bearer(token))
    body = saved.json()["draft"]
    assert body["header"]["place"] == "五星街道党群服务中心二楼"
    second, fifth = body["decisions"][1], body["decisions"][4]
    assert (second["text"], second["segment_id"]) == (
        "由区住建局负责落实补贴，并在十个工作日内完成审批。",
        None,
    )
    transcript = await http.get(f"/api/meetings/{meeting['id']}/transcript", headers=bearer(token))
    zhao = transcript.json()["segments"][3]
    assert zhao["speaker_name"] == "赵明德"
    assert (fifth["text"], fifth["segment_id"]) == (
        "五是由社区居委会组织施工期间的安全巡查。",
        zhao["id"],
    )
    assert [d["text"] for d in body["dissent"]] == [
        text for text in drafted_dissent if "顾虑是合理的" not in text
    ]
