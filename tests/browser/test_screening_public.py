"""Screening by questionnaire and comments on a notice at /public, on a 360 px phone (第十三条,
第十四条): a resident answers a questionnaire without an account and is counted once however
often they send it; staff read the tallies beside the shortlist and record the result on the
topics' histories; the resident comments on a topic under notice, and what they typed, script
and all, is shown as text and counted on the notice; staff see it on the topic's page.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, expect

from tests.browser.live_views import LAPTOP, PHONE
from tests.browser.test_planner import no_sideways_scroll
from tests.browser.test_topics_walkthrough import _account, _context, _signed_in
from tests.conftest import bearer, login_token

pytestmark = pytest.mark.browser


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def _answer(scope: Locator) -> None:
    label = scope.locator("label", has_text="验证问题").first
    a, b = (int(n) for n in re.findall(r"\d+", await label.inner_text())[:2])
    await scope.get_by_label(re.compile("验证问题")).fill(str(a + b))


async def _noticed_topic(
    http: httpx.AsyncClient, server: str, admin: dict[str, str], staff: dict[str, str], title: str
) -> int:
    """A township topic screened, approved, filed and under notice, through the API."""
    reviewer = bearer(
        await login_token(
            server, await _account(http, admin, "审定人", "party_reviewer", "五星街道")
        )
    )
    county = bearer(
        await login_token(server, await _account(http, admin, "区政协", "cppcc_staff", "亭湖区"))
    )
    rooms = (await http.get("/api/rooms", headers=admin)).json()["items"]
    room = next(r["id"] for r in rooms if r["name"].startswith("五星街道"))
    topic = await _ok(
        await http.post("/api/topics", json={"room_id": room, "title": title}, headers=staff), 201
    )
    path = f"/api/topics/{topic['topic_id']}"
    await _ok(await http.post(path + "/screen", json={"decision": "shortlist"}, headers=staff))
    await _ok(await http.post(path + "/review", json={"decision": "approve"}, headers=reviewer))
    await _ok(await http.post(path + "/file", json={}, headers=county))
    notice = {
        "meeting_at": _later(9),
        "place": "五星街道党群服务中心",
        "form": "hybrid",
        "how_to_join": "在本页留言，或到场旁听",
    }
    await _ok(await http.post(path + "/notice", json=notice, headers=staff))
    return int(topic["topic_id"])


async def test_a_resident_answers_a_questionnaire_once_and_comments_on_a_notice_on_a_phone(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    demo: dict[str, Any],
    admin_token: str,
    artifacts: Path,
) -> None:
    admin = bearer(admin_token)
    staff = bearer(await login_token(server, demo["accounts"]["staff"]))
    tag = uuid.uuid4().hex[:4]
    titles = [f"菜场门口停车难{tag}", f"小区加装电梯{tag}", f"河道保洁{tag}"]
    rooms = (await http.get("/api/rooms", headers=admin)).json()["items"]
    room = next(r["id"] for r in rooms if r["name"].startswith("五星街道"))
    ids = [
        (
            await _ok(
                await http.post("/api/topics", json={"room_id": room, "title": t}, headers=staff),
                201,
            )
        )["topic_id"]
        for t in titles
    ]
    call = await _ok(
        await http.post(
            "/api/questionnaires",
            json={
                "room_id": room,
                "title": f"今年先商量哪件事？{tag}",
                "deadline": _later(5),
                "topic_ids": ids,
                "questions": [
                    {"kind": "rank", "prompt": "请按轻重缓急排序"},
                    {"kind": "choose", "prompt": "最想先协商哪一个？"},
                    {"kind": "single", "prompt": "您住在哪里？", "options": ["本街道", "外街道"]},
                    {"kind": "text", "prompt": "还有什么想说的？"},
                ],
            },
            headers=staff,
        ),
        201,
    )
    notice_title = f"背街小巷路灯维修{tag}"
    topic_id = await _noticed_topic(http, server, admin, staff, notice_title)

    resident = await (
        await _context(
            browser,
            PHONE,
            extra_http_headers={"X-Forwarded-For": f"10.67.{uuid.uuid4().int % 250}.9"},
        )
    ).new_page()
    dialogs: list[str] = []
    resident.on("dialog", lambda d: dialogs.append(d.message))
    await resident.goto(server + "/public")

    # The questionnaire: the elevator first, then the parking; choose, live here, a word.
    form = resident.get_by_test_id("questionnaire").filter(has_text=call["title"])
    await expect(form).to_be_visible()
    await form.get_by_role("button", name=f"上移：{titles[1]}").click()
    ranking = form.locator("ol.ranking li")
    await expect(ranking.first).to_contain_text(titles[1])
    await form.get_by_label(titles[1], exact=True).check()
    await form.get_by_label("本街道").check()
    await form.get_by_label(re.compile("可不填")).fill("电梯的事拖了三年")
    await form.get_by_label(re.compile("手机号码")).fill("13900001234")
    await _answer(form)
    # Each answer is followed by a fresh question for the next form: wait for it to be shown
    # before answering it (on a loaded machine it can come a moment after the thanks).
    async with resident.expect_response(lambda r: "/api/public/challenge" in r.url) as fresh:
        await form.get_by_role("button", name="提交问卷").click()
        await expect(form.get_by_role("status")).to_have_text("问卷已收到，谢谢参与")
    question = (await (await fresh.value).json())["question"]
    await expect(form.locator("label", has_text="验证问题").first).to_contain_text(question)
    # Sent again (a retry, a second tap): the same phone is not counted twice.
    await _answer(form)
    await form.get_by_role("button", name="提交问卷").click()
    await expect(form.get_by_role("status")).to_contain_text("不重复计入")
    await no_sideways_scroll(resident)
    got = await _ok(await http.get(f"/api/questionnaires/{call['call_id']}", headers=staff))
    assert got["respondents"] == 1
    firsts = {r["topic_id"]: r["first"] for r in got["results"][0]["topics"]}
    assert firsts == {ids[0]: 0, ids[1]: 1, ids[2]: 0}

    # Comments on the notice: script typed in is shown as text, and counted on the notice.
    notice = resident.get_by_test_id("notices").locator("li.notice").filter(has_text=notice_title)
    await expect(notice.get_by_test_id("comment-count")).to_have_text("留言 0 条")
    await notice.get_by_role("button", name="查看和发表留言").click()
    script = f"<script>alert('x')</script><img src=x onerror=alert(1)>路灯坏了半年{tag}"
    await notice.get_by_label(re.compile("称呼")).fill("老周")
    await notice.get_by_label(re.compile("您的意见")).fill(script)
    await _answer(notice)  # the address has sent before: the question is asked
    await notice.get_by_role("button", name="发表留言").click()
    await expect(notice.get_by_role("status")).to_have_text("留言已发表")
    shown = notice.get_by_test_id("comments").locator("li").filter(has_text=f"路灯坏了半年{tag}")
    await expect(shown.locator(".text")).to_have_text(script)
    assert await notice.locator("img[src='x'], script").count() == 0
    await expect(notice.get_by_test_id("comment-count")).to_have_text("留言 1 条")
    await resident.reload()
    notice = resident.get_by_test_id("notices").locator("li.notice").filter(has_text=notice_title)
    await expect(notice.get_by_test_id("comment-count")).to_have_text("留言 1 条")
    await no_sideways_scroll(resident)
    assert dialogs == []
    await resident.screenshot(path=str(artifacts / "public-screening-phone.png"), full_page=True)

    # Staff read the tallies beside the shortlist, record the result, see the comment.
    office = await _signed_in(browser, LAPTOP, server, demo["accounts"]["staff"])
    await office.goto(server + "/topics")
    item = office.get_by_test_id("questionnaires").locator("li.item").filter(has_text=call["title"])
    await item.get_by_role("button", name="查看统计").click()
    await expect(item.get_by_test_id("tallies")).to_contain_text(f"{titles[1]}：得分 3，1 人排第一")
    await expect(item.get_by_test_id("tallies")).to_contain_text("电梯的事拖了三年")
    await item.get_by_role("button", name="结束并记入议题记录").click()
    await expect(item).to_contain_text("结果已于")
    await office.goto(f"{server}/topics/{ids[1]}")
    await expect(office.get_by_test_id("timeline")).to_contain_text("1 人作答")
    await office.goto(f"{server}/topics/{topic_id}")
    await expect(office.get_by_test_id("public-comments")).to_contain_text(script)
    assert await office.locator("[data-testid=public-comments] img[src='x']").count() == 0


async def test_staff_ask_a_multiple_choice_question_and_conclude_a_forum_on_two_proposals(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    demo: dict[str, Any],
    admin_token: str,
) -> None:
    admin = bearer(admin_token)
    staff = bearer(await login_token(server, demo["accounts"]["staff"]))
    tag = uuid.uuid4().hex[:4]
    titles = [f"社区食堂{tag}", f"口袋公园{tag}"]
    rooms = (await http.get("/api/rooms", headers=admin)).json()["items"]
    room = next(r for r in rooms if r["name"].startswith("五星街道"))
    ids = [
        (
            await _ok(
                await http.post(
                    "/api/topics", json={"room_id": room["id"], "title": t}, headers=staff
                ),
                201,
            )
        )["topic_id"]
        for t in titles
    ]

    # The staff's form: the two proposals, and a multiple-choice question of at most two.
    office = await _signed_in(browser, LAPTOP, server, demo["accounts"]["staff"])
    await office.goto(server + "/topics")
    panel = office.locator(
        "section", has=office.get_by_role("heading", name="问卷调查（议题筛选）")
    )
    await panel.get_by_label("协商议事室", exact=True).select_option(label=room["name"])
    for title in titles:
        await panel.get_by_label(title, exact=True).check()
    title = f"社区设施怎么建？{tag}"
    await panel.get_by_label("问卷标题").fill(title)
    deadline = datetime.now(UTC) + timedelta(days=6)
    await panel.get_by_label("截止时间").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    await panel.get_by_label("多选题题目（可不填）").fill("您会怎样参与？")
    await panel.get_by_label("多选题选项（每行一个）").fill("到场\n网上\n书面")
    await panel.get_by_label(re.compile("最多可选几项")).fill("2")
    await panel.get_by_role("button", name="发布问卷").click()
    item = panel.get_by_test_id("questionnaires").locator("li.item").filter(has_text=title)
    await expect(item).to_be_visible()
    made = next(
        q
        for q in (await _ok(await http.get("/api/questionnaires", headers=staff)))["items"]
        if q["title"] == title
    )
    assert [q["kind"] for q in made["questions"]] == ["rank", "choose", "multiple"]
    assert made["questions"][2]["options"] == ["到场", "网上", "书面"]
    assert made["questions"][2]["max_choices"] == 2

    # A resident picks two; the third cannot be ticked as well.
    resident = await (
        await _context(
            browser,
            PHONE,
            extra_http_headers={"X-Forwarded-For": f"10.68.{uuid.uuid4().int % 250}.9"},
        )
    ).new_page()
    await resident.goto(server + "/public")
    form = resident.get_by_test_id("questionnaire").filter(has_text=title)
    await form.get_by_label(titles[0], exact=True).check()
    await form.get_by_label("到场", exact=True).check()
    await form.get_by_label("网上", exact=True).check()
    await expect(form.get_by_label("书面", exact=True)).to_be_disabled()
    await form.get_by_label(re.compile("手机号码")).fill("13900005678")
    await _answer(form)
    await form.get_by_role("button", name="提交问卷").click()
    await expect(form.get_by_role("status")).to_have_text("问卷已收到，谢谢参与")
    await item.get_by_role("button", name="查看统计").click()
    tallies = item.get_by_test_id("tallies")
    await expect(tallies).to_contain_text("您会怎样参与？（多选）")
    await expect(tallies).to_contain_text("网上：1 人")
    await expect(tallies).to_contain_text("书面：0 人")

    # One forum heard both proposals: a conclusion on each, on each one's history.
    await office.goto(f"{server}/topics/{ids[0]}")
    await office.get_by_label("形式").select_option(label="座谈会")
    today = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m-%d")
    await office.get_by_label("召开日期").fill(today)
    await office.get_by_label("地点").fill("五星街道党群服务中心")
    await office.get_by_label(re.compile("参加人")).fill("王海燕，政协委员\n周桂英，群众代表")
    await office.get_by_label("会议记录").fill(f"两件事一并听取意见{tag}")
    await office.get_by_label("对本议题的结论").select_option(label="建议列入")
    also = office.get_by_test_id("also-heard")
    await also.get_by_label(titles[1], exact=True).select_option(label="建议不列入")
    await office.get_by_role("button", name="保存听证座谈记录").click()
    await expect(office.get_by_test_id("hearings")).to_contain_text(f"两件事一并听取意见{tag}")
    await expect(office.get_by_test_id("hearings")).to_contain_text("建议列入")
    await office.goto(f"{server}/topics/{ids[1]}")
    await expect(office.get_by_test_id("hearings")).to_contain_text("建议不列入")
    await expect(office.get_by_test_id("timeline")).to_contain_text("结论：建议不列入")


async def test_a_comment_sent_again_after_a_lost_answer_is_kept_once(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    demo: dict[str, Any],
    admin_token: str,
) -> None:
    admin = bearer(admin_token)
    staff = bearer(await login_token(server, demo["accounts"]["staff"]))
    tag = uuid.uuid4().hex[:4]
    notice_title = f"小区门口道路破损{tag}"
    topic_id = await _noticed_topic(http, server, admin, staff, notice_title)
    resident = await (
        await _context(
            browser,
            PHONE,
            extra_http_headers={"X-Forwarded-For": f"10.69.{uuid.uuid4().int % 250}.9"},
        )
    ).new_page()
    lost: list[str] = []

    async def lose_the_first_answer(route: Any) -> None:
        if route.request.method != "POST" or lost:
            await route.continue_()
            return
        await route.fetch()  # the server keeps it; the answer never reaches the page
        lost.append(route.request.post_data or "")
        await route.abort("connectionreset")

    await resident.route(f"**/api/public/notices/{topic_id}/comments", lose_the_first_answer)
    await resident.goto(server + "/public")
    notice = resident.get_by_test_id("notices").locator("li.notice").filter(has_text=notice_title)
    await notice.get_by_role("button", name="查看和发表留言").click()
    await notice.get_by_label(re.compile("您的意见")).fill(f"坑太多了{tag}")
    if await notice.get_by_label(re.compile("验证问题")).count():
        await _answer(notice)
    await notice.get_by_role("button", name="发表留言").click()
    await expect(notice.get_by_role("alert")).to_be_visible()
    kept = await _ok(await http.get(f"/api/public/notices/{topic_id}/comments"))
    assert len(kept["comments"]) == 1  # it did arrive
    # The resident taps again: the same comment, with the same key.
    if await notice.get_by_label(re.compile("验证问题")).count():
        await _answer(notice)
    await notice.get_by_role("button", name="发表留言").click()
    await expect(notice.get_by_role("status")).to_have_text("留言已发表")
    assert len(lost) == 1 and '"client_id"' in lost[0]
    shown = await _ok(await http.get(f"/api/public/notices/{topic_id}/comments"))
    assert [c["text"] for c in shown["comments"]] == [f"坑太多了{tag}"]
    await expect(notice.get_by_test_id("comment-count")).to_have_text("留言 1 条")
