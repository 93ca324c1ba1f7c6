"""The moderator console's speaking-time budgets and microphone controls, in a real Chromium.

The members speak through python-socketio clients; the moderator watches and acts in the
browser. The budgets the console keeps from the events are the ones the server counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.live_views import CONSOLE, sit_down
from tests.conftest import bearer, login_token
from tests.live.conftest import LiveUser, connect_user

pytestmark = pytest.mark.browser

BUDGETS = {"member": 600, "stakeholder": 300}


async def budget_meeting(
    http: httpx.AsyncClient, admin_token: str, demo: dict[str, Any]
) -> dict[str, Any]:
    """A meeting whose members and stakeholders each have a speaking-time budget per item."""
    body = {
        "room_id": 1,
        "title": "五星街道背街小巷改造协商会",
        "topic_title": "背街小巷改造",
        "starts_at": "2026-12-22T09:00:00+08:00",
        "place": "五星街道党群服务中心",
        "mode": "hybrid",
        "agenda": [
            {
                "title": "背街小巷改造方案",
                "rounds": [
                    {"kind": "briefing", "title": "情况通报"},
                    {"kind": "discussion", "title": "自由讨论"},
                ],
            }
        ],
        "speaking_rules": {"budgets_s": BUDGETS},
    }
    created = await http.post("/api/meetings", json=body, headers=bearer(admin_token))
    assert created.status_code == 201, created.text
    meeting: dict[str, Any] = created.json()
    people = (await http.get("/api/people", headers=bearer(admin_token))).json()["items"]
    ids = {p["username"]: p["id"] for p in people}
    accounts = demo["accounts"]
    for account, role in [(accounts["moderator"], "moderator"), (accounts["members"][0], None)]:
        added = await http.post(
            f"/api/meetings/{meeting['id']}/participants",
            json={"person_id": ids[account["username"]], "role": role or "participant"},
            headers=bearer(admin_token),
        )
        assert added.status_code == 201, added.text
    return meeting


async def member_live(server: str, demo: dict[str, Any], meeting_id: int) -> LiveUser:
    account = demo["accounts"]["members"][0]
    member = await connect_user(server, await login_token(server, account), account["name"])
    assert (await member.join(meeting_id))["ok"]
    return member


def budget_row(page: Page, category: str) -> Any:
    return page.get_by_test_id("budgets").locator(f"[data-category='{category}']")


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


async def speak(member: LiveUser, moderator: Page, seconds: float) -> None:
    assert (await member.send("hand.raise", {"kind": "speech"}))["ok"]
    await moderator.get_by_role("button", name="下一位").click()
    await expect(moderator.get_by_test_id("floor-speaker")).to_have_text(member.name)
    await asyncio.sleep(seconds)
    await moderator.get_by_role("button", name="结束发言").click()
    await expect(moderator.get_by_test_id("floor-speaker")).to_have_text("")


@dataclass
class Console:
    """The moderator's console open in Chromium on a budgeted meeting, one member live."""

    meeting: dict[str, Any]
    member: LiveUser
    page: Page


@pytest.fixture
async def console(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
) -> AsyncIterator[Console]:
    meeting = await budget_meeting(http, admin_token, demo)
    member = await member_live(server, demo, meeting["id"])
    seat = await sit_down(
        browser,
        server,
        demo["accounts"]["moderator"],
        f"/m/{meeting['id']}/moderate",
        viewport=CONSOLE,
    )
    yield Console(meeting, member, seat.page)
    await seat.close()
    await member.client.disconnect()


async def test_each_sides_speaking_time_runs_down_as_the_server_counts_it(
    console: Console, server: str, demo: dict[str, Any]
) -> None:
    meeting, member, mod = console.meeting, console.member, console.page
    await mod.get_by_role("button", name="开始会议").click()
    await expect(budget_row(mod, "member")).to_contain_text("已用 00:00 / 10:00")
    await expect(budget_row(mod, "stakeholder")).to_contain_text("剩余 05:00")
    await expect(mod.get_by_test_id("budgets").locator(":scope > li")).to_have_count(2)

    # A speech in the briefing speaks for the whole meeting: no side is charged.
    await mod.get_by_role("button", name="开始环节：情况通报").click()
    await speak(member, mod, 1.5)
    await expect(budget_row(mod, "member")).to_contain_text("已用 00:00 / 10:00")
    await mod.get_by_role("button", name="结束本环节").click()

    # In the discussion the member's time counts, and it runs while they speak.
    await mod.get_by_role("button", name="开始环节：自由讨论").click()
    assert (await member.send("hand.raise", {"kind": "speech"}))["ok"]
    await mod.get_by_role("button", name="下一位").click()
    await expect(budget_row(mod, "member").get_by_test_id("budget-used")).not_to_have_text(
        "已用 00:00 / 10:00", timeout=5_000
    )
    await asyncio.sleep(1.5)
    await mod.get_by_role("button", name="结束发言").click()
    await expect(mod.get_by_test_id("floor-speaker")).to_have_text("")

    # What the console shows is what the server's own count says.
    check = await connect_user(
        server, await login_token(server, demo["accounts"]["moderator"]), "check"
    )
    try:
        budgets = (await check.join(meeting["id"]))["snapshot"]["budgets"]
    finally:
        await check.client.disconnect()
    used = budgets["member"]["used_s"]
    assert used > 2
    await expect(budget_row(mod, "member")).to_contain_text(f"已用 {clock(used)} / 10:00")
    await expect(budget_row(mod, "member")).to_contain_text(f"剩余 {clock(600 - used)}")
    assert budgets["stakeholder"]["used_s"] == 0
    await expect(budget_row(mod, "stakeholder")).to_contain_text("已用 00:00 / 05:00")


async def test_the_moderator_opens_the_mics_and_mutes_one_person_from_the_console(
    console: Console, demo: dict[str, Any]
) -> None:
    member, mod = console.member, console.page
    name = demo["accounts"]["members"][0]["name"]
    mics = mod.get_by_test_id("moderator-media")
    await expect(mod.get_by_test_id("mics-state")).to_contain_text("只有获得发言权的人")
    await mics.get_by_role("button", name="开放全体麦克风").click()
    await expect(mod.get_by_test_id("mics-state")).to_contain_text("已开放全体麦克风")
    await mics.get_by_role("button", name="收回全体麦克风").click()
    await expect(mod.get_by_test_id("mics-state")).to_contain_text("只有获得发言权的人")

    # One person is muted from the attendance list; the microphones card names them.
    await expect(mod.get_by_test_id("mics-muted")).to_contain_text("没有人被静音")
    await mod.get_by_text("查看名单", exact=True).click()
    await mod.get_by_role("button", name=f"将{name}静音").click()
    await expect(mod.get_by_role("button", name=f"取消{name}的静音")).to_be_visible()
    await expect(mod.get_by_test_id("mics-muted")).to_have_text(
        f"已静音：{name}（在左栏「查看名单」中逐人静音或取消）"
    )
    await mics.get_by_role("button", name="会场麦克风静音").click()
    await expect(mics.get_by_role("button", name="取消会场麦克风静音")).to_be_visible()
    # The room is not a person: the list of muted people stays as it was.
    await expect(mod.get_by_test_id("mics-muted")).to_contain_text(f"已静音：{name}（")

    # The member's own client saw the server decide each of these, in order.
    def media_events() -> list[dict[str, Any]]:
        ordered = sorted(member.events.values(), key=lambda e: e["seq"])
        return [e for e in ordered if e["type"].startswith("media.")]

    for _ in range(50):
        if len(media_events()) >= 4:
            break
        await asyncio.sleep(0.1)
    member_id = next(
        p["participant_id"]
        for p in member.join_ack["snapshot"]["participants"]
        if p["name"] == name
    )
    assert [(e["type"], e["data"].get("participant_id")) for e in media_events()] == [
        ("media.mics_opened", None),
        ("media.mics_closed", None),
        ("media.muted", member_id),
        ("media.muted", "room"),
    ]
