"""The voting tablet (表决器, /m/{id}/kiosk) and the room screen: a participant without a
phone votes on the tablet, and the projected screen only calls them to it, never a ballot.
Screenshots of the tablet and the screen go to test-artifacts/ for the user guide.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from playwright.async_api import Browser, Page, expect

from tests.browser.live_views import CONSOLE, PHONE, PROJECTOR, TABLET, new_meeting, sit_down
from tests.conftest import live_client, login_token

pytestmark = pytest.mark.browser

LABELS = ("赞成", "反对", "弃权")


class Desk:
    """A python client in the meeting as one account (the staff at the door, say)."""

    def __init__(self, client: socketio.AsyncClient, meeting_id: int) -> None:
        self.client = client
        self.meeting_id = meeting_id
        self.sent = 0

    async def join(self) -> dict[str, Any]:
        ack: dict[str, Any] = await self.client.call(
            "join", {"meeting_id": self.meeting_id}, namespace="/live"
        )
        assert ack["ok"], ack
        return ack

    async def send(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        self.sent += 1
        ack: dict[str, Any] = await self.client.call(
            "command",
            {"id": f"desk-{self.sent}-{type_}", "type": type_, "data": data},
            namespace="/live",
        )
        assert ack["ok"], ack
        return ack

    async def participant_id(self, name: str) -> str:
        people = (await self.join())["snapshot"]["participants"]
        return str(next(p["participant_id"] for p in people if p["name"] == name))


async def desk(server: str, account: dict[str, str], meeting_id: int) -> Desk:
    client = await live_client(server, {"token": await login_token(server, account)})
    joined = Desk(client, meeting_id)
    await joined.join()
    return joined


async def shows_no_ballot(screen: Page) -> None:
    """Nothing on the projected screen can be pressed, and no option is named."""
    await expect(screen.get_by_role("button")).to_have_count(0)
    await expect(screen.get_by_role("dialog")).to_have_count(0)
    for label in LABELS:
        await expect(screen.locator("body")).not_to_contain_text(label)


async def test_a_secret_vote_on_the_voting_tablet_is_never_shown_to_the_room(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
    artifacts: Path,
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=1)
    m = f"/m/{meeting['id']}"
    accounts = demo["accounts"]
    member = accounts["members"][0]
    screen = await sit_down(browser, server, accounts["staff"], f"{m}/screen", viewport=PROJECTOR)
    kiosk = await sit_down(
        browser, server, accounts["staff"], f"{m}/kiosk", viewport=TABLET, ready="kiosk"
    )
    moderator = await sit_down(
        browser, server, accounts["moderator"], f"{m}/moderate", viewport=CONSOLE
    )
    door = await desk(server, accounts["staff"], meeting["id"])
    tablet, mod = kiosk.page, moderator.page
    try:
        await expect(tablet.get_by_role("heading", name="表决器待命")).to_be_visible()
        # The member signed the paper list at the door; they have no phone.
        member_id = await door.participant_id(member["name"])
        await door.send("attendance.check_in", {"mode": "in_room", "participant_id": member_id})

        await mod.get_by_label("模板").select_option(label="表决：赞成/反对/弃权（无记名）")
        await mod.get_by_role("button", name="开始表决").click()
        await expect(tablet.get_by_text("正在表决：")).to_be_visible()
        await mod.get_by_text("查看名单", exact=True).click()
        await mod.get_by_role("button", name=f"表决器投票：{member['name']}").click()

        # The room is told who goes to the tablet, and nothing more.
        call = screen.page.get_by_test_id("kiosk-call")
        await expect(call).to_have_text(f"请{member['name']}在表决器上投票")
        await shows_no_ballot(screen.page)
        await expect(mod.get_by_text(f"表决器正在等待{member['name']}投票。")).to_be_visible()

        # The tablet names the voter, big, and one button per option.
        await expect(tablet.get_by_test_id("kiosk-voter")).to_have_text(member["name"])
        await expect(tablet.get_by_role("button", name="赞成")).to_be_visible()
        await expect(tablet.get_by_role("button", name="反对")).to_be_visible()
        await tablet.screenshot(path=str(artifacts / "live-kiosk.png"))
        await screen.page.screenshot(path=str(artifacts / "live-screen-kiosk.png"))
        await tablet.get_by_role("button", name="赞成").click()
        # One tap chose, it did not vote: the server has no vote yet.
        await expect(tablet.get_by_text("您选择了「赞成」")).to_be_visible()
        assert (await door.join())["tallies"][0]["votes"] == 0
        await tablet.get_by_role("button", name="确认投票").click()

        await expect(tablet.get_by_text("已投票，谢谢")).to_be_visible()
        for label in LABELS:
            await expect(tablet.locator("body")).not_to_contain_text(label)
        await expect(call).to_have_count(0)
        await shows_no_ballot(screen.page)
        # Then it waits for the next voter, still without a word of the choice.
        await expect(tablet.get_by_role("heading", name="表决器待命")).to_be_visible()
        for label in LABELS:
            await expect(tablet.locator("body")).not_to_contain_text(label)

        # The server counted it: one vote while open, 赞成 1 at the close.
        tally = (await door.join())["tallies"][0]
        assert tally["votes"] == 1 and tally["counts"] is None
        await mod.get_by_role("button", name="结束表决").click()
        await expect(screen.page.get_by_test_id("poll-result")).to_contain_text("赞成 1 票")
        poll = (await door.join())["snapshot"]["polls"][0]
        assert poll["secret"] and poll["status"] == "closed"
        assert poll["result"]["counts"] == {"yes": 1, "no": 0, "abstain": 0}
    finally:
        await door.client.disconnect()
        for seat in (screen, kiosk, moderator):
            await seat.close()


async def test_the_room_screen_never_shows_voting_buttons(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=1)
    accounts = demo["accounts"]
    member = accounts["members"][0]
    screen = await sit_down(
        browser, server, accounts["staff"], f"/m/{meeting['id']}/screen", viewport=PROJECTOR
    )
    door = await desk(server, accounts["staff"], meeting["id"])
    page = screen.page
    try:
        await shows_no_ballot(page)
        member_id = await door.participant_id(member["name"])
        await door.send("attendance.check_in", {"mode": "in_room", "participant_id": member_id})
        # A named poll with live results: the screen shows the counts, never a button.
        question = "是否同意在小区增设电动车充电棚？"
        await door.send("poll.open", {"question": question, "kind": "yes_no_abstain"})
        await expect(page.get_by_role("heading", name=question)).to_be_visible()
        await expect(page.get_by_role("button")).to_have_count(0)

        await door.send("kiosk.unlock", {"poll_id": "p1", "participant_id": member_id})
        # Long enough for the unlock to reach the screen: nothing to press appears on it.
        await asyncio.sleep(1.0)
        await expect(page.get_by_role("button")).to_have_count(0)
        await expect(page.get_by_role("dialog")).to_have_count(0)
        await expect(page.get_by_test_id("kiosk-call")).to_have_text(
            f"请{member['name']}在表决器上投票"
        )
        await expect(page.get_by_role("button")).to_have_count(0)

        vote = {"poll_id": "p1", "choice": "no", "on_behalf_of": member_id}
        await door.send("vote.cast", vote)
        await expect(page.get_by_test_id("kiosk-call")).to_have_count(0)
        await expect(page.get_by_role("button")).to_have_count(0)

        await door.send("poll.close", {"poll_id": "p1"})
        await expect(page.get_by_test_id("poll-result")).to_contain_text("反对 1 票")
        await expect(page.get_by_role("button")).to_have_count(0)
    finally:
        await door.client.disconnect()
        await screen.close()


async def test_the_voting_tablet_wants_a_staff_account_and_forgets_a_cancelled_choice(
    browser: Browser,
    server: str,
    http: httpx.AsyncClient,
    admin_token: str,
    demo: dict[str, Any],
) -> None:
    meeting = await new_meeting(http, admin_token, demo, members=1)
    m = f"/m/{meeting['id']}/kiosk"
    accounts = demo["accounts"]
    member = accounts["members"][0]
    # A participant's account cannot vote for others: the page says what to do instead.
    theirs = await sit_down(browser, server, member, m, viewport=PHONE, phone=True, ready="kiosk")
    try:
        await expect(theirs.page.get_by_role("alert")).to_contain_text(
            "表决器要用工作人员或主持人的账号登录"
        )
        await expect(theirs.page.get_by_role("button")).to_have_count(0)
    finally:
        await theirs.close()

    kiosk = await sit_down(browser, server, accounts["staff"], m, viewport=PHONE, ready="kiosk")
    door = await desk(server, accounts["staff"], meeting["id"])
    tablet = kiosk.page
    try:
        member_id = await door.participant_id(member["name"])
        await door.send("attendance.check_in", {"mode": "in_room", "participant_id": member_id})
        await door.send(
            "poll.open", {"question": "是否同意议事角周末开放？", "kind": "yes_no_abstain"}
        )
        unlock = {"poll_id": "p1", "participant_id": member_id}
        await door.send("kiosk.unlock", unlock)
        await tablet.get_by_role("button", name="弃权").click()
        await expect(tablet.get_by_text("您选择了「弃权」")).to_be_visible()
        # Staff cancel while the choice waits for its confirmation: nothing was cast, and
        # the tablet forgets the choice.
        await door.send("kiosk.cancel", {})
        await expect(tablet.get_by_role("heading", name="表决器待命")).to_be_visible()
        await expect(tablet.locator("body")).not_to_contain_text("弃权")
        assert (await door.join())["tallies"][0]["votes"] == 0
        # Unlocked again, the ballot starts afresh.
        await door.send("kiosk.unlock", unlock)
        await expect(tablet.get_by_test_id("kiosk-voter")).to_have_text(member["name"])
        await expect(tablet.get_by_role("button", name="确认投票")).to_have_count(0)
        await expect(tablet.get_by_role("button", name="弃权")).to_be_visible()
    finally:
        await door.client.disconnect()
        await kiosk.close()
