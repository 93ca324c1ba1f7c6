"""The moderator console offers only what the machine would accept, step by step.

A moderator walks the typical agenda (介绍议题 → … → 总结) in a real Chromium while a member
takes part through a live client and another watches on a phone. After every step, each
button of the console that sends a command (`data-command`, with its target in `data-key`)
is compared with the machine itself: the stored events are replayed and the button's
command is decided as the moderator would send it. A button is disabled exactly when the
machine would refuse. The member's 举手 likewise, while the queue is closed; and once the
meeting is closed, every page says so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from realtime.machine.poll_types import StoredVotes
from realtime.meeting import Actor, Command, MeetingSetup, Refusal, actor_for, decide, replay
from realtime.meeting import Event as MachineEvent
from server.db.engine import Database
from server.db.models import LiveMeeting, MeetingEvent
from tests.browser.live_views import (
    CONSOLE,
    ITEM_TITLE,
    PHONE,
    PROJECTOR,
    new_meeting,
    sit_down,
)
from tests.conftest import login_token
from tests.live.conftest import LiveUser, connect_user

pytestmark = pytest.mark.browser

ITEMS = [ITEM_TITLE, "下一步工作安排"]
ROUNDS = [
    *("介绍议题", "情况通报", "委员发言", "群众代表发言"),
    *("部门回应", "自由讨论", "表决", "总结"),
]
PLAIN_DATA: dict[str, dict[str, Any]] = {
    "floor.extend": {"seconds": 60},
    "poll.open": {"question": "表决", "kind": "yes_no_abstain"},
}
TARGET_FIELD = {
    "agenda.goto": "item_id",
    "round.start": "round_id",
    "floor.grant": "entry_id",
    "queue.remove": "entry_id",
    "lineup.skip": "participant_id",
    "poll.close": "poll_id",
    "hand.raise": "kind",
}

# Collects the command buttons of a page in one round trip.
BUTTONS_JS = """() => [...document.querySelectorAll('button[data-command]')].map(b => ({
  command: b.dataset.command, key: b.dataset.key ?? '', disabled: b.disabled,
  label: (b.getAttribute('aria-label') || b.textContent || '').trim()}))"""


def command_of(command: str, key: str) -> Command:
    """The command a button sends, from its type and target (as the console builds it)."""
    if command == "queue.move":
        entry_id, position = key.split(":")
        return Command(command, {"entry_id": entry_id, "position": int(position)})
    if command == "round.start" and key == "next":
        return Command(command, {})
    if command == "poll.close":
        return Command(command, {"poll_id": key}, StoredVotes((), ()))
    if command in TARGET_FIELD:
        return Command(command, {TARGET_FIELD[command]: key})
    return Command(command, dict(PLAIN_DATA.get(command, {})))


async def machine_state(db: Database, meeting_id: int) -> Any:
    async with db.session() as session:
        stored = await session.get(LiveMeeting, meeting_id)
        assert stored is not None
        rows = await session.scalars(
            select(MeetingEvent)
            .where(MeetingEvent.meeting_id == meeting_id)
            .order_by(MeetingEvent.seq)
        )
        events = [MachineEvent(r.type, r.data) for r in rows]
    return replay(MeetingSetup.from_dict(stored.setup), events)


def refused(state: Any, command: Command, actor: Actor) -> bool:
    try:
        decide(state, command, actor, time.time())
    except Refusal:
        return True
    return False


async def agree(
    page: Page, db: Database, meeting_id: int, who: str, *, least: int = 1
) -> list[dict[str, Any]]:
    """Wait (at most 10 s) until every command button on `page` is disabled exactly when the
    machine refuses its command from `who`; returns the buttons compared."""
    deadline = time.monotonic() + 10
    while True:
        state = await machine_state(db, meeting_id)
        actor = actor_for(state, who)
        buttons: list[dict[str, Any]] = await page.evaluate(BUTTONS_JS)
        wrong = [
            b
            for b in buttons
            if b["disabled"] != refused(state, command_of(b["command"], b["key"]), actor)
        ]
        if not wrong and len(buttons) >= least:
            return buttons
        if time.monotonic() > deadline:
            raise AssertionError(f"buttons that disagree with the machine: {wrong}")
        await asyncio.sleep(0.25)


def enabled(buttons: Sequence[dict[str, Any]], command: str) -> list[str]:
    return [b["key"] for b in buttons if b["command"] == command and not b["disabled"]]


async def test_every_console_button_is_enabled_exactly_when_the_machine_would_accept_it(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    database_url: str,
) -> None:
    agenda = [{"title": title, "template": "typical"} for title in ITEMS]
    meeting = await new_meeting(http, admin_token, demo, agenda=agenda)
    mid = meeting["id"]
    accounts = demo["accounts"]
    db = Database(database_url)
    member: LiveUser | None = None
    chair: LiveUser | None = None
    seats = []
    try:
        chair = await connect_user(
            server, await login_token(server, accounts["moderator"]), "主持人"
        )
        me = (await chair.join(mid))["participant_id"]
        member_account = accounts["members"][0]
        member = await connect_user(
            server, await login_token(server, member_account), member_account["name"]
        )
        await member.join(mid)
        m = f"/m/{mid}"
        console, phone, screen = await asyncio.gather(
            sit_down(browser, server, accounts["moderator"], f"{m}/moderate", viewport=CONSOLE),
            sit_down(browser, server, accounts["members"][1], m, viewport=PHONE, phone=True),
            sit_down(browser, server, accounts["staff"], f"{m}/screen", viewport=PROJECTOR),
        )
        seats = [console, phone, screen]
        mod = console.page

        async def check(least: int = 1) -> list[dict[str, Any]]:
            return await agree(mod, db, mid, me, least=least)

        async def click(name: str) -> None:
            await mod.get_by_role("button", name=name, exact=True).click()

        # The lobby: only the start (and closing) is possible.
        buttons = await check()
        assert enabled(buttons, "round.start") == []

        await mod.get_by_role("button", name="开始会议（进入第一项议程）").click()
        await expect(mod.get_by_text("将开始：介绍议题")).to_be_visible()
        buttons = await check(least=8)
        assert len(enabled(buttons, "round.start")) == 9  # 下一环节 and each of the 8 rounds

        for index, title in enumerate(ROUNDS):
            await click("下一环节")
            await expect(mod.get_by_test_id("current-round-status")).to_have_text(title)
            buttons = await check()
            # While a round runs, no round starts and 下一环节 waits for its end.
            assert enabled(buttons, "round.start") == []
            assert enabled(buttons, "round.end") == [""]
            if index == 0:
                await click("下一位")  # the chair's own introduction
                await expect(mod.get_by_test_id("floor-speaker")).not_to_have_text("")
                await check()
                await click("结束发言")
                await expect(mod.get_by_test_id("floor-speaker")).to_have_text("")
                await check()
            if title == "自由讨论":
                assert (await member.send("hand.raise", {"kind": "speech"}))["ok"]
                await expect(mod.get_by_test_id("queue").locator(":scope > li")).to_have_count(1)
                buttons = await check()
                assert len(enabled(buttons, "floor.grant")) == 1
                await click("关闭队列")
                await expect(mod.get_by_role("button", name="重新开放队列")).to_be_visible()
                await check()
                # The member on the phone cannot raise a hand now, and is told why.
                hand = phone.page.get_by_role("button", name="举手", exact=True)
                await expect(hand).to_be_disabled()
                await expect(phone.page.get_by_test_id("hand-closed")).to_be_visible()
                await click("重新开放队列")
                await expect(hand).to_be_enabled()
                await click("下一位")
                await expect(mod.get_by_test_id("floor-speaker")).to_have_text(member.name)
                await check()
            if title == "表决":
                opened = await chair.send(
                    "poll.open", {"question": "是否同意加装电梯？", "kind": "yes_no_abstain"}
                )
                assert opened["ok"], opened
                await expect(mod.get_by_role("button", name="结束表决")).to_be_visible()
                await check()
                # An open poll is counted first: closing the meeting waits for it.
                await expect(mod.get_by_role("button", name="结束会议")).to_be_disabled()
                await click("结束表决")
                await expect(mod.get_by_role("button", name="结束表决")).to_have_count(0)
                await check()
            await click("结束本环节")
            await expect(mod.get_by_test_id("current-round-status")).to_have_text("")
            await check()

        # Every round of the first item has run: 下一环节 moves on to the next item.
        moving_on = f"本项议程的环节已全部进行，将进入下一项：{ITEMS[1]}"
        await expect(mod.get_by_text(moving_on)).to_be_visible()
        buttons = await check()
        assert len(set(enabled(buttons, "agenda.goto"))) == 1
        await click("下一环节")
        await expect(mod.get_by_text("将开始：介绍议题")).to_be_visible()
        await check()

        # Closing now leaves the second item's eight rounds undone, and the console says so.
        await click("结束会议")
        confirm = mod.get_by_test_id("close-confirm")
        await expect(confirm).to_contain_text("还有 8 个环节没有进行")
        await expect(confirm).to_contain_text(f"{ITEMS[1]}：介绍议题、情况通报")
        await confirm.get_by_role("button", name="确认结束会议").click()
        await expect(mod.get_by_test_id("meeting-ended")).to_have_text("会议已结束")
        buttons = await check()
        assert [b for b in buttons if not b["disabled"]] == []
        await expect(phone.page.get_by_role("status").filter(has_text="会议已结束")).to_be_visible()
        await expect(screen.page.get_by_test_id("meeting-ended")).to_be_visible()
    finally:
        for seat in seats:
            await seat.close()
        for user in (member, chair):
            if user is not None:
                await user.client.disconnect()
        await db.close()
